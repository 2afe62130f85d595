#include "brick/local/properties.hpp"

#include "brick/properties/reader.hpp"
#include "brick/properties/text.hpp"

namespace brick::local {

Properties parse_properties(const nlohmann::json& data) {
    register_secrets_in(data);
    const ObjectReader in(data, "data");
    Properties props;
    const auto field = in.field("device_path");
    props.device_path = parse_absolute_path(
        field, require_string(field, in.require("device_path", "an absolute device path")),
        "a device path");
    if (const auto* mode = in.find("access_mode")) {
        props.access_mode = parse_access_mode(in.field("access_mode"), *mode);
    }
    return props;
}

nlohmann::json to_json(const Properties& properties) {
    return {{"device_path", properties.device_path},
            {"access_mode", access_mode_name(properties.access_mode)}};
}

}  // namespace brick::local
