// The fake iscsiadm (open-iscsi 2.1.8): node, session, discovery and
// discoverydb modes, with open-iscsi's messages and exit codes (iscsi_err.h).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "sim/model/records.hpp"
#include "sim/tools/tool.hpp"

namespace brick::sim {
namespace {

namespace code {
constexpr int ok = 0;
constexpr int session_not_found = 2;
constexpr int connection_failure = 4;
constexpr int database = 6;
constexpr int invalid = 7;
constexpr int transport_timeout = 8;
constexpr int session_exists = 15;
constexpr int fatal_login = 19;
constexpr int iscsid_not_connected = 20;
constexpr int no_objects = 21;
constexpr int auth_failed = 24;
}  // namespace code

std::string error_text(int status) {
    switch (status) {
        case code::session_not_found:
            return "session not found";
        case code::connection_failure:
            return "encountered connection failure";
        case code::invalid:
            return "invalid parameter";
        case code::transport_timeout:
            return "connection timed out";
        case code::session_exists:
            return "session exists";
        case code::fatal_login:
            return "encountered non-retryable iSCSI login failure";
        case code::iscsid_not_connected:
            return "could not connect to iscsid";
        case code::no_objects:
            return "no objects found";
        case code::auth_failed:
            return "iSCSI login failed due to authorization failure";
        default:
            return "unknown error";
    }
}

struct Options {
    std::string mode;
    std::optional<std::string> target;
    std::optional<std::string> portal_text;
    std::optional<std::string> iface;
    std::string op;
    std::vector<std::string> names;
    std::vector<std::string> values;
    std::string type;
    std::optional<unsigned> sid;
    int print_level = -1;
    bool login = false;
    bool logout = false;
    bool rescan = false;
    bool discover = false;
    bool show_secrets = false;
    std::string error;  // a usage problem
};

Options parse(const std::vector<std::string>& args) {
    Options o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) {
                o.error = "option '" + a + "' requires an argument";
                return {};
            }
            return args[++i];
        };
        if (a == "-m" || a == "--mode") {
            o.mode = value();
        } else if (a == "-T" || a == "--targetname") {
            o.target = value();
        } else if (a == "-p" || a == "--portal") {
            o.portal_text = value();
        } else if (a == "-I" || a == "--interface") {
            o.iface = value();
        } else if (a == "-o" || a == "--op") {
            o.op = value();
        } else if (a == "-n" || a == "--name") {
            o.names.push_back(value());
        } else if (a == "-v" || a == "--value") {
            o.values.push_back(value());
        } else if (a == "-t" || a == "--type") {
            o.type = value();
        } else if (a == "-r" || a == "--sid") {
            unsigned sid = 0;
            const auto text = value();
            const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), sid);
            if (ec != std::errc() || ptr != text.data() + text.size()) {
                o.error = "invalid sid '" + text + "'";
            }
            o.sid = sid;
        } else if (a == "-P" || a == "--print") {
            o.print_level = std::atoi(value().c_str());
        } else if (a == "-l" || a == "--login") {
            o.login = true;
        } else if (a == "-u" || a == "--logout") {
            o.logout = true;
        } else if (a == "-R" || a == "--rescan") {
            o.rescan = true;
        } else if (a == "-D" || a == "--discover") {
            o.discover = true;
        } else if (a == "-S" || a == "--show") {
            o.show_secrets = true;
        } else {
            o.error = "unrecognized option '" + a + "'";
        }
    }
    return o;
}

std::string bracket(const Portal& p) {
    return p.to_string();
}

std::string node_label(const NodeRecord& node) {
    return "[iface: " + node.iface + ", target: " + node.iqn +
           ", portal: " + node.portal.comma_string() + "]";
}

std::string session_label(const IscsiSession& s) {
    return "[sid: " + std::to_string(s.sid) + ", target: " + s.iqn +
           ", portal: " + s.portal.comma_string() + "]";
}

