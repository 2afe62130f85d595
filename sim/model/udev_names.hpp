#pragma once
// udev's naming rules for persistent links (60-persistent-storage.rules and
// path_id), as systemd 252 on Debian 12 applies them.

#include <cstdint>
#include <string>

#include "sim/model/portal.hpp"

namespace brick::sim {

// The LUN as path_id writes it: decimal below 256, else the 64-bit SCSI LUN
// in hex with the two 16-bit levels swapped: 0x%04x%04x00000000.
std::string by_path_lun(std::uint64_t lun);

// "/dev/disk/by-path/ip-<address>:<port>-iscsi-<iqn>-lun-<lun>", IPv6 without brackets.
std::string iscsi_by_path_link(const Portal& portal, const std::string& iqn, std::uint64_t lun);

// "/dev/disk/by-path/pci-<pci address>-fc-0x<target port wwpn>-lun-<lun>": path_id
// names an FC disk by its HBA's PCI function and the remote port's name.
std::string fc_by_path_link(const std::string& pci_address, const std::string& wwpn,
                            std::uint64_t lun);

// Characters udev keeps in ID_* values; others (white space) become "_".
std::string udev_safe(const std::string& text);

}  // namespace brick::sim
