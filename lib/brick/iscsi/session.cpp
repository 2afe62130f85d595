#include "brick/iscsi/session.hpp"

#include "brick/core/sysfs_name.hpp"

namespace brick::iscsi {
namespace {

// Fills scsi_host, channel and target from the session's device directory:
// /sys/class/iscsi_host/hostH/device/sessionN/targetH:C:T.
void read_scsi_placement(Host& host, Session& session) {
    const auto name = "session" + std::to_string(session.id);
    for (const auto& path : host.glob("/sys/class/iscsi_host/host*/device/" + name)) {
        const auto host_dir = path.substr(0, path.find("/device/"));
        session.scsi_host = number_after(host_dir.substr(host_dir.rfind('/') + 1), "host");
        std::vector<std::string> entries;
        host.list_dir(path, entries);
        for (const auto& entry : entries) {
            if (entry.rfind("target", 0) != 0) {
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
            break;
        }
        return;
    }
}

}  // namespace

std::vector<Session> read_sessions(Host& host) {
    std::vector<Session> sessions;
    std::vector<std::string> names;
    if (!host.list_dir("/sys/class/iscsi_session", names).ok()) {
        return sessions;
    }
    for (const auto& name : names) {
        const auto id = number_after(name, "session");
        if (!id) {
            continue;
        }
        Session session;
        session.id = *id;
        const auto base = "/sys/class/iscsi_session/" + name;
        session.target_iqn = host.read_attribute(base + "/targetname").value_or("");
        session.state = host.read_attribute(base + "/state").value_or("");
        const auto connections =
            host.glob("/sys/class/iscsi_connection/connection" + std::to_string(*id) + ":*");
        if (!connections.empty()) {
            const auto& conn = connections.front();
            session.portal.host =
                host.read_attribute(conn + "/persistent_address")
                    .value_or(host.read_attribute(conn + "/address").value_or(""));
            const auto port = host.read_attribute(conn + "/persistent_port")
                                  .value_or(host.read_attribute(conn + "/port").value_or("0"));
            // 0 (no port a portal can have) when the attribute is not a port.
            const auto value = attribute_number(port);
            session.portal.port = value && *value <= 65535 ? static_cast<std::uint16_t>(*value) : 0;
        }
        read_scsi_placement(host, session);
        sessions.push_back(std::move(session));
    }
    return sessions;
}

std::optional<Session> find_session(Host& host, const std::string& iqn, const Portal& portal) {
    for (auto& session : read_sessions(host)) {
        if (session.target_iqn == iqn && session.portal.port == portal.port &&
            session.portal.host == portal.host) {
            return session;
        }
    }
    return std::nullopt;
}

}  // namespace brick::iscsi