ToolResult fail(int status, const std::string& message) {
    ToolResult r;
    r.exit_status = status;
    r.err = "iscsiadm: " + message + "\n";
    return r;
}

class Iscsiadm {
  public:
    Iscsiadm(ToolContext& context, Options options) : ctx_(context), o_(std::move(options)) {}

    ToolResult run() {
        if (!o_.error.empty()) {
            return fail(code::invalid, o_.error);
        }
        if (o_.portal_text) {
            portal_ = parse_portal(*o_.portal_text);
            if (!portal_) {
                return fail(code::invalid, "cannot parse portal " + *o_.portal_text);
            }
        }
        if (o_.names.size() != o_.values.size() && o_.op == "update") {
            return fail(code::invalid, "--value required with --name");
        }
        if (const auto lost = session_read_race()) {
            return *lost;
        }
        if (o_.mode == "node") {
            return node_mode();
        }
        if (o_.mode == "session") {
            return session_mode();
        }
        if (o_.mode == "discovery" || o_.mode == "discoverydb") {
            return discovery_mode();
        }
        return fail(code::invalid, "Invalid mode '" + o_.mode + "'");
    }

  private:
    Model& model() { return ctx_.model; }

    // A run that reads every session first (a login, a logout, a session
    // listing) and finds one gone meanwhile (the session_read_race fault):
    // open-iscsi 2.1.8 gives up with exit 6 and does nothing.
    std::optional<ToolResult> session_read_race() {
        const bool reads_sessions = o_.login || o_.logout || o_.mode == "session";
        if (!reads_sessions) {
            return std::nullopt;
        }
        std::string line = "iscsiadm -m " + o_.mode;
        if (o_.target) {
            line += " -T " + *o_.target;
        }
        if (o_.portal_text) {
            line += " -p " + *o_.portal_text;
        }
        line += o_.login ? " --login" : o_.logout ? " --logout" : "";
        if (model().consult(FaultKind::session_read_race, {{"tool", "iscsiadm"}, {"path", line}}) ==
            nullptr) {
            return std::nullopt;
        }
        ToolResult r = fail(code::database,
                            "Could not execute operation on all records: encountered iSCSI "
                            "database failure");
        r.err =
            "iscsiadm: could not read session targetname: 5\n"
            "iscsiadm: could not find session info for session1\n" +
            r.err;
        return r;
    }

    // In the order open-iscsi walks its node database.
    std::vector<NodeRecord*> matching_nodes() {
        auto nodes = model().find_nodes(o_.target, portal_, o_.iface);
        sort_node_records(nodes);
        return nodes;
    }

    ToolResult node_mode() {
        if (o_.op == "new") {
            if (!o_.target || !portal_) {
                return fail(code::invalid, "--targetname and --portal required for new records");
            }
            const auto iface = o_.iface.value_or("default");
            model().add_node(*o_.target, *portal_, -1, iface, "static");
            ToolResult r;
            r.out = "New iSCSI node [" + iface_transport(iface) +
                    ":[hw=,ip=,net_if=,iscsi_if=" + iface + "] " + portal_->address + "," +
                    std::to_string(portal_->port) + ",-1 " + *o_.target + "] added\n";
            return r;
        }
        auto nodes = matching_nodes();
        if (o_.login) {
            return login(nodes);
        }
        if (o_.logout) {
            return logout_matching();
        }
        if (nodes.empty()) {
            return fail(code::no_objects, "No records found");
        }
        if (o_.op == "update") {
            return update(nodes);
        }
        if (o_.op == "delete") {
            for (const auto* node : nodes) {
                if (model().session_of(*node)) {
                    return fail(
                        code::session_exists,
                        "This command will remove the record " + node_label(*node) +
                            ", but a session is using it. Logout session then rerun command to "
                            "remove record.");
                }
            }
            std::vector<NodeRecord> copies;
            copies.reserve(nodes.size());
            for (const auto* node : nodes) {
                copies.push_back(*node);
            }
            for (const auto& node : copies) {
                model().delete_node(node);
            }
            return {};
        }
        if (!o_.op.empty() && o_.op != "show") {
            return fail(code::invalid, "Invalid operation '" + o_.op + "'");
        }
        ToolResult r;
        if (!o_.target && !portal_ && o_.op.empty()) {
            for (const auto* node : nodes) {
                // The listing prints the portal group as unsigned: -1 (a record
                // made with --op new) is 4294967295.
                r.out += bracket(node->portal) + "," +
                         std::to_string(static_cast<std::uint32_t>(node->tpgt)) + " " + node->iqn +
                         "\n";
            }
            return r;
        }
        for (const auto* node : nodes) {
            r.out += node_record_text(*node, o_.show_secrets);
        }
        return r;
    }

