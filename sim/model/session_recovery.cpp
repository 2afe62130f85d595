// An iSCSI session that lost its connection, as the kernel (5.14 and later,
// scsi_transport_iscsi.c) and iscsid handle it:
//
// - the kernel stops the connection itself (iscsi_cleanup_conn_work_fn, no
//   iscsid needed): the session is FAILED and its devices blocked (I/O
//   queues), and the recovery timer (recovery_tmo, the node's
//   replacement_timeout) starts;
// - only iscsid logs the session in again, once the portal answers: the
//   session is LOGGED_IN and its devices running (__iscsi_unblock_session);
//   with iscsid down nothing reconnects;
// - when the timer fires first the session is FREE and its devices
//   transport-offline (session_recovery_timedout): I/O fails, and a later
//   login by iscsid brings both back.
#include "sim/model/model.hpp"

namespace brick::sim {

void Model::fail_session(unsigned sid, std::int64_t link_back_ms) {
    const auto it = state_.sessions.find(sid);
    if (it == state_.sessions.end()) {
        return;
    }
    auto& session = it->second;
    session.link_down = true;
    if (session.state == "LOGGED_IN") {
        session.state = "FAILED";
        session.connection_state = "failed";
        const unsigned failure = ++session.failures;
        for (auto& [address, device] : state_.devices) {
            if (device.sid == sid && device.state != "cancel") {
                device.state = "blocked";
            }
        }
        note({{"what", "session failed"}, {"sid", sid}});
        schedule(static_cast<std::int64_t>(session.recovery_tmo_s) * 1000, "session recovery timer",
                 [this, sid, failure] { session_recovery_timed_out(sid, failure); });
    }
    if (link_back_ms > 0) {
        schedule(link_back_ms, "session portal answers", [this, sid] {
            const auto found = state_.sessions.find(sid);
            if (found == state_.sessions.end()) {
                return;
            }
            found->second.link_down = false;
            note({{"what", "session portal answers"}, {"sid", sid}});
            reconnect_session(sid);
        });
    }
}

void Model::session_recovery_timed_out(unsigned sid, unsigned failure) {
    const auto it = state_.sessions.find(sid);
    if (it == state_.sessions.end() || it->second.state != "FAILED" ||
        it->second.failures != failure) {
        return;
    }
    it->second.state = "FREE";
    for (auto& [address, device] : state_.devices) {
        if (device.sid == sid && device.state == "blocked") {
            device.state = "transport-offline";
        }
    }
    note({{"what", "session recovery timed out"}, {"sid", sid}});
    release_session_waiters(sid);
}

void Model::reconnect_session(unsigned sid) {
    const auto it = state_.sessions.find(sid);
    if (it == state_.sessions.end()) {
        return;
    }
    auto& session = it->second;
    // A session that never failed is logged in or still logging in.
    if (session.state == "LOGGED_IN" || session.failures == 0 || session.link_down ||
        !state_.iscsid_running || !session.iscsid_has) {
        return;
    }
    session.state = "LOGGED_IN";
    session.connection_state = "up";
    for (auto& [address, device] : state_.devices) {
        if (device.sid == sid &&
            (device.state == "blocked" || device.state == "transport-offline")) {
            device.state = "running";
        }
    }
    note({{"what", "session recovered"}, {"sid", sid}});
    release_session_waiters(sid);
}

void Model::reconnect_sessions() {
    std::vector<unsigned> sids;
    for (const auto& [sid, session] : state_.sessions) {
        sids.push_back(sid);
    }
    for (const auto sid : sids) {
        reconnect_session(sid);
    }
}

void Model::after_session_failure(unsigned sid, std::function<void()> fn) {
    const auto it = state_.sessions.find(sid);
    if (it != state_.sessions.end() && it->second.state == "FAILED") {
        session_waiters_[sid].push_back(std::move(fn));
        return;
    }
    fn();
}

void Model::release_session_waiters(unsigned sid) {
    const auto it = session_waiters_.find(sid);
    if (it == session_waiters_.end()) {
        return;
    }
    auto waiters = std::move(it->second);
    session_waiters_.erase(it);
    for (auto& fn : waiters) {
        fn();
    }
}

}  // namespace brick::sim
