#include "brick/iscsi/connector.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/host/wait.hpp"
#include "brick/iscsi/iscsiadm.hpp"
#include "brick/iscsi/properties.hpp"
#include "brick/iscsi/session.hpp"
#include "brick/multipath/map.hpp"
#include "brick/scsi/disk.hpp"

namespace brick::iscsi {
namespace {

constexpr Duration session_appear_timeout{5000};
constexpr Duration sysfs_write_timeout{10000};
constexpr Duration delete_timeout{30000};

std::string node_lock_name(const Target& target) {
    return "iscsi-node:" + target.iqn + "," + target.portal.to_string();
}

std::string describe(const Target& target) {
    return "LUN " + std::to_string(target.lun) + " of " + target.iqn + " at " +
           target.portal.to_string();
}

std::string by_path_name(const Target& target) {
    return "/dev/disk/by-path/ip-" + target.portal.by_path_string() + "-iscsi-" + target.iqn +
           "-lun-" + scsi::by_path_lun(target.lun);
}

Duration remaining(Host& host, Clock::time_point deadline) {
    return std::max(Duration(0), std::chrono::duration_cast<Duration>(deadline - host.now()));
}

// The outcome of attaching one path.
struct PathResult {
    Target target;
    std::optional<scsi::Disk> disk;
    std::optional<Error> error;
    bool new_session = false;
};

// Disks of this target's LUN in a session (on its channel/target when known).
std::vector<std::string> lun_disks(Host& host, const Session& session, std::uint64_t lun) {
    std::vector<std::string> found;
    if (!session.scsi_host) {
        return found;
    }
    for (const auto& name : scsi::disk_names_for_lun(host, *session.scsi_host, lun)) {
        std::string link;
        if (!host.read_link("/sys/block/" + name + "/device", link).ok()) {
            continue;
        }
        auto address = scsi::Address::parse(link.substr(link.rfind('/') + 1));
        if (address && (!session.channel || address->channel == *session.channel) &&
            (!session.target || address->target == *session.target)) {
            found.push_back(name);
        }
    }
    return found;
}

// SCSI devices of this target's LUN in a session that have no disk (yet):
// sd probes asynchronously after the scan, so a connect that gave up waiting
// leaves such a device, which gets its disk later.
std::vector<scsi::Address> lun_devices_without_disk(Host& host, const Session& session,
                                                    std::uint64_t lun) {
    std::vector<scsi::Address> found;
    if (!session.scsi_host) {
        return found;
    }
    for (const auto& address : scsi::devices_on_host(host, *session.scsi_host)) {
        if (address.lun == lun && (!session.channel || address.channel == *session.channel) &&
            (!session.target || address.target == *session.target) &&
            !scsi::disk_name_at(host, address)) {
            found.push_back(address);
        }
    }
    return found;
}

class IscsiConnector final : public Connector {
public:
    IscsiConnector(Host& host, ConnectorOptions options, bool iser)
        : host_(host), options_(std::move(options)), iser_(iser) {}

    DeviceInfo connect(const nlohmann::json& data) override;
    void disconnect(const nlohmann::json& data, const DeviceInfo& device,
                    const DisconnectOptions& options) override;
    std::uint64_t extend(const nlohmann::json& data) override;
    std::vector<std::string> paths(const nlohmann::json& data) override;

private:
    Properties parse(const nlohmann::json& data) const;
    std::vector<Target> connect_targets(const Properties& props);
    PathResult attach_path(const Properties& props, const Target& target,
                           Clock::time_point deadline);
    std::vector<PathResult> attach_all(const Properties& props, const std::vector<Target>& targets,
                                       Clock::time_point deadline);
    DeviceInfo result_for(const Properties& props, const PathResult& path,
                          const std::optional<multipath::Map>& map);
    std::string wait_for_link(const std::string& link, Clock::time_point deadline);
    void forget_unused_session(const Target& target, std::vector<std::string>& problems);