    ToolResult update(const std::vector<NodeRecord*>& nodes) {
        if (o_.names.empty()) {
            return fail(code::invalid, "--name required for update");
        }
        const auto known = node_setting_keys();
        for (const auto& key : o_.names) {
            if (std::find(known.begin(), known.end(), key) == known.end() && key != "node.tpgt") {
                return fail(code::invalid, "Cannot modify " + key + ". Invalid param name.");
            }
        }
        for (auto* node : nodes) {
            for (std::size_t i = 0; i < o_.names.size(); ++i) {
                if (o_.names[i] == "node.tpgt") {
                    node->tpgt = std::atoi(o_.values[i].c_str());
                } else {
                    node->settings[o_.names[i]] = o_.values[i];
                }
            }
        }
        model().touch();
        return {};
    }

    ToolResult login(const std::vector<NodeRecord*>& nodes) {
        if (nodes.empty()) {
            return fail(code::no_objects, "No records found");
        }
        ToolResult r;
        int status = code::ok;
        std::vector<NodeRecord> copies;
        copies.reserve(nodes.size());
        for (const auto* node : nodes) {
            copies.push_back(*node);
        }
        for (const auto& node : copies) {
            const auto label = node_label(node);
            const auto result = model().login(node);
            r.duration_ms += result.duration_ms;
            if (result.status == LoginStatus::session_exists) {
                r.err +=
                    "iscsiadm: " + node.iface + ": 1 session requested, but 1 already present.\n";
                status = code::session_exists;
                continue;
            }
            if (result.status == LoginStatus::iscsid_down) {
                r.err += "iscsiadm: can not connect to iSCSI daemon (111)!\n";
            } else {
                r.out += "Logging in to " + label + "\n";
            }
            int failure = code::ok;
            switch (result.status) {
                case LoginStatus::ok:
                    r.out += "Login to " + label + " successful.\n";
                    break;
                case LoginStatus::unreachable:
                case LoginStatus::timeout:
                    failure = code::transport_timeout;
                    break;
                case LoginStatus::auth_failed:
                    failure = code::auth_failed;
                    break;
                case LoginStatus::target_not_found:
                    failure = code::fatal_login;
                    break;
                case LoginStatus::iscsid_down:
                    failure = code::iscsid_not_connected;
                    break;
                case LoginStatus::session_exists:
                    break;
            }
            if (failure != code::ok) {
                r.err += "iscsiadm: Could not login to " + label + ".\n";
                r.err += "iscsiadm: initiator reported error (" + std::to_string(failure) + " - " +
                         error_text(failure) + ")\n";
                status = failure;
            }
        }
        if (status != code::ok) {
            r.err += "iscsiadm: Could not log into all portals\n";
        }
        r.exit_status = status;
        return r;
    }

    std::vector<unsigned> matching_sessions() {
        std::vector<unsigned> sids;
        for (const auto& [sid, s] : model().state().sessions) {
            if ((!o_.target || s.iqn == *o_.target) && (!portal_ || s.portal == *portal_) &&
                (!o_.iface || s.iface == *o_.iface) && (!o_.sid || sid == *o_.sid)) {
                sids.push_back(sid);
            }
        }
        return sids;
    }

