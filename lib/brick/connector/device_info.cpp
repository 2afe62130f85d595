#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "brick/properties/text.hpp"

namespace brick {
namespace {

// A WWID as connect returned it (scsi_id's identifier: a type digit and hex,
// or T10 text with white space turned into '_'): printable ASCII without
// white space, at most 255 bytes. It reaches log lines and multipath's argv.
std::string parse_wwid(const std::string& field, const nlohmann::json& value) {
    auto text = require_string(field, value);
    if (text.size() > 255) {
        throw_invalid(
            field, "a WWID of at most 255 bytes (got " + std::to_string(text.size()) + " bytes)");
    }
    for (const char c : text) {
        if (c <= 0x20 || c >= 0x7f) {
            throw_invalid(field, "a WWID of printable characters without white space (got " +
                                     describe_text(text) + ")");
        }
    }
    return text;
}

}  // namespace

nlohmann::json DeviceInfo::to_json() const {
    nlohmann::json out{{"type", type}, {"path", path}};
    if (scsi_wwn) {
        out["scsi_wwn"] = *scsi_wwn;
    }
    if (multipath_id) {
        out["multipath_id"] = *multipath_id;
    }
    if (read_only) {
        out["read_only"] = true;
    }
    return out;
}

DeviceInfo DeviceInfo::from_json(const nlohmann::json& value) {
    if (!value.is_object()) {
        throw_invalid("device_info", "a JSON object with at least \"path\"");
    }
    DeviceInfo info;
    if (value.contains("type") && !value["type"].is_null()) {
        info.type =
            parse_safe_name("device_info.type", require_string("device_info.type", value["type"]),
                            "a device type", "_-");
    }
    if (value.contains("path") && !value["path"].is_null()) {
        // Names a device under /dev; parts of it name sysfs directories.
        info.path = parse_absolute_path(
            "device_info.path", require_string("device_info.path", value["path"]), "a device path");
    }
    if (value.contains("scsi_wwn") && !value["scsi_wwn"].is_null()) {
        info.scsi_wwn = parse_wwid("device_info.scsi_wwn", value["scsi_wwn"]);
    }
    if (value.contains("multipath_id") && !value["multipath_id"].is_null()) {
        info.multipath_id = parse_wwid("device_info.multipath_id", value["multipath_id"]);
    }
    if (value.contains("read_only") && !value["read_only"].is_null()) {
        info.read_only = parse_bool("device_info.read_only", value["read_only"]);
    }
    return info;
}

}  // namespace brick
