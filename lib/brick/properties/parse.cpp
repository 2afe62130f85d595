#include "brick/properties/parse.hpp"

#include "brick/host/trace.hpp"

namespace brick {

AnyProperties parse_any_properties(Protocol protocol, const nlohmann::json& document) {
    const auto info = unwrap_connection_info(document, protocol);
    switch (protocol) {
        case Protocol::iscsi:
            return iscsi::parse_properties(info.data, false);
        case Protocol::iser:
            return iscsi::parse_properties(info.data, true);
        case Protocol::fibre_channel:
            return fc::parse_properties(info.data);
        case Protocol::nvmeof:
            return nvmeof::parse_properties(info.data);
        case Protocol::rbd:
            return rbd::parse_properties(info.data);
        case Protocol::nfs:
            return nfs::parse_properties(info.data);
        case Protocol::local:
            return local::parse_properties(info.data);
    }
    return iscsi::parse_properties(info.data, false);
}

nlohmann::json to_json(const AnyProperties& properties) {
    // Each to_json masks its own secrets; mask_json also catches any
    // registered secret that ended up in another value.
    return mask_json(std::visit([](const auto& value) { return to_json(value); }, properties));
}

nlohmann::json validate_properties(Protocol protocol, const nlohmann::json& document) {
    return {{"driver_volume_type", protocol_name(protocol)},
            {"properties", to_json(parse_any_properties(protocol, document))}};
}

}  // namespace brick
