#include "brick/properties/chap.hpp"

#include "brick/core/error.hpp"
#include "brick/core/secrets.hpp"
#include "brick/properties/text.hpp"

namespace brick {
namespace {

// open-iscsi stores CHAP names and secrets in 256-byte buffers (with the NUL).
constexpr std::size_t max_chap_length = 255;
// CHAP names reach iscsiadm's argument vector and its node records.
constexpr std::string_view chap_name_punctuation = "._-:@+=";

std::string key(std::string_view prefix, std::string_view name) {
    return std::string(prefix) + std::string(name);
}

std::string chap_name(const ObjectReader& in, const std::string& name) {
    const auto& value = in.require(name, "a CHAP user name (the method is CHAP)");
    return parse_safe_name(in.field(name), require_string(in.field(name), value),
                           "a CHAP user name", chap_name_punctuation, max_chap_length);
}

std::string chap_secret(const ObjectReader& in, const std::string& name) {
    const auto& value = in.require(name, "a CHAP secret (the method is CHAP)");
    return parse_secret(in.field(name), value, false, max_chap_length);
}

}  // namespace

std::optional<ChapCredentials> parse_chap(const ObjectReader& in, std::string_view prefix) {
    // Register first: an unused or malformed secret must still never be logged.
    for (const auto* name : {"password", "password_in"}) {
        if (const auto* value = in.find(key(prefix, name)); value && value->is_string()) {
            register_secret(value->get_ref<const std::string&>());
        }
    }
    const auto method_key = key(prefix, "method");
    const auto method = in.string(method_key);
    if (!method) {
        return std::nullopt;
    }
    std::string folded = *method;
    for (auto& c : folded) {
        c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    if (folded == "NONE") {
        return std::nullopt;
    }
    if (folded != "CHAP") {
        throw_invalid(in.field(method_key),
                      R"("CHAP" or "None" (got )" + describe_text(*method) + ")");
    }
    ChapCredentials chap;
    chap.method = "CHAP";
    chap.username = chap_name(in, key(prefix, "username"));
    chap.password = chap_secret(in, key(prefix, "password"));
    const auto username_in = key(prefix, "username_in");
    const auto password_in = key(prefix, "password_in");
    if (in.has(username_in) || in.has(password_in)) {
        // Mutual CHAP needs both halves; one alone is a driver bug.
        chap.username_in = chap_name(in, username_in);
        chap.password_in = chap_secret(in, password_in);
    }
    return chap;
}

nlohmann::json chap_to_json(const ChapCredentials& chap) {
    nlohmann::json out = {{"method", chap.method},
                          {"username", chap.username},
                          {"password", std::string(masked_text)}};
    if (chap.mutual()) {
        out["username_in"] = chap.username_in;
        out["password_in"] = std::string(masked_text);
    }
    return out;
}

}  // namespace brick
