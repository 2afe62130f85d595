// The iSCSI part of the model: node database, login/logout, discovery.
#include <charconv>

#include "sim/model/model.hpp"

namespace brick::sim {
namespace {

// The node's replacement_timeout, which iscsid gives the kernel at login as
// the session's recovery_tmo (120 s when the value is no number).
unsigned replacement_timeout_s(const NodeRecord& node) {
    const auto text = node.value("node.session.timeo.replacement_timeout");
    unsigned seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    return error == std::errc() && end == text.data() + text.size() ? seconds : 120;
}

bool portal_served(const IscsiTarget& target, const Portal& portal) {
    for (const auto& p : target.portals) {
        if (p == portal) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::vector<NodeRecord*> Model::find_nodes(const std::optional<std::string>& iqn,
                                           const std::optional<Portal>& portal,
                                           const std::optional<std::string>& iface) {
    std::vector<NodeRecord*> found;
    for (auto& node : state_.nodes) {
        if ((!iqn || node.iqn == *iqn) && (!portal || node.portal == *portal) &&
            (!iface || node.iface == *iface)) {
            found.push_back(&node);
        }
    }
    return found;
}

NodeRecord& Model::add_node(const std::string& iqn, const Portal& portal, int tpgt,
                            const std::string& iface, const std::string& discovery_type) {
    touch();
    for (auto& node : state_.nodes) {
        if (node.iqn == iqn && node.portal == portal && node.iface == iface) {
            // open-iscsi overwrites an existing record with defaults.
            node = NodeRecord{iqn, portal, tpgt, iface, discovery_type, {}};
            return node;
        }
    }
    state_.nodes.push_back(NodeRecord{iqn, portal, tpgt, iface, discovery_type, {}});
    return state_.nodes.back();
}

void Model::delete_node(const NodeRecord& node) {
    HostAction action;
    action.kind = ActionKind::delete_node_record;
    action.object = "node record";
    action.target = node.iqn;
    action.portal = node.portal;
    report(action);
    touch();
    std::erase_if(state_.nodes, [&](const NodeRecord& n) {
        return n.iqn == node.iqn && n.portal == node.portal && n.iface == node.iface;
    });
}

std::optional<unsigned> Model::session_of(const NodeRecord& node) const {
    for (const auto& [sid, session] : state_.sessions) {
        if (session.iqn == node.iqn && session.portal == node.portal &&
            session.iface == node.iface) {
            return sid;
        }
    }
    return std::nullopt;
}

LoginResult Model::login(const NodeRecord& node) {
    const auto& timing = fabric_.timing;
    LoginResult result;
    result.duration_ms = jittered(timing.login_ms);
    if (session_of(node)) {
        result.status = LoginStatus::session_exists;
        result.duration_ms = timing.tool_ms;
        return result;
    }
    const nlohmann::json context{{"portal", node.portal.to_string()}, {"iqn", node.iqn}};
    if (!state_.iscsid_running) {
        result.status = LoginStatus::iscsid_down;
        result.duration_ms = timing.tool_ms;
        return result;
    }
    const IscsiTarget* served = nullptr;
    bool portal_alive = false;
    for (const auto& target : fabric_.iscsi_targets) {
        if (portal_served(target, node.portal)) {
            portal_alive = true;
            if (target.iqn == node.iqn) {
                served = &target;
            }
        }
    }
    // Over iSER the connection is an RDMA one, which only a portal with iSER
    // enabled accepts: any other does not answer it.
    const auto transport = node.value("iface.transport_name");
    const bool no_iser = transport == "iser" && served != nullptr && !served->iser;
    if (!portal_alive || no_iser || consult(FaultKind::portal_unreachable, context) != nullptr) {
        result.status = LoginStatus::unreachable;
        result.duration_ms = timing.unreachable_ms;
        return result;
    }
    if (consult(FaultKind::login_timeout, context) != nullptr) {
        result.status = LoginStatus::timeout;
        result.duration_ms = timing.unreachable_ms;
        return result;
    }
    if (const auto* slow = consult(FaultKind::login_slow, context)) {
        result.duration_ms += slow->params.value("ms", 5000U);
    }
    if (served == nullptr) {
        result.status = LoginStatus::target_not_found;
        return result;
    }
    const auto method = node.value("node.session.auth.authmethod");
    const bool offers_chap = method == "CHAP";
    const auto username = node.value("node.session.auth.username");
    const auto password = node.value("node.session.auth.password");
    const auto username_in = node.value("node.session.auth.username_in");
    const auto password_in = node.value("node.session.auth.password_in");
    bool auth_ok = true;
    if (served->chap) {
        auth_ok =
            offers_chap && username == served->chap->username && password == served->chap->password;
    }
    if (auth_ok && offers_chap && !username_in.empty()) {
        // Mutual CHAP: the target must prove itself with the expected credentials.
        auth_ok = served->mutual_chap && served->mutual_chap->username == username_in &&
                  served->mutual_chap->password == password_in;
    }
    if (!auth_ok || consult(FaultKind::auth_failure, context) != nullptr) {
        result.status = LoginStatus::auth_failed;
        return result;
    }
    IscsiSession session;
    session.sid = state_.next_sid++;
    session.iqn = node.iqn;
    session.portal = node.portal;
    session.tpgt = served->tpgt_of(node.portal);
    session.iface = node.iface;
    session.transport = transport;
    session.scsi_host = state_.next_scsi_host++;
    session.recovery_tmo_s = replacement_timeout_s(node);
    if (offers_chap) {
        session.username = username;
        session.password = password;
        session.username_in = username_in;
        session.password_in = password_in;
    }
    // One SCSI host per session, named for the transport's driver.
    state_.scsi_hosts[session.scsi_host] =
        ScsiHost{session.scsi_host, session.sid, transport == "iser" ? "iscsi_iser" : "iscsi_tcp"};
    result.sid = session.sid;
    // The kernel's session exists from the start of the login, FREE
    // (iscsi_alloc_session), and is LOGGED_IN when iscsid starts the
    // connection after the login exchange (__iscsi_unblock_session).
    session.state = "FREE";
    note({{"what", "session created"},
          {"sid", session.sid},
          {"iqn", session.iqn},
          {"portal", session.portal.to_string()},
          {"scsi_host", session.scsi_host}});
    state_.sessions.emplace(session.sid, session);
    const bool automatic_scan = node.value("node.session.scan") != "manual";
    schedule(result.duration_ms, "login completes",
             [this, sid = session.sid, automatic_scan] { complete_login(sid, automatic_scan); });
    return result;
}

void Model::complete_login(unsigned sid, bool automatic_scan) {
    const auto it = state_.sessions.find(sid);
    if (it == state_.sessions.end() || it->second.state != "FREE" || it->second.failures > 0) {
        return;
    }
    auto& session = it->second;
    session.state = "LOGGED_IN";
    note({{"what", "session logged in"}, {"sid", sid}});
    if (session.link_down) {
        // The connection was lost during the login: it fails at once.
        fail_session(sid, 0);
        return;
    }
    if (automatic_scan) {
        // Automatic scan: the kernel adds every LUN of the target.
        scan(session.scsi_host, std::nullopt, std::nullopt, std::nullopt).apply();
    }
}

void Model::logout(unsigned sid) {
    const auto it = state_.sessions.find(sid);
    if (it == state_.sessions.end()) {
        return;
    }
    const auto host = it->second.scsi_host;
    HostAction action;
    action.kind = ActionKind::logout;
    action.object = "session " + std::to_string(sid);
    action.target = it->second.iqn;
    action.portal = it->second.portal;
    std::vector<ScsiAddress> gone;
    for (const auto& [address, device] : state_.devices) {
        if (device.sid == sid) {
            gone.push_back(address);
            action.volumes.insert(device.volume_id);
        }
    }
    report(action);
    for (const auto& address : gone) {
        remove_device(address, "session logged out");
    }
    state_.scsi_hosts.erase(host);
    note({{"what", "session logged out"}, {"sid", sid}});
    state_.sessions.erase(it);
    // What waited for the session to come back (a scan's commands) ends.
    release_session_waiters(sid);
}

DiscoveryResult Model::discover(const Portal& portal, const std::optional<Chap>& chap) {
    DiscoveryResult result;
    result.duration_ms = jittered(fabric_.timing.discovery_ms);
    if (!state_.iscsid_running) {
        result.status = LoginStatus::iscsid_down;
        return result;
    }
    const nlohmann::json context{{"portal", portal.to_string()}};
    bool alive = false;
    for (const auto& target : fabric_.iscsi_targets) {
        alive = alive || portal_served(target, portal);
    }
    if (!alive || consult(FaultKind::portal_unreachable, context) != nullptr) {
        result.status = LoginStatus::unreachable;
        result.duration_ms = fabric_.timing.unreachable_ms;
        return result;
    }
    if (fabric_.discovery_chap && (!chap || !(*chap == *fabric_.discovery_chap))) {
        result.status = LoginStatus::auth_failed;
        return result;
    }
    // SendTargets answers with every portal of every target reachable from this portal.
    for (const auto& target : fabric_.iscsi_targets) {
        if (!portal_served(target, portal)) {
            continue;
        }
        for (const auto& p : target.portals) {
            result.found.emplace_back(p, target.iqn);
            result.tpgts.push_back(target.tpgt_of(p));
        }
    }
    return result;
}

DiscoveryRecord& Model::add_discovery(const Portal& portal, const std::string& iface) {
    touch();
    for (auto& record : state_.discovery) {
        if (record.portal == portal && record.iface == iface) {
            return record;
        }
    }
    state_.discovery.push_back(DiscoveryRecord{portal, iface, {}});
    return state_.discovery.back();
}

}  // namespace brick::sim

namespace brick::sim {

// Targets the fabric marks attached: a node record (manual scan, automatic
// startup) and a logged-in session per portal, and every LUN's disk with its
// udev links, as a host shows volumes attached long ago. Nothing is drawn
// from the random source, so the seeded run that follows is unchanged.
void Model::add_attached_targets() {
    unsigned next_disk = lowest_free_disk_index();
    for (const auto& target : fabric_.iscsi_targets) {
        if (!target.attached) {
            continue;
        }
        for (const auto& portal : target.portals) {
            auto& node = add_node(target.iqn, portal, target.tpgt_of(portal), "default", "static");
            node.settings["node.session.scan"] = "manual";
            node.settings["node.startup"] = "automatic";
            IscsiSession session;
            session.sid = state_.next_sid++;
            session.iqn = target.iqn;
            session.portal = portal;
            session.tpgt = target.tpgt_of(portal);
            session.scsi_host = state_.next_scsi_host++;
            session.target_created = true;
            state_.scsi_hosts[session.scsi_host] =
                ScsiHost{session.scsi_host, session.sid, "iscsi_tcp"};
            for (const auto& lun : target.luns) {
                const ScsiAddress address{session.scsi_host, 0, session.target_id, lun.number};
                auto device = make_device(address, session.sid, fabric_.volumes.at(lun.volume_id));
                device.disk_index = next_disk++;
                device.disk_visible = true;
                device.links_by_path = true;
                device.links_by_id = true;
                device_tokens_[address] = next_token_++;
                state_.devices.emplace(address, std::move(device));
            }
            state_.sessions.emplace(session.sid, std::move(session));
        }
    }
}

}  // namespace brick::sim
