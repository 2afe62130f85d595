// Protocol names, scalar values and the connection_info envelope.

#include "brick/properties/common.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "brick/core/error.hpp"
#include "brick/core/json_text.hpp"
#include "brick/properties/number.hpp"
#include "brick/properties/text.hpp"

namespace brick {
namespace {

// Cinder's driver_volume_type values and os-brick's protocol constants,
// compared after lower-casing.
constexpr std::array<std::pair<std::string_view, Protocol>, 8> protocol_names = {{
    {"iscsi", Protocol::iscsi},
    {"iser", Protocol::iser},
    {"fibre_channel", Protocol::fibre_channel},
    {"nvmeof", Protocol::nvmeof},
    {"nvme", Protocol::nvmeof},
    {"rbd", Protocol::rbd},
    {"nfs", Protocol::nfs},
    {"local", Protocol::local},
}};

}  // namespace

std::optional<Protocol> parse_protocol(std::string_view name) {
    std::string folded(name);
    std::transform(folded.begin(), folded.end(), folded.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    for (const auto& [known, protocol] : protocol_names) {
        if (folded == known) {
            return protocol;
        }
    }
    return std::nullopt;
}

std::string_view protocol_name(Protocol protocol) {
    switch (protocol) {
        case Protocol::iscsi:
            return "iscsi";
        case Protocol::iser:
            return "iser";
        case Protocol::fibre_channel:
            return "fibre_channel";
        case Protocol::nvmeof:
            return "nvmeof";
        case Protocol::rbd:
            return "rbd";
        case Protocol::nfs:
            return "nfs";
        case Protocol::local:
            return "local";
    }
    return "unknown";
}

std::string_view access_mode_name(AccessMode mode) {
    return mode == AccessMode::read_only ? "ro" : "rw";
}

std::uint64_t parse_lun(const std::string& field, const nlohmann::json& value) {
    return parse_unsigned(field, value, "a LUN", 0, std::numeric_limits<std::uint64_t>::max());
}

std::uint32_t parse_namespace_id(const std::string& field, const nlohmann::json& value) {
    // 0 and 0xffffffff are reserved (NVMe base specification, namespace IDs).
    return static_cast<std::uint32_t>(
        parse_unsigned(field, value, "an NVMe namespace ID", 1, 0xfffffffeU));
}

AccessMode parse_access_mode(const std::string& field, const nlohmann::json& value) {
    if (value == "rw") {
        return AccessMode::read_write;
    }
    if (value == "ro") {
        return AccessMode::read_only;
    }
    throw_invalid(field, R"("rw" or "ro" (got )" + describe_value(value) + ")");
}

std::string require_string(const std::string& field, const nlohmann::json& value,
                           bool allow_empty) {
    if (!value.is_string()) {
        throw_invalid(field, "a string (got " + std::string(json_type_name(value)) + ")");
    }
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty() && !allow_empty) {
        throw_invalid(field, "a non-empty string");
    }
    return text;
}

bool parse_bool(const std::string& field, const nlohmann::json& value) {
    // Strings such as "false" are refused: Python callers treat them as true.
    if (!value.is_boolean()) {
        throw_invalid(field, "true or false (got " + describe_value(value) + ")");
    }
    return value.get<bool>();
}

ConnectionInfo unwrap_connection_info(const nlohmann::json& document,
                                      std::optional<Protocol> expected) {
    register_secrets_in(document);
    if (!document.is_object()) {
        throw_invalid("document",
                      "a JSON object: {\"driver_volume_type\": ..., \"data\": {...}} "
                      "or the data object itself (got " +
                          std::string(json_type_name(document)) + ")");
    }
    const bool wrapped = document.contains("driver_volume_type") || document.contains("data");
    if (!wrapped) {
        return ConnectionInfo{std::nullopt, document};
    }
    ConnectionInfo info;
    if (const auto it = document.find("driver_volume_type"); it != document.end()) {
        const auto name = require_string("driver_volume_type", *it);
        info.declared = parse_protocol(name);
        if (!info.declared) {
            throw_invalid("driver_volume_type",
                          "one of iscsi, iser, fibre_channel, nvmeof, rbd, nfs, local (got " +
                              describe_text(name) + ")");
        }
        if (expected && *info.declared != *expected) {
            throw_invalid("driver_volume_type", "\"" + std::string(protocol_name(*expected)) +
                                                    "\" as requested (the document declares " +
                                                    describe_text(name) + ")");
        }
    }
    const auto data = document.find("data");
    if (data == document.end() || !data->is_object()) {
        throw_invalid("data",
                      "an object with the connection properties (got " +
                          std::string(data == document.end() ? "nothing" : json_type_name(*data)) +
                          ")");
    }
    info.data = *data;
    return info;
}

nlohmann::json parse_properties_text(std::string_view text, const std::string& what) {
    auto document = parse_json_text_keeping_duplicates(text, what);
    if (document.duplicate) {
        const auto& path = *document.duplicate;
        const auto& value = document.value;
        register_secrets_in(value);  // a key may repeat a secret's text
        // The envelope's own keys are named as they are; a bare data dict's
        // keys get the "data." the property errors use.
        const bool wrapped =
            value.is_object() && (value.contains("driver_volume_type") || value.contains("data"));
        const auto field = wrapped ? dotted_path(path) : dotted_path(path, "data");
        throw Error(ErrorCategory::invalid_properties,
                    field + ": expected each key once in an object (" + what + " gives it twice)",
                    field);
    }
    return std::move(document.value);
}

}  // namespace brick
