#include "brick/nfs/properties.hpp"

#include "brick/core/error.hpp"
#include "brick/nfs/mount_options.hpp"
#include "brick/properties/reader.hpp"
#include "brick/properties/text.hpp"

namespace brick::nfs {
namespace {

// Mount flags such as "-o vers=4,minorversion=1" or "-o sec=krb5:krb5i".
constexpr std::string_view option_punctuation = "-=,._:/+@";

void parse_export(const ObjectReader& in, Properties& props) {
    const auto field = in.field("export");
    const auto text = require_string(field, in.require("export", "\"server:/path\""));
    std::size_t separator = std::string::npos;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find("]:");
        separator = close == std::string::npos ? close : close + 1;
    } else {
        separator = text.find(':');
    }
    if (separator == std::string::npos || separator == 0) {
        throw_invalid(
            field, "\"server:/path\" (IPv6 servers in brackets) (got " + describe_text(text) + ")");
    }
    props.server = parse_host(field, text.substr(0, separator));
    const auto path = text.substr(separator + 1);
    props.export_path =
        path == "/" ? path : parse_absolute_path(field, path, "an export path after \"server:\"");
    props.export_spec = text;
}

std::vector<std::string> parse_options(const std::string& field, const std::string& text) {
    std::vector<std::string> tokens;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto begin = text.find_first_not_of(' ', start);
        if (begin == std::string::npos) {
            break;
        }
        auto end = text.find(' ', begin);
        if (end == std::string::npos) {
            end = text.size();
        }
        tokens.push_back(parse_safe_name(field, text.substr(begin, end - begin),
                                         "mount options separated by spaces", option_punctuation,
                                         4096));
        start = end;
    }
    return tokens;
}

}  // namespace

Properties parse_properties(const nlohmann::json& data) {
    register_secrets_in(data);
    const ObjectReader in(data, "data");
    Properties props;
    parse_export(in, props);
    props.name = parse_path_component(
        in.field("name"), require_string(in.field("name"), in.require("name", "a file name")),
        "the volume's file name in the share");
    if (const auto options = in.string("options", true)) {
        props.options = parse_options(in.field("options"), *options);
        check_mount_flags(in.field("options"), props.options);
    }
    if (const auto* mode = in.find("access_mode")) {
        props.access_mode = parse_access_mode(in.field("access_mode"), *mode);
    }
    return props;
}

nlohmann::json to_json(const Properties& properties) {
    return {{"export", properties.export_spec},
            {"server", properties.server},
            {"export_path", properties.export_path},
            {"name", properties.name},
            {"options", properties.options},
            {"access_mode", access_mode_name(properties.access_mode)}};
}

}  // namespace brick::nfs
