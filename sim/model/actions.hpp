#pragma once
// What the simulated host did when a caller asked it to flush or remove
// something: one typed record per request, with the identity of what the
// object carried at that moment. The model reports them to an observer (the
// invariant checker, sim/check/), so a checker reasons over these values
// rather than over the text of tool runs and sysfs writes.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "sim/model/portal.hpp"

namespace brick::sim {

enum class ActionKind {
    flush,                   // blockdev --flushbufs of a disk, map, namespace or md array
    delete_scsi_device,      // a write to a SCSI device's delete attribute
    logout,                  // iscsiadm --logout of one session
    delete_node_record,      // iscsiadm --op delete of one node record
    remove_multipath_path,   // multipathd del path
    remove_multipath_map,    // multipath -f
    delete_nvme_controller,  // a write to delete_controller
    stop_md_array,           // mdadm --stop
    refused,                 // a program run that timed out or a kernel write that failed
    created_file,            // a file written where none was (a record of the caller's)
};

std::string_view action_name(ActionKind kind);

struct HostAction {
    ActionKind kind = ActionKind::flush;
    // What was acted on, as the host names it: "sdb", "dm-0", "nvme1",
    // "md127", "session 3", "node record", or the path or program refused.
    std::string object;
    // The volumes (fabric volume ids) the object carried when it was asked:
    // a disk's identity as read at scan time, a map's paths, a session's
    // devices, the namespaces a controller has paths to, an array's legs.
    std::set<std::string> volumes;
    // The iSCSI target (session, node record, SCSI device) or NVMe subsystem
    // (controller) the object belongs to, and its portal and LUN when known.
    std::string target;
    std::optional<Portal> portal;
    std::optional<std::uint64_t> lun;
    // A SCSI device multipathd still used (a path of its table) when it was
    // deleted: multipathd must let a path go before the device goes.
    bool multipath_still_used = false;
    // Blocks of host cache the request dropped unflushed.
    std::uint64_t dropped_blocks = 0;
    int error = 0;  // what the host answered: 0, or an errno
};

}  // namespace brick::sim
