#include "brick/iscsi/iscsiadm.hpp"

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/core/sysfs_name.hpp"
#include "brick/host/wait.hpp"

namespace brick::iscsi {
namespace {

// A login or logout by target and portal reads every node record and every
// session first, without the records lock (a login can take as long as its
// portal does, and no delete may wait for that). When another run removes a
// record or a session meanwhile, iscsiadm gives up with exit 6 ("Could not
// execute operation on all records: encountered iSCSI database failure",
// sometimes "could not read session targetname"): measured on a real kernel
// with logins beside other targets' detaches. It is asked again: a login that
// went through before the failure then answers 15 (session exists), a logout
// 21 (no session), both taken as done.
bool lost_a_record_while_reading(const CommandResult& result) {
    return result.exit_status == exit_code::node_database;
}

std::string describe(const CommandResult& result) {
    if (result.timed_out) {
        return result.err.empty() ? "timed out" : "timed out: " + result.err;
    }
    if (result.not_found) {
        return "iscsiadm not found";
    }
    auto text = result.err.empty() ? result.out : result.err;
    while (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    return "exit " + std::to_string(result.exit_status) + (text.empty() ? "" : ": " + text);
}

}  // namespace

CommandResult Iscsiadm::run(std::vector<std::string> argv, RecordChange change) {
    // iscsiadm walks every record under /etc/iscsi/nodes when it changes one
    // (--op) or discovers (it writes records), and fails ("could not stat",
    // exit 6) when another iscsiadm removes a record meanwhile: measured with
    // concurrent detaches on a real kernel. Adding a record that is not there
    // and changing one in place (iscsiadm rewrites its file) remove nothing,
    // so those runs hold the host-wide records lock shared and run together
    // (iscsiadm serialises its own writes); a run that deletes or replaces a
    // record, or discovers, holds it alone. The lock is innermost (never held
    // while taking another); logins take none. The wait for it is bounded by
    // the command's deadline, as iscsiadm's own wait for its record database
    // lock is: behind a hung iscsiadm, every independent volume would
    // otherwise wait in line for all the hangs before it. Not getting the
    // lock reads as the command timing out.
    std::unique_ptr<LockGuard> records_guard;
    if (change != RecordChange::none) {
        const auto until = host_.now() + deadline_;
        records_guard = change == RecordChange::in_place
                            ? host_.lock_shared_until("iscsi-node-records", until)
                            : host_.lock_until("iscsi-node-records", until);
        if (!records_guard) {
            CommandResult waited;
            waited.exit_status = 128 + 9;
            waited.timed_out = true;
            waited.err = "another iscsiadm held the node records for " +
                         std::to_string(deadline_.count()) + " ms";
            return waited;
        }
    }
    argv.insert(argv.begin(), "iscsiadm");
    auto result = host_.run(Command{std::move(argv), {}, deadline_});
    if (result.not_found) {
        throw Error(ErrorCategory::not_supported,
                    "iscsiadm is not installed (Debian package open-iscsi)");
    }
    return result;
}

std::vector<std::string> Iscsiadm::node_args(const Target& target) const {
    return {"-m", "node", "-T", target.iqn, "-p", target.portal.to_string()};
}

bool Iscsiadm::record_may_exist(const Target& target) {
    // open-iscsi 2.1.8 keeps a record as /etc/iscsi/nodes/IQN/ADDRESS,PORT (a
    // file, portal group unknown: --op new) or IQN/ADDRESS,PORT,TPGT/IFACE
    // (discovered); the address without IPv6 brackets. Older builds and other
    // distributions keep them under /var/lib/iscsi/nodes. A name or an IPv6
    // address may be spelled otherwise in the record: it may exist.
    if (target.portal.host.find_first_not_of("0123456789.") != std::string::npos) {
        return true;
    }
    const auto portal = target.portal.host + "," + std::to_string(target.portal.port);
    for (const char* folder : {"/etc/iscsi/nodes/", "/var/lib/iscsi/nodes/"}) {
        std::vector<std::string> names;
        const auto listed = host_.list_dir(folder + target.iqn, names);
        if (!listed.ok()) {
            if (listed.error == ENOENT || listed.error == ENOTDIR) {
                continue;
            }
            return true;
        }
        if (std::any_of(names.begin(), names.end(), [&](const std::string& name) {
                return name == portal || name.rfind(portal + ",", 0) == 0;
            })) {
            return true;
        }
    }
    return false;
}

void Iscsiadm::create_node(const Target& target, const std::string& iface,
                           const std::optional<ChapCredentials>& chap, const std::string& startup) {
    auto create = node_args(target);
    create.insert(create.end(), {"--interface", iface, "--op", "new"});
    // --op new replaces a record that exists (deletes it, then writes it).
    const auto created =
        run(create, record_may_exist(target) ? RecordChange::removal : RecordChange::in_place);
    if (!created.ok()) {
        throw Error(created.exit_status == exit_code::iscsid_not_connected
                        ? ErrorCategory::command_failed
                        : ErrorCategory::login_failed,
                    "creating the node record for " + target.iqn + " at " +
                        target.portal.to_string() + " failed (" + describe(created) + ")");
    }
    auto update = node_args(target);
    update.insert(update.end(), {"--op", "update", "-n", "node.session.scan", "-v", "manual", "-n",
                                 "node.startup", "-v", startup});
    if (chap) {
        update.insert(update.end(), {"-n", "node.session.auth.authmethod", "-v", chap->method, "-n",
                                     "node.session.auth.username", "-v", chap->username, "-n",
                                     "node.session.auth.password", "-v", chap->password});
        if (chap->mutual()) {
            update.insert(update.end(),
                          {"-n", "node.session.auth.username_in", "-v", chap->username_in, "-n",
                           "node.session.auth.password_in", "-v", chap->password_in});
        }
    }
    const auto updated = run(update, RecordChange::in_place);
    if (!updated.ok()) {
        throw Error(ErrorCategory::command_failed, "configuring the node record for " + target.iqn +
                                                       " failed (" + describe(updated) + ")");
    }
}

void Iscsiadm::login(const Target& target) {
    auto args = node_args(target);
    args.emplace_back("--login");
    CommandResult result;
    retry(host_, {4, Duration(100), 2.0}, [&](int) {
        result = run(args, RecordChange::none);
        return !lost_a_record_while_reading(result);
    });
    if (result.ok() || result.exit_status == exit_code::session_exists) {
        return;
    }
    const auto where = target.iqn + " at " + target.portal.to_string();
    if (result.exit_status == exit_code::authentication) {
        throw Error(ErrorCategory::authentication_failed,
                    "CHAP authentication to " + where +
                        " was rejected: check auth_username/auth_password (" + describe(result) +
                        ")");
    }
    if (result.exit_status == exit_code::iscsid_not_connected) {
        throw Error(ErrorCategory::command_failed,
                    "login to " + where + " failed: iscsiadm could not reach iscsid (" +
                        describe(result) +
                        "): check that iscsid runs (systemctl status iscsid.socket iscsid)");
    }
    if (result.timed_out || result.exit_status == exit_code::transport_timeout) {
        throw Error(
            ErrorCategory::target_unreachable,
            "portal " + target.portal.to_string() + " did not answer (" + describe(result) + ")");
    }
    throw Error(ErrorCategory::login_failed, "login to " + where + " failed (" + describe(result) +
                                                 "): check the target's ACL for this initiator");
}

std::vector<std::string> Iscsiadm::logout_and_forget(const Target& target) {
    std::vector<std::string> problems;
    auto manual = node_args(target);
    manual.insert(manual.end(), {"--op", "update", "-n", "node.startup", "-v", "manual"});
    run(manual, RecordChange::in_place);  // a missing record is fine here
    auto logout = node_args(target);
    logout.emplace_back("--logout");
    // Logout is iscsid's. iscsiadm names each session it asked iscsid to log
    // out of and could not ("Could not logout of [sid: ...]"); with none
    // logged out open-iscsi 2.1.8 exits 21 as if no session matched. An
    // iscsid that just started takes the kernel's sessions over one by one
    // (reconnecting them): until it has, it refuses ("try again later") or
    // does not know the session, so a refusal is asked again a few times.
    const auto unreachable = [](const CommandResult& r) {
        return r.exit_status == exit_code::iscsid_not_connected ||
               r.err.find("could not connect to iscsid") != std::string::npos;
    };
    const auto refused = [](const CommandResult& r) {
        return r.err.find("Could not logout of [") != std::string::npos;
    };
    CommandResult out;
    retry(host_, {4, Duration(500), 2.0}, [&](int) {
        out = run(logout, RecordChange::none);
        return out.timed_out || unreachable(out) ||
               (!refused(out) && !lost_a_record_while_reading(out));
    });
    if (unreachable(out)) {
        problems.push_back("logout from " + target.iqn + " at " + target.portal.to_string() +
                           " failed: iscsiadm could not reach iscsid (" + describe(out) +
                           "): the session stays; start iscsid and disconnect again");
        return problems;
    }
    if (refused(out)) {
        problems.push_back("logout from " + target.iqn + " at " + target.portal.to_string() +
                           " failed: iscsid refused it (" + describe(out) +
                           "); the session and its record stay");
        return problems;
    }
    if (!out.ok() && out.exit_status != exit_code::no_records &&
        out.exit_status != exit_code::session_not_found) {
        problems.push_back("logout from " + target.iqn + " at " + target.portal.to_string() +
                           " failed (" + describe(out) + ")");
        return problems;  // keep the record: the session still exists
    }
    auto remove = node_args(target);
    remove.insert(remove.end(), {"--op", "delete"});
    const auto removed = run(remove, RecordChange::removal);
    if (!removed.ok() && removed.exit_status != exit_code::no_records) {
        problems.push_back("deleting the node record of " + target.iqn + " failed (" +
                           describe(removed) + ")");
    }
    return problems;
}

void Iscsiadm::delete_node(const Target& target) {
    auto remove = node_args(target);
    remove.insert(remove.end(), {"--op", "delete"});
    run(remove, RecordChange::removal);
}

std::vector<unsigned> Iscsiadm::session_ids(const std::string& iqn) {
    const auto result = run({"-m", "session"}, RecordChange::none);
    std::vector<unsigned> ids;
    if (!result.ok()) {
        if (result.exit_status != exit_code::no_records) {
            throw Error(ErrorCategory::command_failed,
                        "listing the iSCSI sessions failed (" + describe(result) + ")");
        }
        return ids;
    }
    for (const auto& [id, name] : parse_session_list(result.out)) {
        if (name == iqn) {
            ids.push_back(id);
        }
    }
    return ids;
}

std::vector<std::pair<unsigned, std::string>> parse_session_list(const std::string& text) {
    std::vector<std::pair<unsigned, std::string>> found;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        const std::string_view line(text.data() + start, end - start);
        start = end + 1;
        // "tcp: [3] 10.0.0.1:3260,1 iqn.2010-10.org.openstack:volume-1 (non-flash)"
        const auto open = line.find('[');
        const auto close = line.find(']', open);
        if (open == std::string_view::npos || close == std::string_view::npos) {
            continue;
        }
        const auto id = number_after(line.substr(open + 1, close - open - 1), "");
        const auto portal_end = line.find(' ', close + 2);
        if (!id || portal_end == std::string_view::npos) {
            continue;
        }
        auto name = line.substr(portal_end + 1);
        name = name.substr(0, name.find(' '));
        if (!name.empty()) {
            found.emplace_back(*id, std::string(name));
        }
    }
    return found;
}

std::vector<std::pair<Portal, std::string>> parse_target_lines(const std::string& text) {
    std::vector<std::pair<Portal, std::string>> found;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        const auto line = text.substr(start, end - start);
        start = end + 1;
        const auto space = line.find(' ');
        const auto comma = line.rfind(',', space);
        if (space == std::string::npos || comma == std::string::npos) {
            continue;
        }
        try {
            auto portal = parse_portal("discovery", line.substr(0, comma), 3260);
            auto iqn = parse_iscsi_name("discovery", line.substr(space + 1));
            found.emplace_back(std::move(portal), std::move(iqn));
        } catch (const Error& e) {
            log::warning("ignoring an iscsiadm line: " + std::string(e.what()));
        }
    }
    return found;
}

