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

// True when a disk found at one of a volume's addresses goes with the volume:
// it carries wwid (or wwid is empty), or it reports no identity at all (one
// whose identity could not be read is the volume's where the volume lives).
bool removable_with(const Disk& disk, const std::string& wwid);

// With expected_wwid, the paths that carry it; without, the identity most
// paths agree on. Refused paths are logged. Throws wrong_device (field
// "scsi_wwn") when no path carries the expected identity. paths must not be empty.
IdentityVerdict check_identity(const std::vector<VolumePath>& paths,
                               const std::string& expected_wwid);

// Whether connect should form a dm-multipath map: use_multipath and
// multipathd answers. Throws command_failed when multipath is enforced and
// multipathd is not running.
bool multipath_available(Host& host, const ConnectorOptions& options);

// The dm-multipath map of wwid that already holds one of the disks, found in
// sysfs without asking multipathd. A reconnect while multipathd is down must
// return it: I/O through a bare path would bypass what the map still holds.
std::optional<multipath::Map> existing_map(Host& host, const std::string& wwid,
                                           const std::vector<std::string>& disks);

// Hands the disks to multipathd under wwid and waits (at most timeout) until
// the map holds all of them, has its node and a size. nullopt when no map
// formed; with options.enforce_multipath that throws device_not_found. What
// was written through a reused disk on its own (an earlier attach got no map)
// is flushed to the volume first; new disks hold nothing.
std::optional<multipath::Map> form_map(Host& host, const std::string& wwid,
                                       const std::vector<std::string>& disks,
                                       const std::vector<std::string>& reused,
                                       const ConnectorOptions& options, Duration timeout);

// The device info connect returns: the map when there is one, else the disk,
// named as options.link asks (waiting at most timeout for udev's link;
// by_path_link is the disk's by-path name).
DeviceInfo device_info_for(Host& host, const Disk& disk, const std::optional<multipath::Map>& map,
                           LinkPreference link, const std::string& by_path_link, Duration timeout);

struct RemovalOptions {
    bool force = false;  // carry on past errors, drop unflushed data
    // multipathd is in use on this host: it may track a path even without a
    // map (a connect that stopped between `add path` and the map forming).
    bool use_multipath = false;
    Duration command_timeout{30000};
    Duration delete_timeout{30000};
};

// What the protocol connector found of a volume at its addresses.
struct VolumeDevices {
    std::vector<std::string> disks;  // disks that carry the volume's identity
    // SCSI devices at the volume's addresses without a disk (yet): sd probes
    // after the scan, so a connect that gave up waiting leaves them, and
    // they get their disk later unless they go.
    std::vector<Address> bare;
    // Disks at the volume's addresses that show another volume's identity
    // (the target mapped another volume at the LUN): a forced disconnect
    // deletes them without a flush, any other leaves them.
    std::vector<std::string> stale = {};
};

// Removes a volume's disks and its map (found by wwid, never by name): flushes
// the map, or each disk when there is no map; takes the map down; drops the
// paths from multipathd (always when options.use_multipath: it may hold a path
// without a map, and keeps using a path deleted under it); deletes the disks
// (not one whose `del path` timed out: the daemon may still use it, which is
// a timeout problem)
// and the bare devices unless they report another identity; removes a map of wwid that formed again
// meanwhile. A failed flush throws would_lose_data before anything is removed, unless forced. With
// force every failing step is returned as a problem and the rest goes on; without, the first
// failure throws.
std::vector<std::string> remove_volume(Host& host, const std::string& wwid,
                                       const VolumeDevices& devices, const RemovalOptions& options);

// The map a connect returns for the volume's disks: formed by multipathd
// when it runs (form_map), else one that already holds them (existing_map).
// Without a map the volume is read through `returned` alone: what was
// written through the other disks on their own (an earlier attach returned
// another one) is flushed to the volume first (failures are logged).
// `reused` are the disks that were there before this attach (the others are
// new and hold nothing): only they are flushed.
std::optional<multipath::Map> volume_map(Host& host, const std::string& wwid,
                                         const std::vector<std::string>& disks,
                                         const std::vector<std::string>& reused,
                                         const std::string& returned, bool multipathd,
                                         const ConnectorOptions& options, Duration timeout);

// Takes a volume's disks a failed connect brought in back out (multipath
// enforced and no map formed in time): they leave multipathd and go, with a
// map of wwid multipathd formed meanwhile (after the connect gave up waiting
// it may still form it of them). Nothing is done without disks. Failures are
// logged, never thrown: the connect's own error is what the caller reports.
void withdraw_volume(Host& host, const std::string& wwid, const std::vector<std::string>& disks,
                     const RemovalOptions& options);

// Removes a SCSI device a failed attach brought in (with or without a disk):
// multipathd lets go of its disk first (with options.use_multipath it may
// have taken it as a path on its own), then the device goes. Failures are
// logged, never thrown: the attach's own error is what the caller reports.
void discard_device(Host& host, const Address& address, const RemovalOptions& options);

struct ExtendOptions {
    Duration command_timeout{30000};  // multipathd resize map
    Duration sysfs_timeout{10000};    // one rescan write
    // How long paths that still show their old size after a rescan are
    // rescanned again: an array may serve the new capacity on one port a
    // moment before another.
    Duration settle_timeout{10000};
};

// Grows a volume to the size its target now serves, on every path: the
// disks plus the paths of the dm-multipath map holding any of them, those
// carrying the volume's identity (expected_wwid, else the map's, else the one
// most disks show; the others are logged and left alone). Each path is
// rescanned (the kernel re-reads the capacity), then every path must report
// the same size: a running path still behind is rescanned again until
// settle_timeout (then timeout, naming it); a path that is not running cannot
// read its capacity and fails at once (host_error, naming it), as the map
// could not grow past it (dm-multipath refuses a map larger than a path).
// A path that shows another identity after its rescan is wrong_device. Then
// the map is resized (multipath::resize_map's errors) and must show the
// paths' size (command_failed naming the map otherwise). Returns the new size
// in bytes; device_not_found when none of the disks is there. Nothing is
// resized before every path agrees.
std::uint64_t extend_volume(Host& host, const std::vector<std::string>& disks,
                            const std::string& expected_wwid, const ExtendOptions& options);

// Removes a udev link that points at nothing any more (udev left it behind).
void remove_dangling_link(Host& host, const std::string& link);

// Throws command_failed "disconnect finished with errors: ..." when there
// are problems, unless ignore_errors.
void report_problems(const std::vector<std::string>& problems, bool ignore_errors);

}  // namespace brick::scsi
