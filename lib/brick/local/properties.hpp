#pragma once
// Local (same host) connection properties: a block device path.

#include <string>

#include "brick/properties/common.hpp"

namespace brick::local {

struct Properties {
    std::string device_path;  // absolute, no "." or ".." components
    AccessMode access_mode = AccessMode::read_write;
};

// Parses the data dict (see unwrap_connection_info); never modifies it.
Properties parse_properties(const nlohmann::json& data);

// The normalised properties as JSON (for `brick validate`).
nlohmann::json to_json(const Properties& properties);

}  // namespace brick::local
