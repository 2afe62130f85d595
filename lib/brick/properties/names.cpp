// Storage names: iSCSI names (RFC 3720/3721), NQNs, UUIDs, WWNs and NGUIDs.

#include <algorithm>

#include "brick/core/error.hpp"
#include "brick/properties/common.hpp"
#include "brick/properties/text.hpp"

namespace brick {
namespace {

// iSCSI names and NQNs are both limited to 223 bytes.
constexpr std::size_t max_name_length = 223;
constexpr std::string_view name_punctuation = ".-_:";
constexpr std::string_view nvme_uuid_prefix = "nqn.2014-08.org.nvmexpress:uuid:";

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool all_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(), is_hex);
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// "YYYY-MM" with month 01..12.
bool is_date_code(std::string_view text) {
    if (text.size() != 7 || text[4] != '-' ||
        !std::all_of(text.begin(), text.begin() + 4, is_digit) || !is_digit(text[5]) ||
        !is_digit(text[6])) {
        return false;
    }
    const int month = (text[5] - '0') * 10 + (text[6] - '0');
    return month >= 1 && month <= 12;
}

// A reversed domain name of a naming authority: lower-case labels of letters,
// digits and '-', separated by dots.
bool is_authority(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    std::size_t start = 0;
    while (true) {
        const auto dot = text.find('.', start);
        const auto label = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
        const bool ok = !label.empty() && label.front() != '-' && label.back() != '-' &&
                        std::all_of(label.begin(), label.end(), [](char c) {
                            return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-';
                        });
        if (!ok) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        start = dot + 1;
    }
}

// "<type>.YYYY-MM.<authority>[:<rest>]" after the type prefix and its dot.
// Returns false when the date or the authority is malformed, or the colon is
// required but missing, or the part after the colon is empty.
bool is_dated_name(std::string_view body, bool colon_required) {
    if (body.size() < 9 || !is_date_code(body.substr(0, 7)) || body[7] != '.') {
        return false;
    }
    const auto rest = body.substr(8);
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) {
        return !colon_required && is_authority(rest);
    }
    return is_authority(rest.substr(0, colon)) && colon + 1 < rest.size();
}

void check_name_text(const std::string& field, std::string_view text, std::string_view what) {
    parse_safe_name(field, text, what, name_punctuation, max_name_length);
}

bool is_uuid_text(std::string_view text) {
    if (text.size() == 32) {
        return all_hex(text);
    }
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash_position ? text[i] != '-' : !is_hex(text[i])) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string parse_iscsi_name(const std::string& field, std::string_view text) {
    constexpr std::string_view expected =
        "an iSCSI name: iqn.YYYY-MM.reversed.domain[:name], eui.<16 hex digits> or "
        "naa.<16 or 32 hex digits>";
    check_name_text(field, text, "an iSCSI name");
    if (text.substr(0, 4) == "iqn.") {
        // The type, date and naming authority must be lower-case (RFC 3722
        // normalises names to lower case). The part after the colon is kept
        // verbatim: targets and iscsiadm compare names byte for byte.
        if (!is_dated_name(text.substr(4), false)) {
            throw_invalid(field, std::string(expected) +
                                     " with a date YYYY-MM and a lower-case "
                                     "reversed domain (got " +
                                     describe_text(text) + ")");
        }
        return std::string(text);
    }
    const auto hex = text.size() > 4 ? text.substr(4) : std::string_view{};
    if (text.substr(0, 4) == "eui." && hex.size() == 16 && all_hex(hex)) {
        return std::string(text);
    }
    if (text.substr(0, 4) == "naa." && (hex.size() == 16 || hex.size() == 32) && all_hex(hex)) {
        return std::string(text);
    }
    throw_invalid(field, std::string(expected) + " (got " + describe_text(text) + ")");
}

std::string parse_nqn(const std::string& field, std::string_view text) {
    check_name_text(field, text, "an NQN");
    if (text.substr(0, nvme_uuid_prefix.size()) == nvme_uuid_prefix) {
        const auto uuid = text.substr(nvme_uuid_prefix.size());
        if (uuid.size() != 36 || !is_uuid_text(uuid)) {
            throw_invalid(field,
                          "an NQN nqn.2014-08.org.nvmexpress:uuid:<8-4-4-4-12 hex UUID> (got " +
                              describe_text(text) + ")");
        }
        return std::string(text);
    }
    if (text.substr(0, 4) != "nqn." || !is_dated_name(text.substr(4), true)) {
        throw_invalid(field,
                      "an NQN nqn.YYYY-MM.reversed.domain:name (got " + describe_text(text) + ")");
    }
    return std::string(text);
}

std::string parse_subsystem_nqn(const std::string& field, std::string_view text) {
    if (text.size() > 4 && text.substr(0, 4) == "nqn." && is_digit(text[4])) {
        return parse_nqn(field, text);
    }
    check_name_text(field, text, "an NQN");
    return std::string(text);
}

std::string parse_uuid(const std::string& field, std::string_view text) {
    if (!is_uuid_text(text)) {
        throw_invalid(field,
                      "a UUID of 32 hex digits as 8-4-4-4-12 (got " + describe_text(text) + ")");
    }
    auto plain = lower(text);
    plain.erase(std::remove(plain.begin(), plain.end(), '-'), plain.end());
    return plain.substr(0, 8) + "-" + plain.substr(8, 4) + "-" + plain.substr(12, 4) + "-" +
           plain.substr(16, 4) + "-" + plain.substr(20);
}

std::string parse_wwn(const std::string& field, std::string_view text) {
    std::string_view body = text;
    if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
        body.remove_prefix(2);
    }
    std::string digits;
    if (body.find(':') != std::string_view::npos) {
        // Colon form: eight pairs "20:21:00:02:ac:00:38:3d".
        const bool pairs = body.size() == 23 && [&] {
            for (std::size_t i = 2; i < body.size(); i += 3) {
                if (body[i] != ':') {
                    return false;
                }
            }
            return true;
        }();
        if (pairs) {
            for (std::size_t i = 0; i < body.size(); i += 3) {
                digits += body.substr(i, 2);
            }
        }
    } else {
        digits = std::string(body);
    }
    if (digits.size() != 16 || !all_hex(digits)) {
        throw_invalid(field,
                      "a WWN of 16 hex digits, optionally with 0x or as colon-separated pairs "
                      "(got " +
                          describe_text(text) + ")");
    }
    return lower(digits);
}

std::string parse_nguid(const std::string& field, std::string_view text) {
    std::string digits(text);
    digits.erase(std::remove(digits.begin(), digits.end(), '-'), digits.end());
    if (digits.size() != 32 || !all_hex(digits)) {
        throw_invalid(
            field, "an NGUID of 32 hex digits, dashes optional (got " + describe_text(text) + ")");
    }
    return lower(digits);
}

}  // namespace brick