    ToolResult logout_matching() {
        const auto sids = matching_sessions();
        if (sids.empty()) {
            return fail(code::no_objects, "No matching sessions found");
        }
        ToolResult r;
        if (!model().state().iscsid_running) {
            // Logout is iscsid's: each request fails to connect, and with no
            // session logged out open-iscsi 2.1.8 reports none found (exit 21).
            for (const auto sid : sids) {
                const auto label = session_label(model().state().sessions.at(sid));
                r.out += "Logging out of session " + label + "\n";
                r.err += "iscsiadm: can not connect to iSCSI daemon (111)!\n";
                r.err += "iscsiadm: Could not logout of " + label + ".\n";
                r.err += "iscsiadm: initiator reported error (" +
                         std::to_string(code::iscsid_not_connected) + " - " +
                         error_text(code::iscsid_not_connected) + ")\n";
            }
            r.err += "iscsiadm: No matching sessions found\n";
            r.refused_errno = ECONNREFUSED;
            r.exit_status = code::no_objects;
            return r;
        }
        // A restarted iscsid that has not taken a session over yet does not
        // know it: the request fails after it was sent (exit 2), as measured.
        for (const auto sid : sids) {
            const auto& session = model().state().sessions.at(sid);
            if (!session.iscsid_has) {
                const auto label = session_label(session);
                r.out += "Logging out of session " + label + "\n";
                r.err += "iscsiadm: Could not logout of " + label + ".\n";
                r.err += "iscsiadm: initiator reported error (" +
                         std::to_string(code::session_not_found) + " - " +
                         error_text(code::session_not_found) + ")\n";
                r.err += "iscsiadm: Could not logout of all requested sessions\n";
                r.exit_status = code::session_not_found;
                r.refused_errno = ESRCH;
                return r;
            }
        }
        for (const auto sid : sids) {
            const auto label = session_label(model().state().sessions.at(sid));
            r.out += "Logging out of session " + label + "\n";
            model().logout(sid);
            r.duration_ms += model().jittered(model().fabric().timing.logout_ms);
            r.out += "Logout of " + label + " successful.\n";
        }
        return r;
    }

    ToolResult session_mode() {
        if (o_.logout) {
            return logout_matching();
        }
        const auto& sessions = model().state().sessions;
        if (o_.rescan) {
            const auto sids = matching_sessions();
            if (sids.empty()) {
                return fail(code::no_objects, "No session found.");
            }
            ToolResult r;
            for (const auto sid : sids) {
                const auto& s = sessions.at(sid);
                r.out += "Rescanning session " + session_label(s) + "\n";
                auto effect = model().scan(s.scsi_host, std::nullopt, std::nullopt, std::nullopt);
                r.duration_ms += effect.duration_ms;
                if (effect.apply) {
                    effect.apply();
                }
            }
            return r;
        }
        if (o_.sid && !sessions.contains(*o_.sid)) {
            return fail(code::session_not_found,
                        "Could not get session info for sid " + std::to_string(*o_.sid));
        }
        if (sessions.empty()) {
            return fail(code::no_objects, "No active sessions.");
        }
        ToolResult r;
        if (o_.print_level < 1) {
            for (const auto& [sid, s] : sessions) {
                if (o_.sid && sid != *o_.sid) {
                    continue;
                }
                r.out += s.transport + ": [" + std::to_string(sid) + "] " + bracket(s.portal) +
                         "," + std::to_string(s.tpgt) + " " + s.iqn + " (non-flash)\n";
            }
            return r;
        }
        // Only -P 3 starts with the transport class and tool versions.
        if (o_.print_level >= 3) {
            r.out = "iSCSI Transport Class version 2.0-870\nversion 2.1.8\n";
        }
        std::vector<std::string> targets;
        for (const auto& [sid, s] : sessions) {
            if (std::find(targets.begin(), targets.end(), s.iqn) == targets.end()) {
                targets.push_back(s.iqn);
            }
        }
        for (const auto& iqn : targets) {
            r.out += "Target: " + iqn + " (non-flash)\n";
            for (const auto& [sid, s] : sessions) {
                if (s.iqn != iqn || (o_.sid && sid != *o_.sid)) {
                    continue;
                }
                print_session(r.out, s);
            }
        }
        return r;
    }

