#include "brick/scsi/writable.hpp"

#include <algorithm>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/core/strings.hpp"
#include "brick/host/wait.hpp"

namespace brick::scsi {
namespace {

Duration elapsed(Host& host, Clock::time_point since) {
    return std::chrono::duration_cast<Duration>(host.now() - since);
}

}  // namespace

bool block_read_only(Host& host, const std::string& name) {
    return host.read_attribute("/sys/block/" + name + "/ro") == "1";
}

std::vector<std::string> read_only_parts(Host& host, const Disk& disk,
                                         const std::optional<multipath::Map>& map) {
    std::vector<std::string> parts;
    if (!map) {
        if (block_read_only(host, disk.name)) {
            parts.push_back(disk.name);
        }
        return parts;
    }
    if (block_read_only(host, map->device)) {
        parts.push_back(map->device);
    }
    for (const auto& path : map->paths) {
        if (block_read_only(host, path)) {
            parts.push_back(path);
        }
    }
    return parts;
}

bool settle_access_mode(Host& host, AccessMode mode, const Disk& disk,
                        const std::optional<multipath::Map>& map, const WritableOptions& options) {
    if (mode == AccessMode::read_only) {
        return false;
    }
    auto parts = read_only_parts(host, disk, map);
    if (parts.empty()) {
        return false;
    }
    const auto device = map ? map->device_path() : disk.device_path();
    log::info(device + " is read-only (" + join(parts, ", ") +
              "); the volume is attached read-write: waiting for it to become writable");
    const auto start = host.now();
    const auto deadline = start + options.timeout;
    // Rescans first_rescan after the start, then 2, 4, ... times that after
    // the last rescan.
    const Backoff rescans{.first = options.first_rescan, .factor = 2.0};
    int rescan = 0;
    auto next_rescan = start + rescans.delay(rescan);
    WaitHints hints;
    hints.poll_interval = Duration(250);
    while (true) {
        const auto until = std::min(next_rescan, deadline);
        const auto left = std::chrono::duration_cast<Duration>(until - host.now());
        if (wait_until(
                host, std::max(Duration(0), left),
                [&] {
                    parts = read_only_parts(host, disk, map);
                    return parts.empty();
                },
                hints)) {
            log::info(device + " is writable after " +
                      std::to_string(elapsed(host, start).count()) + " ms");
            return false;
        }
        if (host.now() >= deadline) {
            break;
        }
        // The kernel reads a disk's write protection when it scans or
        // rescans it: a target that lifted it shows only after a rescan.
        for (const auto& part : parts) {
            if (part.rfind("dm-", 0) == 0) {
                continue;
            }
            try {
                rescan_disk(host, part, options.sysfs_timeout);
            } catch (const Error& e) {
                log::warning("rescanning read-only " + part + ": " + std::string(e.what()));
            }
        }
        next_rescan = host.now() + rescans.delay(++rescan);
    }
    log::warning(device + " is still read-only after " + std::to_string(options.timeout.count()) +
                 " ms (read-only: " + join(parts, ", ") +
                 "); the volume was asked for read-write (access_mode rw): returning it "
                 "read-only, writes to it will fail");
    return true;
}

}  // namespace brick::scsi
