#pragma once
// md RAID1 over NVMe-oF replicas (volume_replicas), through mdadm.

#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::nvmeof {

// Assembles the array when the legs carry md metadata, else creates it;
// runs degraded when fewer legs than replicas are present. Returns
// /dev/md/<alias> once it exists.
std::string assemble_raid(Host& host, const std::string& alias,
                          const std::vector<std::string>& legs, unsigned replicas, Duration wait,
                          Duration command_timeout);

// Stops /dev/md/<alias> (which flushes it); a missing array is fine.
void stop_raid(Host& host, const std::string& alias, Duration command_timeout);

// `mdadm --grow --size max`; returns the array's size in bytes.
std::uint64_t grow_raid(Host& host, const std::string& alias, Duration command_timeout);

}  // namespace brick::nvmeof
