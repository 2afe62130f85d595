#pragma once
// An iSCSI portal address as the simulator spells it in every place the real
// host does: iscsiadm ("[2001:db8::1]:3260"), sysfs (address and port apart)
// and udev by-path links ("2001:db8::1:3260", no brackets).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brick::sim {

struct Portal {
    std::string address;  // "192.168.122.10" or "2001:db8::1" (no brackets)
    std::uint16_t port = 3260;

    bool is_ipv6() const { return address.find(':') != std::string::npos; }
    // "10.0.0.1:3260" / "[2001:db8::1]:3260".
    std::string to_string() const;
    // "10.0.0.1,3260" / "2001:db8::1,3260": iscsiadm's login/logout messages.
    std::string comma_string() const;
    // "10.0.0.1:3260" / "2001:db8::1:3260": udev's by-path spelling.
    std::string by_path_string() const;
    bool operator==(const Portal&) const = default;
    // clang-tidy 14 takes the 0 of the synthesized comparison for a pointer.
    // NOLINTNEXTLINE(modernize-use-nullptr)
    auto operator<=>(const Portal&) const = default;
};

// Parses "host", "host:port", "[v6]", "[v6]:port" and a bare IPv6 address
// (taken as the address only). nullopt when malformed.
std::optional<Portal> parse_portal(std::string_view text, std::uint16_t default_port = 3260);

}  // namespace brick::sim
