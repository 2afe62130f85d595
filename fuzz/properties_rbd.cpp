// Ceph RBD connection properties: the bare data dict.

#include "brick/rbd/properties.hpp"
#include "properties_support.hpp"

namespace {

using brick::rbd::Properties;
using nlohmann::json;

json to_data(const Properties& p) {
    json data = {{"name", p.name()},
                 {"cluster_name", p.cluster_name},
                 {"auth_enabled", p.auth_enabled},
                 {"do_local_attach", p.do_local_attach},
                 {"access_mode", brick::access_mode_name(p.access_mode)},
                 {"encrypted", p.encrypted}};
    if (!p.monitors.empty()) {
        data["hosts"] = json::array();
        data["ports"] = json::array();
        for (const auto& monitor : p.monitors) {
            data["hosts"].push_back(monitor.host);
            data["ports"].push_back(std::to_string(monitor.port));
        }
    }
    for (const auto& [key, value] :
         {std::pair{"auth_username", &p.auth_username}, std::pair{"keyring", &p.keyring},
          std::pair{"secret_type", &p.secret_type}, std::pair{"secret_uuid", &p.secret_uuid},
          std::pair{"volume_id", &p.volume_id}}) {
        if (!value->empty()) {
            data[key] = *value;
        }
    }
    return data;
}

bool same(const Properties& a, const Properties& b) {
    return a.pool == b.pool && a.image == b.image && a.monitors == b.monitors &&
           a.cluster_name == b.cluster_name && a.auth_enabled == b.auth_enabled &&
           a.auth_username == b.auth_username && a.keyring == b.keyring &&
           a.secret_type == b.secret_type && a.secret_uuid == b.secret_uuid &&
           a.volume_id == b.volume_id && a.do_local_attach == b.do_local_attach &&
           a.access_mode == b.access_mode && a.encrypted == b.encrypted;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    brick::fuzz::check_properties<Properties>(
        brick::fuzz::as_text(data, size),
        {brick::rbd::parse_properties, [](const Properties& p) { return brick::rbd::to_json(p); },
         to_data, same});
    return 0;
}
