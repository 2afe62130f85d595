#include "brick/initiator/connector_properties.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/fc/ports.hpp"
#include "brick/properties/common.hpp"

namespace brick {
namespace {

constexpr Duration probe_timeout{10000};

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::string to_lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool is_uuid(const std::string& text) {
    try {
        parse_uuid("uuid", text);
        return true;
    } catch (const Error&) {
        return false;
    }
}

std::string machine_name(Host& host) {
    if (auto arch = host.read_attribute("/proc/sys/kernel/arch"); arch && !arch->empty()) {
        return *arch;
    }
    utsname names{};
    if (::uname(&names) == 0) {
        return names.machine;
    }
    return "unknown";
}

std::string host_name(Host& host) {
    if (auto name = host.read_attribute("/proc/sys/kernel/hostname"); name && !name->empty()) {
        return *name;
    }
    utsname names{};
    if (::uname(&names) == 0) {
        return names.nodename;
    }
    return "localhost";
}

// A fresh random UUID from the kernel (read through the seam, so the simulator
// can make it deterministic).
std::optional<std::string> kernel_random_uuid(Host& host) {
    auto uuid = host.read_attribute("/proc/sys/kernel/random/uuid");
    if (uuid && is_uuid(*uuid)) {
        return to_lower(*uuid);
    }
    return std::nullopt;
}

bool write_id_file(Host& host, const std::string& path, const std::string& value) {
    host.make_dirs(path.substr(0, path.rfind('/')));
    const auto status = host.write_file(path, value + "\n", probe_timeout, false);
    if (!status.ok()) {
        log::warning("cannot write " + path + ": errno " + std::to_string(status.error));
    }
    return status.ok();
}

// WWPNs and WWNNs of the Online initiator ports, as os-brick reports them
// (lower-case hex without 0x).
std::pair<std::vector<std::string>, std::vector<std::string>> online_fc_names(Host& host) {
    std::pair<std::vector<std::string>, std::vector<std::string>> names;
    for (const auto& port : fc::read_host_ports(host)) {
        if (port.online()) {
            names.first.push_back(port.wwpn);
            names.second.push_back(port.wwnn);
        }
    }
    return names;
}

std::optional<std::string> root_filesystem_uuid(Host& host) {
    const auto source =
        host.run(Command{{"findmnt", "/", "-n", "-o", "SOURCE"}, {}, probe_timeout});
    if (!source.ok()) {
        return std::nullopt;
    }
    const auto device = trim(source.out);
    if (device.empty() || device.front() != '/') {
        return std::nullopt;
    }
    const auto uuid =
        host.run(Command{{"blkid", device, "-s", "UUID", "-o", "value"}, {}, probe_timeout});
    if (!uuid.ok()) {
        return std::nullopt;
    }
    auto value = trim(uuid.out);
    return value.empty() ? std::nullopt : std::optional<std::string>(value);
}

}  // namespace

std::optional<std::string> read_initiator_iqn(Host& host) {
    std::string content;
    if (!host.read_file("/etc/iscsi/initiatorname.iscsi", content).ok()) {
        return std::nullopt;
    }
    std::size_t start = 0;
    while (start < content.size()) {
        auto end = content.find('\n', start);
        if (end == std::string::npos) {
            end = content.size();
        }
        const auto line = trim(content.substr(start, end - start));
        if (line.rfind("InitiatorName=", 0) == 0) {
            auto name = trim(line.substr(std::string_view("InitiatorName=").size()));
            if (!name.empty()) {
                return name;
            }
        }
        start = end + 1;
    }
    return std::nullopt;
}

std::optional<std::string> read_host_nqn(Host& host) {
    auto nqn = host.read_attribute("/etc/nvme/hostnqn");
    if (nqn) {
        *nqn = trim(*nqn);
    }
    if (!nqn || nqn->empty()) {
        return std::nullopt;
    }
    return nqn;
}

std::optional<std::string> read_host_id(Host& host) {
    auto id = host.read_attribute("/etc/nvme/hostid");
    if (!id) {
        return std::nullopt;
    }
    auto value = to_lower(trim(*id));
    return is_uuid(value) ? std::optional<std::string>(value) : std::nullopt;
}

std::optional<std::string> read_system_uuid(Host& host) {
    if (auto uuid = host.read_attribute("/sys/class/dmi/id/product_uuid"); uuid) {
        auto value = to_lower(trim(*uuid));
        if (is_uuid(value)) {
            return value;
        }
    }
    const auto result = host.run(Command{{"dmidecode", "-s", "system-uuid"}, {}, probe_timeout});
    if (result.ok()) {
        auto value = to_lower(trim(result.out));
        if (is_uuid(value)) {
            return value;
        }
    }
    return std::nullopt;
}

bool multipathd_running(Host& host) {
    const auto result = host.run(Command{{"multipathd", "show", "status"}, {}, probe_timeout});
    return result.ok() && result.out.rfind("error receiving packet", 0) != 0;
}

nlohmann::json get_connector_properties(Host& host, const ConnectorPropertiesRequest& request) {
    nlohmann::json props = nlohmann::json::object();
    props["platform"] = machine_name(host);
    props["os_type"] = "linux";
    props["ip"] = request.ip;
    props["host"] = request.host ? *request.host : host_name(host);

    bool multipath = false;
    if (request.multipath || request.enforce_multipath) {
        multipath = multipathd_running(host);
        if (!multipath && request.enforce_multipath) {
            throw Error(ErrorCategory::command_failed,
                        "multipath is enforced but multipathd is not running "
                        "(`multipathd show status` failed): start multipathd");
        }
        if (!multipath) {
            log::warning("multipath requested but multipathd is not running: multipath=false");
        }
    }
    props["multipath"] = multipath;
    props["enforce_multipath"] = request.enforce_multipath;
    props["do_local_attach"] = request.do_local_attach;

    if (auto iqn = read_initiator_iqn(host)) {
        props["initiator"] = *iqn;
    } else {
        log::info("no iSCSI initiator name: /etc/iscsi/initiatorname.iscsi missing or empty");
    }

    const auto [wwpns, wwnns] = online_fc_names(host);
    if (!wwpns.empty()) {
        props["wwpns"] = wwpns;
        props["wwnns"] = wwnns;
    }

    const auto system_uuid = read_system_uuid(host);
    if (system_uuid) {
        props["system uuid"] = *system_uuid;
    } else {
        log::info("no system UUID: /sys/class/dmi/id/product_uuid unreadable and dmidecode failed");
    }

    auto nqn = read_host_nqn(host);
    auto host_id = read_host_id(host);
    if (request.create_missing_ids) {
        if (!host_id) {
            host_id = system_uuid ? system_uuid : kernel_random_uuid(host);
            if (host_id && !write_id_file(host, "/etc/nvme/hostid", *host_id)) {
                host_id.reset();
            }
        }
        if (!nqn && host_id) {
            nqn = "nqn.2014-08.org.nvmexpress:uuid:" + *host_id;
            if (!write_id_file(host, "/etc/nvme/hostnqn", *nqn)) {
                nqn.reset();
            }
        }
    }
    if (nqn) {
        props["nqn"] = *nqn;
    } else {
        log::info("no NVMe host NQN: /etc/nvme/hostnqn missing (use --create-missing-ids)");
    }
    if (host_id) {
        props["nvme_hostid"] = *host_id;
    } else {
        log::info("no NVMe host ID: /etc/nvme/hostid missing (use --create-missing-ids)");
    }

    if (auto uuid = root_filesystem_uuid(host)) {
        props["uuid"] = *uuid;
    } else {
        log::info("no root file system UUID (findmnt/blkid gave none)");
    }
    const auto native = host.read_attribute("/sys/module/nvme_core/parameters/multipath");
    props["nvme_native_multipath"] = native && *native == "Y";
    return props;
}

}  // namespace brick
