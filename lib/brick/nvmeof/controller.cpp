#include "brick/nvmeof/controller.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

#include "brick/core/sysfs_name.hpp"

namespace brick::nvmeof {
namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool is_namespace_disk(const std::string& name) {
    static const std::regex pattern("^nvme[0-9]+n[0-9]+$");
    return std::regex_match(name, pattern);
}

// The kernel writes IPv6 addresses in their compressed form; compare them
// case-insensitively and without brackets.
std::string normal_address(std::string address) {
    if (!address.empty() && address.front() == '[' && address.back() == ']') {
        address = address.substr(1, address.size() - 2);
    }
    return lower(address);
}

}  // namespace

std::map<std::string, std::string> parse_address(std::string_view address) {
    std::map<std::string, std::string> fields;
    // The attribute is one line: what follows a newline or a NUL is not part of it.
    address = address.substr(0, address.find_first_of(std::string_view("\n\0", 2)));
    std::size_t start = 0;
    while (start < address.size()) {
        auto end = address.find(',', start);
        if (end == std::string_view::npos) {
            end = address.size();
        }
        const auto field = address.substr(start, end - start);
        const auto equals = field.find('=');
        if (equals != std::string_view::npos) {
            fields[std::string(field.substr(0, equals))] = std::string(field.substr(equals + 1));
        }
        start = end + 1;
    }
    return fields;
}

bool Controller::matches(const std::string& nqn, const TargetPortal& portal,
                         const std::string& wanted_host_nqn) const {
    // A controller being deleted is no path: the kernel does not count it as
    // a duplicate either, so a new connect to the portal succeeds.
    if (state == "deleting" || state == "dead") {
        return false;
    }
    if (subsystem_nqn != nqn || transport != transport_name(portal.transport)) {
        return false;
    }
    const auto traddr = address.find("traddr");
    const auto trsvcid = address.find("trsvcid");
    if (traddr == address.end() || trsvcid == address.end()) {
        return false;
    }
    if (normal_address(traddr->second) != normal_address(portal.address) ||
        trsvcid->second != std::to_string(portal.port)) {
        return false;
    }
    return wanted_host_nqn.empty() || host_nqn.empty() || host_nqn == wanted_host_nqn;
}

std::vector<Controller> read_controllers(Host& host, const std::string& subsystem_nqn) {
    std::vector<Controller> controllers;
    std::vector<std::string> names;
    if (!host.list_dir("/sys/class/nvme-fabrics/ctl", names).ok()) {
        return controllers;
    }
    for (const auto& name : names) {
        const auto instance = number_after(name, "nvme");
        if (!instance) {
            continue;
        }
        const auto base = "/sys/class/nvme-fabrics/ctl/" + name;
        Controller c;
        c.name = name;
        c.instance = *instance;
        c.subsystem_nqn = host.read_attribute(base + "/subsysnqn").value_or("");
        if (!subsystem_nqn.empty() && c.subsystem_nqn != subsystem_nqn) {
            continue;
        }
        c.transport = host.read_attribute(base + "/transport").value_or("");
        c.address = parse_address(host.read_attribute(base + "/address").value_or(""));
        c.state = host.read_attribute(base + "/state").value_or("");
        c.host_nqn = host.read_attribute(base + "/hostnqn").value_or("");
        for (const auto& path : host.glob("/sys/class/nvme-subsystem/nvme-subsys*/" + name)) {
            const auto dir = path.substr(0, path.rfind('/'));
            c.subsystem = dir.substr(dir.rfind('/') + 1);
        }
        controllers.push_back(std::move(c));
    }
    return controllers;
}

std::optional<Namespace> read_namespace(Host& host, const std::string& name) {
    const auto base = "/sys/block/" + name;
    const auto nsid = host.read_attribute(base + "/nsid");
    if (!nsid) {
        return std::nullopt;
    }
    Namespace ns;
    ns.name = name;
    ns.nsid = number_after(*nsid, "").value_or(0);
    ns.uuid = lower(host.read_attribute(base + "/uuid").value_or(""));
    auto nguid = lower(host.read_attribute(base + "/nguid").value_or(""));
    nguid.erase(std::remove(nguid.begin(), nguid.end(), '-'), nguid.end());
    ns.nguid = nguid;
    if (auto sectors = host.read_attribute(base + "/size")) {
        ns.size_bytes = sectors_in_bytes(*sectors).value_or(0);
    }
    FileInfo info;
    ns.has_device_node =
        host.stat("/dev/" + name, info).ok() && info.type == FileType::block_device;
    return ns;
}

std::vector<Namespace> namespaces_of(Host& host, const Controller& controller) {
    std::vector<std::string> candidates;
    std::vector<std::string> names;
    if (!controller.subsystem.empty() &&
        host.list_dir("/sys/class/nvme-subsystem/" + controller.subsystem, names).ok()) {
        for (const auto& name : names) {
            if (is_namespace_disk(name)) {
                candidates.push_back(name);
            }
        }
    }
    if (host.list_dir("/sys/class/nvme/" + controller.name, names).ok()) {
        for (const auto& name : names) {
            if (is_namespace_disk(name) &&
                std::find(candidates.begin(), candidates.end(), name) == candidates.end()) {
                candidates.push_back(name);
            }
        }
    }
    std::vector<Namespace> found;
    for (const auto& name : candidates) {
        if (auto ns = read_namespace(host, name)) {
            found.push_back(std::move(*ns));
        }
    }
    return found;
}

bool namespace_matches(const Namespace& ns, const Target& target) {
    // Found by UUID, else NGUID, else NSID; every identifier the properties
    // give must then agree, so a namespace re-used under another identity is
    // never returned.
    if (target.uuid.empty() && target.nguid.empty() && !target.ns_id) {
        return false;
    }
    if (!target.uuid.empty() && ns.uuid != target.uuid) {
        return false;
    }
    if (!target.nguid.empty() && ns.nguid != target.nguid) {
        return false;
    }
    return !target.ns_id || ns.nsid == *target.ns_id;
}

bool native_multipath(Host& host) {
    return host.read_attribute("/sys/module/nvme_core/parameters/multipath").value_or("N") == "Y";
}

}  // namespace brick::nvmeof
