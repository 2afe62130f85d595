#include "brick/scsi/vpd83.hpp"

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

// scsi_id replaces runs of white space in ASCII identifiers by one underscore
// (--whitelisted, with the default replace-whitespace behaviour).
std::string ascii_identifier(std::string_view text) {
    std::string out;
    bool in_space = false;
    for (const char c : text) {
        if (c == '\0') {
            break;
        }
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            in_space = true;
            continue;
        }
        if (in_space && !out.empty()) {
            out.push_back('_');
        }
        in_space = false;
        out.push_back(c);
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
        if (association == association_lun) {
            found.push_back({static_cast<int>(type), static_cast<int>(code_set),
                             page.substr(pos + 4, body_length)});
        }
        pos += 4 + body_length;
    }
    const Designator* best = nullptr;
    for (const auto& d : found) {
        if (rank(d) > 0 && (best == nullptr || rank(d) > rank(*best))) {
            best = &d;
        }
    }
    if (best == nullptr || best->body.empty()) {
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
    if (kind == "naa") {
        return "3" + std::string(body);
    }
    if (kind == "eui") {
        return "2" + std::string(body);
    }
    if (kind == "t10") {
        return "1" + ascii_identifier(body);
    }
    return std::nullopt;
}

}  // namespace brick::scsi
