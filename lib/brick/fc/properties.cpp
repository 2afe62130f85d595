#include "brick/fc/properties.hpp"

#include "brick/core/error.hpp"
#include "brick/properties/reader.hpp"
#include "brick/properties/text.hpp"

namespace brick::fc {
namespace {

std::string wwn_at(const std::string& field, const nlohmann::json& value) {
    return parse_wwn(field, require_string(field, value));
}

// The WWNs and the field each came from: target_wwns wins over target_wwn,
// which may be one string or a list (os-brick's
// _add_targets_to_connection_properties).
std::vector<std::pair<std::string, std::string>> target_wwns(const ObjectReader& in) {
    std::vector<std::pair<std::string, std::string>> wwns;
    const auto add_list = [&](std::string_view key, const nlohmann::json& list) {
        const auto field = in.field(key);
        if (list.empty()) {
            throw_invalid(field, "a non-empty array of WWNs");
        }
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto item_field = index_field(field, i);
            wwns.emplace_back(wwn_at(item_field, list[i]), item_field);
        }
    };
    if (const auto* plural = in.array("target_wwns")) {
        add_list("target_wwns", *plural);
        // The singular key is a compatibility copy: check it when present.
        if (const auto* singular = in.find("target_wwn")) {
            if (singular->is_array()) {
                for (std::size_t i = 0; i < singular->size(); ++i) {
                    wwn_at(index_field(in.field("target_wwn"), i), (*singular)[i]);
                }
            } else {
                wwn_at(in.field("target_wwn"), *singular);
            }
        }
        return wwns;
    }
    const auto& singular =
        in.require("target_wwn", "a target WWN or an array of them (or target_wwns)");
    if (singular.is_array()) {
        add_list("target_wwn", singular);
    } else {
        wwns.emplace_back(wwn_at(in.field("target_wwn"), singular), in.field("target_wwn"));
    }
    return wwns;
}

std::vector<Target> parse_targets(const ObjectReader& in) {
    const auto wwns = target_wwns(in);
    std::vector<Target> targets;
    if (const auto* luns = in.array("target_luns"); luns != nullptr && !luns->empty()) {
        std::vector<std::uint64_t> values;
        for (std::size_t i = 0; i < luns->size(); ++i) {
            values.push_back(parse_lun(index_field(in.field("target_luns"), i), (*luns)[i]));
        }
        if (values.size() != wwns.size() && values.size() != 1) {
            throw_invalid(in.field("target_luns"), "one LUN, or one LUN per target WWN (" +
                                                       std::to_string(wwns.size()) + " WWNs, got " +
                                                       std::to_string(values.size()) + " LUNs)");
        }
        for (std::size_t i = 0; i < wwns.size(); ++i) {
            targets.push_back({wwns[i].first, values.size() == 1 ? values[0] : values[i]});
        }
        if (const auto* lun = in.find("target_lun")) {
            parse_lun(in.field("target_lun"), *lun);
        }
        return targets;
    }
    std::uint64_t lun = 0;
    if (const auto* value = in.find("target_lun")) {
        lun = parse_lun(in.field("target_lun"), *value);
    }
    for (const auto& wwn : wwns) {
        targets.push_back({wwn.first, lun});
    }
    return targets;
}

std::map<std::string, std::vector<std::string>> parse_initiator_target_map(const ObjectReader& in) {
    std::map<std::string, std::vector<std::string>> map;
    const auto* value = in.find("initiator_target_map");
    if (value == nullptr) {
        return map;
    }
    const ObjectReader entries(*value, in.field("initiator_target_map"));
    for (const auto& [initiator, targets] : value->items()) {
        const auto key_field = entries.field(initiator);
        const auto local = parse_wwn(key_field, initiator);
        if (!targets.is_array()) {
            throw_invalid(key_field, "an array of target WWPNs (got " +
                                         std::string(json_type_name(targets)) + ")");
        }
        auto& remote = map[local];
        for (std::size_t i = 0; i < targets.size(); ++i) {
            remote.push_back(wwn_at(index_field(key_field, i), targets[i]));
        }
    }
    return map;
}

AddressingMode parse_addressing_mode(const std::string& field, const std::string& text) {
    if (text == "SAM") {
        return AddressingMode::sam;
    }
    if (text == "SAM2") {
        return AddressingMode::sam2;
    }
    if (text == "SAM3-flat") {
        return AddressingMode::sam3_flat;
    }
    throw_invalid(field, R"("SAM", "SAM2" or "SAM3-flat" (got )" + describe_text(text) + ")");
}

}  // namespace

std::string_view addressing_mode_name(AddressingMode mode) {
    switch (mode) {
        case AddressingMode::sam:
            return "SAM";
        case AddressingMode::sam2:
            return "SAM2";
        case AddressingMode::sam3_flat:
            return "SAM3-flat";
    }
    return "SAM2";
}

Properties parse_properties(const nlohmann::json& data) {
    register_secrets_in(data);
    const ObjectReader in(data, "data");
    Properties props;
    props.targets = parse_targets(in);
    props.initiator_target_map = parse_initiator_target_map(in);
    props.target_discovered = in.boolean("target_discovered", false);
    if (const auto mode = in.string("addressing_mode")) {
        props.addressing_mode = parse_addressing_mode(in.field("addressing_mode"), *mode);
    }
    props.enable_wildcard_scan = in.boolean("enable_wildcard_scan", true);
    if (const auto* mode = in.find("access_mode")) {
        props.access_mode = parse_access_mode(in.field("access_mode"), *mode);
    }
    props.encrypted = in.boolean("encrypted", false);
    if (const auto wwid = in.string("scsi_wwn")) {
        // udev WWIDs ("36001405...") reach multipath's argv.
        props.expected_wwid = parse_safe_name(in.field("scsi_wwn"), *wwid, "a SCSI WWID");
    }
    return props;
}

nlohmann::json to_json(const Properties& properties) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& target : properties.targets) {
        targets.push_back({{"wwpn", target.wwpn}, {"lun", target.lun}});
    }
    nlohmann::json out = {{"targets", targets},
                          {"target_discovered", properties.target_discovered},
                          {"enable_wildcard_scan", properties.enable_wildcard_scan},
                          {"access_mode", access_mode_name(properties.access_mode)},
                          {"encrypted", properties.encrypted}};
    if (!properties.initiator_target_map.empty()) {
        out["initiator_target_map"] = properties.initiator_target_map;
    }
    if (properties.addressing_mode) {
        out["addressing_mode"] = addressing_mode_name(*properties.addressing_mode);
    }
    if (!properties.expected_wwid.empty()) {
        out["scsi_wwn"] = properties.expected_wwid;
    }
    return out;
}

}  // namespace brick::fc
