#include "brick/core/error.hpp"
#include "brick/connector/connector.hpp"

namespace brick {

nlohmann::json DeviceInfo::to_json() const {
    nlohmann::json out{{"type", type}, {"path", path}};
    if (scsi_wwn) {
        out["scsi_wwn"] = *scsi_wwn;
    }
    if (multipath_id) {
        out["multipath_id"] = *multipath_id;
    }
    return out;
}

DeviceInfo DeviceInfo::from_json(const nlohmann::json& value) {
    if (!value.is_object()) {
        throw_invalid("device_info", "a JSON object with at least \"path\"");
    }
    DeviceInfo info;
    if (value.contains("type") && !value["type"].is_null()) {
        info.type = require_string("device_info.type", value["type"]);
    }
    if (value.contains("path") && !value["path"].is_null()) {
        info.path = require_string("device_info.path", value["path"]);
        if (info.path.front() != '/' || info.path.find("/../") != std::string::npos ||
            info.path.find('\n') != std::string::npos) {
            throw_invalid("device_info.path", "an absolute path without \"..\"");
        }
    }
    if (value.contains("scsi_wwn") && !value["scsi_wwn"].is_null()) {
        info.scsi_wwn = require_string("device_info.scsi_wwn", value["scsi_wwn"]);
    }
    if (value.contains("multipath_id") && !value["multipath_id"].is_null()) {
        info.multipath_id = require_string("device_info.multipath_id", value["multipath_id"]);
    }
    return info;
}

}  // namespace brick
