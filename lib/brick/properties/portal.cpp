// Portals and hosts: "host:port", "[v6]:port", bare hosts, and ports.

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "brick/core/error.hpp"
#include "brick/properties/common.hpp"
#include "brick/properties/number.hpp"
#include "brick/properties/text.hpp"

namespace brick {
namespace {

constexpr std::string_view host_expected = "an IPv4 address, an IPv6 address or a DNS name";

// inet_pton reads a C string: only the characters an address can have are
// passed to it, so "::1\0;reboot" is not read as "::1".
bool only_chars(std::string_view text, std::string_view allowed) {
    return text.find_first_not_of(allowed) == std::string_view::npos;
}

bool is_ipv4(std::string_view text) {
    std::array<unsigned char, 4> buffer{};
    return only_chars(text, "0123456789.") &&
           inet_pton(AF_INET, std::string(text).c_str(), buffer.data()) == 1;
}

// An IPv6 address with an optional "%zone" (interface name characters).
bool is_ipv6(std::string_view text) {
    std::string_view address = text;
    if (const auto percent = text.find('%'); percent != std::string_view::npos) {
        const auto zone = text.substr(percent + 1);
        const bool zone_ok =
            !zone.empty() && zone.size() <= 15 && std::all_of(zone.begin(), zone.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
            });
        if (!zone_ok) {
            return false;
        }
        address = text.substr(0, percent);
    }
    std::array<unsigned char, 16> buffer{};
    return only_chars(address, "0123456789abcdefABCDEF:.") &&
           inet_pton(AF_INET6, std::string(address).c_str(), buffer.data()) == 1;
}

bool is_dns_label(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
        return false;
    }
    return std::all_of(label.begin(), label.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-';
    });
}

bool is_dns_name(std::string_view text) {
    if (text.empty() || text.size() > 253) {
        return false;
    }
    std::size_t start = 0;
    while (true) {
        const auto dot = text.find('.', start);
        const auto label = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (!is_dns_label(label)) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        start = dot + 1;
    }
}

// IPv4 or DNS name; a name of digits and dots only must be a valid IPv4 address.
std::string parse_name_or_ipv4(const std::string& field, std::string_view text,
                               std::string_view original) {
    const bool numeric =
        !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
    if (numeric ? is_ipv4(text) : is_dns_name(text)) {
        return std::string(text);
    }
    throw_invalid(field, std::string(numeric ? "a valid IPv4 address" : host_expected) + " (got " +
                             describe_text(original) + ")");
}

bool is_port_text(std::string_view text) {
    return !text.empty() && text.size() <= 5 &&
           text.find_first_not_of("0123456789") == std::string_view::npos;
}

std::uint16_t port_from_text(const std::string& field, std::string_view text,
                             std::string_view original) {
    if (!is_port_text(text)) {
        throw_invalid(field,
                      "a port 1..65535 after the last ':' (got " + describe_text(original) + ")");
    }
    return parse_port(field, nlohmann::json(std::string(text)));
}

std::uint16_t default_or_missing(const std::string& field, std::string_view original,
                                 std::uint16_t default_port) {
    if (default_port == 0) {
        throw_invalid(field,
                      "host:port or [IPv6]:port with a port (got " + describe_text(original) + ")");
    }
    return default_port;
}

}  // namespace

std::string Portal::to_string() const {
    return is_ipv6() ? "[" + host + "]:" + std::to_string(port) : host + ":" + std::to_string(port);
}

std::string Portal::by_path_string() const {
    return host + ":" + std::to_string(port);
}

std::uint16_t parse_port(const std::string& field, const nlohmann::json& value) {
    return static_cast<std::uint16_t>(parse_unsigned(field, value, "a port", 1, 65535));
}

std::string parse_host(const std::string& field, std::string_view text) {
    if (text.empty()) {
        throw_invalid(field, std::string(host_expected) + " (got an empty string)");
    }
    if (text.front() == '[') {
        if (text.back() != ']' || !is_ipv6(text.substr(1, text.size() - 2))) {
            throw_invalid(field, "an IPv6 address in brackets (got " + describe_text(text) + ")");
        }
        return std::string(text.substr(1, text.size() - 2));
    }
    if (text.find(':') != std::string_view::npos) {
        if (!is_ipv6(text)) {
            throw_invalid(field, "an address without a port: IPv4, IPv6 or a DNS name (got " +
                                     describe_text(text) + ")");
        }
        return std::string(text);
    }
    return parse_name_or_ipv4(field, text, text);
}

Portal parse_portal(const std::string& field, std::string_view text, std::uint16_t default_port) {
    if (text.empty()) {
        throw_invalid(field, "host:port or [IPv6]:port (got an empty string)");
    }
    Portal portal;
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || !is_ipv6(text.substr(1, close - 1))) {
            throw_invalid(field, "[IPv6]:port with a valid IPv6 address in brackets (got " +
                                     describe_text(text) + ")");
        }
        portal.host = std::string(text.substr(1, close - 1));
        const auto rest = text.substr(close + 1);
        if (rest.empty()) {
            portal.port = default_or_missing(field, text, default_port);
        } else if (rest.front() == ':') {
            portal.port = port_from_text(field, rest.substr(1), text);
        } else {
            throw_invalid(field, "[IPv6]:port, nothing but ':port' after ']' (got " +
                                     describe_text(text) + ")");
        }
        return portal;
    }
    const auto colons = std::count(text.begin(), text.end(), ':');
    if (colons == 0) {
        portal.host = parse_name_or_ipv4(field, text, text);
        portal.port = default_or_missing(field, text, default_port);
        return portal;
    }
    const auto last = text.rfind(':');
    const auto head = text.substr(0, last);
    const auto tail = text.substr(last + 1);
    if (colons == 1) {
        portal.host = parse_name_or_ipv4(field, head, text);
        portal.port = port_from_text(field, tail, text);
        return portal;
    }
    // An IPv6 address without brackets: accepted only when exactly one reading
    // (whole address, or address plus port) is valid.
    const bool whole = is_ipv6(text);
    const bool split = is_ipv6(head) && is_port_text(tail);
    if (whole && split) {
        throw_invalid(field, "[IPv6]:port: " + describe_text(text) +
                                 " is ambiguous without brackets (address or address:port)");
    }
    if (whole) {
        portal.host = std::string(text);
        portal.port = default_or_missing(field, text, default_port);
        return portal;
    }
    if (split) {
        portal.host = std::string(head);
        portal.port = port_from_text(field, tail, text);
        return portal;
    }
    throw_invalid(
        field, "host:port or [IPv6]:port with a valid address (got " + describe_text(text) + ")");
}

}  // namespace brick