    // The data segment length the target offers (its MaxRecvDataSegmentLength):
    // tgt (whose LUNs answer as vendor IET) offers 8192, LIO 262144.
    std::string max_xmit_data_segment_length(const IscsiSession& s) {
        const auto* target = model().fabric().find_target(s.iqn);
        if (target != nullptr && !target->luns.empty()) {
            const auto volume = model().fabric().volumes.find(target->luns.front().volume_id);
            if (volume != model().fabric().volumes.end() && volume->second.vendor == "IET") {
                return "8192";
            }
        }
        return "262144";
    }

    // -P 1: the interface and states; -P 2 adds timeouts, CHAP and the
    // negotiated parameters; -P 3 the SCSI devices.
    void print_session(std::string& out, const IscsiSession& s) {
        const auto portal = bracket(s.portal) + "," + std::to_string(s.tpgt);
        out += "\tCurrent Portal: " + portal + "\n\tPersistent Portal: " + portal + "\n";
        const bool logged_in = s.state == "LOGGED_IN";
        const auto& initiator = model().state().initiator_name;
        out += "\t\t**********\n\t\tInterface:\n\t\t**********\n";
        out += "\t\tIface Name: " + s.iface + "\n\t\tIface Transport: " + s.transport + "\n";
        out += "\t\tIface Initiatorname: " + initiator + "\n";
        // Without a connection iscsid knows no local address.
        out += "\t\tIface IPaddress: " +
               (logged_in ? model().fabric().host.ip_address : std::string("[default]")) + "\n";
        out += "\t\tIface HWaddress: default\n\t\tIface Netdev: default\n";
        out += "\t\tSID: " + std::to_string(s.sid) + "\n";
        // The connection and internal states come from iscsid; the session
        // state from sysfs.
        const bool iscsid = model().state().iscsid_running && s.iscsid_has;
        out += "\t\tiSCSI Connection State: " +
               std::string(!iscsid     ? "Unknown"
                           : logged_in ? "LOGGED IN"
                                       : "TRANSPORT WAIT") +
               "\n";
        out += "\t\tiSCSI Session State: " + s.state + "\n";
        out += "\t\tInternal iscsid Session State: " +
               std::string(!iscsid     ? "Unknown"
                           : logged_in ? "NO CHANGE"
                                       : "REOPEN") +
               "\n";
        if (o_.print_level < 2) {
            return;
        }
        out += "\t\t*********\n\t\tTimeouts:\n\t\t*********\n";
        out +=
            "\t\tRecovery Timeout: 120\n\t\tTarget Reset Timeout: 30\n\t\tLUN Reset Timeout: "
            "30\n\t\tAbort Timeout: 15\n";
        out += "\t\t*****\n\t\tCHAP:\n\t\t*****\n";
        auto shown = [](const std::string& v) { return v.empty() ? std::string("<empty>") : v; };
        out += "\t\tusername: " + shown(s.username) + "\n\t\tpassword: ********\n";
        out += "\t\tusername_in: " + shown(s.username_in) + "\n\t\tpassword_in: ********\n";
        out +=
            "\t\t************************\n\t\tNegotiated iSCSI "
            "params:\n\t\t************************\n";
        out +=
            "\t\tHeaderDigest: None\n\t\tDataDigest: None\n\t\tMaxRecvDataSegmentLength: 262144\n";
        out += "\t\tMaxXmitDataSegmentLength: " + max_xmit_data_segment_length(s) +
               "\n\t\tFirstBurstLength: 65536\n\t\tMaxBurstLength: 262144\n";
        out += "\t\tImmediateData: Yes\n\t\tInitialR2T: Yes\n\t\tMaxOutstandingR2T: 1\n";
        if (o_.print_level < 3) {
            return;
        }
        out +=
            "\t\t************************\n\t\tAttached SCSI "
            "devices:\n\t\t************************\n";
        out += "\t\tHost Number: " + std::to_string(s.scsi_host) + "\tState: running\n";
        for (const auto& [address, device] : model().state().devices) {
            if (device.sid != s.sid) {
                continue;
            }
            out += "\t\tscsi" + std::to_string(address.host) + " Channel 00 Id " +
                   std::to_string(address.target) + " Lun: " + std::to_string(address.lun) + "\n";
            if (device.disk_visible) {
                out += "\t\t\tAttached scsi disk " + device.disk_name() +
                       "\t\tState: " + device.state + "\n";
            }
        }
    }

