#pragma once
// NFS (remotefs) connection properties, parsed and validated.

#include <string>
#include <vector>

#include "brick/properties/common.hpp"

namespace brick::nfs {

struct Properties {
    std::string export_spec;  // "server:/path" as mount takes it (IPv6 servers in brackets)
    std::string server;       // without brackets
    std::string export_path;  // absolute
    std::string name;         // the volume's file in the mounted share
    std::vector<std::string> options;  // data.options split on blanks: mount flags
    AccessMode access_mode = AccessMode::read_write;
};

// Parses the data dict (see unwrap_connection_info); never modifies it.
Properties parse_properties(const nlohmann::json& data);

// The normalised properties as JSON (for `brick validate`).
nlohmann::json to_json(const Properties& properties);

}  // namespace brick::nfs
