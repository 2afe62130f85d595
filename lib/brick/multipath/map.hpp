#pragma once
// dm-multipath maps as sysfs shows them, and the multipath/multipathd
// operations libbrick performs on them.

#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::multipath {

struct Map {
    std::string device;              // "dm-0"
    std::string name;                // dm name ("mpatha" or the WWID)
    std::string wwid;                // from dm uuid "mpath-<wwid>"
    std::vector<std::string> paths;  // slave disks ("sdb", "sdc")
    std::string device_path() const { return "/dev/" + device; }
};

// The multipath map holding a disk, if any.
std::optional<Map> map_holding(Host& host, const std::string& disk);
// The multipath map for a WWID, if any.
std::optional<Map> map_for_wwid(Host& host, const std::string& wwid);
// A dm device by name ("dm-3"), if it is a multipath map.
std::optional<Map> read_map(Host& host, const std::string& device);

// True when multipathd answers `multipathd show status`.
bool daemon_running(Host& host, Duration deadline);

// `multipath -a WWID` then `multipathd add path <disk>` for each disk.
void add_paths(Host& host, const std::string& wwid, const std::vector<std::string>& disks,
               Duration deadline);
// `multipathd del path <disk>`; the run is returned, not thrown: a daemon
// that timed out may still use the path, one that answered with an error
// does not know it (or is not running).
CommandResult remove_path(Host& host, const std::string& disk, Duration deadline);
// `multipathd disablequeueing map <name>`: a map with no live path then fails
// I/O instead of hanging.
bool disable_queueing(Host& host, const std::string& name, Duration deadline);
// `multipath -f <name>`; throws command_failed (the map is busy, ...).
void flush_map(Host& host, const std::string& name, Duration deadline);
// `multipathd resize map <name>`: the map takes the size of its paths.
// multipathd answers "timeout" while a reconfigure holds the map; that answer
// is asked again until the deadline. Throws command_failed naming the map and
// what the tool said when it refused ("fail", or exit 1 with nothing said
// when the daemon is not running), timeout when it did not answer in time.
void resize_map(Host& host, const std::string& name, Duration deadline);

}  // namespace brick::multipath