    ToolResult discovery_mode() {
        if (o_.mode == "discoverydb" && o_.op == "show") {
            return discoverydb_show();
        }
        if (!portal_) {
            return fail(code::invalid, "Please specify portal as <ipaddr>[:<ipport>]");
        }
        if (!o_.type.empty() && o_.type != "sendtargets" && o_.type != "st") {
            return fail(code::invalid, "Unsupported discovery type " + o_.type);
        }
        const auto iface = o_.iface.value_or("default");
        if (o_.mode == "discoverydb" && o_.op == "new") {
            model().add_discovery(*portal_, iface);
            ToolResult r;
            r.out = "New discovery record for [" + portal_->comma_string() + "] added.\n";
            return r;
        }
        DiscoveryRecord* record = nullptr;
        for (auto& d : model().mutable_state().discovery) {
            if (d.portal == *portal_ && d.iface == iface) {
                record = &d;
            }
        }
        if (o_.mode == "discoverydb" && o_.op == "update") {
            if (record == nullptr) {
                return fail(code::no_objects, "No records found");
            }
            for (std::size_t i = 0; i < o_.names.size(); ++i) {
                record->settings[o_.names[i]] = o_.values[i];
            }
            model().touch();
            return {};
        }
        if (o_.mode == "discoverydb" && o_.op == "delete") {
            if (record == nullptr) {
                return fail(code::no_objects, "No records found");
            }
            std::erase_if(model().mutable_state().discovery, [&](const DiscoveryRecord& d) {
                return d.portal == *portal_ && d.iface == iface;
            });
            // The node records this discovery made go with it (open-iscsi's
            // idbm_delete_discovery); those a session uses stay.
            std::vector<NodeRecord> found;
            for (const auto& node : model().state().nodes) {
                if (node.discovery_type == "send_targets" && node.iface == iface &&
                    node.value("node.discovery_address") == portal_->address &&
                    node.value("node.discovery_port") == std::to_string(portal_->port) &&
                    !model().session_of(node)) {
                    found.push_back(node);
                }
            }
            for (const auto& node : found) {
                model().delete_node(node);
            }
            model().touch();
            return {};
        }
        if (o_.mode == "discoverydb" && !o_.discover) {
            return fail(code::invalid, "Invalid operation '" + o_.op + "'");
        }
        std::optional<Chap> chap;
        if (record != nullptr &&
            record->settings["discovery.sendtargets.auth.authmethod"] == "CHAP") {
            chap = Chap{record->settings["discovery.sendtargets.auth.username"],
                        record->settings["discovery.sendtargets.auth.password"]};
        }
        const auto result = model().discover(*portal_, chap);
        ToolResult r;
        r.duration_ms = result.duration_ms;
        switch (result.status) {
            case LoginStatus::ok:
                break;
            case LoginStatus::auth_failed:
                r.exit_status = code::auth_failed;
                r.err = "iscsiadm: discovery login to " + portal_->address +
                        " rejected: initiator failed authorization\n"
                        "iscsiadm: Could not perform SendTargets discovery: " +
                        error_text(code::auth_failed) + "\n";
                return r;
            case LoginStatus::iscsid_down:
                r.exit_status = code::iscsid_not_connected;
                r.err =
                    "iscsiadm: can not connect to iSCSI daemon (111)!\n"
                    "iscsiadm: Could not perform SendTargets discovery: could not connect to "
                    "iscsid\n";
                return r;
            default:
                r.exit_status = code::connection_failure;
                r.err = "iscsiadm: cannot make connection to " + portal_->address +
                        ": No route to host\n"
                        "iscsiadm: connection login retries (reopen_max) 5 exceeded\n"
                        "iscsiadm: Could not perform SendTargets discovery: encountered connection "
                        "failure\n";
                return r;
        }
        model().add_discovery(*portal_, iface);
        for (std::size_t i = 0; i < result.found.size(); ++i) {
            const auto& [portal, iqn] = result.found[i];
            if (model().find_nodes(iqn, portal, iface).empty()) {
                auto& node = model().add_node(iqn, portal, result.tpgts[i], iface, "send_targets");
                node.settings["node.discovery_address"] = portal_->address;
                node.settings["node.discovery_port"] = std::to_string(portal_->port);
                model().touch();
            }
            r.out += bracket(portal) + "," + std::to_string(result.tpgts[i]) + " " + iqn + "\n";
        }
        return r;
    }

