#pragma once
// Fibre Channel connection properties, parsed and validated.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "brick/properties/common.hpp"

namespace brick::fc {

// One remote port and the LUN the volume has behind it.
struct Target {
    std::string wwpn;  // 16 lower-case hex digits
    std::uint64_t lun = 0;
    bool operator==(const Target&) const = default;
};

// SCSI LUN addressing (os-brick 6.4+ honours it; "SAM2" is the default).
enum class AddressingMode { sam, sam2, sam3_flat };
std::string_view addressing_mode_name(AddressingMode mode);  // "SAM", "SAM2", "SAM3-flat"

struct Properties {
    // target_wwns (or target_wwn, a string or a list) zipped with target_luns,
    // or each WWN with the single target_lun. Never empty after parsing.
    std::vector<Target> targets;
    // Local WWPN -> target WWPNs it reaches (all 16 lower-case hex digits);
    // restricts which HBAs are scanned. Empty when not given.
    std::map<std::string, std::vector<std::string>> initiator_target_map;
    bool target_discovered = false;
    std::optional<AddressingMode> addressing_mode;
    bool enable_wildcard_scan = true;
    AccessMode access_mode = AccessMode::read_write;
    bool encrypted = false;
    // WWID the device must carry when the service tells it (key "scsi_wwn"), else empty.
    std::string expected_wwid;
};

// Parses the data dict (see unwrap_connection_info); never modifies it.
Properties parse_properties(const nlohmann::json& data);

// The normalised properties as JSON (for `brick validate`).
nlohmann::json to_json(const Properties& properties);

}  // namespace brick::fc
