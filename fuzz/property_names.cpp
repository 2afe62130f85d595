// The validators of the names a storage service sends (portals, hosts, IQNs,
// NQNs, UUIDs, WWNs, NGUIDs, safe names, paths, numbers, secrets). The first
// byte chooses the validator, the rest is its input. What a validator accepts
// reaches argument vectors, paths and log lines, so an accepted value must be
// made of its allowed characters only and be a fixed point (validating the
// result gives it back unchanged); a refused one is a typed error naming the
// field.

#include <algorithm>

#include "brick/properties/common.hpp"
#include "brick/properties/number.hpp"
#include "brick/properties/text.hpp"
#include "support.hpp"

namespace {

using brick::fuzz::describe;
using nlohmann::json;

constexpr const char* field = "data.name";

bool only(std::string_view text, std::string_view punctuation) {
    return std::all_of(text.begin(), text.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               punctuation.find(c) != std::string_view::npos;
    });
}

bool lower_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void check_portal(std::string_view text, std::uint16_t default_port) {
    const auto portal = brick::parse_portal(field, text, default_port);
    BRICK_FUZZ_CHECK(portal.port >= 1, portal.to_string());
    BRICK_FUZZ_CHECK(!portal.host.empty() && only(portal.host, ".-:%_"), portal.host);
    BRICK_FUZZ_CHECK(brick::parse_portal(field, portal.to_string(), 0) == portal,
                     portal.to_string());
    BRICK_FUZZ_CHECK(brick::parse_host(field, portal.host) == portal.host, portal.host);
}

void check_host(std::string_view text) {
    const auto host = brick::parse_host(field, text);
    BRICK_FUZZ_CHECK(!host.empty() && only(host, ".-:%_"), host);
    BRICK_FUZZ_CHECK(brick::parse_host(field, host) == host, host);
}

void check_name(std::string_view text, int kind) {
    std::string name;
    switch (kind) {
        case 0:
            name = brick::parse_iscsi_name(field, text);
            break;
        case 1:
            name = brick::parse_nqn(field, text);
            break;
        default:
            name = brick::parse_subsystem_nqn(field, text);
            break;
    }
    BRICK_FUZZ_CHECK(!name.empty() && name.size() <= 223 && only(name, ".-_:"), name);
    BRICK_FUZZ_CHECK(name == text, name);
}

void check_identifier(std::string_view text, int kind) {
    switch (kind) {
        case 0: {
            const auto uuid = brick::parse_uuid(field, text);
            BRICK_FUZZ_CHECK(uuid.size() == 36 && brick::parse_uuid(field, uuid) == uuid, uuid);
            auto plain = uuid;
            plain.erase(std::remove(plain.begin(), plain.end(), '-'), plain.end());
            BRICK_FUZZ_CHECK(plain.size() == 32 && lower_hex(plain), uuid);
            break;
        }
        case 1: {
            const auto wwn = brick::parse_wwn(field, text);
            BRICK_FUZZ_CHECK(wwn.size() == 16 && lower_hex(wwn), wwn);
            BRICK_FUZZ_CHECK(brick::parse_wwn(field, wwn) == wwn, wwn);
            break;
        }
        default: {
            const auto nguid = brick::parse_nguid(field, text);
            BRICK_FUZZ_CHECK(nguid.size() == 32 && lower_hex(nguid), nguid);
            break;
        }
    }
}

void check_path(std::string_view text, int kind) {
    switch (kind) {
        case 0: {
            const auto name = brick::parse_safe_name(field, text, "a name");
            BRICK_FUZZ_CHECK(!name.empty() && name.size() <= 255 && only(name, "._-:"), name);
            break;
        }
        case 1: {
            const auto name = brick::parse_path_component(field, text, "a name");
            BRICK_FUZZ_CHECK(name != "." && name != ".." && only(name, "._-:"), name);
            break;
        }
        default: {
            const auto path = brick::parse_absolute_path(field, text, "a path");
            BRICK_FUZZ_CHECK(path.front() == '/' && path.back() != '/' && only(path, "/._-:+@=,"),
                             path);
            const auto wrapped = path + "/";
            for (const char* bad : {"//", "/./", "/../"}) {
                BRICK_FUZZ_CHECK(wrapped.find(bad) == std::string::npos || path == "/", path);
            }
            break;
        }
    }
}

void check_json_value(std::string_view text, int kind) {
    json value;
    try {
        value = json::parse(text);
    } catch (const json::exception&) {
        return;  // not JSON: the strict reader's own harness (json_text) covers that
    }
    switch (kind) {
        case 0: {
            const auto lun = brick::parse_lun(field, value);
            if (value.is_number_unsigned()) {
                BRICK_FUZZ_CHECK(lun == value.get<std::uint64_t>(), text);
            }
            break;
        }
        case 1: {
            const auto id = brick::parse_namespace_id(field, value);
            BRICK_FUZZ_CHECK(id >= 1 && id <= 0xfffffffeU, text);
            break;
        }
        case 2: {
            const auto port = brick::parse_port(field, value);
            BRICK_FUZZ_CHECK(port >= 1, text);
            break;
        }
        default: {
            const auto secret = brick::parse_secret(field, value, kind == 4, 64);
            BRICK_FUZZ_CHECK(secret == value.get<std::string>() && secret.size() <= 64, text);
            const bool controls = std::any_of(secret.begin(), secret.end(), [&](char c) {
                const auto u = static_cast<unsigned char>(c);
                return (u < 0x20 || u == 0x7f) &&
                       !(kind == 4 && (c == '\n' || c == '\t' || c == '\r'));
            });
            BRICK_FUZZ_CHECK(!controls, text);
            // A parsed secret is masked wherever it would appear.
            BRICK_FUZZ_CHECK(
                secret.find('*') != std::string::npos ||
                    brick::mask_secrets("x" + secret + "x").find(secret) == std::string::npos,
                text);
            break;
        }
    }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const auto choice = data[0];
    const auto text = brick::fuzz::as_text(data + 1, size - 1);
    brick::forget_secrets();
    try {
        switch (choice % 8) {
            case 0:
                check_portal(text, (choice & 0x80U) != 0 ? 3260 : 0);
                break;
            case 1:
                check_host(text);
                break;
            case 2:
                check_name(text, (choice >> 3U) % 3);
                break;
            case 3:
                check_identifier(text, (choice >> 3U) % 3);
                break;
            case 4:
                check_path(text, (choice >> 3U) % 3);
                break;
            case 5:
                check_json_value(text, (choice >> 3U) % 5);
                break;
            case 6:
                brick::describe_text(text);
                break;
            default:
                brick::parse_protocol(text);
                break;
        }
    } catch (const brick::Error& e) {
        brick::fuzz::check_input_error(e);
        BRICK_FUZZ_CHECK(e.field() == field, describe(e));
    }
    return 0;
}
