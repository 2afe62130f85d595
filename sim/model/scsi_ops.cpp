// The SCSI part of the model: scans, sd disks appearing asynchronously, udev,
// delete, rescan, device state.
#include <cerrno>
#include <memory>
#include <set>

#include "sim/model/model.hpp"

namespace brick::sim {

const IscsiSession* Model::session_on_host(unsigned scsi_host) const {
    const auto it = state_.scsi_hosts.find(scsi_host);
    if (it == state_.scsi_hosts.end() || !it->second.sid) {
        return nullptr;
    }
    const auto s = state_.sessions.find(*it->second.sid);
    return s == state_.sessions.end() ? nullptr : &s->second;
}

ScsiDevice Model::make_device(const ScsiAddress& address, std::optional<unsigned> sid,
                              const Volume& volume) const {
    ScsiDevice device;
    device.address = address;
    device.sid = sid;
    device.volume_id = volume.id;
    device.vendor = volume.vendor;
    device.model = volume.model;
    device.revision = volume.revision;
    device.serial = volume.serial;
    device.designators = volume.designators;
    device.size_bytes = volume.size_bytes;
    return device;
}

unsigned Model::lowest_free_disk_index() const {
    std::set<unsigned> used;
    for (const auto& [address, device] : state_.devices) {
        if (device.disk_index) {
            used.insert(*device.disk_index);
        }
    }
    unsigned index = 0;
    while (used.contains(index)) {
        ++index;
    }
    return index;
}

WriteEffect Model::scan(unsigned scsi_host, std::optional<unsigned> channel,
                        std::optional<unsigned> target, std::optional<std::uint64_t> lun) {
    if (state_.fc_hosts.contains(scsi_host)) {
        return fc_scan(scsi_host, channel, target, lun);
    }
    WriteEffect effect;
    effect.duration_ms = fabric_.timing.scan_ms;
    const auto* session = session_on_host(scsi_host);
    if (session == nullptr) {
        return effect;  // a host without a transport behind it finds nothing
    }
    if (session->state != "LOGGED_IN") {
        // iscsi_user_scan_session skips a session that is not logged in: the
        // write returns at once and finds nothing.
        return effect;
    }
    const unsigned sid = session->sid;
    auto done = std::make_shared<bool>(false);
    effect.apply = [this, scsi_host, sid, channel, target, lun, done] {
        scan_session(scsi_host, sid, channel, target, lun, done);
    };
    effect.finished = [done] { return *done; };
    return effect;
}

void Model::scan_session(unsigned scsi_host, unsigned sid, std::optional<unsigned> channel,
                         std::optional<unsigned> target, std::optional<std::uint64_t> lun,
                         const std::shared_ptr<bool>& done) {
    const auto s = state_.sessions.find(sid);
    if (s != state_.sessions.end() && s->second.state == "FAILED") {
        // The session failed under the scan: its REPORT LUNS and INQUIRY wait
        // in the blocked queue until the session is logged in again or
        // replacement_timeout makes it FREE (they fail then). The scan holds
        // the host's scan_mutex meanwhile.
        ++scans_waiting_[scsi_host];
        note({{"what", "scan waits for the failed session"}, {"sid", sid}});
        after_session_failure(sid, [this, scsi_host, sid, channel, target, lun, done] {
            if (--scans_waiting_[scsi_host] == 0) {
                scans_waiting_.erase(scsi_host);
            }
            scan_session(scsi_host, sid, channel, target, lun, done);
        });
        return;
    }
    *done = true;
    touch();
    if (s == state_.sessions.end() || s->second.state != "LOGGED_IN") {
        return;
    }
    auto& session_state = s->second;
    if ((channel && *channel != 0) || (target && *target != session_state.target_id)) {
        return;
    }
    if (!lun) {
        ++state_.wildcard_scans;
        note({{"what", "wildcard LUN scan"}, {"scsi_host", scsi_host}});
    }
    const auto* served = fabric_.find_target(session_state.iqn);
    if (served == nullptr) {
        return;
    }
    session_state.target_created = true;
    for (const auto& l : served->luns) {
        if (lun && l.number != *lun) {
            continue;
        }
        const ScsiAddress address{scsi_host, 0, session_state.target_id, l.number};
        if (state_.devices.contains(address)) {
            continue;
        }
        const auto volume = fabric_.volumes.find(l.volume_id);
        if (volume == fabric_.volumes.end()) {
            continue;
        }
        const nlohmann::json context{{"portal", session_state.portal.to_string()},
                                     {"iqn", session_state.iqn},
                                     {"lun", l.number},
                                     {"volume", l.volume_id}};
        add_scanned_device(make_device(address, sid, volume->second), context);
    }
}

void Model::add_scanned_device(ScsiDevice device, const nlohmann::json& context) {
    const auto address = device.address;
    device.identity_hidden = consult(FaultKind::empty_wwid, context) != nullptr;
    const unsigned token = next_token_++;
    device_tokens_[address] = token;
    state_.devices.emplace(address, std::move(device));
    note({{"what", "scsi device added"}, {"address", address.to_string()}});
    if (consult(FaultKind::device_never, context) != nullptr) {
        return;
    }
    unsigned delay = jittered(fabric_.timing.disk_ms);
    if (const auto* late = consult(FaultKind::device_late, context)) {
        delay += late->params.value("delay_ms", 5000U);
    }
    schedule(delay, "sd probe", [this, address, token] { probe_disk(address, token); });
}

void Model::probe_disk(ScsiAddress address, unsigned generation_token) {
    const auto it = state_.devices.find(address);
    if (it == state_.devices.end() || device_tokens_[address] != generation_token) {
        return;
    }
    auto& device = it->second;
    device.disk_index = lowest_free_disk_index();
    device.disk_visible = true;
    note({{"what", "disk appeared"},
          {"address", address.to_string()},
          {"disk", device.disk_name()}});
    schedule(jittered(fabric_.timing.udev_ms), "udev links",
             [this, address, generation_token] { run_udev(address, generation_token); });
}

void Model::run_udev(ScsiAddress address, unsigned generation_token) {
    const auto it = state_.devices.find(address);
    if (it == state_.devices.end() || device_tokens_[address] != generation_token) {
        return;
    }
    auto& device = it->second;
    nlohmann::json context{{"device", device.disk_name()}, {"lun", address.lun}};
    if (device.sid) {
        const auto& session = state_.sessions.at(*device.sid);
        context["portal"] = session.portal.to_string();
        context["iqn"] = session.iqn;
    }
    context.update(fc_context(device));
    std::string missing;
    if (const auto* fault = consult(FaultKind::udev_link_missing, context)) {
        missing = fault->params.value("link", "all");
    }
    device.links_by_path = missing != "all" && missing != "by-path";
    device.links_by_id = missing != "all" && missing != "by-id";
    note({{"what", "udev links"}, {"disk", device.disk_name()}});
    consider_multipath(device.disk_name());
}

std::string Model::scsi_id_of(const ScsiDevice& device) const {
    return device.identity_hidden ? std::string() : scsi_id(device.designators);
}

std::string Model::sysfs_wwid_of(const ScsiDevice& device) const {
    return device.identity_hidden ? std::string() : sysfs_wwid(device.designators);
}

ScsiDevice* Model::device_by_disk(const std::string& name) {
    for (auto& [address, device] : state_.devices) {
        if (device.disk_visible && device.disk_name() == name) {
            return &device;
        }
    }
    return nullptr;
}

const ScsiDevice* Model::device_by_disk(const std::string& name) const {
    for (const auto& [address, device] : state_.devices) {
        if (device.disk_visible && device.disk_name() == name) {
            return &device;
        }
    }
    return nullptr;
}

void Model::remove_device(const ScsiAddress& address, const std::string& why) {
    const auto it = state_.devices.find(address);
    if (it == state_.devices.end()) {
        return;
    }
    auto& device = it->second;
    if (!device.dirty.empty()) {
        drop_dirty(device.volume_id, device.dirty);
    }
    const auto disk = device.disk_name();
    if (!disk.empty()) {
        for (auto& [wwid, map] : state_.maps) {
            std::erase(map.paths, disk);
        }
        path_device_gone(disk);
    }
    note({{"what", "scsi device removed"},
          {"address", address.to_string()},
          {"disk", disk},
          {"why", why}});
    device_tokens_.erase(address);
    state_.devices.erase(it);
}

WriteEffect Model::delete_device(const ScsiAddress& address) {
    WriteEffect effect;
    auto it = state_.devices.find(address);
    if (it == state_.devices.end()) {
        effect.error = ENOENT;
        return effect;
    }
    if (it->second.state == "cancel") {
        // A delete is already under way: the kernel no longer takes a
        // reference on the device (scsi_device_get fails) and says ENODEV.
        effect.error = ENODEV;
        return effect;
    }
    const auto disk = it->second.disk_name();
    auto action =
        disk.empty() ? HostAction{} : block_device_action(ActionKind::delete_scsi_device, disk);
    action.kind = ActionKind::delete_scsi_device;
    if (disk.empty()) {
        action.object = address.to_string();
        action.volumes.insert(it->second.volume_id);
        action.lun = address.lun;
        if (const auto* session = session_on_host(address.host)) {
            action.target = session->iqn;
            action.portal = session->portal;
        }
    }
    const auto path = state_.multipathd_paths.find(disk);
    action.multipath_still_used =
        path != state_.multipathd_paths.end() && !path->second.device_gone;
    nlohmann::json context{{"device", disk}, {"lun", address.lun}};
    if (it->second.held_open || consult(FaultKind::device_held_open, context) != nullptr) {
        effect.error = EBUSY;
        action.error = EBUSY;
        report(action);
        return effect;
    }
    report(action);
    if (scans_waiting_.contains(address.host) && it->second.sid) {
        // scsi_remove_device takes the host's scan_mutex, which a scan
        // waiting on the failed session holds: the delete waits with it.
        const unsigned sid = *it->second.sid;
        auto done = std::make_shared<bool>(false);
        effect.duration_ms = jittered(fabric_.timing.delete_ms);
        effect.apply = [this, address, sid, done] {
            after_session_failure(sid, [this, address, done] {
                remove_device(address, "deleted through sysfs");
                *done = true;
                touch();
            });
        };
        effect.finished = [done] { return *done; };
        return effect;
    }
    // A device of a FAILED session is blocked: the kernel takes it straight
    // to SDEV_DEL and restarts its queue, so the SYNCHRONIZE CACHE of sd's
    // shutdown fails at once (__scsi_remove_device) and the delete does not
    // wait for the session; what was dirty is lost.
    // The kernel marks the device SDEV_CANCEL before it tears it down: its
    // state reads "cancel" for as long as the delete takes, and the block
    // layer refuses it all but power-management I/O (the page cache's
    // writeback included), so what is still dirty then is lost.
    it->second.state = "cancel";
    note({{"what", "device state"}, {"address", address.to_string()}, {"state", "cancel"}});
    effect.duration_ms = jittered(fabric_.timing.delete_ms);
    effect.apply = [this, address] { remove_device(address, "deleted through sysfs"); };
    return effect;
}

std::optional<std::string> Model::live_volume_of(const ScsiDevice& device) const {
    if (!device.fc_port.empty()) {
        const auto* target = fabric_.fc.target_with_port(device.fc_port);
        if (target == nullptr) {
            return std::nullopt;
        }
        for (const auto& l : target->luns) {
            if (l.number == device.address.lun) {
                return l.volume_id;
            }
        }
        return std::nullopt;
    }
    if (!device.sid) {
        return device.volume_id;
    }
    const auto s = state_.sessions.find(*device.sid);
    if (s == state_.sessions.end()) {
        return std::nullopt;
    }
    const auto* target = fabric_.find_target(s->second.iqn);
    if (target == nullptr) {
        return std::nullopt;
    }
    for (const auto& l : target->luns) {
        if (l.number == device.address.lun) {
            return l.volume_id;
        }
    }
    return std::nullopt;
}

WriteEffect Model::rescan_device(const ScsiAddress& address) {
    WriteEffect effect;
    if (!state_.devices.contains(address)) {
        effect.error = ENOENT;
        return effect;
    }
    effect.duration_ms = fabric_.timing.scan_ms;
    effect.apply = [this, address] {
        const auto it = state_.devices.find(address);
        if (it == state_.devices.end()) {
            return;
        }
        auto& device = it->second;
        // sd revalidates only a device that is online (6.1's sd_revalidate_disk):
        // an offline one keeps its capacity and identity, the write succeeds.
        if (device.state == "offline" || device.state == "transport-offline") {
            note({{"what", "rescan: device offline, capacity not read"},
                  {"address", address.to_string()}});
            return;
        }
        const auto live = live_volume_of(device);
        if (!live) {
            note({{"what", "rescan: LUN gone on the target"}, {"address", address.to_string()}});
            return;
        }
        const auto& volume = fabric_.volumes.at(*live);
        const bool hidden = device.identity_hidden;
        auto fresh = make_device(address, device.sid, volume);
        fresh.fc_port = device.fc_port;
        device.volume_id = fresh.volume_id;
        device.vendor = fresh.vendor;
        device.model = fresh.model;
        device.revision = fresh.revision;
        device.serial = fresh.serial;
        device.designators = fresh.designators;
        device.size_bytes = fresh.size_bytes;
        device.identity_hidden = hidden;
        note({{"what", "rescanned"}, {"address", address.to_string()}, {"volume", *live}});
    };
    return effect;
}

WriteEffect Model::set_device_state(const ScsiAddress& address, const std::string& state) {
    WriteEffect effect;
    const auto it = state_.devices.find(address);
    if (it == state_.devices.end()) {
        effect.error = ENOENT;
        return effect;
    }
    if ((state != "running" && state != "offline") || it->second.state == "cancel") {
        effect.error = EINVAL;  // no way back from SDEV_CANCEL
        return effect;
    }
    effect.apply = [this, address, state] {
        const auto found = state_.devices.find(address);
        if (found != state_.devices.end()) {
            found->second.state = state;
            note({{"what", "device state"}, {"address", address.to_string()}, {"state", state}});
        }
    };
    return effect;
}

}  // namespace brick::sim