std::vector<std::pair<Portal, std::string>> Iscsiadm::discover(
    const Portal& portal, const std::string& iface,
    const std::optional<ChapCredentials>& discovery_chap) {
    const auto where = portal.to_string();
    CommandResult result;
    if (discovery_chap) {
        const std::vector<std::string> base = {"-m", "discoverydb", "-t", "sendtargets",
                                               "-I", iface,         "-p", where};
        auto create = base;
        create.insert(create.end(), {"--op", "new"});
        run(create, RecordChange::removal);  // exists already: fine
        auto update = base;
        update.insert(update.end(),
                      {"--op", "update", "-n", "discovery.sendtargets.auth.authmethod", "-v",
                       discovery_chap->method, "-n", "discovery.sendtargets.auth.username", "-v",
                       discovery_chap->username, "-n", "discovery.sendtargets.auth.password", "-v",
                       discovery_chap->password});
        run(update, RecordChange::removal);
        auto discover_args = base;
        discover_args.emplace_back("--discover");
        result = run(discover_args, RecordChange::removal);
    } else {
        result = run({"-m", "discovery", "-t", "sendtargets", "-I", iface, "-p", where},
                     RecordChange::removal);
    }
    if (!result.ok()) {
        const auto category = result.exit_status == exit_code::authentication
                                  ? ErrorCategory::authentication_failed
                                  : ErrorCategory::target_unreachable;
        throw Error(category,
                    "SendTargets discovery on " + where + " failed (" + describe(result) + ")");
    }
    return parse_target_lines(result.out);
}

}  // namespace brick::iscsi
