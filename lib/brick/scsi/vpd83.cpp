#include "brick/scsi/vpd83.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace brick::scsi {
namespace {

constexpr int code_set_binary = 1;
constexpr int code_set_ascii = 2;
constexpr int code_set_utf8 = 3;
constexpr int type_t10 = 1;
constexpr int type_eui64 = 2;
constexpr int type_naa = 3;
constexpr int association_lun = 0;

struct Designator {
    int type = 0;
    int code_set = 0;
    std::string_view body;
};

std::string to_hex(std::string_view bytes) {
    static constexpr std::array<char, 16> digits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                    '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        out.push_back(digits.at(byte >> 4U));
        out.push_back(digits.at(byte & 0x0FU));
    }
    return out;
}

// The identifier udev exports as ID_SERIAL (what dm-multipath takes as the
// WWID) from an ASCII designator: runs of white space become one '_' (leading
// and trailing ones go), and every character outside udev's allowed set
// (letters, digits, "#+-.:=@_", and "\x" escapes) becomes '_'. Bytes from 0x80
// are replaced too: ASCII designators hold none. A NUL ends the text.
std::string ascii_identifier(std::string_view text) {
    constexpr std::string_view allowed = "#+-.:=@_";
    std::string out;
    bool in_space = false;
    for (std::size_t i = 0; i < text.size() && text[i] != '\0'; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (std::isspace(c) != 0) {
            in_space = true;
            continue;
        }
        if (in_space && !out.empty()) {
            out.push_back('_');
        }
        in_space = false;
        const bool keep = (c < 0x80 && std::isalnum(c) != 0) ||
                          allowed.find(static_cast<char>(c)) != std::string_view::npos ||
                          (c == '\\' && i + 1 < text.size() && text[i + 1] == 'x');
        out.push_back(keep ? static_cast<char>(c) : '_');
    }
    return out;
}

bool is_hex(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    });
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// Preference of scsi_id: NAA (the IEEE registered extended form first), then
// EUI-64, then T10 vendor id; only designators of the logical unit itself.
int rank(const Designator& d) {
    if (d.type == type_naa) {
        const auto naa = d.body.empty() ? 0U : (static_cast<unsigned char>(d.body[0]) >> 4U);
        return naa == 6 ? 60 : (naa == 5 ? 50 : 40);
    }
    if (d.type == type_eui64) {
        return 30;
    }
    if (d.type == type_t10) {
        return 20;
    }
    return 0;
}

}  // namespace

std::optional<std::string> scsi_id_from_vpd83(std::string_view page) {
    if (page.size() < 4 || static_cast<unsigned char>(page[1]) != 0x83) {
        return std::nullopt;
    }
    const std::size_t length =
        (static_cast<std::size_t>(static_cast<unsigned char>(page[2])) << 8U) |
        static_cast<unsigned char>(page[3]);
    const auto end = std::min(page.size(), length + 4);
    std::vector<Designator> found;
    std::size_t pos = 4;
    while (pos + 4 <= end) {
        const auto code_set = static_cast<unsigned char>(page[pos]) & 0x0FU;
        const auto type = static_cast<unsigned char>(page[pos + 1]) & 0x0FU;
        const auto association = (static_cast<unsigned char>(page[pos + 1]) >> 4U) & 0x03U;
        const std::size_t body_length = static_cast<unsigned char>(page[pos + 3]);
        if (pos + 4 + body_length > end) {
            break;
        }
        // NAA and EUI-64 designators are binary (SPC-4); one in another code
        // set is malformed and identifies nothing.
        const bool binary_kind = type == type_naa || type == type_eui64;
        if (association == association_lun && (!binary_kind || code_set == code_set_binary)) {
            found.push_back({static_cast<int>(type), static_cast<int>(code_set),
                             page.substr(pos + 4, body_length)});
        }
        pos += 4 + body_length;
    }
    // An empty designator identifies nothing: the next best one counts.
    const Designator* best = nullptr;
    for (const auto& d : found) {
        if (rank(d) > 0 && !d.body.empty() && (best == nullptr || rank(d) > rank(*best))) {
            best = &d;
        }
    }
    if (best == nullptr) {
        return std::nullopt;
    }
    const char prefix = static_cast<char>('0' + best->type);
    if (best->code_set == code_set_binary) {
        return std::string(1, prefix) + to_hex(best->body);
    }
    if (best->code_set == code_set_ascii || best->code_set == code_set_utf8) {
        auto text = ascii_identifier(best->body);
        if (text.empty()) {
            return std::nullopt;
        }
        return std::string(1, prefix) + text;
    }
    return std::nullopt;
}

std::optional<std::string> scsi_id_from_sysfs_wwid(std::string_view wwid) {
    while (!wwid.empty() && (wwid.back() == '\n' || wwid.back() == ' ')) {
        wwid.remove_suffix(1);
    }
    const auto dot = wwid.find('.');
    if (dot == std::string_view::npos || dot + 1 >= wwid.size()) {
        return std::nullopt;
    }
    const auto kind = wwid.substr(0, dot);
    const auto body = wwid.substr(dot + 1);
    // The kernel writes NAA and EUI-64 identifiers as hex digits; anything
    // else is not an identifier.
    if (kind == "naa" || kind == "eui") {
        if (!is_hex(body)) {
            return std::nullopt;
        }
        return (kind == "naa" ? "3" : "2") + lower(body);
    }
    if (kind == "t10") {
        const auto text = ascii_identifier(body);
        return text.empty() ? std::nullopt : std::optional<std::string>("1" + text);
    }
    return std::nullopt;
}

}  // namespace brick::scsi
