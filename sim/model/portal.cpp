#include "sim/model/portal.hpp"

#include <charconv>

namespace brick::sim {

std::string Portal::to_string() const {
    const auto port_text = std::to_string(port);
    return is_ipv6() ? "[" + address + "]:" + port_text : address + ":" + port_text;
}

std::string Portal::comma_string() const {
    return address + "," + std::to_string(port);
}

std::string Portal::by_path_string() const {
    return address + ":" + std::to_string(port);
}

namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<Portal> parse_portal(std::string_view text, std::uint16_t default_port) {
    // iscsiadm accepts a trailing ",tpgt": ignore it.
    if (const auto comma = text.find(','); comma != std::string_view::npos) {
        text = text.substr(0, comma);
    }
    if (text.empty()) {
        return std::nullopt;
    }
    Portal portal;
    portal.port = default_port;
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close == 1) {
            return std::nullopt;
        }
        portal.address = std::string(text.substr(1, close - 1));
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return std::nullopt;
            }
            const auto port = parse_port(rest.substr(1));
            if (!port) {
                return std::nullopt;
            }
            portal.port = *port;
        }
        return portal;
    }
    const auto first = text.find(':');
    if (first != std::string_view::npos && text.find(':', first + 1) != std::string_view::npos) {
        portal.address = std::string(text);  // bare IPv6 without a port
        return portal;
    }
    if (first == std::string_view::npos) {
        portal.address = std::string(text);
        return portal;
    }
    portal.address = std::string(text.substr(0, first));
    const auto port = parse_port(text.substr(first + 1));
    if (portal.address.empty() || !port) {
        return std::nullopt;
    }
    portal.port = *port;
    return portal;
}

}  // namespace brick::sim
