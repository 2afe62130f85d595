// NFS connection properties: the bare data dict.

#include "brick/nfs/properties.hpp"
#include "properties_support.hpp"

namespace {

using brick::nfs::Properties;
using nlohmann::json;

json to_data(const Properties& p) {
    std::string options;
    for (const auto& option : p.options) {
        options += (options.empty() ? "" : " ") + option;
    }
    return {{"export", p.export_spec},
            {"name", p.name},
            {"options", options},
            {"access_mode", brick::access_mode_name(p.access_mode)}};
}

bool same(const Properties& a, const Properties& b) {
    return a.export_spec == b.export_spec && a.server == b.server &&
           a.export_path == b.export_path && a.name == b.name && a.options == b.options &&
           a.access_mode == b.access_mode;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    brick::fuzz::check_properties<Properties>(
        brick::fuzz::as_text(data, size),
        {brick::nfs::parse_properties, [](const Properties& p) { return brick::nfs::to_json(p); },
         to_data, same});
    return 0;
}
