// Local (same host) connection properties: the bare data dict.

#include "brick/local/properties.hpp"
#include "properties_support.hpp"

namespace {

using brick::local::Properties;
using nlohmann::json;

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    brick::fuzz::check_properties<Properties>(
        brick::fuzz::as_text(data, size),
        {brick::local::parse_properties,
         [](const Properties& p) { return brick::local::to_json(p); },
         [](const Properties& p) {
             return json{{"device_path", p.device_path},
                         {"access_mode", brick::access_mode_name(p.access_mode)}};
         },
         [](const Properties& a, const Properties& b) {
             return a.device_path == b.device_path && a.access_mode == b.access_mode;
         }});
    return 0;
}
