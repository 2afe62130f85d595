#include "brick/nvmeof/properties.hpp"

#include "brick/core/error.hpp"
#include "brick/properties/number.hpp"
#include "brick/properties/reader.hpp"
#include "brick/properties/text.hpp"

namespace brick::nvmeof {
namespace {

// "tcp" and "rdma"; "RoCEv2" is Cinder's v2 spelling of rdma. Other values
// (os-brick silently falls back to tcp) are rejected so a typo is caught.
Transport parse_transport(const std::string& field, const nlohmann::json& value) {
    std::string name = require_string(field, value);
    for (auto& c : name) {
        c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (name == "tcp") {
        return Transport::tcp;
    }
    if (name == "rdma" || name == "rocev2") {
        return Transport::rdma;
    }
    throw_invalid(field,
                  R"(a transport "tcp", "rdma" or "RoCEv2" (got )" + describe_value(value) + ")");
}

std::string address_at(const std::string& field, const nlohmann::json& value) {
    return parse_host(field, require_string(field, value));
}

// [address, port, transport]
TargetPortal parse_portal_entry(const std::string& field, const nlohmann::json& value) {
    if (!value.is_array() || value.size() != 3) {
        throw_invalid(field,
                      "an array [address, port, transport] (got " + describe_value(value) + ")");
    }
    TargetPortal portal;
    portal.address = address_at(index_field(field, 0), value[0]);
    portal.port = parse_port(index_field(field, 1), value[1]);
    portal.transport = parse_transport(index_field(field, 2), value[2]);
    return portal;
}

// vol_uuid, volume_nguid, ns_id and host_nqn, shared by both formats.
void parse_namespace_keys(const ObjectReader& in, Target& target, bool with_uuid) {
    if (with_uuid) {
        if (const auto uuid = in.string("vol_uuid")) {
            target.uuid = parse_uuid(in.field("vol_uuid"), *uuid);
        }
    }
    if (const auto nguid = in.string("volume_nguid")) {
        target.nguid = parse_nguid(in.field("volume_nguid"), *nguid);
    }
    if (const auto* ns_id = in.find("ns_id")) {
        target.ns_id = parse_namespace_id(in.field("ns_id"), *ns_id);
    }
    if (const auto host_nqn = in.string("host_nqn")) {
        target.host_nqn = parse_subsystem_nqn(in.field("host_nqn"), *host_nqn);
    }
}

Target parse_new_target(const ObjectReader& in) {
    Target target;
    target.nqn = parse_subsystem_nqn(
        in.field("target_nqn"),
        require_string(in.field("target_nqn"), in.require("target_nqn", "a subsystem NQN")));
    const auto& portals = in.require("portals", "an array of [address, port, transport]");
    if (!portals.is_array() || portals.empty()) {
        throw_invalid(in.field("portals"), "a non-empty array of [address, port, transport] (got " +
                                               describe_value(portals) + ")");
    }
    for (std::size_t i = 0; i < portals.size(); ++i) {
        target.portals.push_back(
            parse_portal_entry(index_field(in.field("portals"), i), portals[i]));
    }
    parse_namespace_keys(in, target, true);
    return target;
}

// os-brick's case #4: vol_uuid is ignored (set to None) in this format.
Target parse_old_target(const ObjectReader& in) {
    Target target;
    target.nqn = parse_subsystem_nqn(
        in.field("nqn"), require_string(in.field("nqn"), in.require("nqn", "a subsystem NQN")));
    TargetPortal portal;
    portal.address =
        address_at(in.field("target_portal"), in.require("target_portal", "the target's address"));
    portal.port =
        parse_port(in.field("target_port"), in.require("target_port", "the target's port"));
    portal.transport = parse_transport(in.field("transport_type"),
                                       in.require("transport_type", R"("tcp" or "rdma")"));
    target.portals.push_back(portal);
    parse_namespace_keys(in, target, false);
    return target;
}

void parse_replicas(const ObjectReader& in, const nlohmann::json& replicas, Properties& props) {
    const auto field = in.field("volume_replicas");
    if (!replicas.is_array() || replicas.empty()) {
        throw_invalid(field, "a non-empty array of targets (got " + describe_value(replicas) + ")");
    }
    for (std::size_t i = 0; i < replicas.size(); ++i) {
        props.targets.push_back(parse_new_target(ObjectReader(replicas[i], index_field(field, i))));
    }
    props.replicas_given = true;
    props.replica_count = static_cast<std::uint32_t>(replicas.size());
    if (const auto* count = in.find("replica_count")) {
        const auto given =
            parse_unsigned(in.field("replica_count"), *count, "a replica count", 1, 0xffffffffU);
        if (given != replicas.size()) {
            throw_invalid(in.field("replica_count"), "the number of entries of " + field + " (" +
                                                         std::to_string(replicas.size()) +
                                                         ", got " + describe_value(*count) + ")");
        }
    }
    props.volume_uuid = parse_uuid(
        in.field("vol_uuid"),
        require_string(in.field("vol_uuid"), in.require("vol_uuid", "the volume's UUID")));
    if (const auto alias = in.string("alias")) {
        props.alias = parse_path_component(in.field("alias"), *alias, "an md device name");
    } else if (props.replicated()) {
        throw_invalid(in.field("alias"),
                      "an md device name for the RAID1 of the replicas (the key is missing)");
    }
}

}  // namespace

std::string_view transport_name(Transport transport) {
    return transport == Transport::rdma ? "rdma" : "tcp";
}

Properties parse_properties(const nlohmann::json& data) {
    register_secrets_in(data);
    const ObjectReader in(data, "data");
    Properties props;
    if (const auto* replicas = in.find("volume_replicas")) {
        parse_replicas(in, *replicas, props);
    } else if (in.has("target_nqn")) {
        props.targets.push_back(parse_new_target(in));
    } else {
        props.old_format = true;
        props.targets.push_back(parse_old_target(in));
    }
    if (const auto* mode = in.find("access_mode")) {
        props.access_mode = parse_access_mode(in.field("access_mode"), *mode);
    }
    props.encrypted = in.boolean("encrypted", false);
    if (const auto path = in.string("device_path")) {
        props.device_path = parse_absolute_path(in.field("device_path"), *path, "a device path");
    }
    return props;
}

nlohmann::json to_json(const Properties& properties) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& target : properties.targets) {
        nlohmann::json portals = nlohmann::json::array();
        for (const auto& portal : target.portals) {
            portals.push_back({{"address", portal.address},
                               {"port", portal.port},
                               {"transport", transport_name(portal.transport)}});
        }
        nlohmann::json entry = {{"target_nqn", target.nqn}, {"portals", portals}};
        if (!target.uuid.empty()) {
            entry["vol_uuid"] = target.uuid;
        }
        if (!target.nguid.empty()) {
            entry["volume_nguid"] = target.nguid;
        }
        if (target.ns_id) {
            entry["ns_id"] = *target.ns_id;
        }
        if (!target.host_nqn.empty()) {
            entry["host_nqn"] = target.host_nqn;
        }
        targets.push_back(std::move(entry));
    }
    nlohmann::json out = {{"format", properties.old_format ? "old" : "new"},
                          {"targets", targets},
                          {"access_mode", access_mode_name(properties.access_mode)},
                          {"encrypted", properties.encrypted}};
    if (properties.replicas_given) {
        out["replica_count"] = properties.replica_count;
        out["replicated"] = properties.replicated();
        out["vol_uuid"] = properties.volume_uuid;
        if (!properties.alias.empty()) {
            out["alias"] = properties.alias;
        }
    }
    if (!properties.device_path.empty()) {
        out["device_path"] = properties.device_path;
    }
    return out;
}

}  // namespace brick::nvmeof
