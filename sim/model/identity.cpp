#include "sim/model/identity.hpp"

#include <cctype>

namespace brick::sim {
namespace {

constexpr unsigned char code_set_binary = 1;
constexpr unsigned char code_set_ascii = 2;

std::string hex_to_bytes(const std::string& hex) {
    std::string bytes;
    auto nibble = [](char c) -> unsigned {
        if (c >= '0' && c <= '9') {
            return static_cast<unsigned>(c - '0');
        }
        return static_cast<unsigned>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    };
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<char>((nibble(hex[i]) << 4U) | nibble(hex[i + 1])));
    }
    return bytes;
}

int rank(const Designator& d) {
    switch (d.type) {
        case DesignatorType::naa: {
            const char first = d.value.empty() ? '0' : d.value.front();
            return first == '6' ? 60 : (first == '5' ? 50 : 40);
        }
        case DesignatorType::eui64:
            return 30;
        case DesignatorType::t10:
            return 20;
    }
    return 0;
}

// udev's ID_SERIAL for an ASCII identifier (udev_replace_whitespace, then
// udev_replace_chars): runs of white space become one '_', leading and
// trailing ones go, and characters other than letters, digits, "#+-.:=@_" and
// "\x" escapes become '_'.
std::string udev_serial(const std::string& text) {
    static const std::string allowed = "#+-.:=@_";
    std::string out;
    bool pending = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (std::isspace(c) != 0) {
            pending = true;
            continue;
        }
        if (pending && !out.empty()) {
            out.push_back('_');
        }
        pending = false;
        const bool keep = (c < 0x80 && std::isalnum(c) != 0) ||
                          allowed.find(static_cast<char>(c)) != std::string::npos ||
                          (c == '\\' && i + 1 < text.size() && text[i + 1] == 'x');
        out.push_back(keep ? static_cast<char>(c) : '_');
    }
    return out;
}

std::string lower(std::string text) {
    for (auto& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

}  // namespace

std::optional<DesignatorType> designator_type_from_name(const std::string& name) {
    if (name == "naa") {
        return DesignatorType::naa;
    }
    if (name == "eui" || name == "eui64") {
        return DesignatorType::eui64;
    }
    if (name == "t10") {
        return DesignatorType::t10;
    }
    return std::nullopt;
}

std::string vpd83_page(const std::vector<Designator>& designators) {
    std::string body;
    for (const auto& d : designators) {
        const bool ascii = d.type == DesignatorType::t10;
        const auto value = ascii ? d.value : hex_to_bytes(d.value);
        // Protocol identifier 0 (not set), code set; PIV 0, association 0 (LU), type.
        body.push_back(static_cast<char>(ascii ? code_set_ascii : code_set_binary));
        body.push_back(static_cast<char>(static_cast<unsigned char>(d.type)));
        body.push_back('\0');
        body.push_back(static_cast<char>(value.size() & 0xFFU));
        body += value;
    }
    std::string page;
    page.push_back('\0');  // peripheral qualifier/type: direct access block device
    page.push_back(static_cast<char>(0x83));
    page.push_back(static_cast<char>((body.size() >> 8U) & 0xFFU));
    page.push_back(static_cast<char>(body.size() & 0xFFU));
    return page + body;
}

std::string vpd80_page(const std::string& serial) {
    std::string page;
    page.push_back('\0');
    page.push_back(static_cast<char>(0x80));
    page.push_back(static_cast<char>((serial.size() >> 8U) & 0xFFU));
    page.push_back(static_cast<char>(serial.size() & 0xFFU));
    return page + serial;
}

const Designator* preferred_designator(const std::vector<Designator>& designators) {
    const Designator* best = nullptr;
    for (const auto& d : designators) {
        if (!d.value.empty() && (best == nullptr || rank(d) > rank(*best))) {
            best = &d;
        }
    }
    return best;
}

std::string sysfs_wwid(const std::vector<Designator>& designators) {
    const auto* best = preferred_designator(designators);
    if (best == nullptr) {
        return {};
    }
    switch (best->type) {
        case DesignatorType::naa:
            return "naa." + lower(best->value);
        case DesignatorType::eui64:
            return "eui." + lower(best->value);
        case DesignatorType::t10:
            return "t10." + best->value;
    }
    return {};
}

std::string scsi_id(const std::vector<Designator>& designators) {
    const auto* best = preferred_designator(designators);
    if (best == nullptr) {
        return {};
    }
    const auto prefix = std::to_string(static_cast<int>(best->type));
    if (best->type == DesignatorType::t10) {
        const auto text = udev_serial(best->value);
        return text.empty() ? std::string() : prefix + text;
    }
    return prefix + lower(best->value);
}

std::optional<std::string> wwn_link_name(const std::vector<Designator>& designators) {
    const auto* best = preferred_designator(designators);
    if (best == nullptr || best->type != DesignatorType::naa) {
        return std::nullopt;
    }
    return "wwn-0x" + lower(best->value);
}

}  // namespace brick::sim
