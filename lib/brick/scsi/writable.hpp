#pragma once
// Read-write access to an attached SCSI volume (connection property
// access_mode). A volume asked for read-write must be writable: the kernel
// shows a disk read-only when the target reports write protection (the WP bit
// of MODE SENSE), and multipath loads a map read-only while a path is, or
// before it reloads the map after a path turned writable. What the iSCSI and
// FC connectors do alike once the device is found.

#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"
#include "brick/multipath/map.hpp"
#include "brick/properties/common.hpp"
#include "brick/scsi/disk.hpp"

namespace brick::scsi {

// Whether the kernel shows a block device read-only: /sys/block/<name>/ro is
// "1". An attribute that cannot be read says nothing: false.
bool block_read_only(Host& host, const std::string& name);

// The read-only parts of the device connect returns: the disk, or the map
// and the paths it holds (a write through the map to a read-only path fails
// too). Empty when every part is writable.
std::vector<std::string> read_only_parts(Host& host, const Disk& disk,
                                         const std::optional<multipath::Map>& map);

struct WritableOptions {
    // How long a read-only device is waited for (os-brick checks five times
    // over 15 s: 1, 2, 4 and 8 s apart).
    Duration timeout{15000};
    // A read-only path is rescanned (the kernel reads the write protection
    // again) this long after the wait began, then at doubling intervals (a
    // Backoff of factor 2: 1, 3 and 7 s after the start by default).
    Duration first_rescan{1000};
    Duration sysfs_timeout{sysfs_write_timeout};  // one rescan write
};

// What connect does with access_mode once the device is found. read_only:
// nothing, at once (a read-only device is what was asked for). read_write:
// returns at once when every part is writable; else waits, within
// options.timeout, until it is, rescanning the read-only paths, and relies
// on multipathd to reload a map whose paths turned writable (it does on the
// path's change event). A device still read-only at the deadline is logged
// as a warning naming it and its read-only parts, and returned as it is
// (os-brick warns and continues): the result is true then, and connect
// reports it as device_info's read_only.
bool settle_access_mode(Host& host, AccessMode mode, const Disk& disk,
                        const std::optional<multipath::Map>& map, const WritableOptions& options);

}  // namespace brick::scsi
