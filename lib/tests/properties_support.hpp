#pragma once
// Helpers shared by the connection-properties tests.

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "brick/core/error.hpp"

namespace brick::testing {

inline nlohmann::json read_json_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

// True when every key of expected is in actual with a matching value; arrays
// match element by element (same length), objects recursively.
inline bool json_contains(const nlohmann::json& actual, const nlohmann::json& expected) {
    if (expected.is_object()) {
        if (!actual.is_object()) {
            return false;
        }
        for (const auto& [key, value] : expected.items()) {
            if (!actual.contains(key) || !json_contains(actual.at(key), value)) {
                return false;
            }
        }
        return true;
    }
    if (expected.is_array()) {
        if (!actual.is_array() || actual.size() != expected.size()) {
            return false;
        }
        for (std::size_t i = 0; i < expected.size(); ++i) {
            if (!json_contains(actual[i], expected[i])) {
                return false;
            }
        }
        return true;
    }
    return actual == expected;
}

// Runs f and returns the brick::Error it threw, or nullopt.
template <typename F>
std::optional<Error> error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    return std::nullopt;
}

}  // namespace brick::testing
