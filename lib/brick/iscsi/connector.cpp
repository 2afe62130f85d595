#include "brick/iscsi/connector.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/host/concurrent.hpp"
#include "brick/host/wait.hpp"
#include "brick/iscsi/iscsiadm.hpp"
#include "brick/iscsi/lun_scan.hpp"
#include "brick/iscsi/path_race.hpp"
#include "brick/iscsi/properties.hpp"
#include "brick/iscsi/session.hpp"
#include "brick/multipath/map.hpp"
#include "brick/scsi/disk.hpp"
#include "brick/scsi/volume.hpp"
#include "brick/scsi/writable.hpp"

namespace brick::iscsi {
namespace {

constexpr Duration session_appear_timeout{5000};
constexpr Duration delete_timeout{30000};
// Past this many sessions on the host, the sessions of one target are found
// with one `iscsiadm -m session` run instead of one sysfs read per session.
constexpr std::size_t many_sessions = 32;

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

// Disks of this target's LUN in a session (on its channel/target when known).
std::vector<std::string> lun_disks(Host& host, const Session& session, std::uint64_t lun) {
    std::vector<std::string> found;
    if (!session.scsi_host) {
        return found;
    }
    if (session.channel && session.target) {
        // The LUN's address is known: one lookup, whatever else the host has.
        if (auto name = scsi::disk_name_at(
                host, scsi::Address{*session.scsi_host, *session.channel, *session.target, lun})) {
            found.push_back(*name);
        }
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

// The SCSI devices of this target's LUN in a session, with a disk or not.
std::vector<scsi::Address> lun_devices(Host& host, const Session& session, std::uint64_t lun) {
    std::vector<scsi::Address> found;
    if (!session.scsi_host) {
        return found;
    }
    for (const auto& address : scsi::devices_on_host(host, *session.scsi_host)) {
        if (address.lun == lun && (!session.channel || address.channel == *session.channel) &&
            (!session.target || address.target == *session.target)) {
            found.push_back(address);
        }
    }
    return found;
}

// What a path that comes after its multipath connect returned joins.
struct LateJoin {
    std::string wwid;        // the volume's identity
    std::string map_device;  // the map the connect returned ("dm-0"); empty: none
};

// A multipath connect whose attempts were still running when it returned.
struct LateVolume {
    std::vector<Target> targets;
    std::shared_ptr<PathRace> race;
};

class IscsiConnector final : public Connector {
  public:
    IscsiConnector(Host& host, ConnectorOptions options, bool iser)
        : host_(host), options_(std::move(options)), iser_(iser) {}
    IscsiConnector(const IscsiConnector&) = delete;
    IscsiConnector& operator=(const IscsiConnector&) = delete;
    IscsiConnector(IscsiConnector&&) = delete;
    IscsiConnector& operator=(IscsiConnector&&) = delete;
    // Paths still coming are waited for, not abandoned: the volume is
    // attached and they are its.
    ~IscsiConnector() override {
        std::vector<LateVolume> late;
        {
            const std::lock_guard guard(late_mutex_);
            late.swap(late_);
        }
        late.clear();  // each race waits for its attempts as it goes
    }

    DeviceInfo connect(const nlohmann::json& data) override;
    void disconnect(const nlohmann::json& data, const DeviceInfo& device,
                    const DisconnectOptions& options) override;
    std::uint64_t extend(const nlohmann::json& data) override;
    std::vector<std::string> paths(const nlohmann::json& data) override;

  private:
    Properties parse(const nlohmann::json& data) const;
    bool discovers(const Properties& props) const;
    std::vector<Target> connect_targets(const Properties& props);
    PathResult attach_path(const Properties& props, const Target& target,
                           Clock::time_point deadline, bool record_written = false,
                           const std::atomic<bool>* cancelled = nullptr);
    bool write_record(const Properties& props, const Target& target, Clock::time_point deadline);
    DeviceInfo connect_multipath(const Properties& props, Clock::time_point deadline,
                                 bool multipathd);
    void join_late_path(const LateJoin& volume, const PathResult& path);
    void undo_path(const PathResult& path);
    void drop_new_session(const Target& target);
    void settle_late_paths(const Properties& props);
    DeviceInfo result_for(const Properties& props, const PathResult& path,
                          const std::optional<multipath::Map>& map);
    void withdraw(const std::vector<PathResult>& results, const std::vector<std::string>& disks,
                  const std::string& wwid);
    void forget_unused_session(const Target& target, std::optional<Session> known,
                               std::vector<std::string>& problems);
    std::vector<Session> target_sessions(const std::string& iqn,
                                         const std::vector<std::string>& names);

    Host& host_;
    ConnectorOptions options_;
    bool iser_;
    std::mutex late_mutex_;
    std::vector<LateVolume> late_;
};

Properties IscsiConnector::parse(const nlohmann::json& data) const {
    auto props = parse_properties(data, iser_);
    if (iser_) {
        props.iface = "iser";
    }
    return props;
}

// Whether connect finds the paths by SendTargets discovery on the one portal
// given (multipath without a portal list).
bool IscsiConnector::discovers(const Properties& props) const {
    return options_.use_multipath && !props.plural_keys && props.discovery_method != "none" &&
           (props.discovery_method == "sendtargets" || props.discovery_chap ||
            !props.target_discovered);
}

// The (portal, iqn, lun) paths to log in to. With multipath and no portal
// list, SendTargets discovery on the one portal finds the others.
std::vector<Target> IscsiConnector::connect_targets(const Properties& props) {
    if (!discovers(props)) {
        return props.targets;
    }
    const auto& first = props.targets.front();
    Iscsiadm iscsiadm(host_, options_.command_timeout);
    const auto found = iscsiadm.discover(first.portal, props.iface, props.discovery_chap);
    std::vector<Target> targets;
    const bool any_same_iqn = std::any_of(
        found.begin(), found.end(), [&](const auto& pair) { return pair.second == first.iqn; });
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

// Writes the node record of a path without a session, ahead of its login;
// false when the path has a session or the record could not be written (the
// path's attach then tries again and reports why).
bool IscsiConnector::write_record(const Properties& props, const Target& target,
                                  Clock::time_point deadline) {
    Iscsiadm iscsiadm(host_, std::min(options_.command_timeout,
                                      std::max(Duration(1000), remaining(host_, deadline))));
    try {
        const auto guard = host_.lock(node_lock_name(target));
        if (session_at(target_sessions(target.iqn, session_names(host_)), target.portal)) {
            return false;
        }
        iscsiadm.create_node(target, props.iface, props.session_chap, "automatic");
        return true;
    } catch (const Error& e) {
        log::warning("node record of " + describe(target) + ": " + std::string(e.what()));
        return false;
    }
}

PathResult IscsiConnector::attach_path(const Properties& props, const Target& target,
                                       Clock::time_point deadline, bool record_written,
                                       const std::atomic<bool>* cancelled) {
    const auto give_up_if_cancelled = [&] {
        if (cancelled != nullptr && cancelled->load()) {
            throw Error(ErrorCategory::device_not_found,
                        "gave up on " + describe(target) +
                            ": no longer awaited (the connect failed, or the volume is being "
                            "disconnected)");
        }
    };
    PathResult result{target, std::nullopt, std::nullopt, false, false};
    Iscsiadm iscsiadm(host_, std::min(options_.command_timeout,
                                      std::max(Duration(1000), remaining(host_, deadline))));
    // The node lock covers the whole attach of this path and the cleanup of a
    // failed one, so a disconnect of another LUN on the same session cannot log
    // the session out under us, and our cleanup cannot log out a session
    // another attach has just started to use.
    std::unique_ptr<LockGuard> guard;
    // The session this attach scanned the LUN on, and the LUN's devices it
    // had before: what the scan added is this attach's to remove on failure.
    std::optional<Session> scanned;
    std::vector<scsi::Address> present;
    // A node record this attach wrote (here or before, record_written) that
    // no session of it took over yet: a failed attach deletes it.
    bool record_left = record_written;
    try {
        guard = host_.lock(node_lock_name(target));
        give_up_if_cancelled();
        const auto before = session_names(host_);
        auto session = session_at(target_sessions(target.iqn, before), target.portal);
        if (!session) {
            if (!record_written) {
                iscsiadm.create_node(target, props.iface, props.session_chap, "automatic");
                record_left = true;
            }
            try {
                iscsiadm.login(target);
            } catch (const Error&) {
                // A login stopped at its deadline goes on in iscsid and may
                // have made its session meanwhile (seen on a real kernel: the
                // record's delete then failed and the session stayed): that
                // session is this attach's, and the cleanup logs it out.
                record_left = false;
                if (session_at(target_sessions(target.iqn, session_names(host_)), target.portal)) {
                    result.new_session = true;
                } else {
                    iscsiadm.delete_node(target);
                }
                throw;
            }
            record_left = false;
            result.new_session = true;
            session = wait_for<Session>(
                host_, "the session to " + target.iqn + " at " + target.portal.to_string(),
                std::min(session_appear_timeout, remaining(host_, deadline)), [&] {
                    // The login's session is one that was not there before.
                    give_up_if_cancelled();
                    auto names = session_names(host_);
                    std::erase_if(names, [&](const std::string& name) {
                        return std::find(before.begin(), before.end(), name) != before.end();
                    });
                    return newest_session_at(host_, target.iqn, target.portal, names);
                });
        }
        if (!session->scsi_host) {
            throw Error(ErrorCategory::host_error,
                        "the session to " + target.iqn + " has no SCSI host in sysfs");
        }
        // A disk already at this LUN may be stale (its volume was unmapped and
        // another mapped at the same number): rescan so its identity is fresh.
        for (const auto& name : lun_disks(host_, *session, target.lun)) {
            scsi::rescan_disk(host_, name, scsi::sysfs_write_timeout);
        }
        present = lun_devices(host_, *session, target.lun);
        scanned = session;
        scsi::scan_lun(host_, *session->scsi_host, session->channel, session->target, target.lun,
                       scsi::sysfs_write_timeout);
        LunScans rescans(host_, session->state == logged_in);
        WaitHints hints;
        hints.watch_paths = {"/dev"};
        result.disk = wait_for<scsi::Disk>(
            host_, describe(target) + " as a ready block device", remaining(host_, deadline),
            [&]() -> std::optional<scsi::Disk> {
                give_up_if_cancelled();
                // Each poll reads the session's state; it is read whole only
                // until the scan gave it its SCSI target (channel and id).
                const auto state = session_state(host_, session->id, target.iqn);
                if (!state) {
                    throw Error(ErrorCategory::login_failed,
                                "the session to " + target.iqn + " ended while waiting");
                }
                if (!session->channel) {
                    if (auto current = read_session(host_, session->id);
                        current && current->channel) {
                        session = current;
                    }
                }
                for (const auto& name : lun_disks(host_, *session, target.lun)) {
                    if (auto disk = scsi::read_disk(host_, name); disk && disk->ready()) {
                        return disk;
                    }
                }
                if (rescans.due(*state == logged_in) &&
                    lun_devices(host_, *session, target.lun).empty()) {
                    rescans.scan(*session, target.lun, deadline);
                }
                return std::nullopt;
            },
            hints, ErrorCategory::device_not_found);
        result.new_disk =
            std::find(present.begin(), present.end(), result.disk->address) == present.end();
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
        if (record_left &&
            !session_at(target_sessions(target.iqn, session_names(host_)), target.portal)) {
            // The attach gave up before its login (it was no longer awaited):
            // the record written for it goes, or the host would log in to it
            // at its next boot.
            try {
                iscsiadm.delete_node(target);
            } catch (const Error& cleanup) {
                log::warning("cleanup: " + cleanup.message());
            }
        }
        if (result.new_session) {
            // This attach created the session: remove what it scanned there
            // (a refused device included), then the session itself.
            drop_new_session(target);
        } else if (scanned) {
            // The session was there before (it carries other LUNs): remove
            // only the devices this attach's scan added at its LUN (a refused
            // device of another volume, a disk that never became ready), else
            // nothing would remove them and they would keep the session.
            // A disk multipathd made a map of on its own stays: the map goes
            // with it in the disconnect, which finds the map through it.
            for (const auto& address : lun_devices(host_, *scanned, target.lun)) {
                const auto disk = scsi::disk_name_at(host_, address);
                if (std::find(present.begin(), present.end(), address) == present.end() &&
                    !(disk && multipath::map_holding(host_, *disk))) {
                    scsi::discard_device(
                        host_, address,
                        {false, options_.use_multipath, options_.command_timeout, delete_timeout});
                }
            }
        }
    }
    return result;
}

// This attach created the session to target: what it scanned there goes
// (a refused device included), then the session itself. The caller holds
// the target's node lock.
void IscsiConnector::drop_new_session(const Target& target) {
    if (const auto session = find_session(host_, target.iqn, target.portal)) {
        for (const auto& address : lun_devices(host_, *session, target.lun)) {
            scsi::discard_device(
                host_, address,
                {false, options_.use_multipath, options_.command_timeout, delete_timeout});
        }
    }
    std::vector<std::string> ignored;
    forget_unused_session(target, std::nullopt, ignored);
}

// Takes back what a path's attach that yielded a disk set up: its session
// when the attach logged in, else the disk its scan brought in.
void IscsiConnector::undo_path(const PathResult& path) {
    if (path.new_session) {
        const auto guard = host_.lock(node_lock_name(path.target));
        drop_new_session(path.target);
    } else if (path.new_disk && path.disk) {
        scsi::discard_device(
            host_, path.disk->address,
            {false, options_.use_multipath, options_.command_timeout, delete_timeout});
    }
}

// A path whose attach ended after its multipath connect returned: with the
// volume's identity it joins the volume's map (multipathd add path), as
// long as the map is there. A path of another identity, or one that comes
// when the map is gone (the volume was disconnected meanwhile), is taken
// back. Without a map the connect returned one disk: the path stays, as the
// connect's other paths did, and the volume's disconnect removes it.
void IscsiConnector::join_late_path(const LateJoin& volume, const PathResult& path) {
    if (!path.disk) {
        return;  // a failed attach took back what it set up
    }
    const auto what = describe(path.target) + " (" + path.disk->name + ")";
    if (path.disk->scsi_id != volume.wwid) {
        log::error("refusing late path " + what + ": WWID " + path.disk->scsi_id +
                   ", the volume's is " + volume.wwid);
        undo_path(path);
        return;
    }
    if (volume.map_device.empty()) {
        log::info("late path " + what + " stays without a map, as the volume's other paths do");
        return;
    }
    const auto guard = host_.lock("multipath-map:" + volume.wwid);
    // The map the connect returned, not one multipathd formed again of this
    // very path after the volume was detached (the wwids file keeps the WWID).
    const auto map = multipath::map_for_wwid(host_, volume.wwid);
    if (!map || map->device != volume.map_device) {
        log::warning("late path " + what + ": the volume's map is gone; taking the path back");
        undo_path(path);
        return;
    }
    try {
        multipath::add_paths(host_, volume.wwid, {path.disk->name}, options_.command_timeout);
        log::info("late path " + what + " added to the volume's map");
    } catch (const Error& e) {
        log::warning("late path " + what + " could not join the map: " + e.message());
    }
}

// A disconnect first waits for the attempts of this volume's paths that its
// connect left running: they give up their waits, and a path that already
// has its disk joins the map, so the disconnect finds everything.
void IscsiConnector::settle_late_paths(const Properties& props) {
    std::vector<LateVolume> mine;
    {
        const std::lock_guard guard(late_mutex_);
        for (auto it = late_.begin(); it != late_.end();) {
            const bool same =
                std::any_of(it->targets.begin(), it->targets.end(), [&](const Target& late) {
                    return std::any_of(
                        props.targets.begin(), props.targets.end(),
                        [&](const Target& t) { return t.iqn == late.iqn && t.lun == late.lun; });
                });
            if (same) {
                mine.push_back(std::move(*it));
                it = late_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& volume : mine) {
        volume.race->cancel();
        volume.race->join();
    }
}

// The device connect returns, once it is writable when the volume is
// attached read-write (scsi::settle_access_mode).
DeviceInfo IscsiConnector::result_for(const Properties& props, const PathResult& path,
                                      const std::optional<multipath::Map>& map) {
    auto info = scsi::device_info_for(host_, *path.disk, map, options_.link,
                                      by_path_name(path.target), options_.device_timeout);
    info.read_only = scsi::settle_access_mode(host_, props.access_mode, *path.disk, map,
                                              {.timeout = options_.read_write_timeout});
    return info;
}

DeviceInfo IscsiConnector::connect(const nlohmann::json& data) {
    const auto props = parse(data);
    const auto deadline = host_.now() + options_.device_timeout;
    const bool multipathd = scsi::multipath_available(host_, options_);

    if (!options_.use_multipath) {
        // Single path: each (portal, iqn, lun) in turn until one yields the device.
        std::vector<std::string> failures;
        std::optional<ErrorCategory> category;
        // Each attempt gets an equal share of what is left, so a portal that
        // does not answer (iscsid retries a refused login for about 20 s on
        // a real host) cannot spend the whole connect before the next portal
        // is tried; an attempt that fails fast leaves its share to the rest.
        for (std::size_t i = 0; i < props.targets.size(); ++i) {
            const auto& target = props.targets[i];
            const auto left = static_cast<Duration::rep>(props.targets.size() - i);
            const auto share = host_.now() + remaining(host_, deadline) / left;
            auto path = attach_path(props, target, share);
            if (path.disk) {
                return result_for(props, path, std::nullopt);
            }
            failures.push_back(path.error->message());
            category = category ? category : std::optional(path.error->category());
        }
        throw Error(
            category.value_or(ErrorCategory::device_not_found),
            "no path to the volume worked: " + failures.front() +
                (failures.size() > 1 ? " (and " + std::to_string(failures.size() - 1) + " more)"
                                     : ""));
    }

    return connect_multipath(props, deadline, multipathd);
}

// Multipath: every path's attach at once; the map forms from the paths that
// yielded a disk of the volume's identity (PathRace: the connect does not
// wait for a path that is slow to come; it joins the map later).
DeviceInfo IscsiConnector::connect_multipath(const Properties& props, Clock::time_point deadline,
                                             bool multipathd) {
    const auto targets = connect_targets(props);
    // A login to a portal that does not answer holds iscsiadm's record
    // database lock until it gives up (on a real kernel, a record change of
    // another path waited 20 s behind it and the other paths' attaches timed
    // out), so every path's record is written before any login starts.
    std::vector<char> written(targets.size(), 0);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        written[i] = write_record(props, targets[i], deadline) ? 1 : 0;
        names.push_back(targets[i].portal.to_string());
    }
    auto race = std::make_shared<PathRace>(targets.size());
    race->start(host_, names,
                [this, shared = std::make_shared<const Properties>(props), targets, deadline,
                 written](std::size_t i, const std::atomic<bool>& cancelled) {
                    return attach_path(*shared, targets[i], deadline, written[i] != 0, &cancelled);
                });
    const auto settled = race->settle(host_, late_path_grace, deadline);
    // Every attempt, once a failure means none is left running.
    const auto all_results = [&] {
        race->cancel();
        race->join();
        std::vector<PathResult> results;
        for (auto& r : race->hand_off({})) {
            results.push_back(std::move(*r));
        }
        return results;
    };

    std::vector<scsi::VolumePath> found;
    std::vector<std::size_t> found_index;
    for (std::size_t i = 0; i < settled.size(); ++i) {
        if (settled[i] && settled[i]->disk) {
            found.push_back(
                {describe(settled[i]->target), *settled[i]->disk, settled[i]->new_session});
            found_index.push_back(i);
        }
    }
    if (found.empty()) {
        const auto results = all_results();
        std::string text;
        std::optional<ErrorCategory> category;
        for (const auto& r : results) {
            const auto error = r.error.value_or(
                Error(ErrorCategory::device_not_found, describe(r.target) + ": no device"));
            text += (text.empty() ? "" : "; ") + error.message();
            if (!category || error.category() == ErrorCategory::authentication_failed) {
                category = error.category();
            }
        }
        throw Error(category.value_or(ErrorCategory::device_not_found),
                    "no path to the volume worked: " + text);
    }
    // Every path must carry the volume's WWID.
    const auto verdict = scsi::check_identity(found, props.expected_wwid);
    const auto& first = *settled[found_index[verdict.accepted.front()]];
    std::vector<std::string> disks;
    std::vector<std::string> reused;
    for (const auto i : verdict.accepted) {
        disks.push_back(found[i].disk.name);
        if (!found[i].fresh) {
            reused.push_back(found[i].disk.name);
        }
    }
    std::optional<multipath::Map> map;
    try {
        map = scsi::volume_map(host_, verdict.wwid, disks, reused, first.disk->name, multipathd,
                               options_,
                               std::min(options_.multipath_timeout, remaining(host_, deadline)));
    } catch (const Error&) {
        withdraw(all_results(), disks, verdict.wwid);
        throw;
    }
    // Paths that came while the map formed join it now; those still coming
    // join it when they come.
    const LateJoin volume{verdict.wwid, map ? map->device : std::string()};
    const auto ended =
        race->hand_off([this, volume](const PathResult& path) { join_late_path(volume, path); });
    bool still_coming = false;
    for (std::size_t i = 0; i < ended.size(); ++i) {
        if (!ended[i]) {
            still_coming = true;
            log::info("path " + describe(targets[i]) +
                      " is still coming: it joins the volume when it does");
        } else if (!settled[i]) {
            join_late_path(volume, *ended[i]);
        }
    }
    if (still_coming) {
        const std::lock_guard guard(late_mutex_);
        late_.push_back(LateVolume{targets, race});
    }
    return result_for(props, first, map);
}

// Takes back what a connect set up when it fails after its paths were
// attached (multipath enforced and no map formed): the disks its scans
// brought in leave multipathd and go, with a map multipathd formed of them
// meanwhile, then the sessions it logged in to. Disks that were there
// before stay. Failures are logged: the connect's own error is reported.
void IscsiConnector::withdraw(const std::vector<PathResult>& results,
                              const std::vector<std::string>& disks, const std::string& wwid) {
    std::vector<std::string> created;
    for (const auto& r : results) {
        // The disks the map was to form of, and any other this connect's
        // scans brought in with the volume's identity (a path that came
        // while the map was awaited).
        if (r.disk && r.new_disk &&
            (std::find(disks.begin(), disks.end(), r.disk->name) != disks.end() ||
             r.disk->scsi_id == wwid)) {
            created.push_back(r.disk->name);
        }
    }
    scsi::withdraw_volume(
        host_, wwid, created,
        {false, options_.use_multipath, options_.command_timeout, delete_timeout});
    for (const auto& r : results) {
        if (!r.disk || !r.new_session) {
            continue;
        }
        const auto guard = host_.lock(node_lock_name(r.target));
        std::vector<std::string> problems;
        forget_unused_session(r.target, std::nullopt, problems);
        for (const auto& problem : problems) {
            log::warning("cleanup: " + problem);
        }
    }
}

// Logs out of the session to target and deletes its node record, unless the
// session still carries another LUN. Takes no lock itself.
// known: the session as read before the lock; it is used only if it still
// exists (session numbers are not reused while the host runs).
void IscsiConnector::forget_unused_session(const Target& target, std::optional<Session> known,
                                           std::vector<std::string>& problems) {
    std::optional<Session> session;
    if (known) {
        session = read_session(host_, known->id);
    }
    if (!session || session->target_iqn != target.iqn ||
        session->portal.port != target.portal.port || session->portal.host != target.portal.host) {
        session = session_at(target_sessions(target.iqn, session_names(host_)), target.portal);
    }
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

// The sessions to a target among names (the entries of
// /sys/class/iscsi_session): read from sysfs on a host with few sessions; on
// a busy host, one `iscsiadm -m session` run (which reads the same sysfs in
// one program) names them and only those are read.
std::vector<Session> IscsiConnector::target_sessions(const std::string& iqn,
                                                     const std::vector<std::string>& names) {
    if (names.size() <= many_sessions) {
        return sessions_to(host_, iqn, names);
    }
    Iscsiadm iscsiadm(host_, options_.command_timeout);
    std::vector<Session> found;
    for (const auto id : iscsiadm.session_ids(iqn)) {
        if (auto session = read_session(host_, id); session && session->target_iqn == iqn) {
            found.push_back(std::move(*session));
        }
    }
    return found;
}

void IscsiConnector::disconnect(const nlohmann::json& data, const DeviceInfo& device,
                                const DisconnectOptions& options) {
    const auto props = parse(data);
    settle_late_paths(props);
    // The sessions of each target, read once.
    std::map<std::string, std::vector<Session>> sessions;
    auto sessions_of = [&](const std::string& iqn) -> const std::vector<Session>& {
        auto it = sessions.find(iqn);
        if (it == sessions.end()) {
            it = sessions.emplace(iqn, target_sessions(iqn, session_names(host_))).first;
        }
        return it->second;
    };
    // The device's own sessions (its disk's, its map's paths') are found first,
    // from the device: a few lookups however many sessions the host has.
    const auto device_sessions = sessions_under_device(host_, device.path);
    auto session_for = [&](const Target& target) {
        for (const auto& session : device_sessions) {
            if (session.target_iqn == target.iqn && session.portal.port == target.portal.port &&
                session.portal.host == target.portal.host) {
                return std::optional<Session>(session);
            }
        }
        return session_at(sessions_of(target.iqn), target.portal);
    };

    // The paths of this volume: for each target, the disk at its LUN in its
    // session, kept only when its identity is the volume's.
    std::string wwid = device.scsi_wwn.value_or(props.expected_wwid);
    std::vector<Target> targets = props.targets;
    const bool map_device = device.multipath_id || device.path.rfind("/dev/dm-", 0) == 0;
    if (map_device || discovers(props)) {
        // Portals found by discovery at connect time are not in the
        // properties: take them from the target's sessions. A connect that
        // found no map returned one disk, but logged in to every portal.
        if (!map_device || multipath::read_map(host_, device.path.substr(5))) {
            std::set<std::string> iqns;
            for (const auto& t : props.targets) {
                iqns.insert(t.iqn);
            }
            for (const auto& iqn : iqns) {
                for (const auto& session : sessions_of(iqn)) {
                    if (std::none_of(targets.begin(), targets.end(), [&](const Target& t) {
                            return t.iqn == session.target_iqn && t.portal == session.portal;
                        })) {
                        targets.push_back(
                            Target{session.portal, session.target_iqn, props.targets.front().lun});
                    }
                }
            }
        }
    }
    std::vector<std::optional<Session>> sessions_found;
    sessions_found.reserve(targets.size());
    for (const auto& target : targets) {
        sessions_found.push_back(session_for(target));
    }
    // The devices at the volume's LUN in its sessions: disks kept only when
    // their identity is the volume's (others are stale), and devices still
    // waiting for their disk (sd probes after the scan, so a connect that
    // gave up waiting leaves them).
    const auto collect = [&] {
        scsi::VolumeDevices found;
        for (std::size_t i = 0; i < targets.size(); ++i) {
            const auto& session = sessions_found[i];
            if (!session) {
                continue;
            }
            for (const auto& name : lun_disks(host_, *session, targets[i].lun)) {
                const auto disk = scsi::read_disk(host_, name);
                if (!disk) {
                    continue;
                }
                if (!scsi::removable_with(*disk, wwid)) {
                    found.stale.push_back(name);
                    log::warning(std::string("not flushing ")
                                     .append(name)
                                     .append(": WWID ")
                                     .append(disk->scsi_id)
                                     .append(" is not the volume's ")
                                     .append(wwid));
                    continue;
                }
                if (wwid.empty()) {
                    wwid = disk->scsi_id;
                }
                found.disks.push_back(name);
            }
            for (const auto& address : lun_devices(host_, *session, targets[i].lun)) {
                if (!scsi::disk_name_at(host_, address)) {
                    found.bare.push_back(address);
                }
            }
        }
        return found;
    };
    const scsi::RemovalOptions removal{options.force, options_.use_multipath,
                                       options_.command_timeout, delete_timeout};
    const auto first = collect();
    auto problems = scsi::remove_volume(host_, wwid, first, removal);
    // A scan the kernel was still running (a scan write that timed out goes
    // on in the kernel) can add a device of the LUN meanwhile: it goes too.
    // What the first pass could not remove is not tried again.
    auto late = collect();
    std::erase_if(late.disks, [&](const std::string& name) {
        return std::find(first.disks.begin(), first.disks.end(), name) != first.disks.end();
    });
    std::erase_if(late.bare, [&](const scsi::Address& address) {
        return std::find(first.bare.begin(), first.bare.end(), address) != first.bare.end();
    });
    if (!late.disks.empty() || !late.bare.empty()) {
        log::warning("devices of the volume appeared during the disconnect; removing them too");
        late.stale.clear();
        const auto more = scsi::remove_volume(host_, wwid, late, removal);
        problems.insert(problems.end(), more.begin(), more.end());
    }

    // The sessions, one per portal, are logged out at once.
    std::mutex problems_mutex;
    run_for_each(host_, targets.size(), "logout", [&](std::size_t i) {
        const auto& target = targets[i];
        const auto guard = host_.lock(node_lock_name(target));
        std::vector<std::string> mine;
        forget_unused_session(target, sessions_found[i], mine);
        if (!mine.empty()) {
            const std::lock_guard problems_guard(problems_mutex);
            problems.insert(problems.end(), mine.begin(), mine.end());
        }
        scsi::remove_dangling_link(host_, by_path_name(target));
    });
    scsi::report_problems(problems, options.ignore_errors);
}

// Every path of the volume: the LUN's disk in each session to its target,
// at the portals the properties name and at any other (portals found by
// discovery at connect time); extend_volume adds the paths of the volume's
// map and keeps only disks of the volume's identity.
std::uint64_t IscsiConnector::extend(const nlohmann::json& data) {
    const auto props = parse(data);
    std::map<std::string, std::set<std::uint64_t>> luns_of;
    for (const auto& target : props.targets) {
        luns_of[target.iqn].insert(target.lun);
    }
    const auto names = session_names(host_);
    std::vector<std::string> disks;
    for (const auto& [iqn, luns] : luns_of) {
        for (const auto& session : target_sessions(iqn, names)) {
            // A portal the properties name has its LUN; another portal of
            // the target serves the volume at the LUN when it has only one.
            std::optional<std::uint64_t> lun;
            for (const auto& target : props.targets) {
                if (target.iqn == iqn && target.portal == session.portal) {
                    lun = target.lun;
                }
            }
            if (!lun && luns.size() == 1) {
                lun = *luns.begin();
            }
            if (!lun) {
                continue;
            }
            for (auto& name : lun_disks(host_, session, *lun)) {
                if (std::find(disks.begin(), disks.end(), name) == disks.end()) {
                    disks.push_back(std::move(name));
                }
            }
        }
    }
    return scsi::extend_volume(
        host_, disks, props.expected_wwid,
        {options_.command_timeout, scsi::sysfs_write_timeout, scsi::sysfs_write_timeout});
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