    Host& host_;
    ConnectorOptions options_;
    bool iser_;
};

Properties IscsiConnector::parse(const nlohmann::json& data) const {
    auto props = parse_properties(data, iser_);
    if (iser_) {
        props.iface = "iser";
    }
    return props;
}

// The (portal, iqn, lun) paths to log in to. With multipath and no portal
// list, SendTargets discovery on the one portal finds the others.
std::vector<Target> IscsiConnector::connect_targets(const Properties& props) {
    const bool discover = options_.use_multipath && !props.plural_keys &&
                          (props.discovery_method == "sendtargets" || props.discovery_chap ||
                           !props.target_discovered);
    if (!discover || props.discovery_method == "none") {
        return props.targets;
    }
    const auto& first = props.targets.front();
    Iscsiadm iscsiadm(host_, options_.command_timeout);
    const auto found = iscsiadm.discover(first.portal, props.iface, props.discovery_chap);
    std::vector<Target> targets;
    const bool any_same_iqn = std::any_of(found.begin(), found.end(),
                                          [&](const auto& pair) { return pair.second == first.iqn; });
    for (const auto& [portal, iqn] : found) {
        if (!any_same_iqn || iqn == first.iqn) {
            targets.push_back(Target{portal, iqn, first.lun});
        }
    }
    if (targets.empty()) {
        log::warning("discovery on " + first.portal.to_string() +
                     " returned no target; using the given portal only");
        return props.targets;
    }
    return targets;
}

PathResult IscsiConnector::attach_path(const Properties& props, const Target& target,
                                       Clock::time_point deadline) {
    PathResult result{target, std::nullopt, std::nullopt, false};
    Iscsiadm iscsiadm(host_, std::min(options_.command_timeout,
                                      std::max(Duration(1000), remaining(host_, deadline))));
    // The node lock covers the whole attach of this path and the cleanup of a
    // failed one, so a disconnect of another LUN on the same session cannot log
    // the session out under us, and our cleanup cannot log out a session
    // another attach has just started to use.
    std::unique_ptr<LockGuard> guard;
    try {
        guard = host_.lock(node_lock_name(target));
        auto session = find_session(host_, target.iqn, target.portal);
        if (!session) {
            iscsiadm.create_node(target, props.iface, props.session_chap, "automatic");
            try {
                iscsiadm.login(target);
            } catch (const Error&) {
                iscsiadm.delete_node(target);
                throw;
            }
            result.new_session = true;
            session = wait_for<Session>(
                host_, "the session to " + target.iqn + " at " + target.portal.to_string(),
                std::min(session_appear_timeout, remaining(host_, deadline)),
                [&] { return find_session(host_, target.iqn, target.portal); });
        }
        if (!session->scsi_host) {
            throw Error(ErrorCategory::host_error, "the session to " + target.iqn +
                                                       " has no SCSI host in sysfs");
        }
        // A disk already at this LUN may be stale (its volume was unmapped and
        // another mapped at the same number): rescan so its identity is fresh.
        for (const auto& name : lun_disks(host_, *session, target.lun)) {
            scsi::rescan_disk(host_, name, sysfs_write_timeout);
        }
        scsi::scan_lun(host_, *session->scsi_host, session->channel, session->target, target.lun,
                       sysfs_write_timeout);
        WaitHints hints;
        hints.watch_paths = {"/dev"};
        result.disk = wait_for<scsi::Disk>(
            host_, describe(target) + " as a ready block device", remaining(host_, deadline),
            [&]() -> std::optional<scsi::Disk> {
                const auto current = find_session(host_, target.iqn, target.portal);
                if (!current) {
                    throw Error(ErrorCategory::login_failed,
                                "the session to " + target.iqn + " ended while waiting");
                }
                if (!session->channel && current->channel) {
                    session = current;
                }
                for (const auto& name : lun_disks(host_, *session, target.lun)) {
                    if (auto disk = scsi::read_disk(host_, name); disk && disk->ready()) {
                        return disk;
                    }
                }
                return std::nullopt;
            },
            hints, ErrorCategory::device_not_found);
        if (!props.expected_wwid.empty() && result.disk->scsi_id != props.expected_wwid &&
            result.disk->sysfs_wwid != props.expected_wwid) {
            const auto found = result.disk->scsi_id;
            result.disk.reset();
            throw Error(ErrorCategory::wrong_device,
                        describe(target) + " has WWID " + found + ", expected " +
                            props.expected_wwid + ": refusing a device of another volume",
                        "scsi_wwn");
        }
    } catch (const Error& e) {
        result.error = e;
        log::warning("path failed: " + std::string(e.what()));
        if (result.new_session) {
            // This attach created the session: remove what it scanned there
            // (a refused device included), then the session itself.
            if (const auto session = find_session(host_, target.iqn, target.portal)) {
                for (const auto& name : lun_disks(host_, *session, target.lun)) {
                    try {
                        scsi::delete_disk(host_, name, delete_timeout);
                    } catch (const Error& cleanup) {
                        log::warning("cleanup: " + std::string(cleanup.what()));
                    }
                }
            }
            std::vector<std::string> ignored;
            forget_unused_session(target, ignored);
        }
    }
    return result;
}

std::vector<PathResult> IscsiConnector::attach_all(const Properties& props,
                                                   const std::vector<Target>& targets,
                                                   Clock::time_point deadline) {
    std::vector<PathResult> results(targets.size());
    std::vector<std::unique_ptr<Task>> tasks;
    tasks.reserve(targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
        tasks.push_back(host_.start_task("login-" + targets[i].portal.to_string(), [&, i] {
            results[i] = attach_path(props, targets[i], deadline);
        }));
    }
    for (auto& task : tasks) {
        task->join();
    }
    return results;
}

std::string IscsiConnector::wait_for_link(const std::string& link, Clock::time_point deadline) {
    WaitHints hints;
    hints.watch_paths = {link.substr(0, link.rfind('/'))};
    return wait_for<std::string>(
        host_, "the udev link " + link, remaining(host_, deadline),
        [&]() -> std::optional<std::string> {
            return host_.exists(link) ? std::optional<std::string>(link) : std::nullopt;
        },
        hints, ErrorCategory::device_not_found);
}

DeviceInfo IscsiConnector::result_for(const Properties& props, const PathResult& path,
                                      const std::optional<multipath::Map>& map) {
    (void)props;
    DeviceInfo info;
    info.scsi_wwn = path.disk->scsi_id;
    const auto deadline = host_.now() + options_.device_timeout;
    if (map) {
        info.path = map->device_path();
        info.multipath_id = map->wwid;
        if (options_.link == LinkPreference::by_id) {
            info.path = wait_for_link("/dev/disk/by-id/dm-uuid-mpath-" + map->wwid, deadline);
        }
        return info;
    }
    info.path = path.disk->device_path();
    if (options_.link == LinkPreference::by_path) {
        info.path = wait_for_link(by_path_name(path.target), deadline);
    } else if (options_.link == LinkPreference::by_id) {
        info.path = wait_for_link("/dev/disk/by-id/scsi-" + path.disk->scsi_id, deadline);
    }
    return info;
}

DeviceInfo IscsiConnector::connect(const nlohmann::json& data) {
    const auto props = parse(data);
    const auto deadline = host_.now() + options_.device_timeout;
    bool multipathd = false;
    if (options_.use_multipath) {
        multipathd = multipath::daemon_running(host_, options_.command_timeout);
        if (!multipathd && options_.enforce_multipath) {
            throw Error(ErrorCategory::command_failed,
                        "multipath is enforced but multipathd is not running: start multipathd");
        }
        if (!multipathd) {
            log::warning("multipathd is not running: attaching without a multipath map");
        }
    }

    if (!options_.use_multipath) {
        // Single path: each (portal, iqn, lun) in turn until one yields the device.
        std::vector<std::string> failures;
        std::optional<ErrorCategory> category;
        for (const auto& target : props.targets) {
            auto path = attach_path(props, target, deadline);
            if (path.disk) {
                return result_for(props, path, std::nullopt);
            }
            failures.push_back(path.error->message());
            category = category ? category : std::optional(path.error->category());
        }
        throw Error(category.value_or(ErrorCategory::device_not_found),
                    "no path to the volume worked: " + failures.front() +
                        (failures.size() > 1 ? " (and " + std::to_string(failures.size() - 1) +
                                                   " more)"
                                             : ""));
    }

    const auto targets = connect_targets(props);
    auto results = attach_all(props, targets, deadline);

    // Group the paths by identity; every path must carry the volume's WWID.
    std::map<std::string, std::vector<PathResult*>> by_wwid;
    for (auto& r : results) {
        if (r.disk) {
            by_wwid[r.disk->scsi_id].push_back(&r);
        }
    }
    if (by_wwid.empty()) {
        std::string text;
        std::optional<ErrorCategory> category;
        for (const auto& r : results) {
            text += (text.empty() ? "" : "; ") + r.error->message();
            if (!category || r.error->category() == ErrorCategory::authentication_failed) {
                category = r.error->category();
            }
        }
        throw Error(category.value_or(ErrorCategory::device_not_found),
                    "no path to the volume worked: " + text);
    }
    std::string wwid = props.expected_wwid;
    if (wwid.empty()) {
        // The identity most paths agree on; on a tie, the one seen through a
        // session logged in just now (a reused session may hold a stale device).
        std::size_t best = 0;
        bool best_new = false;
        for (const auto& [id, paths] : by_wwid) {
            const bool fresh = std::any_of(paths.begin(), paths.end(),
                                           [](const PathResult* p) { return p->new_session; });
            if (paths.size() > best || (paths.size() == best && fresh && !best_new)) {
                wwid = id;
                best = paths.size();
                best_new = fresh;
            }
        }
    }
    std::vector<PathResult*> good;
    for (auto& [id, paths] : by_wwid) {
        if (id == wwid) {
            good = paths;
        } else {
            for (const auto* p : paths) {
                log::error("refusing " + describe(p->target) + ": device " + p->disk->name +
                           " has WWID " + id + " but the volume's is " + wwid);
            }
        }
    }
    if (good.empty()) {
        throw Error(ErrorCategory::wrong_device,
                    "no path carries the expected WWID " + wwid, "scsi_wwn");
    }

    if (!multipathd) {
        return result_for(props, *good.front(), std::nullopt);
    }
    std::vector<std::string> disks;
    for (const auto* p : good) {
        disks.push_back(p->disk->name);
    }
    const auto map_guard = host_.lock("multipath-map:" + wwid);
    multipath::add_paths(host_, wwid, disks, options_.command_timeout);
    WaitHints hints;
    hints.watch_paths = {"/dev"};
    std::optional<multipath::Map> map;
    wait_until(
        host_, std::min(options_.multipath_timeout, remaining(host_, deadline)),
        [&] {
            map = multipath::map_for_wwid(host_, wwid);
            if (!map) {
                return false;
            }
            FileInfo info;
            const bool node = host_.stat(map->device_path(), info).ok();
            const auto sectors = host_.read_attribute("/sys/block/" + map->device + "/size");
            return node && sectors && *sectors != "0" &&
                   std::all_of(disks.begin(), disks.end(), [&](const std::string& d) {
                       return std::find(map->paths.begin(), map->paths.end(), d) !=
                              map->paths.end();
                   });
        },
        hints);
    if (!map) {
        if (options_.enforce_multipath) {
            throw Error(ErrorCategory::device_not_found,
                        "the multipath map for " + wwid + " did not form within " +
                            std::to_string(options_.multipath_timeout.count()) + " ms");
        }
        log::warning("no multipath map formed for " + wwid + "; returning the single device " +
                     good.front()->disk->name);
        return result_for(props, *good.front(), std::nullopt);
    }
    return result_for(props, *good.front(), map);
}

// Logs out of the session to target and deletes its node record, unless the
// session still carries another LUN. Caller holds no node lock.
void IscsiConnector::forget_unused_session(const Target& target,
                                           std::vector<std::string>& problems) {
    const auto session = find_session(host_, target.iqn, target.portal);
    std::vector<scsi::Address> devices;
    if (session && session->scsi_host) {
        devices = scsi::devices_on_host(host_, *session->scsi_host);
    }
    // Devices at this LUN go with the session; any other LUN keeps it.
    if (std::any_of(devices.begin(), devices.end(),
                    [&](const scsi::Address& a) { return a.lun != target.lun; })) {
        log::info("keeping the session to " + target.iqn + " at " + target.portal.to_string() +
                  ": it carries other LUNs");
        return;
    }
    Iscsiadm iscsiadm(host_, options_.command_timeout);
    auto more = iscsiadm.logout_and_forget(target);
    problems.insert(problems.end(), more.begin(), more.end());
}

void IscsiConnector::disconnect(const nlohmann::json& data, const DeviceInfo& device,
                                const DisconnectOptions& options) {
    const auto props = parse(data);
    std::vector<std::string> problems;
    // Every step either succeeds or, with force, is noted and skipped.
    auto attempt = [&](const std::function<void()>& step) {
        try {
            step();
            return true;
        } catch (const Error& e) {
            if (!options.force) {
                throw;
            }
            problems.emplace_back(e.message());
            return false;
        }
    };
    // A flush that fails stops the disconnect before anything is removed,
    // unless forced: removing the device would drop the unflushed data.
    auto flush = [&](const std::string& path) {
        return attempt([&] {
            try {
                scsi::flush_buffers(host_, path, options_.command_timeout);
            } catch (const Error& e) {
                throw Error(ErrorCategory::would_lose_data,
                            e.message() + "; nothing was removed (disconnect with force to drop "
                                          "unflushed data)");
            }
        });
    };

    // The paths of this volume: for each target, the disk at its LUN in its
    // session, kept only when its identity is the volume's.
    std::string wwid = device.scsi_wwn.value_or(props.expected_wwid);
    std::vector<Target> targets = props.targets;
    if (device.multipath_id || device.path.rfind("/dev/dm-", 0) == 0) {
        // Portals found by discovery at connect time are not in the
        // properties: take them from the sessions of this map's paths.
        if (auto map = multipath::read_map(host_, device.path.substr(5))) {
            for (const auto& session : read_sessions(host_)) {
                if (std::none_of(targets.begin(), targets.end(), [&](const Target& t) {
                        return t.iqn == session.target_iqn && t.portal == session.portal;
                    })) {
                    if (std::any_of(targets.begin(), targets.end(),
                                    [&](const Target& t) { return t.iqn == session.target_iqn; })) {
                        targets.push_back(Target{session.portal, session.target_iqn,
                                                 props.targets.front().lun});
                    }
                }
            }
        }
    }
    std::vector<std::pair<Target, std::string>> disks;
    for (const auto& target : targets) {
        const auto session = find_session(host_, target.iqn, target.portal);
        if (!session) {
            continue;
        }
        for (const auto& name : lun_disks(host_, *session, target.lun)) {
            const auto disk = scsi::read_disk(host_, name);
            if (!disk) {
                continue;
            }
            if (!wwid.empty() && disk->scsi_id != wwid && disk->sysfs_wwid != wwid) {
                log::warning("not touching " + name + ": WWID " + disk->scsi_id +
                             " is not the volume's " + wwid);
                continue;
            }
            if (wwid.empty()) {
                wwid = disk->scsi_id;
            }
            disks.emplace_back(target, name);
        }
    }

    // The multipath map, found by WWID (never by name).
    std::optional<multipath::Map> map;
    if (!wwid.empty()) {
        map = multipath::map_for_wwid(host_, wwid);
    }
    if (map) {
        const auto map_guard = host_.lock("multipath-map:" + map->wwid);
        if (!flush(map->device_path())) {
            log::warning("flush of " + map->device_path() + " failed; continuing (force)");
        }
        if (options.force) {
            multipath::disable_queueing(host_, map->name, options_.command_timeout);
        }
        attempt([&] {
            try {
                multipath::flush_map(host_, map->name, options_.command_timeout);
            } catch (const Error&) {
                if (multipath::map_for_wwid(host_, map->wwid)) {
                    throw;
                }
                // multipathd removed the map itself meanwhile: that is the goal.
            }
        });
        for (const auto& path : map->paths) {
            if (std::none_of(disks.begin(), disks.end(),
                             [&](const auto& d) { return d.second == path; })) {
                problems.push_back("map path " + path + " is not one of this volume's sessions");
            }
        }
    }
    for (const auto& [target, name] : disks) {
        if (!map) {
            if (!flush("/dev/" + name)) {
                log::warning("flush of /dev/" + name + " failed; deleting anyway (force)");
            }
        }
        // With multipath in use, multipathd may track the path even without a
        // map (a connect that stopped between `add path` and the map forming):
        // it lets go of the path before the disk goes, or it keeps using it.
        if (map || options_.use_multipath || multipath::map_holding(host_, name)) {
            multipath::remove_path(host_, name, options_.command_timeout);
        }
        attempt([&] { scsi::delete_disk(host_, name, delete_timeout); });
    }
    // Devices of this LUN still waiting for their disk hold no data: they go
    // too (when their identity is the volume's), or their disk appears later.
    for (const auto& target : targets) {
        const auto session = find_session(host_, target.iqn, target.portal);
        if (!session) {
            continue;
        }
        for (const auto& address : lun_devices_without_disk(host_, *session, target.lun)) {
            const auto identity = scsi::read_device_identity(host_, address);
            if (!wwid.empty() && identity.scsi_id != wwid && identity.sysfs_wwid != wwid) {
                log::warning("not touching SCSI device " + address.to_string() + ": WWID " +
                             identity.scsi_id + " is not the volume's " + wwid);
                continue;
            }
            attempt([&] { scsi::delete_device(host_, address, delete_timeout); });
        }
    }
    // A map of this WWID that formed again meanwhile goes too.
    if (!wwid.empty()) {
        if (const auto again = multipath::map_for_wwid(host_, wwid)) {
            attempt([&] { multipath::flush_map(host_, again->name, options_.command_timeout); });
        }
    }

    for (const auto& target : targets) {
        const auto guard = host_.lock(node_lock_name(target));
        forget_unused_session(target, problems);
        // The by-path link of this LUN, if udev left it dangling.
        const auto link = by_path_name(target);
        FileInfo info;
        if (host_.stat(link, info, true).ok() && !host_.exists(link)) {
            host_.remove(link);
        }
    }
    if (!problems.empty() && !options.ignore_errors) {
        std::string text;
        for (const auto& p : problems) {
            text += (text.empty() ? "" : "; ") + p;
        }
        throw Error(ErrorCategory::command_failed, "disconnect finished with errors: " + text);
    }
}

std::uint64_t IscsiConnector::extend(const nlohmann::json& data) {
    const auto props = parse(data);
    std::uint64_t size = 0;
    std::string wwid;
    for (const auto& target : props.targets) {
        const auto session = find_session(host_, target.iqn, target.portal);
        if (!session) {
            continue;
        }
        for (const auto& name : lun_disks(host_, *session, target.lun)) {
            scsi::rescan_disk(host_, name, sysfs_write_timeout);
            if (auto disk = scsi::read_disk(host_, name)) {
                size = std::max(size, disk->size_bytes);
                wwid = disk->scsi_id;
            }
        }
    }
    if (size == 0) {
        throw Error(ErrorCategory::device_not_found, "the volume is not attached on this host");
    }
    if (auto map = multipath::map_for_wwid(host_, wwid)) {
        multipath::resize_map(host_, map->name, options_.command_timeout);
        if (auto sectors = host_.read_attribute("/sys/block/" + map->device + "/size")) {
            size = std::stoull(*sectors) * 512;
        }
    }
    return size;
}

std::vector<std::string> IscsiConnector::paths(const nlohmann::json& data) {
    const auto props = parse(data);
    std::vector<std::string> out;
    for (const auto& target : props.targets) {
        out.push_back(by_path_name(target));
    }
    return out;
}

}  // namespace

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options, bool iser) {
    return std::make_unique<IscsiConnector>(host, options, iser);
}

}  // namespace brick::iscsi
