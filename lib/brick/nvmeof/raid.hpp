#pragma once
// md RAID1 over NVMe-oF replicas (volume_replicas), through mdadm.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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

// The output of `blockdev --getsize64`: one decimal number and a newline;
// nullopt for anything else.
std::optional<std::uint64_t> parse_size_output(std::string_view out);

}  // namespace brick::nvmeof