    ToolResult discoverydb_show() {
        ToolResult r;
        const auto& state = model().state();
        if (o_.print_level < 0) {
            if (state.discovery.empty()) {
                return fail(code::no_objects, "No records found");
            }
            for (const auto& d : state.discovery) {
                r.out +=
                    "# BEGIN RECORD 2.1.8\ndiscovery.startup = manual\ndiscovery.type = "
                    "sendtargets\n"
                    "discovery.sendtargets.address = " +
                    d.portal.address +
                    "\ndiscovery.sendtargets.port = " + std::to_string(d.portal.port) +
                    "\n# END RECORD\n";
            }
            return r;
        }
        auto targets_of = [&](const std::string& type) {
            std::string text;
            std::vector<std::string> iqns;
            for (const auto& n : state.nodes) {
                if (n.discovery_type == type &&
                    std::find(iqns.begin(), iqns.end(), n.iqn) == iqns.end()) {
                    iqns.push_back(n.iqn);
                }
            }
            for (const auto& iqn : iqns) {
                text += "Target: " + iqn + "\n";
                for (const auto& n : state.nodes) {
                    if (n.iqn == iqn && n.discovery_type == type) {
                        text += "\tPortal: " + bracket(n.portal) + "," + std::to_string(n.tpgt) +
                                "\n\t\tIface Name: " + n.iface + "\n";
                    }
                }
            }
            return text.empty() ? std::string("No targets found.\n") : text;
        };
        r.out += "SENDTARGETS:\n";
        if (state.discovery.empty()) {
            r.out += "No targets found.\n";
        }
        for (const auto& d : state.discovery) {
            r.out += "DiscoveryAddress: " + d.portal.comma_string() + "\n";
            r.out += targets_of("send_targets");
        }
        r.out += "iSNS:\nNo targets found.\nSTATIC:\n" + targets_of("static") +
                 "FIRMWARE:\nNo targets found.\n";
        return r;
    }

    ToolContext& ctx_;
    Options o_;
    std::optional<Portal> portal_;
};

}  // namespace

ToolResult run_iscsiadm(ToolContext& context, const std::vector<std::string>& args) {
    Iscsiadm tool(context, parse(args));
    return tool.run();
}

}  // namespace brick::sim
