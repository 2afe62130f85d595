#include "brick/iscsi/session.hpp"

#include <algorithm>
#include <functional>

#include "brick/core/sysfs_name.hpp"

namespace brick::iscsi {
namespace {

// The SCSI host from the class link /sys/class/iscsi_session/sessionN, which
// points into .../hostH/sessionN/iscsi_session/sessionN.
std::optional<unsigned> scsi_host_of(Host& host, const std::string& name) {
    std::string link;
    if (!host.read_link("/sys/class/iscsi_session/" + name, link).ok()) {
        return std::nullopt;
    }
    const auto at = link.find("/" + name + "/");
    const auto start =
        at == std::string::npos || at == 0 ? std::string::npos : link.rfind('/', at - 1);
    if (start == std::string::npos) {
        return std::nullopt;
    }
    return number_after(link.substr(start + 1, at - start - 1), "host");
}

// The portal of a connection (/sys/class/iscsi_connection/connectionN:C).
void read_portal(Host& host, const std::string& connection, Session& session) {
    const auto base = "/sys/class/iscsi_connection/" + connection;
    // The persistent values survive a reconnect to a redirected portal.
    auto address = host.read_attribute(base + "/persistent_address");
    if (!address) {
        address = host.read_attribute(base + "/address");
    }
    auto port = host.read_attribute(base + "/persistent_port");
    if (!port) {
        port = host.read_attribute(base + "/port");
    }
    session.portal.host = address.value_or("");
    // 0 (no port a portal can have) when the attribute is not a port.
    const auto value = attribute_number(port.value_or("0"));
    session.portal.port = value && *value <= 65535 ? static_cast<std::uint16_t>(*value) : 0;
}

// The rest of a session whose targetname was read already. Its device
// directory (.../hostH/sessionN) holds its connections and, once a LUN was
// scanned, its SCSI target "targetH:C:T": a few lookups whatever the number of
// sessions on the host.
Session complete(Host& host, unsigned id, std::string target_iqn) {
    Session session;
    session.id = id;
    session.target_iqn = std::move(target_iqn);
    const auto name = "session" + std::to_string(id);
    const auto base = "/sys/class/iscsi_session/" + name;
    session.state = host.read_attribute(base + "/state").value_or("");
    session.scsi_host = scsi_host_of(host, name);
    std::vector<std::string> entries;
    host.list_dir(base + "/device", entries);
    const auto connection_prefix = "connection" + std::to_string(id) + ":";
    bool portal_read = false;
    for (const auto& entry : entries) {
        if (!portal_read && entry.rfind(connection_prefix, 0) == 0) {
            read_portal(host, entry, session);
            portal_read = true;
        }
        if (entry.rfind("target", 0) != 0 || session.target) {
            continue;
        }
        // "target2:0:0"
        const auto first = entry.find(':');
        const auto second = entry.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) {
            continue;
        }
        session.channel = number_after(entry.substr(first + 1, second - first - 1), "");
        session.target = number_after(entry.substr(second + 1), "");
    }
    return session;
}

}  // namespace

std::vector<std::string> session_names(Host& host) {
    std::vector<std::string> names;
    host.list_dir("/sys/class/iscsi_session", names);
    return names;
}

std::vector<Session> read_sessions(Host& host) {
    std::vector<Session> sessions;
    for (const auto& name : session_names(host)) {
        const auto id = number_after(name, "session");
        if (!id) {
            continue;
        }
        auto iqn = host.read_attribute("/sys/class/iscsi_session/" + name + "/targetname");
        sessions.push_back(complete(host, *id, iqn.value_or("")));
    }
    return sessions;
}

std::optional<Session> read_session(Host& host, unsigned id) {
    auto iqn = host.read_attribute("/sys/class/iscsi_session/session" + std::to_string(id) +
                                   "/targetname");
    if (!iqn) {
        return std::nullopt;
    }
    return complete(host, id, std::move(*iqn));
}

std::optional<std::string> session_state(Host& host, unsigned id, const std::string& iqn) {
    const auto base = "/sys/class/iscsi_session/session" + std::to_string(id);
    if (host.read_attribute(base + "/targetname") != iqn) {
        return std::nullopt;
    }
    return host.read_attribute(base + "/state").value_or("");
}

std::vector<Session> sessions_to(Host& host, const std::string& iqn,
                                 const std::vector<std::string>& names) {
    std::vector<Session> found;
    // Only the sessions to this target are read whole: one attribute of each other.
    for (const auto& name : names) {
        const auto id = number_after(name, "session");
        if (id && host.read_attribute("/sys/class/iscsi_session/" + name + "/targetname") == iqn) {
            found.push_back(complete(host, *id, iqn));
        }
    }
    return found;
}

std::vector<Session> sessions_to(Host& host, const std::string& iqn) {
    return sessions_to(host, iqn, session_names(host));
}

std::optional<Session> newest_session_at(Host& host, const std::string& iqn, const Portal& portal,
                                         const std::vector<std::string>& names) {
    std::vector<unsigned> ids;
    for (const auto& name : names) {
        if (const auto id = number_after(name, "session")) {
            ids.push_back(*id);
        }
    }
    std::sort(ids.begin(), ids.end(), std::greater<>());
    for (const auto id : ids) {
        const auto prefix = "/sys/class/iscsi_session/session" + std::to_string(id);
        if (host.read_attribute(prefix + "/targetname") != iqn) {
            continue;
        }
        if (auto session = session_at({complete(host, id, iqn)}, portal)) {
            return session;
        }
    }
    return std::nullopt;
}

std::optional<Session> session_at(const std::vector<Session>& sessions, const Portal& portal) {
    for (const auto& session : sessions) {
        if (session.portal.port == portal.port && session.portal.host == portal.host) {
            return session;
        }
    }
    return std::nullopt;
}

std::vector<Session> sessions_under_device(Host& host, const std::string& device_path) {
    std::vector<Session> found;
    if (device_path.rfind("/dev/", 0) != 0) {
        return found;
    }
    auto name = device_path.substr(5);
    if (name.find('/') != std::string::npos) {
        // A udev link (by-path, by-id, mapper): its target's name.
        std::string target;
        if (!host.read_link(device_path, target).ok()) {
            return found;
        }
        name = target.substr(target.rfind('/') + 1);
    }
    if (name.empty() || name.find("..") != std::string::npos) {
        return found;
    }
    std::vector<std::string> disks;
    if (name.rfind("dm-", 0) == 0) {
        host.list_dir("/sys/block/" + name + "/slaves", disks);
    } else {
        disks.push_back(name);
    }
    for (const auto& disk : disks) {
        // /sys/block/sdX -> ../devices/platform/hostH/sessionN/targetH:C:T/H:C:T:L/block/sdX
        std::string link;
        if (!host.read_link("/sys/block/" + disk, link).ok()) {
            continue;
        }
        const auto at = link.find("/session");
        if (at == std::string::npos) {
            continue;
        }
        const auto end = link.find('/', at + 1);
        const auto id = number_after(
            link.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1),
            "session");
        if (!id || std::any_of(found.begin(), found.end(),
                               [&](const Session& s) { return s.id == *id; })) {
            continue;
        }
        if (auto session = read_session(host, *id)) {
            found.push_back(std::move(*session));
        }
    }
    return found;
}

std::optional<Session> find_session(Host& host, const std::string& iqn, const Portal& portal) {
    return session_at(sessions_to(host, iqn), portal);
}

}  // namespace brick::iscsi
