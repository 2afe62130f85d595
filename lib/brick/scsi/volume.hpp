#pragma once
// A SCSI volume seen through one or more paths (a disk of the same logical
// unit per initiator/target nexus), and what the iSCSI and FC connectors do
// alike once the disks are found: checking that every path carries the
// volume's identity, forming the dm-multipath map, naming the device to
// return, extending, and removing exactly the volume's disks and map.
// The protocol connectors find the disks (sessions, remote ports); these
// functions never scan.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "brick/connector/connector.hpp"
#include "brick/host/host.hpp"
#include "brick/multipath/map.hpp"
#include "brick/scsi/disk.hpp"

namespace brick::scsi {

// A disk found for the volume through one path.
struct VolumePath {
    std::string description;  // "LUN 1 of <iqn> at <portal>", for messages
    Disk disk;
    // Found through a session or port this attach set up: on a tie between
    // identities the fresh path wins (a reused one may hold a stale device).
    bool fresh = false;
};

// Which paths carry the volume's identity.
struct IdentityVerdict {
    std::string wwid;                   // scsi_id's identifier: what multipath names the map by
    std::vector<std::size_t> accepted;  // indexes into the paths
    std::vector<std::size_t> refused;   // another identity: never to be used
};

// True when the disk's identity is wwid (scsi_id's or the sysfs wwid).
bool carries(const Disk& disk, const std::string& wwid);

// With expected_wwid, the paths that carry it; without, the identity most
// paths agree on. Refused paths are logged. Throws wrong_device (field
// "scsi_wwn") when no path carries the expected identity. paths must not be empty.
IdentityVerdict check_identity(const std::vector<VolumePath>& paths,
                               const std::string& expected_wwid);

// Whether connect should form a dm-multipath map: use_multipath and
// multipathd answers. Throws command_failed when multipath is enforced and
// multipathd is not running.
bool multipath_available(Host& host, const ConnectorOptions& options);

// Hands the disks to multipathd under wwid and waits (at most timeout) until
// the map holds all of them, has its node and a size. nullopt when no map
// formed; with options.enforce_multipath that throws device_not_found.
std::optional<multipath::Map> form_map(Host& host, const std::string& wwid,
                                       const std::vector<std::string>& disks,
                                       const ConnectorOptions& options, Duration timeout);

// The device info connect returns: the map when there is one, else the disk,
// named as options.link asks (waiting at most timeout for udev's link;
// by_path_link is the disk's by-path name).
DeviceInfo device_info_for(Host& host, const Disk& disk, const std::optional<multipath::Map>& map,
                           LinkPreference link, const std::string& by_path_link, Duration timeout);

struct RemovalOptions {
    bool force = false;  // carry on past errors, drop unflushed data
    Duration command_timeout{30000};
    Duration delete_timeout{30000};
};

// Removes a volume's disks and its map (found by wwid, never by name): flushes
// the map, or each disk when there is no map; takes the map down; drops the
// paths from multipathd; deletes the disks; removes a map of wwid that formed
// again meanwhile. A failed flush throws would_lose_data before anything is
// removed, unless forced. With force every failing step is returned as a
// problem and the rest goes on; without, the first failure throws.
std::vector<std::string> remove_volume(Host& host, const std::string& wwid,
                                       const std::vector<std::string>& disks,
                                       const RemovalOptions& options);

// Rescans the disks (the kernel re-reads the capacity) and resizes the
// volume's map. Returns the new size in bytes; throws device_not_found when
// none of the disks is there.
std::uint64_t extend_volume(Host& host, const std::vector<std::string>& disks,
                            Duration command_timeout, Duration sysfs_timeout);

// Removes a udev link that points at nothing any more (udev left it behind).
void remove_dangling_link(Host& host, const std::string& link);

// Throws command_failed "disconnect finished with errors: ..." when there
// are problems, unless ignore_errors.
void report_problems(const std::vector<std::string>& problems, bool ignore_errors);

}  // namespace brick::scsi
