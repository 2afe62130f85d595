#pragma once
// What every harness shares: a check that aborts (so libFuzzer reports the
// input) when a contract is broken, the contract of a typed error, and the
// secrets of a document.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "brick/core/error.hpp"
#include "brick/core/secrets.hpp"

namespace brick::fuzz {

[[noreturn]] inline void broken(const char* what, const char* file, int line,
                                const std::string& detail) {
    std::fprintf(stderr, "contract broken: %s (%s:%d)\n%s\n", what, file, line, detail.c_str());
    std::abort();
}

// BRICK_FUZZ_CHECK(condition, detail): aborts with detail when condition is false.
#define BRICK_FUZZ_CHECK(condition, detail)                                             \
    do {                                                                                \
        if (!(condition)) {                                                             \
            ::brick::fuzz::broken(#condition, __FILE__, __LINE__, std::string(detail)); \
        }                                                                               \
    } while (false)

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};  // NOLINT: libFuzzer hands bytes
}

inline std::string describe(const Error& e) {
    return std::string(category_name(e.category())) + " field=\"" + e.field() + "\" message=\"" +
           e.message() + "\"";
}

// The contract of an error about bad input: the typed category, a field that
// names the input, and (when expected_prefix is given) a message starting
// "<field>: expected".
inline void check_input_error(const Error& e, std::string_view field_prefix = {},
                              bool message_names_field = true) {
    BRICK_FUZZ_CHECK(e.category() == ErrorCategory::invalid_properties, describe(e));
    BRICK_FUZZ_CHECK(!e.field().empty(), describe(e));
    BRICK_FUZZ_CHECK(e.field().rfind(field_prefix, 0) == 0, describe(e));
    BRICK_FUZZ_CHECK(!e.message().empty(), describe(e));
    if (message_names_field) {
        const auto start = mask_secrets(e.field() + ": expected");
        BRICK_FUZZ_CHECK(e.message().rfind(start, 0) == 0, describe(e));
    }
}

// Calls visit(text, secret) for every string of value; secret: it is under
// a key the library masks.
template <typename Visit>
void for_each_string(const nlohmann::json& value, const Visit& visit, bool secret = false) {
    if (value.is_string()) {
        visit(value.get_ref<const std::string&>(), secret);
    } else if (value.is_array()) {
        for (const auto& item : value) {
            for_each_string(item, visit, secret);
        }
    } else if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            for_each_string(item, visit, secret || is_secret_key(key));
        }
    }
}

// The string values under secret keys (auth_password, keyring, ...) anywhere
// in a document: what must never appear in an error, a log or an output. A
// value made of masked_text's characters cannot be told from the mask and is
// left out.
inline void collect_secrets(const nlohmann::json& value, std::vector<std::string>& out) {
    for_each_string(value, [&](const std::string& text, bool secret) {
        if (secret && text.find('*') == std::string::npos && !text.empty()) {
            out.push_back(text);
        }
    });
}

// The strings of value that are not under a secret key.
inline void collect_plain(const nlohmann::json& value, std::vector<std::string>& out) {
    for_each_string(value, [&](const std::string& text, bool secret) {
        if (!secret) {
            out.push_back(text);
        }
    });
}

// Leaves out the secrets the output may show without leaking anything: one
// that is (part of) a plain value of the same document (a user name equal to
// a password), and one shorter than 6 characters, which any message's own
// words contain by chance ("ro" in "reversed").
inline void keep_telling_secrets(const nlohmann::json& value, std::vector<std::string>& secrets) {
    std::vector<std::string> plain;
    collect_plain(value, plain);
    std::erase_if(secrets, [&](const std::string& secret) {
        return secret.size() < 6 ||
               std::any_of(plain.begin(), plain.end(), [&](const std::string& text) {
                   return text.find(secret) != std::string::npos;
               });
    });
}

inline void check_no_secret(const std::string& text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        BRICK_FUZZ_CHECK(text.find(secret) == std::string::npos,
                         "secret \"" + secret + "\" in: " + text);
    }
}

inline std::string dump(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Splits input at a separator byte, for harnesses that take several fields.
inline std::vector<std::string> split(std::string_view input, char separator,
                                      std::size_t max_parts) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (parts.size() + 1 < max_parts) {
        const auto end = input.find(separator, start);
        if (end == std::string_view::npos) {
            break;
        }
        parts.emplace_back(input.substr(start, end - start));
        start = end + 1;
    }
    parts.emplace_back(input.substr(start));
    return parts;
}

}  // namespace brick::fuzz
