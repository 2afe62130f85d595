#include "brick/fc/ports.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <tuple>

#include "brick/core/sysfs_name.hpp"

namespace brick::fc {
namespace {

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string::npos ? path.size() : slash;
        if (end > start) {
            parts.push_back(path.substr(start, end - start));
        }
        if (slash == std::string::npos) {
            break;
        }
        start = slash + 1;
    }
    return parts;
}

bool is_pci_address(const std::string& text) {
    // dddd:bb:dd.f
    if (text.size() != 12 || text[4] != ':' || text[7] != ':' || text[10] != '.') {
        return false;
    }
    return std::all_of(text.begin(), text.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
    });
}

// "rport-2:0-1" -> (2, 0, 1).
std::optional<std::tuple<unsigned, unsigned, unsigned>> rport_numbers(const std::string& name) {
    constexpr std::string_view prefix = "rport-";
    if (name.rfind(prefix, 0) != 0) {
        return std::nullopt;
    }
    const auto colon = name.find(':', prefix.size());
    const auto dash = name.find('-', prefix.size());
    if (colon == std::string::npos || dash == std::string::npos || dash < colon) {
        return std::nullopt;
    }
    const auto host = number_after(name.substr(prefix.size(), colon - prefix.size()), "");
    const auto channel = number_after(name.substr(colon + 1, dash - colon - 1), "");
    const auto number = number_after(name.substr(dash + 1), "");
    if (!host || !channel || !number) {
        return std::nullopt;
    }
    return std::make_tuple(*host, *channel, *number);
}

std::optional<unsigned> target_id(const std::string& text) {
    if (text.empty() || text == "-1") {
        return std::nullopt;
    }
    return number_after(text, "");
}

}  // namespace

std::optional<std::string> parse_port_name(const std::string& text) {
    std::string value;
    for (const char c : text) {
        if (std::isspace(static_cast<unsigned char>(c)) == 0) {
            value.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
    }
    if (value.rfind("0x", 0) == 0) {
        value.erase(0, 2);
    }
    if (value.size() != 16 || !std::all_of(value.begin(), value.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c)) != 0;
        })) {
        return std::nullopt;
    }
    return value;
}

std::string by_path_prefix_of(const std::string& device_path) {
    const auto parts = components(device_path);
    const auto devices = std::find(parts.begin(), parts.end(), "devices");
    if (devices == parts.end()) {
        return {};
    }
    const auto first = static_cast<std::size_t>(devices - parts.begin()) + 1;
    std::string platform;
    const bool on_platform = first < parts.size() && parts[first] == "platform";
    for (std::size_t i = first; i < parts.size(); ++i) {
        const auto& part = parts[i];
        if (on_platform && part.rfind("pci", 0) == 0 && i > first) {
            platform = "platform-";
            platform.append(parts[i - 1]).append("-");
        }
        if ((number_after(part, "host") || part.rfind("net", 0) == 0) && i > first) {
            const auto& parent = parts[i - 1];
            if (!is_pci_address(parent)) {
                return {};
            }
            return platform.append("pci-").append(parent);
        }
    }
    return {};
}

std::vector<HostPort> read_host_ports(Host& host) {
    std::vector<HostPort> ports;
    std::vector<std::string> names;
    if (!host.list_dir("/sys/class/fc_host", names).ok()) {
        return ports;
    }
    for (const auto& name : names) {
        const auto number = number_after(name, "host");
        if (!number) {
            continue;
        }
        const auto dir = "/sys/class/fc_host/" + name;
        const auto wwpn = parse_port_name(host.read_attribute(dir + "/port_name").value_or(""));
        const auto wwnn = parse_port_name(host.read_attribute(dir + "/node_name").value_or(""));
        const auto state = host.read_attribute(dir + "/port_state");
        if (!wwpn || !wwnn || !state) {
            continue;
        }
        HostPort port{*number, *wwpn, *wwnn, *state, {}};
        std::string link;
        if (host.read_link(dir, link).ok()) {
            port.by_path_prefix = by_path_prefix_of(link);
        }
        ports.push_back(std::move(port));
    }
    std::sort(ports.begin(), ports.end(),
              [](const HostPort& a, const HostPort& b) { return a.scsi_host < b.scsi_host; });
    return ports;
}

std::vector<RemotePort> read_remote_ports(Host& host) {
    std::vector<RemotePort> ports;
    std::vector<std::string> names;
    if (!host.list_dir("/sys/class/fc_remote_ports", names).ok()) {
        return ports;
    }
    for (const auto& name : names) {
        const auto numbers = rport_numbers(name);
        if (!numbers) {
            continue;
        }
        const auto dir = "/sys/class/fc_remote_ports/" + name;
        const auto wwpn = parse_port_name(host.read_attribute(dir + "/port_name").value_or(""));
        const auto state = host.read_attribute(dir + "/port_state");
        if (!wwpn || !state) {
            continue;
        }
        RemotePort port;
        std::tie(port.scsi_host, port.channel, port.number) = *numbers;
        port.wwpn = *wwpn;
        port.wwnn =
            parse_port_name(host.read_attribute(dir + "/node_name").value_or("")).value_or("");
        port.port_state = *state;
        port.roles = host.read_attribute(dir + "/roles").value_or("");
        port.scsi_target_id = target_id(host.read_attribute(dir + "/scsi_target_id").value_or(""));
        ports.push_back(std::move(port));
    }
    std::sort(ports.begin(), ports.end(), [](const RemotePort& a, const RemotePort& b) {
        return std::tie(a.scsi_host, a.channel, a.number) <
               std::tie(b.scsi_host, b.channel, b.number);
    });
    return ports;
}

}  // namespace brick::fc
