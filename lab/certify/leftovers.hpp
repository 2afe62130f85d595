#pragma once
// What an attached volume may leave on the initiator host after detach, found
// from its connection info and the device connect returned: iSCSI sessions
// and node records of its targets, SCSI disks and multipath maps with its
// WWID, udev links; NVMe-oF controllers of its subsystems, namespace devices
// with its UUID/NGUID and their links.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "brick/connector/connector.hpp"
#include "brick/host/host.hpp"

namespace brick::lab::certify {

std::vector<std::string> volume_leftovers(Host& host, const nlohmann::json& connection_info,
                                          const DeviceInfo& device);

}  // namespace brick::lab::certify
