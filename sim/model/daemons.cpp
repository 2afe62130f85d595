#include "sim/model/daemons.hpp"

#include <cstdint>
#include <vector>

namespace brick::sim {

std::optional<Daemon> daemon_from_name(std::string_view name) {
    if (name == "iscsid") {
        return Daemon::iscsid;
    }
    if (name == "multipathd") {
        return Daemon::multipathd;
    }
    return std::nullopt;
}

bool daemon_running(const Model& model, Daemon daemon) {
    return daemon == Daemon::iscsid ? model.state().iscsid_running
                                    : model.state().multipathd_running;
}

void kill_daemon(Model& model, Daemon daemon) {
    const bool iscsid = daemon == Daemon::iscsid;
    model.note({{"what", iscsid ? "iscsid killed" : "multipathd killed"}});
    if (iscsid) {
        for (auto& [sid, session] : model.mutable_state().sessions) {
            session.iscsid_has = false;
        }
    }
    iscsid ? model.set_iscsid_running(false) : model.set_multipathd_running(false);
}

namespace {

// multipathd's startup scan: every SCSI disk of a remote volume that is in no
// map and whose WWID the wwids file holds is taken as a path again (the map
// forms map_ms later); set_multipathd_running already took the paths of the
// maps the kernel kept.
void rediscover_paths(Model& model) {
    std::vector<std::string> unmapped;
    for (const auto& [address, device] : model.state().devices) {
        if (!device.remote() || !device.disk_visible || device.state != "running") {
            continue;
        }
        const auto disk = device.disk_name();
        if (!model.multipathd_knows(disk)) {
            unmapped.push_back(disk);
        }
    }
    for (const auto& disk : unmapped) {
        model.add_path(disk);
    }
}

// iscsid's startup sync: it takes the kernel's sessions over one at a time,
// each with a login on a new connection (login_ms).
void take_sessions_over(Model& model) {
    std::int64_t after = 0;
    for (const auto& [sid, session] : model.state().sessions) {
        if (session.iscsid_has) {
            continue;
        }
        after += model.jittered(model.fabric().timing.login_ms);
        const unsigned id = sid;
        model.schedule(after, "iscsid takes a session over", [&model, id] {
            const auto it = model.mutable_state().sessions.find(id);
            if (it == model.mutable_state().sessions.end() || !model.state().iscsid_running) {
                return;
            }
            it->second.iscsid_has = true;
            model.note({{"what", "iscsid took the session over"}, {"sid", id}});
            // A session that failed meanwhile is logged in again now, if its
            // portal answers (iscsid keeps trying until it does).
            model.reconnect_session(id);
        });
    }
}

}  // namespace

bool iscsid_has_every_session(const Model& model) {
    for (const auto& [sid, session] : model.state().sessions) {
        if (!session.iscsid_has) {
            return false;
        }
    }
    return true;
}

void start_daemon(Model& model, Daemon daemon) {
    if (daemon_running(model, daemon)) {
        return;
    }
    const bool iscsid = daemon == Daemon::iscsid;
    model.note({{"what", iscsid ? "iscsid starting" : "multipathd starting"}});
    model.schedule(model.jittered(model.fabric().timing.daemon_start_ms),
                   iscsid ? "iscsid answers" : "multipathd answers", [&model, daemon] {
                       if (daemon_running(model, daemon)) {
                           return;
                       }
                       if (daemon == Daemon::iscsid) {
                           model.set_iscsid_running(true);
                           take_sessions_over(model);
                           return;
                       }
                       model.set_multipathd_running(true);
                       rediscover_paths(model);
                   });
}

}  // namespace brick::sim
