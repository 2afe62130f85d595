#pragma once
// NVMe-oF connection properties, parsed and validated. Cinder sends an old
// format (nqn, target_portal, target_port, transport_type) and a new one
// (target_nqn, portals, vol_uuid, optionally volume_replicas for an md RAID1 of
// several targets); both normalise into the same Properties.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "brick/properties/common.hpp"

namespace brick::nvmeof {

enum class Transport { tcp, rdma };
std::string_view transport_name(Transport transport);  // "tcp", "rdma": nvme connect -t

// One address of a subsystem.
struct TargetPortal {
    std::string address;  // IPv4, IPv6 (bare) or DNS name: nvme connect -a
    std::uint16_t port = 4420;
    Transport transport = Transport::tcp;
    bool operator==(const TargetPortal&) const = default;
};

// One subsystem holding the volume's namespace (one per replica).
struct Target {
    std::string nqn;
    std::vector<TargetPortal> portals;  // never empty after parsing
    std::string uuid;                   // namespace UUID, 8-4-4-4-12 lower-case, or empty
    std::string nguid;                  // 32 lower-case hex digits, or empty
    std::optional<std::uint32_t> ns_id;
    std::string host_nqn;  // nvme connect -q, or empty for the host's own
    bool operator==(const Target&) const = default;
};

struct Properties {
    // One target, or one per replica (volume_replicas). Never empty.
    std::vector<Target> targets;
    bool old_format = false;          // nqn/target_portal/target_port/transport_type
    bool replicas_given = false;      // volume_replicas was given
    std::uint32_t replica_count = 0;  // replica_count or the number of replicas; 0 without
    std::string alias;                // md device name (/dev/md/<alias>), with replicas
    std::string volume_uuid;          // Cinder's volume ID (top-level vol_uuid), with replicas
    AccessMode access_mode = AccessMode::read_write;
    bool encrypted = false;
    std::string device_path;  // set by Nova on later calls, or empty

    // More than one replica: the legs are assembled into an md RAID1.
    bool replicated() const { return replicas_given && replica_count > 1; }
};

// Parses the data dict (see unwrap_connection_info); never modifies it.
Properties parse_properties(const nlohmann::json& data);

// The normalised properties as JSON, secrets masked (for `brick validate`).
nlohmann::json to_json(const Properties& properties);

}  // namespace brick::nvmeof
