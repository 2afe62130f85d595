#include "session_check.hpp"

#include <map>
#include <optional>

#include "brick/iscsi/session.hpp"
#include "brick/scsi/disk.hpp"

namespace brick::lab {
namespace {

struct VolumePaths {
    std::vector<std::pair<Portal, std::string>> paths;  // portal, IQN
    std::uint64_t lun = 0;
    std::string transport = "tcp";
};

// The portals and targets a volume's connection properties name, and the
// transport its connect logs in over.
VolumePaths paths_of(const Scenario& scenario, const std::string& volume) {
    const auto data = scenario.connection_info(volume).at("data");
    VolumePaths found;
    found.lun = data.value("target_lun", std::uint64_t{0});
    if (data.contains("target_portals")) {
        const auto& portals = data.at("target_portals");
        const auto& iqns = data.at("target_iqns");
        for (std::size_t i = 0; i < portals.size(); ++i) {
            found.paths.emplace_back(
                parse_portal("target_portals", portals[i].get<std::string>(), 3260),
                iqns[i].get<std::string>());
        }
    } else {
        found.paths.emplace_back(
            parse_portal("target_portal", data.at("target_portal").get<std::string>(), 3260),
            data.at("target_iqn").get<std::string>());
    }
    const auto named_iser = [&](const char* key) {
        return data.contains(key) && data.at(key).is_string() && data.at(key) == "iser";
    };
    if (scenario.protocol == "iser" || named_iser("transport") || named_iser("iface")) {
        found.transport = "iser";
    }
    return found;
}

// The settings of each node record iscsiadm shows for (iqn, portal): one map
// per record (empty when there is none).
std::vector<std::map<std::string, std::string>> node_records(Host& host, const std::string& iqn,
                                                             const Portal& portal) {
    std::vector<std::map<std::string, std::string>> records;
    const auto shown = host.run(Command{
        {"iscsiadm", "-m", "node", "-T", iqn, "-p", portal.to_string()}, {}, Duration(30000)});
    if (!shown.ok()) {
        return records;
    }
    std::size_t start = 0;
    while (start < shown.out.size()) {
        auto end = shown.out.find('\n', start);
        if (end == std::string::npos) {
            end = shown.out.size();
        }
        const auto line = shown.out.substr(start, end - start);
        start = end + 1;
        if (line.rfind("# BEGIN RECORD", 0) == 0) {
            records.emplace_back();
            continue;
        }
        const auto equals = line.find(" = ");
        if (!records.empty() && equals != std::string::npos) {
            records.back()[line.substr(0, equals)] = line.substr(equals + 3);
        }
    }
    return records;
}

// The transport of a session's SCSI host, as iscsiadm names it: the
// driver's name (proc_name) without "iscsi_" ("iscsi_tcp" is tcp).
std::string transport_of(Host& host, const iscsi::Session& session) {
    if (!session.scsi_host) {
        return {};
    }
    auto name = host.read_attribute("/sys/class/scsi_host/host" +
                                    std::to_string(*session.scsi_host) + "/proc_name")
                    .value_or("");
    if (name.rfind("iscsi_", 0) == 0) {
        name = name.substr(6);
    }
    return name;
}

std::string where(const std::string& volume, const Portal& portal) {
    return volume + " at " + portal.to_string();
}

std::optional<iscsi::Session> session_at(const std::vector<iscsi::Session>& sessions,
                                         const std::string& iqn, const Portal& portal) {
    for (const auto& session : sessions) {
        if (session.target_iqn == iqn && session.portal == portal) {
            return session;
        }
    }
    return std::nullopt;
}

void check_logged_in(Host& host, const Scenario& scenario, const std::string& volume,
                     const std::vector<iscsi::Session>& sessions,
                     std::vector<std::string>& problems) {
    const auto expected = paths_of(scenario, volume);
    for (const auto& [portal, iqn] : expected.paths) {
        const auto session = session_at(sessions, iqn, portal);
        if (!session) {
            problems.push_back(where(volume, portal) + ": no session");
        } else if (session->state != "LOGGED_IN") {
            problems.push_back(where(volume, portal) + ": session " + std::to_string(session->id) +
                               " is " + session->state);
        } else if (const auto transport = transport_of(host, *session);
                   transport != expected.transport) {
            problems.push_back(where(volume, portal) + ": session " + std::to_string(session->id) +
                               " runs over " + (transport.empty() ? "(unknown)" : transport) +
                               ", not " + expected.transport);
        }
        bool automatic = false;
        for (auto& record : node_records(host, iqn, portal)) {
            automatic = automatic || (record["node.startup"] == "automatic" &&
                                      record["iface.transport_name"] == expected.transport);
        }
        if (!automatic) {
            problems.push_back(where(volume, portal) +
                               ": no node record with node.startup automatic over " +
                               expected.transport);
        }
    }
}

void check_logged_out(Host& host, const Scenario& scenario, const std::string& volume,
                      const std::vector<iscsi::Session>& sessions,
                      std::vector<std::string>& problems) {
    for (const auto& [portal, iqn] : paths_of(scenario, volume).paths) {
        if (const auto session = session_at(sessions, iqn, portal)) {
            problems.push_back(where(volume, portal) + ": session " + std::to_string(session->id) +
                               " (" + session->state + ")");
        }
        for (auto& record : node_records(host, iqn, portal)) {
            if (record["node.startup"] == "automatic") {
                problems.push_back(where(volume, portal) + ": a node record (iface " +
                                   record["iface.iscsi_ifacename"] +
                                   ") with node.startup automatic");
            }
        }
    }
}

void check_unscanned(Host& host, const Scenario& scenario, const std::string& volume,
                     const std::vector<iscsi::Session>& sessions,
                     std::vector<std::string>& problems) {
    const auto expected = paths_of(scenario, volume);
    for (const auto& [portal, iqn] : expected.paths) {
        const auto session = session_at(sessions, iqn, portal);
        if (!session || !session->scsi_host) {
            continue;
        }
        for (const auto& address : scsi::devices_on_host(host, *session->scsi_host)) {
            if (address.lun == expected.lun) {
                problems.push_back(where(volume, portal) + ": SCSI device " + address.to_string() +
                                   " at its LUN");
            }
        }
    }
}

}  // namespace

std::vector<std::string> check_sessions(Host& host, const Scenario& scenario,
                                        const nlohmann::json& params) {
    std::vector<std::string> problems;
    const auto sessions = iscsi::read_sessions(host);
    const auto each = [&](const char* key, auto check) {
        if (!params.contains(key)) {
            return;
        }
        for (const auto& volume : params.at(key)) {
            check(host, scenario, volume.get<std::string>(), sessions, problems);
        }
    };
    each("logged_in", check_logged_in);
    each("logged_out", check_logged_out);
    each("unscanned", check_unscanned);
    return problems;
}

}  // namespace brick::lab
