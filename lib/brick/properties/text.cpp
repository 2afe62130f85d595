#include "brick/properties/text.hpp"

#include "brick/core/error.hpp"
#include "brick/core/secrets.hpp"

namespace brick {
namespace {

constexpr std::size_t describe_limit = 80;

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The first character outside the allowed set, or npos.
std::size_t first_unsafe(std::string_view text, std::string_view punctuation) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!is_alnum(text[i]) && punctuation.find(text[i]) == std::string_view::npos) {
            return i;
        }
    }
    return std::string_view::npos;
}

std::string allowed_description(std::string_view punctuation) {
    std::string out = "letters, digits";
    for (char c : punctuation) {
        out += std::string(" '") + c + "'";
    }
    return out;
}

}  // namespace

std::string_view json_type_name(const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::null:
            return "null";
        case nlohmann::json::value_t::object:
            return "an object";
        case nlohmann::json::value_t::array:
            return "an array";
        case nlohmann::json::value_t::string:
            return "a string";
        case nlohmann::json::value_t::boolean:
            return "a boolean";
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
            return "an integer";
        case nlohmann::json::value_t::number_float:
            return "a floating-point number";
        case nlohmann::json::value_t::binary:
            return "binary data";
        case nlohmann::json::value_t::discarded:
            return "a discarded value";
    }
    return "an unknown value";
}

std::string describe_value(const nlohmann::json& value) {
    std::string text = value.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    if (text.size() > describe_limit) {
        text.resize(describe_limit);
        text += "...";
    }
    return mask_secrets(text);
}

std::string describe_text(std::string_view text) {
    return describe_value(nlohmann::json(std::string(text)));
}

std::string parse_safe_name(const std::string& field, std::string_view text, std::string_view what,
                            std::string_view punctuation, std::size_t max_length) {
    if (text.empty()) {
        throw_invalid(field, std::string(what) + " (got an empty string)");
    }
    if (text.size() > max_length) {
        throw_invalid(field, std::string(what) + " of at most " + std::to_string(max_length) +
                                 " bytes (got " + std::to_string(text.size()) + " bytes)");
    }
    if (const auto bad = first_unsafe(text, punctuation); bad != std::string_view::npos) {
        throw_invalid(field, std::string(what) + " made of " + allowed_description(punctuation) +
                                 " (got " + describe_text(text) + ", bad character " +
                                 describe_text(text.substr(bad, 1)) + " at offset " +
                                 std::to_string(bad) + ")");
    }
    return std::string(text);
}

std::string parse_path_component(const std::string& field, std::string_view text,
                                 std::string_view what, std::string_view punctuation) {
    if (punctuation.find('/') != std::string_view::npos) {
        throw_invalid(field, "internal: a path component cannot allow '/'");
    }
    if (text == "." || text == "..") {
        throw_invalid(field, std::string(what) + " that is a single path component, not " +
                                 describe_text(text));
    }
    return parse_safe_name(field, text, what, punctuation);
}

std::string parse_absolute_path(const std::string& field, std::string_view text,
                                std::string_view what) {
    if (text.empty() || text.front() != '/') {
        throw_invalid(field, std::string(what) + " as an absolute path starting with '/' (got " +
                                 describe_text(text) + ")");
    }
    if (text.size() > 4096) {
        throw_invalid(field, std::string(what) + " of at most 4096 bytes");
    }
    std::size_t start = 1;
    while (start <= text.size()) {
        auto end = text.find('/', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const auto component = text.substr(start, end - start);
        if (component.empty() || component == "." || component == "..") {
            throw_invalid(field, std::string(what) +
                                     " without empty, '.' or '..' components (got " +
                                     describe_text(text) + ")");
        }
        if (const auto bad = first_unsafe(component, "._-:+@=,"); bad != std::string_view::npos) {
            throw_invalid(field, std::string(what) + " made of " +
                                     allowed_description("/._-:+@=,") + " (got " +
                                     describe_text(text) + ", bad character " +
                                     describe_text(component.substr(bad, 1)) + ")");
        }
        start = end + 1;
    }
    return std::string(text);
}

void register_secrets_in(const nlohmann::json& value) {
    if (value.is_array()) {
        for (const auto& item : value) {
            register_secrets_in(item);
        }
    } else if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            if (is_secret_key(key) && item.is_string()) {
                register_secret(item.get_ref<const std::string&>());
            } else {
                register_secrets_in(item);
            }
        }
    }
}

std::string parse_secret(const std::string& field, const nlohmann::json& value, bool multiline,
                         std::size_t max_length) {
    if (!value.is_string()) {
        throw_invalid(field, "a string (got " + std::string(json_type_name(value)) + ")");
    }
    const auto& text = value.get_ref<const std::string&>();
    register_secret(text);
    if (text.empty()) {
        throw_invalid(field, "a non-empty secret");
    }
    if (text.size() > max_length) {
        throw_invalid(field, "a secret of at most " + std::to_string(max_length) + " bytes (got " +
                                 std::to_string(text.size()) + " bytes)");
    }
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        const bool allowed_space = multiline && (c == '\n' || c == '\t' || c == '\r');
        if ((u < 0x20 || u == 0x7f) && !allowed_space) {
            throw_invalid(field, multiline ? "a secret without control characters other than "
                                             "newlines and tabs"
                                           : "a secret without control characters or newlines");
        }
    }
    return text;
}

}  // namespace brick
