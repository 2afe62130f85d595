// NVMe-oF connection properties, the bare data dict: old format, new format
// and replicas (volume_replicas).

#include "brick/nvmeof/properties.hpp"
#include "properties_support.hpp"

namespace {

using brick::nvmeof::Properties;
using brick::nvmeof::Target;
using nlohmann::json;

json target_data(const Target& target) {
    json portals = json::array();
    for (const auto& portal : target.portals) {
        portals.push_back(
            {portal.address, portal.port, brick::nvmeof::transport_name(portal.transport)});
    }
    json out = {{"target_nqn", target.nqn}, {"portals", portals}};
    if (!target.uuid.empty()) {
        out["vol_uuid"] = target.uuid;
    }
    if (!target.nguid.empty()) {
        out["volume_nguid"] = target.nguid;
    }
    if (target.ns_id) {
        out["ns_id"] = *target.ns_id;
    }
    if (!target.host_nqn.empty()) {
        out["host_nqn"] = target.host_nqn;
    }
    return out;
}

json to_data(const Properties& p) {
    json data;
    if (p.replicas_given) {
        data = {{"vol_uuid", p.volume_uuid},
                {"replica_count", p.replica_count},
                {"volume_replicas", json::array()}};
        for (const auto& target : p.targets) {
            data["volume_replicas"].push_back(target_data(target));
        }
        if (!p.alias.empty()) {
            data["alias"] = p.alias;
        }
    } else if (p.old_format) {
        const auto& target = p.targets.at(0);
        const auto& portal = target.portals.at(0);
        data = {{"nqn", target.nqn},
                {"target_portal", portal.address},
                {"target_port", portal.port},
                {"transport_type", brick::nvmeof::transport_name(portal.transport)}};
        if (!target.nguid.empty()) {
            data["volume_nguid"] = target.nguid;
        }
        if (target.ns_id) {
            data["ns_id"] = *target.ns_id;
        }
        if (!target.host_nqn.empty()) {
            data["host_nqn"] = target.host_nqn;
        }
    } else {
        data = target_data(p.targets.at(0));
    }
    data["access_mode"] = brick::access_mode_name(p.access_mode);
    data["encrypted"] = p.encrypted;
    if (!p.device_path.empty()) {
        data["device_path"] = p.device_path;
    }
    return data;
}

bool same(const Properties& a, const Properties& b) {
    return a.targets == b.targets && a.old_format == b.old_format &&
           a.replicas_given == b.replicas_given && a.replica_count == b.replica_count &&
           a.alias == b.alias && a.volume_uuid == b.volume_uuid && a.access_mode == b.access_mode &&
           a.encrypted == b.encrypted && a.device_path == b.device_path;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    brick::fuzz::check_properties<Properties>(
        brick::fuzz::as_text(data, size),
        {brick::nvmeof::parse_properties,
         [](const Properties& p) { return brick::nvmeof::to_json(p); }, to_data, same});
    return 0;
}
