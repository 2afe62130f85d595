#pragma once
// Kernel RBD mappings (/sys/bus/rbd/devices/<id>) parsed once into typed values.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::rbd {

struct MappedDevice {
    unsigned id = 0;    // /dev/rbd<id>
    std::string pool;   // pool
    std::string image;  // name
    std::string snap;   // current_snap; "-" for the image head
    std::uint64_t size_bytes = 0;
    std::string device_path() const { return "/dev/rbd" + std::to_string(id); }
    std::string sysfs_dir() const { return "/sys/bus/rbd/devices/" + std::to_string(id); }
};

std::vector<MappedDevice> read_mapped(Host& host);

// The mapping of pool/spec ("image" or "image@snap"), if mapped.
std::optional<MappedDevice> find_mapped(Host& host, const std::string& pool,
                                        const std::string& spec);

// udev's name for a mapping (ceph-common's 50-rbd.rules, ceph-rbdnamer):
// /dev/rbd/<pool>/<image>[@<snap>].
std::string udev_link(const std::string& pool, const std::string& spec);

}  // namespace brick::rbd
