#include "brick/iscsi/properties.hpp"

#include "brick/core/error.hpp"
#include "brick/core/secrets.hpp"
#include "brick/properties/chap.hpp"
#include "brick/properties/reader.hpp"
#include "brick/properties/text.hpp"

namespace brick::iscsi {
namespace {

constexpr std::uint16_t default_iscsi_port = 3260;

Portal portal_at(const std::string& field, const nlohmann::json& value) {
    return parse_portal(field, require_string(field, value), default_iscsi_port);
}

std::string iqn_at(const std::string& field, const nlohmann::json& value) {
    return parse_iscsi_name(field, require_string(field, value));
}

// The entries of a plural key, or the singular key repeated count times.
std::vector<nlohmann::json> plural_or_repeated(const ObjectReader& in, std::string_view plural,
                                               std::string_view singular, std::size_t count,
                                               std::string_view what) {
    if (const auto* list = in.array(plural)) {
        if (list->size() != count) {
            throw_invalid(in.field(plural), "an array of " + std::to_string(count) + " " +
                                                std::string(what) + ", one per entry of " +
                                                in.field("target_portals") + " (got " +
                                                std::to_string(list->size()) + ")");
        }
        return {list->begin(), list->end()};
    }
    const auto& value = in.require(singular, std::string(what) + " (or " + in.field(plural) +
                                                 ") to go with " + in.field("target_portals"));
    // Named, not returned as {count, value}: braces would pick the
    // initializer-list constructor and make a list of two JSON values.
    std::vector<nlohmann::json> repeated(count, value);
    return repeated;
}

// target_portals/target_iqns/target_luns zipped; missing iqns or luns repeat
// the singular key (os-brick's base_iscsi._get_luns and main_iqn handling).
std::vector<Target> plural_targets(const ObjectReader& in, const nlohmann::json& portals) {
    const auto portals_field = in.field("target_portals");
    if (portals.empty()) {
        throw_invalid(portals_field, "a non-empty array of portals host:port");
    }
    const auto count = portals.size();
    const auto iqns = plural_or_repeated(in, "target_iqns", "target_iqn", count, "IQNs");
    const auto luns = plural_or_repeated(in, "target_luns", "target_lun", count, "LUNs");
    const bool iqns_plural = in.has("target_iqns");
    const bool luns_plural = in.has("target_luns");
    std::vector<Target> targets;
    for (std::size_t i = 0; i < count; ++i) {
        Target target;
        target.portal = portal_at(index_field(portals_field, i), portals[i]);
        target.iqn =
            iqn_at(iqns_plural ? index_field(in.field("target_iqns"), i) : in.field("target_iqn"),
                   iqns[i]);
        target.lun = parse_lun(
            luns_plural ? index_field(in.field("target_luns"), i) : in.field("target_lun"),
            luns[i]);
        targets.push_back(std::move(target));
    }
    return targets;
}

// The singular keys. With plural keys they are backward-compatible copies that
// os-brick still reads on some paths, so they are checked whenever present.
std::optional<Target> singular_target(const ObjectReader& in, bool required) {
    const auto* portal = in.find("target_portal");
    const auto* iqn = in.find("target_iqn");
    if (!required) {
        if (portal) {
            portal_at(in.field("target_portal"), *portal);
        }
        if (iqn) {
            iqn_at(in.field("target_iqn"), *iqn);
        }
        if (const auto* lun = in.find("target_lun")) {
            parse_lun(in.field("target_lun"), *lun);
        }
        return std::nullopt;
    }
    Target target;
    target.portal =
        portal_at(in.field("target_portal"), in.require("target_portal", "a portal host:port"));
    target.iqn = iqn_at(in.field("target_iqn"), in.require("target_iqn", "an IQN"));
    if (const auto* lun = in.find("target_lun")) {
        target.lun = parse_lun(in.field("target_lun"), *lun);
    }
    return target;
}

std::string parse_discovery_method(const ObjectReader& in) {
    const auto method = in.string("discovery_method");
    if (!method) {
        return {};
    }
    if (*method != "sendtargets" && *method != "none") {
        throw_invalid(in.field("discovery_method"),
                      R"("sendtargets" or "none" (got )" + describe_text(*method) + ")");
    }
    return *method;
}

// iface names an iscsiadm interface file (/etc/iscsi/ifaces/<name>); transport
// selects the default interface of a transport.
std::string parse_iface(const ObjectReader& in, bool iser) {
    std::string iface = iser ? "iser" : "default";
    if (const auto transport = in.string("transport")) {
        if (*transport == "iser") {
            iface = "iser";
        } else if (*transport != "default" && *transport != "tcp") {
            throw_invalid(in.field("transport"),
                          R"("default", "tcp" or "iser" (got )" + describe_text(*transport) + ")");
        }
    }
    if (const auto name = in.string("iface")) {
        iface = parse_path_component(in.field("iface"), *name, "an iscsiadm interface name");
    }
    return iface;
}

}  // namespace

Properties parse_properties(const nlohmann::json& data, bool iser) {
    register_secrets_in(data);
    const ObjectReader in(data, "data");
    Properties props;
    if (const auto* portals = in.array("target_portals")) {
        props.targets = plural_targets(in, *portals);
        props.plural_keys = true;
        singular_target(in, false);
    } else {
        props.targets.push_back(*singular_target(in, true));
    }
    props.target_discovered = in.boolean("target_discovered", false);
    props.session_chap = parse_chap(in, "auth_");
    props.discovery_chap = parse_chap(in, "discovery_auth_");
    props.discovery_method = parse_discovery_method(in);
    props.iface = parse_iface(in, iser);
    if (const auto* mode = in.find("access_mode")) {
        props.access_mode = parse_access_mode(in.field("access_mode"), *mode);
    }
    if (const auto volume_id = in.string("volume_id")) {
        props.volume_id = parse_safe_name(in.field("volume_id"), *volume_id, "a volume ID");
    }
    props.encrypted = in.boolean("encrypted", false);
    if (const auto wwid = in.string("scsi_wwn")) {
        // udev WWIDs ("36001405...", "SATA_disk_serial") reach multipath's argv.
        props.expected_wwid = parse_safe_name(in.field("scsi_wwn"), *wwid, "a SCSI WWID");
    }
    return props;
}

nlohmann::json to_json(const Properties& properties) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& target : properties.targets) {
        targets.push_back(
            {{"portal", target.portal.to_string()}, {"iqn", target.iqn}, {"lun", target.lun}});
    }
    nlohmann::json out = {{"targets", targets},
                          {"plural_keys", properties.plural_keys},
                          {"target_discovered", properties.target_discovered},
                          {"discovery_method", properties.discovery_method},
                          {"iface", properties.iface},
                          {"access_mode", access_mode_name(properties.access_mode)},
                          {"encrypted", properties.encrypted}};
    if (properties.session_chap) {
        out["auth"] = chap_to_json(*properties.session_chap);
    }
    if (properties.discovery_chap) {
        out["discovery_auth"] = chap_to_json(*properties.discovery_chap);
    }
    if (!properties.volume_id.empty()) {
        out["volume_id"] = properties.volume_id;
    }
    if (!properties.expected_wwid.empty()) {
        out["scsi_wwn"] = properties.expected_wwid;
    }
    return out;
}

}  // namespace brick::iscsi
