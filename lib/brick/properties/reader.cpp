#include "brick/properties/reader.hpp"

#include <algorithm>

#include "brick/core/error.hpp"
#include "brick/properties/common.hpp"
#include "brick/properties/text.hpp"

namespace brick {

ObjectReader::ObjectReader(const nlohmann::json& value, std::string prefix)
    : object_(value), prefix_(std::move(prefix)) {
    if (!value.is_object()) {
        throw_invalid(prefix_, "an object (got " + std::string(json_type_name(value)) + ")");
    }
}

const nlohmann::json* ObjectReader::find(std::string_view key) const {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

const nlohmann::json& ObjectReader::require(std::string_view key, std::string_view expected) const {
    const auto* value = find(key);
    if (value == nullptr) {
        throw_invalid(field(key), std::string(expected) + " (the key is missing)");
    }
    return *value;
}

std::string ObjectReader::field(std::string_view key) const {
    // Keys of maps (initiator_target_map) come from the input: a key that is not
    // a plain name is quoted so the field stays printable.
    const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == ':';
    });
    return plain ? prefix_ + "." + std::string(key) : prefix_ + "[" + describe_text(key) + "]";
}

std::optional<std::string> ObjectReader::string(std::string_view key, bool allow_empty) const {
    const auto* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    return require_string(field(key), *value, allow_empty);
}

bool ObjectReader::boolean(std::string_view key, bool fallback) const {
    const auto* value = find(key);
    return value == nullptr ? fallback : parse_bool(field(key), *value);
}

const nlohmann::json* ObjectReader::array(std::string_view key) const {
    const auto* value = find(key);
    if (value != nullptr && !value->is_array()) {
        throw_invalid(field(key), "an array (got " + std::string(json_type_name(*value)) + ")");
    }
    return value;
}

std::string index_field(const std::string& field, std::size_t index) {
    return field + "[" + std::to_string(index) + "]";
}

}  // namespace brick
