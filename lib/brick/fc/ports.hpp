#pragma once
// Fibre Channel ports as the kernel's FC transport class shows them in sysfs,
// parsed once into typed values:
//   /sys/class/fc_host/hostH              this host's initiator ports (one SCSI host each)
//   /sys/class/fc_remote_ports/rport-H:C-N the remote ports each initiator port sees
//   /sys/class/fc_transport/targetH:C:T   SCSI targets on remote ports (while they have LUNs)
// Reading sysfs costs no program run.

#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::fc {

// An initiator port: an HBA port of this host.
struct HostPort {
    unsigned scsi_host = 0;  // H of hostH
    std::string wwpn;        // 16 lower-case hex digits, no 0x
    std::string wwnn;
    std::string port_state;  // "Online", "Linkdown", "Offline", ...
    // The udev by-path prefix of the port's parent device: "pci-0000:05:00.3",
    // or "platform-<name>-pci-..." when the PCI bus hangs off a platform
    // device; empty when the port is on neither (no by-path names then).
    std::string by_path_prefix;
    bool online() const { return port_state == "Online"; }
};

// A remote port seen through an initiator port.
struct RemotePort {
    unsigned scsi_host = 0;  // H of rport-H:C-N
    unsigned channel = 0;    // C: the SCSI channel of its target
    unsigned number = 0;     // N
    std::string wwpn;
    std::string wwnn;
    std::string port_state;  // "Online", "Blocked", "Not Present"
    std::string roles;       // "FCP Target", ...
    // The SCSI target id the transport bound to the port; nullopt while it
    // has none (-1: not a target, or not yet registered as one).
    std::optional<unsigned> scsi_target_id;
    bool online() const { return port_state == "Online"; }
};

// Every /sys/class/fc_host port, sorted by SCSI host. Ports whose attributes
// cannot be read are skipped.
std::vector<HostPort> read_host_ports(Host& host);

// Every /sys/class/fc_remote_ports port, sorted by (host, channel, number).
std::vector<RemotePort> read_remote_ports(Host& host);

// "500a0981891b8dc5" from "0x500a0981891b8dc5\n" (sysfs spelling); nullopt
// when the text is not 16 hex digits.
std::optional<std::string> parse_port_name(const std::string& text);

// The by-path prefix for a device path below /sys/devices (the resolved
// fc_host link): the component before "hostH" or "net" is the PCI address,
// and a "platform" parent adds "platform-<name>-" as udev's path_id does.
std::string by_path_prefix_of(const std::string& device_path);

}  // namespace brick::fc
