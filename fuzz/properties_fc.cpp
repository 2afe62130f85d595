// Fibre Channel connection properties: the bare data dict.

#include "brick/fc/properties.hpp"
#include "properties_support.hpp"

namespace {

using brick::fc::Properties;
using nlohmann::json;

json to_data(const Properties& p) {
    json data = {{"target_wwns", json::array()},
                 {"target_luns", json::array()},
                 {"target_discovered", p.target_discovered},
                 {"enable_wildcard_scan", p.enable_wildcard_scan},
                 {"access_mode", brick::access_mode_name(p.access_mode)},
                 {"encrypted", p.encrypted}};
    for (const auto& target : p.targets) {
        data["target_wwns"].push_back(target.wwpn);
        data["target_luns"].push_back(target.lun);
    }
    if (!p.initiator_target_map.empty()) {
        data["initiator_target_map"] = p.initiator_target_map;
    }
    if (p.addressing_mode) {
        data["addressing_mode"] = brick::fc::addressing_mode_name(*p.addressing_mode);
    }
    return data;
}

bool same(const Properties& a, const Properties& b) {
    return a.targets == b.targets && a.initiator_target_map == b.initiator_target_map &&
           a.target_discovered == b.target_discovered && a.addressing_mode == b.addressing_mode &&
           a.enable_wildcard_scan == b.enable_wildcard_scan && a.access_mode == b.access_mode &&
           a.encrypted == b.encrypted;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    brick::fuzz::check_properties<Properties>(
        brick::fuzz::as_text(data, size),
        {brick::fc::parse_properties, [](const Properties& p) { return brick::fc::to_json(p); },
         to_data, same});
    return 0;
}
