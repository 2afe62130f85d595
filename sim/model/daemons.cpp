#include "sim/model/daemons.hpp"

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

}  // namespace

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
                           return;
                       }
                       model.set_multipathd_running(true);
                       rediscover_paths(model);
                   });
}

}  // namespace brick::sim
