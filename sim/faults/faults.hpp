#pragma once
// Named faults. A fault is a kind plus parameters, armed from a step (the
// count of host interactions served so far) with a seeded probability per
// opportunity. Two families:
//   - site faults are consulted where the model does something (a login, a
//     sysfs write, a tool run) and change its outcome while they are armed;
//   - action faults change the world once when they fire (a LUN is removed,
//     a path goes offline, a daemon stops).
// Every fired fault is written to the trace ({"kind":"fault",...}).
//
// Parameters that select where a fault applies (all optional; absent = any):
//   "portal" ("10.0.0.1:3260"), "iqn", "lun", "tool" (basename), "path" (glob),
//   "device" ("sdb"), "volume", "wwid" (scsi_id's identifier); FC: "hba" (an initiator port WWPN),
//   "wwpn" (a target port WWPN), "wwnn" (a target's node name).
// Parameters of the effect, per kind:
//   portal_unreachable, login_timeout, auth_failure: none
//   login_slow: "ms" (default 5000): a login to the portal takes that much
//     longer, then succeeds (iscsid's retries reached a portal that came back)
//   device_late: "delay_ms" (extra delay of the sd disk)
//   device_never, empty_wwid: none (applies to devices scanned while armed)
//   udev_link_missing: "link": "by-path" | "by-id" | "all" (default all)
//   tool_hangs: none (the run lasts until its deadline)
//   session_read_race: an `iscsiadm` run that reads every node record and
//     session first (--login, --logout, -m session) finds one gone while it
//     reads, as when another target is detached meanwhile: it fails with
//     exit 6 ("could not read session targetname") and does nothing
//     (selectors "tool", "path" as for tool_hangs)
//   sysfs_write_fails: "errno": "EIO" | "EBUSY" | ... (default EIO)
//   sysfs_write_blocks: "ms" (how long the write blocks; default 60000)
//   device_held_open: none (flush and delete of the device fail with EBUSY)
//   map_queue_if_no_path: none (maps formed while armed queue I/O with no path)
//   map_late: "delay_ms" (default 5000): multipathd takes the path (`add
//     path` answers ok) but the map of its WWID forms that much later
//     (selectors "device": the path, "volume", "wwid", "lun", "portal", "iqn")
//   map_read_only: "delay_ms" (default 5000): a map formed
//     while armed is loaded read-only although its paths are writable (as
//     multipathd does when a path showed write protection at first) and
//     multipathd reloads it read-write delay_ms later (selectors as map_late)
//   map_never: multipathd takes the path as an orphan (`add path` answers
//     ok, `show paths` lists it) but never creates the map of its WWID, as
//     when the WWID is blacklisted or the map's table load fails (selectors
//     as map_late); a map that exists already still takes paths
//   lun_removed: "iqn" (FC: "wwnn" or "wwpn"), "lun"
//   lun_remapped: "iqn" (FC: "wwnn" or "wwpn"), "lun", "to": a volume
//     description as in the fabric
//   path_offline: "device" or "portal"
//   session_drop: "portal" or "iqn"; "recover_ms" (0 = never): when the
//     portal answers again; iscsid (if running) logs the session in then,
//     else when it runs again (sim/model/session_recovery.cpp)
//   multipathd_down, iscsid_down: "restore_ms" (0 = stays down)
// NVMe-oF (selectors "nqn", "nsid" and "portal" as "127.0.0.1:4420"):
//   portal_unreachable: a connect to the port is refused (ECONNREFUSED)
//   device_late, device_never: the namespace's path appears late / never
//   controller_connecting: "nqn", "portal"; "recover_ms" (0 = until healed):
//     the subsystem is unlinked from the port, its controllers go
//     `connecting` and reconnect every reconnect_delay in vain
//   ana_inaccessible: "nqn", "portal", "ana_group"; "recover_ms": the port's
//     ANA group turns inaccessible
//   namespace_removed: "nqn", "nsid": the target drops the namespace
// Any block device (selector "path", the path opened):
//   device_not_openable: opening the device fails with ENXIO while armed (its
//     node exists but the disk is not live yet); "max_fires" bounds how many
//     opens fail
// Fibre Channel:
//   fc_link_down: "hba" (absent: every port); "recover_ms" (0 = until healed):
//     the initiator port goes Linkdown, its remote ports Blocked, and after
//     dev_loss_tmo Not Present with their devices removed
//   device_late, device_never, empty_wwid: selectors "hba", "wwpn", "lun"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brick::sim {

enum class FaultKind {
    portal_unreachable,
    login_timeout,
    login_slow,
    auth_failure,
    lun_removed,
    lun_remapped,
    device_late,
    device_never,
    udev_link_missing,
    empty_wwid,
    path_offline,
    session_drop,
    multipathd_down,
    iscsid_down,
    tool_hangs,
    session_read_race,
    sysfs_write_fails,
    sysfs_write_blocks,
    device_held_open,
    map_queue_if_no_path,
    map_late,
    map_never,
    map_read_only,
    controller_connecting,
    ana_inaccessible,
    namespace_removed,
    device_not_openable,
    fc_link_down,
};

std::string_view fault_name(FaultKind kind);
std::optional<FaultKind> fault_from_name(std::string_view name);
std::vector<FaultKind> all_fault_kinds();
// Action faults change the world once; the others are consulted at sites.
bool is_action_fault(FaultKind kind);

struct FaultSpec {
    FaultKind kind = FaultKind::portal_unreachable;
    nlohmann::json params = nlohmann::json::object();
    std::uint64_t from_step = 0;              // armed when step >= from_step
    std::optional<std::uint64_t> until_step;  // disarmed when step > until_step
    double probability = 1.0;                 // per opportunity
    std::optional<unsigned> max_fires;        // default: unlimited (actions: once)
};

// Parses {"fault": "lun_removed", "at_step": 3, "probability": 0.5, "max_fires": 1,
// "until_step": 9, ...params}. Throws std::invalid_argument naming the problem.
FaultSpec parse_fault(const nlohmann::json& spec);

// True when every selector of params present in context matches it (strings as
// globs, numbers equal). Effect parameters are ignored.
bool fault_matches(const nlohmann::json& params, const nlohmann::json& context);

}  // namespace brick::sim
