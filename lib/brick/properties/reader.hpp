#pragma once
// Typed access to the keys of one JSON object of connection properties. Keys
// that are absent or null read as absent (drivers send "qos_specs": null and
// the like); present keys of the wrong type are errors naming the full field
// ("data.target_portals[1]"). The object is only read, never modified.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace brick {

class ObjectReader {
  public:
    // Throws invalid_properties when value is not an object.
    ObjectReader(const nlohmann::json& value, std::string prefix);

    // The value of key, or nullptr when it is absent or null.
    const nlohmann::json* find(std::string_view key) const;
    bool has(std::string_view key) const { return find(key) != nullptr; }
    // The value of key; throws "a value" missing error when absent or null.
    const nlohmann::json& require(std::string_view key, std::string_view expected) const;

    // "data.key"
    std::string field(std::string_view key) const;
    const std::string& prefix() const { return prefix_; }

    // Convenience for common scalar kinds (absent: nullopt / fallback).
    std::optional<std::string> string(std::string_view key, bool allow_empty = false) const;
    bool boolean(std::string_view key, bool fallback) const;
    // Throws when key is present but not an array; returns nullptr when absent.
    const nlohmann::json* array(std::string_view key) const;

  private:
    const nlohmann::json& object_;
    std::string prefix_;
};

// "data.target_portals" + 1 -> "data.target_portals[1]"
std::string index_field(const std::string& field, std::size_t index);

}  // namespace brick
