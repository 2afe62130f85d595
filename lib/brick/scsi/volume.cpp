#include "brick/scsi/volume.hpp"

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/core/sysfs_name.hpp"
#include "brick/host/concurrent.hpp"
#include "brick/host/udev.hpp"
#include "brick/host/wait.hpp"
#include "brick/properties/text.hpp"

namespace brick::scsi {
namespace {

std::string wait_for_link(Host& host, const std::string& link, Duration timeout) {
    WaitHints hints;
    hints.watch_paths = {link.substr(0, link.rfind('/'))};
    return wait_for<std::string>(
        host, "the udev link " + link, timeout,
        [&]() -> std::optional<std::string> {
            return host.exists(link) ? std::optional<std::string>(link) : std::nullopt;
        },
        hints, ErrorCategory::device_not_found);
}

// Flushes the disks all at once; a failure is logged with what it came
// before, never thrown.
void flush_logging(Host& host, const std::vector<std::string>& disks, Duration deadline,
                   const std::string& before) {
    run_for_each(host, disks.size(), "flush", [&](std::size_t i) {
        try {
            flush_buffers(host, "/dev/" + disks[i], deadline);
        } catch (const Error& e) {
            log::warning(before + ": " + std::string(e.what()));
        }
    });
}

}  // namespace

bool carries(const Disk& disk, const std::string& wwid) {
    return !wwid.empty() && (disk.scsi_id == wwid || disk.sysfs_wwid == wwid);
}

bool removable_with(const Disk& disk, const std::string& wwid) {
    return wwid.empty() || carries(disk, wwid) || (disk.scsi_id.empty() && disk.sysfs_wwid.empty());
}

namespace {

// `multipathd del path` for a disk about to go; false when multipathd timed
// out and may still use it (the disk must stay).
bool release_path(Host& host, const std::string& disk, Duration timeout) {
    return !multipath::remove_path(host, disk, timeout).timed_out;
}

// Whether a map named for a volume shows another volume through every path
// whose identity is known: the target mapped another volume at the LUN. Its
// cache then holds writes meant for this volume, and flushing it would land
// them on the other one.
bool carries_other_volume(Host& host, const multipath::Map& map) {
    bool other = false;
    for (const auto& path : map.paths) {
        const auto disk = read_disk(host, path);
        if (!disk || (disk->scsi_id.empty() && disk->sysfs_wwid.empty())) {
            continue;
        }
        if (carries(*disk, map.wwid)) {
            return false;
        }
        other = true;
    }
    return other;
}

}  // namespace

IdentityVerdict check_identity(const std::vector<VolumePath>& paths,
                               const std::string& expected_wwid) {
    IdentityVerdict verdict;
    if (!expected_wwid.empty()) {
        for (std::size_t i = 0; i < paths.size(); ++i) {
            (carries(paths[i].disk, expected_wwid) ? verdict.accepted : verdict.refused)
                .push_back(i);
        }
        if (verdict.accepted.empty()) {
            const auto& first = paths.front();
            throw Error(ErrorCategory::wrong_device,
                        first.description + " has WWID " + first.disk.scsi_id + ", expected " +
                            expected_wwid + ": refusing a device of another volume",
                        "scsi_wwn");
        }
        verdict.wwid = paths[verdict.accepted.front()].disk.scsi_id;
    } else {
        // The identity most paths agree on; on a tie, the one seen through a
        // fresh path.
        std::map<std::string, std::vector<std::size_t>> by_wwid;
        for (std::size_t i = 0; i < paths.size(); ++i) {
            by_wwid[paths[i].disk.scsi_id].push_back(i);
        }
        std::size_t best = 0;
        bool best_fresh = false;
        for (const auto& [id, members] : by_wwid) {
            const bool fresh = std::any_of(members.begin(), members.end(),
                                           [&](std::size_t i) { return paths[i].fresh; });
            if (members.size() > best || (members.size() == best && fresh && !best_fresh)) {
                verdict.wwid = id;
                best = members.size();
                best_fresh = fresh;
            }
        }
        for (std::size_t i = 0; i < paths.size(); ++i) {
            (paths[i].disk.scsi_id == verdict.wwid ? verdict.accepted : verdict.refused)
                .push_back(i);
        }
    }
    for (const auto i : verdict.refused) {
        log::error("refusing " + paths[i].description + ": device " + paths[i].disk.name +
                   " has WWID " + paths[i].disk.scsi_id + " but the volume's is " + verdict.wwid);
    }
    return verdict;
}

bool multipath_available(Host& host, const ConnectorOptions& options) {
    if (!options.use_multipath) {
        return false;
    }
    const bool running = multipath::daemon_running(host, options.command_timeout);
    if (!running && options.enforce_multipath) {
        throw Error(ErrorCategory::command_failed,
                    "multipath is enforced but multipathd is not running: start multipathd");
    }
    if (!running) {
        log::warning("multipathd is not running: attaching without a multipath map");
    }
    return running;
}

std::optional<multipath::Map> existing_map(Host& host, const std::string& wwid,
                                           const std::vector<std::string>& disks) {
    for (const auto& disk : disks) {
        if (auto map = multipath::map_holding(host, disk); map && map->wwid == wwid) {
            return map;
        }
    }
    return std::nullopt;
}

std::optional<multipath::Map> form_map(Host& host, const std::string& wwid,
                                       const std::vector<std::string>& disks,
                                       const std::vector<std::string>& reused,
                                       const ConnectorOptions& options, Duration timeout) {
    const auto map_guard = host.lock("multipath-map:" + wwid);
    // What was written through a path on its own (an earlier attach that got
    // no map) must reach the volume before the map reads it from there.
    flush_logging(host, reused, options.command_timeout, "before forming the map");
    multipath::add_paths(host, wwid, disks, options.command_timeout);
    WaitHints hints;
    hints.watch_paths = {"/dev"};
    std::optional<multipath::Map> map;
    wait_until(
        host, timeout,
        [&] {
            map = multipath::map_for_wwid(host, wwid);
            if (!map) {
                return false;
            }
            FileInfo info;
            const bool node = host.stat(map->device_path(), info).ok();
            const auto sectors = host.read_attribute("/sys/block/" + map->device + "/size");
            return node && sectors && *sectors != "0" &&
                   std::all_of(disks.begin(), disks.end(), [&](const std::string& d) {
                       return std::find(map->paths.begin(), map->paths.end(), d) !=
                              map->paths.end();
                   });
        },
        hints);
    if (!map) {
        if (options.enforce_multipath) {
            throw Error(ErrorCategory::device_not_found,
                        "the multipath map for " + wwid + " did not form within " +
                            std::to_string(timeout.count()) + " ms");
        }
        log::warning("no multipath map formed for " + wwid + "; returning a single device");
    }
    return map;
}

std::optional<multipath::Map> volume_map(Host& host, const std::string& wwid,
                                         const std::vector<std::string>& disks,
                                         const std::vector<std::string>& reused,
                                         const std::string& returned, bool multipathd,
                                         const ConnectorOptions& options, Duration timeout) {
    auto map = multipathd ? form_map(host, wwid, disks, reused, options, timeout)
                          : existing_map(host, wwid, disks);
    if (map) {
        return map;
    }
    std::vector<std::string> others;
    std::copy_if(reused.begin(), reused.end(), std::back_inserter(others),
                 [&](const std::string& disk) { return disk != returned; });
    flush_logging(host, others, options.command_timeout,
                  "before returning /dev/" + returned + " alone");
    return map;
}

DeviceInfo device_info_for(Host& host, const Disk& disk, const std::optional<multipath::Map>& map,
                           LinkPreference link, const std::string& by_path_link, Duration timeout) {
    DeviceInfo info;
    info.scsi_wwn = disk.scsi_id;
    if (map) {
        info.path = map->device_path();
        info.multipath_id = map->wwid;
        if (link == LinkPreference::by_id) {
            info.path = wait_for_link(host, "/dev/disk/by-id/dm-uuid-mpath-" + map->wwid, timeout);
        }
        return info;
    }
    info.path = disk.device_path();
    if (link == LinkPreference::by_path) {
        info.path = wait_for_link(host, by_path_link, timeout);
    } else if (link == LinkPreference::by_id) {
        info.path = wait_for_link(host, "/dev/disk/by-id/scsi-" + disk.scsi_id, timeout);
    }
    return info;
}

namespace {

// The by-id links udev made for this volume's disks, once they point nowhere:
// udev removes them when it handles the disks' remove events, which a guest
// under load was seen to do after the disconnect returned. A link that points
// to a device (udev gave the name to another disk) stays.
void remove_dangling_id_links(Host& host, const std::string& wwid,
                              const std::vector<std::string>& disks) {
    const std::string dir = "/dev/disk/by-id";
    std::vector<std::string> links;
    if (!host.list_dir(dir, links).ok()) {
        return;
    }
    const auto was_ours = [&](const std::string& link) {
        if (!wwid.empty() && (link.find(wwid) != std::string::npos ||
                              link.find(wwid.substr(1)) != std::string::npos)) {
            return true;
        }
        // A link named by a WWID (scsi-3<NAA>, wwn-0x<NAA>) belongs to the
        // disk of that WWID, and the disks here carry the volume's: only the
        // links named otherwise (vendor, product and serial) are read, so a
        // host with a thousand disks costs no thousand reads.
        if (!wwid.empty() && (link.rfind("scsi-3", 0) == 0 || link.rfind("wwn-0x", 0) == 0)) {
            return false;
        }
        std::string target;
        if (!host.read_link(dir + "/" + link, target).ok()) {
            return false;
        }
        const auto name = target.substr(target.rfind('/') + 1);
        return std::any_of(disks.begin(), disks.end(), [&](const std::string& disk) {
            return name.rfind(disk, 0) == 0 &&
                   name.find_first_not_of("0123456789", disk.size()) == std::string::npos;
        });
    };
    for (const auto& link : links) {
        if (was_ours(link)) {
            remove_dangling_link(host, std::string(dir).append("/").append(link));
        }
    }
}

}  // namespace

std::vector<std::string> remove_volume(Host& host, const std::string& wwid,
                                       const VolumeDevices& devices,
                                       const RemovalOptions& options) {
    const auto& disks = devices.disks;
    std::vector<std::string> problems;
    std::mutex problems_mutex;
    // The devices' numbers, to wait for udev to handle their removal.
    std::vector<std::string> numbers;
    const auto note_number = [&](const std::string& name) {
        if (auto number = udev::device_number(host, name)) {
            numbers.push_back(std::move(*number));
        }
    };
    for (const auto& name : disks) {
        note_number(name);
    }
    for (const auto& name : options.force ? devices.stale : std::vector<std::string>{}) {
        note_number(name);
    }
    // Every step either succeeds or, with force, is noted and skipped.
    auto attempt = [&](const std::function<void()>& step) {
        try {
            step();
            return true;
        } catch (const Error& e) {
            if (!options.force) {
                throw;
            }
            const std::lock_guard guard(problems_mutex);
            problems.emplace_back(e.message());
            return false;
        }
    };
    // A flush that fails stops the disconnect before anything is removed,
    // unless forced: removing the device would drop the unflushed data.
    auto flush = [&](const std::string& path) {
        return attempt([&] {
            try {
                flush_buffers(host, path, options.command_timeout);
            } catch (const Error& e) {
                throw Error(ErrorCategory::would_lose_data,
                            e.message() +
                                "; nothing was removed (disconnect with force to drop "
                                "unflushed data)");
            }
        });
    };

    // Flushes the devices at once; without force the first failure is thrown
    // once all have run.
    auto flush_all = [&](const std::vector<std::string>& paths, const std::string& going_on) {
        run_for_each(host, paths.size(), "flush", [&](std::size_t i) {
            if (!flush(paths[i])) {
                log::warning("flush of " + paths[i] + " failed" + going_on);
            }
        });
    };

    std::optional<multipath::Map> map;
    if (!wwid.empty()) {
        map = multipath::map_for_wwid(host, wwid);
    }
    // A map whose paths show another volume now (the target mapped another
    // volume at the LUN) is never flushed: its cache would land on that
    // volume. Without force it stays and the disconnect says so; with force
    // it goes unflushed.
    std::string foreign_map;
    bool unflushed = false;
    if (map && carries_other_volume(host, *map)) {
        const auto what = "multipath map " + map->device + " (" + map->name +
                          ") shows another volume through its paths (the target mapped another "
                          "volume at the LUN)";
        if (options.force) {
            log::warning(what + ": removing it without a flush (force)");
            unflushed = true;
        } else {
            problems.push_back(what + ": left in place, neither flushed nor removed");
            foreign_map = map->device;
            map.reset();
        }
    }
    if (map) {
        note_number(map->device);
        const auto map_guard = host.lock("multipath-map:" + map->wwid);
        // The map and its paths are flushed at once: each has its own cache.
        // A path also holds what was written through it on its own (the
        // attach returned it before multipathd took it into the map). A path
        // the kernel has taken offline takes no I/O: flushing it can only
        // fail, and what it holds cannot reach the volume through any other
        // path; it must not keep the volume's working paths attached.
        std::vector<std::string> to_flush;
        if (!unflushed) {
            to_flush.push_back(map->device_path());
        }
        for (const auto& name : disks) {
            const auto state = host.read_attribute("/sys/block/" + name + "/device/state");
            if (state && *state != "running") {
                log::warning("not flushing path /dev/" + name + " of " + map->device +
                             ": the kernel reports it " + *state);
                continue;
            }
            to_flush.push_back("/dev/" + name);
        }
        flush_all(to_flush, "; continuing (force)");
        if (options.force) {
            multipath::disable_queueing(host, map->name, options.command_timeout);
        }
        attempt([&] {
            try {
                multipath::flush_map(host, map->name, options.command_timeout);
            } catch (const Error&) {
                if (multipath::map_for_wwid(host, map->wwid)) {
                    throw;
                }
                // multipathd removed the map itself meanwhile: that is the goal.
            }
        });
        for (const auto& path : map->paths) {
            if (std::find(disks.begin(), disks.end(), path) == disks.end() &&
                std::find(devices.stale.begin(), devices.stale.end(), path) ==
                    devices.stale.end()) {
                problems.push_back("map path " + path + " is not one of this volume's paths");
            }
        }
    }
    if (!map) {
        // Every disk is flushed, all at once, before any is removed.
        std::vector<std::string> to_flush;
        to_flush.reserve(disks.size());
        for (const auto& name : disks) {
            to_flush.push_back("/dev/" + name);
        }
        flush_all(to_flush, "; deleting anyway (force)");
    }
    // The paths go at once: each waits only for its own device to leave.
    run_for_each(host, disks.size(), "remove-path", [&](std::size_t i) {
        const auto& name = disks[i];
        // multipathd lets go of the path before the disk goes, or it keeps
        // using it.
        if ((map || options.use_multipath || multipath::map_holding(host, name)) &&
            !release_path(host, name, options.command_timeout)) {
            attempt([&] {
                throw Error(ErrorCategory::timeout,
                            "multipathd did not let go of path " + name +
                                " in time; not deleting it under the daemon");
            });
            return;
        }
        attempt([&] { delete_disk(host, name, options.delete_timeout); });
    });
    for (const auto& name : options.force ? devices.stale : std::vector<std::string>{}) {
        // Unless a map of another volume holds it: someone attached that one.
        if (const auto holder = multipath::map_holding(host, name);
            holder && holder->wwid != wwid) {
            continue;
        }
        log::warning("deleting " + name + " unflushed (force): it shows another volume");
        if (release_path(host, name, options.command_timeout)) {
            attempt([&] { delete_disk(host, name, options.delete_timeout); });
        }
    }
    // Devices without a disk hold no data: they go unless they report another
    // volume's identity.
    for (const auto& address : devices.bare) {
        const auto identity = read_device_identity(host, address);
        const bool unknown = identity.scsi_id.empty() && identity.sysfs_wwid.empty();
        if (!wwid.empty() && !unknown && identity.scsi_id != wwid && identity.sysfs_wwid != wwid) {
            log::warning("not touching SCSI device " + address.to_string() + ": WWID " +
                         identity.scsi_id + " is not the volume's " + wwid);
            continue;
        }
        attempt([&] { delete_device(host, address, options.delete_timeout); });
    }
    // A map of this WWID that formed again meanwhile goes too.
    if (!wwid.empty()) {
        if (const auto again = multipath::map_for_wwid(host, wwid);
            again && again->device != foreign_map) {
            note_number(again->device);
            attempt([&] { multipath::flush_map(host, again->name, options.command_timeout); });
        }
    }
    // Nothing of the volume is left once udev has removed the links it made
    // for the devices (in a loaded host udev handles the events after the
    // devices are gone), and links that point nowhere go.
    udev::wait_forgotten(host, numbers, udev::grace);
    remove_dangling_id_links(host, wwid, disks);
    return problems;
}

void withdraw_volume(Host& host, const std::string& wwid, const std::vector<std::string>& disks,
                     const RemovalOptions& options) {
    if (disks.empty()) {
        return;
    }
    try {
        for (const auto& problem : remove_volume(host, wwid, {disks, {}}, options)) {
            log::warning("cleanup: " + problem);
        }
    } catch (const Error& e) {
        log::warning("cleanup: " + std::string(e.what()));
    }
}

void discard_device(Host& host, const Address& address, const RemovalOptions& options) {
    try {
        if (const auto name = disk_name_at(host, address)) {
            if ((options.use_multipath || multipath::map_holding(host, *name)) &&
                !release_path(host, *name, options.command_timeout)) {
                log::warning("cleanup: multipathd did not let go of path " + *name +
                             " in time; leaving it");
                return;
            }
        }
        delete_device(host, address, options.delete_timeout);
    } catch (const Error& e) {
        log::warning("cleanup: " + std::string(e.what()));
    }
}

namespace {

bool has_identity(const Disk& disk) {
    return !disk.scsi_id.empty() || !disk.sysfs_wwid.empty();
}

// "sdc (offline) 16777216 bytes, sdd (running) 16777216 bytes"
std::string describe_sizes(const std::vector<const Disk*>& disks) {
    std::string text;
    for (const auto* disk : disks) {
        text.append(text.empty() ? "" : ", ")
            .append(disk->name)
            .append(" (")
            .append(disk->state)
            .append(") ")
            .append(std::to_string(disk->size_bytes))
            .append(" bytes");
    }
    return text;
}

std::optional<std::uint64_t> map_size(Host& host, const multipath::Map& map) {
    const auto sectors = host.read_attribute("/sys/block/" + map.device + "/size");
    return sectors ? sectors_in_bytes(*sectors) : std::nullopt;
}

}  // namespace

std::uint64_t extend_volume(Host& host, const std::vector<std::string>& disks,
                            const std::string& expected_wwid, const ExtendOptions& options) {
    // The paths: the disks found at the volume's addresses and those of its
    // map (a path the caller could not name, such as a portal found by
    // discovery, is the map's).
    std::vector<VolumePath> paths;
    std::optional<multipath::Map> map;
    const auto add = [&](const std::string& name) {
        if (std::any_of(paths.begin(), paths.end(),
                        [&](const VolumePath& p) { return p.disk.name == name; })) {
            return;
        }
        if (auto disk = read_disk(host, name)) {
            paths.push_back({"path " + name, std::move(*disk)});
        }
    };
    for (const auto& name : disks) {
        add(name);
        if (!map) {
            map = multipath::map_holding(host, name);
        }
    }
    if (map) {
        for (const auto& name : map->paths) {
            add(name);
        }
    }
    if (paths.empty()) {
        throw Error(ErrorCategory::device_not_found, "the volume is not attached on this host");
    }
    const auto verdict =
        check_identity(paths, expected_wwid.empty() && map ? map->wwid : expected_wwid);
    std::vector<Disk> volume;
    for (const auto i : verdict.accepted) {
        volume.push_back(paths[i].disk);
    }
    if (map && map->wwid != verdict.wwid) {
        map = multipath::map_for_wwid(host, verdict.wwid);
    }

    // Every path rescanned, then read again: the size they agree on is the
    // volume's. The rescan write returns once the kernel re-read the capacity.
    std::uint64_t size = 0;
    std::vector<const Disk*> behind;
    const auto read_all = [&] {
        size = 0;
        for (auto& disk : volume) {
            auto now = read_disk(host, disk.name);
            if (!now) {
                throw Error(ErrorCategory::device_not_found,
                            disk.name + " went away while the volume was extended");
            }
            if (has_identity(*now) && !carries(*now, verdict.wwid)) {
                throw Error(ErrorCategory::wrong_device,
                            disk.name + " shows WWID " + now->scsi_id +
                                " after its rescan, not the volume's " + verdict.wwid +
                                ": the target serves another volume there; nothing was resized",
                            "scsi_wwn");
            }
            disk = std::move(*now);
            size = std::max(size, disk.size_bytes);
        }
        behind.clear();
        for (const auto& disk : volume) {
            if (disk.size_bytes != size) {
                behind.push_back(&disk);
            }
        }
        return behind.empty();
    };
    const auto all_running = [&] {
        return std::all_of(behind.begin(), behind.end(),
                           [](const Disk* disk) { return disk->state == "running"; });
    };
    for (const auto& disk : volume) {
        rescan_disk(host, disk.name, options.sysfs_timeout);
    }
    if (!read_all() && all_running()) {
        WaitHints hints;
        hints.block_events = false;
        hints.poll_interval = Duration(500);
        wait_until(
            host, options.settle_timeout,
            [&] {
                std::vector<std::string> again;
                again.reserve(behind.size());
                for (const auto* disk : behind) {
                    again.push_back(disk->name);
                }
                for (const auto& name : again) {
                    rescan_disk(host, name, options.sysfs_timeout);
                }
                return read_all() || !all_running();
            },
            hints);
    }
    if (!behind.empty()) {
        const bool running = all_running();
        throw Error(running ? ErrorCategory::timeout : ErrorCategory::host_error,
                    "paths of the volume still show another size after their rescan" +
                        (running ? " for " + std::to_string(options.settle_timeout.count()) + " ms"
                                 : std::string(" (a path that is not running cannot read its "
                                               "capacity)")) +
                        ": " + describe_sizes(behind) + "; the others show " +
                        std::to_string(size) + " bytes; nothing was resized");
    }
    if (!map) {
        return size;
    }

    // The map: multipathd reloads it with the paths' size and answers once
    // the table is live, so its size is read once.
    if (map_size(host, *map) != size) {
        multipath::resize_map(host, map->name, options.command_timeout);
        const auto grown = map_size(host, *map);
        if (grown != size) {
            throw Error(ErrorCategory::command_failed,
                        "multipath map " + map->name + " (" + map->device + ") shows " +
                            (grown ? std::to_string(*grown) + " bytes" : "no size") +
                            " after multipathd resized it; its paths show " + std::to_string(size) +
                            " bytes");
        }
    }
    return size;
}

void remove_dangling_link(Host& host, const std::string& link) {
    FileInfo info;
    if (!link.empty() && host.stat(link, info, true).ok() && !host.exists(link)) {
        host.remove(link);
    }
}

void report_problems(const std::vector<std::string>& problems, bool ignore_errors) {
    if (problems.empty() || ignore_errors) {
        return;
    }
    std::string text;
    for (const auto& p : problems) {
        text += (text.empty() ? "" : "; ") + p;
    }
    throw Error(ErrorCategory::command_failed, "disconnect finished with errors: " + text);
}

}  // namespace brick::scsi
