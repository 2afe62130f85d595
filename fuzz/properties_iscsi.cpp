// iSCSI connection properties: the bare data dict (iSER: properties_envelope).

#include "brick/iscsi/properties.hpp"
#include "properties_support.hpp"

namespace {

using brick::iscsi::Properties;
using nlohmann::json;

json chap_data(const brick::ChapCredentials& chap, const std::string& prefix) {
    json out = {{prefix + "method", chap.method},
                {prefix + "username", chap.username},
                {prefix + "password", chap.password}};
    if (chap.mutual()) {
        out[prefix + "username_in"] = chap.username_in;
        out[prefix + "password_in"] = chap.password_in;
    }
    return out;
}

json to_data(const Properties& p) {
    json data = {{"target_portals", json::array()},
                 {"target_iqns", json::array()},
                 {"target_luns", json::array()},
                 {"target_discovered", p.target_discovered},
                 {"iface", p.iface},
                 {"access_mode", brick::access_mode_name(p.access_mode)},
                 {"encrypted", p.encrypted}};
    for (const auto& target : p.targets) {
        data["target_portals"].push_back(target.portal.to_string());
        data["target_iqns"].push_back(target.iqn);
        data["target_luns"].push_back(target.lun);
    }
    if (p.session_chap) {
        data.update(chap_data(*p.session_chap, "auth_"));
    }
    if (p.discovery_chap) {
        data.update(chap_data(*p.discovery_chap, "discovery_auth_"));
    }
    if (!p.discovery_method.empty()) {
        data["discovery_method"] = p.discovery_method;
    }
    if (!p.volume_id.empty()) {
        data["volume_id"] = p.volume_id;
    }
    if (!p.expected_wwid.empty()) {
        data["scsi_wwn"] = p.expected_wwid;
    }
    return data;
}

bool same(const Properties& a, const Properties& b) {
    return a.targets == b.targets && a.target_discovered == b.target_discovered &&
           a.session_chap == b.session_chap && a.discovery_chap == b.discovery_chap &&
           a.discovery_method == b.discovery_method && a.iface == b.iface &&
           a.access_mode == b.access_mode && a.volume_id == b.volume_id &&
           a.encrypted == b.encrypted && a.expected_wwid == b.expected_wwid;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    brick::fuzz::check_properties<Properties>(
        brick::fuzz::as_text(data, size),
        {[](const json& d) { return brick::iscsi::parse_properties(d, false); },
         [](const Properties& p) { return brick::iscsi::to_json(p); }, to_data, same});
    return 0;
}
