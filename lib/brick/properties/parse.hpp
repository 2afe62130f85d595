#pragma once
// One entry point for every protocol's connection properties.

#include <nlohmann/json.hpp>
#include <variant>

#include "brick/fc/properties.hpp"
#include "brick/iscsi/properties.hpp"
#include "brick/local/properties.hpp"
#include "brick/nfs/properties.hpp"
#include "brick/nvmeof/properties.hpp"
#include "brick/properties/common.hpp"
#include "brick/rbd/properties.hpp"

namespace brick {

// iscsi and iser share iscsi::Properties (iser sets iface "iser").
using AnyProperties = std::variant<iscsi::Properties, fc::Properties, nvmeof::Properties,
                                   rbd::Properties, nfs::Properties, local::Properties>;

// Unwraps document (connection_info or bare data, checked against protocol)
// and parses it. Throws invalid_properties naming the field.
AnyProperties parse_any_properties(Protocol protocol, const nlohmann::json& document);

// The normalised properties as JSON with every secret masked.
nlohmann::json to_json(const AnyProperties& properties);

// What `brick validate PROTOCOL` prints:
// {"driver_volume_type": "<cinder name>", "properties": {...normalised, masked...}}.
// Touches nothing on the host; never modifies document.
nlohmann::json validate_properties(Protocol protocol, const nlohmann::json& document);

}  // namespace brick
