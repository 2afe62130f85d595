#pragma once
// iSCSI connection properties, parsed and validated.

#include <optional>
#include <string>
#include <vector>

#include "brick/properties/common.hpp"

namespace brick::iscsi {

// One path to the volume: where to log in and which LUN to look for.
struct Target {
    Portal portal;
    std::string iqn;
    std::uint64_t lun = 0;
    bool operator==(const Target&) const = default;
};

struct Properties {
    // target_portal(s)/target_iqn(s)/target_lun(s) zipped in order; the plural
    // keys win when present. Never empty after parsing.
    std::vector<Target> targets;
    bool plural_keys = false;  // target_portals was given
    bool target_discovered = false;
    std::optional<ChapCredentials> session_chap;    // auth_method/auth_username/...
    std::optional<ChapCredentials> discovery_chap;  // discovery_auth_*
    std::string discovery_method;                   // "" or "sendtargets"
    std::string iface = "default";                  // iscsiadm --interface ("default", "iser")
    AccessMode access_mode = AccessMode::read_write;
    std::string volume_id;
    bool encrypted = false;
    // WWID the device must carry when the service tells it (key "scsi_wwn"), else empty.
    std::string expected_wwid;
};

// Parses the data dict (see unwrap_connection_info). Registers CHAP secrets.
Properties parse_properties(const nlohmann::json& data, bool iser = false);

// The normalised properties as JSON, secrets masked (for `brick validate`).
nlohmann::json to_json(const Properties& properties);

}  // namespace brick::iscsi
