// The dm-multipath part of the model: the wwids file, multipathd adding and
// removing paths, maps forming asynchronously, flush, resize, queueing.
#include <algorithm>
#include <cerrno>

#include "sim/model/model.hpp"

namespace brick::sim {

bool Model::add_wwid(const std::string& wwid) {
    if (wwid.empty() ||
        std::find(state_.wwids.begin(), state_.wwids.end(), wwid) != state_.wwids.end()) {
        return false;
    }
    state_.wwids.push_back(wwid);
    note({{"what", "wwid added"}, {"wwid", wwid}});
    return true;
}

void Model::consider_multipath(const std::string& disk) {
    const auto* device = device_by_disk(disk);
    if (!state_.multipathd_running || device == nullptr || !device->remote()) {
        return;
    }
    const auto wwid = scsi_id_of(*device);
    if (wwid.empty() ||
        std::find(state_.wwids.begin(), state_.wwids.end(), wwid) == state_.wwids.end()) {
        return;
    }
    schedule(jittered(fabric_.timing.map_ms), "multipath map",
             [this, wwid, disk] { join_map(wwid, disk); });
}

nlohmann::json Model::map_fault_context(const ScsiDevice& device, const std::string& wwid) const {
    nlohmann::json context{{"device", device.disk_name()},
                           {"volume", device.volume_id},
                           {"wwid", wwid},
                           {"lun", device.address.lun}};
    if (device.sid) {
        if (const auto session = state_.sessions.find(*device.sid);
            session != state_.sessions.end()) {
            context["portal"] = session->second.portal.to_string();
            context["iqn"] = session->second.iqn;
        }
    }
    context.update(fc_context(device));
    return context;
}

bool Model::map_held_back(const std::string& wwid, const std::string& disk,
                          const ScsiDevice& device) {
    // Another path of a map that is late joins when it forms.
    if (const auto late = late_maps_.find(wwid); late != late_maps_.end()) {
        if (late->second > now_ms_) {
            track_path(disk, wwid);
            schedule(late->second - now_ms_, "multipath map late",
                     [this, wwid, disk] { join_late_map(wwid, disk); });
            return true;
        }
        late_maps_.erase(late);
        return false;
    }
    const auto context = map_fault_context(device, wwid);
    if (consult(FaultKind::map_never, context) != nullptr) {
        // The path stays in multipathd's table without a map (an orphan).
        track_path(disk, wwid);
        note({{"what", "multipath map not created"}, {"wwid", wwid}, {"disk", disk}});
        return true;
    }
    if (const auto* late = consult(FaultKind::map_late, context)) {
        const auto delay = late->params.value("delay_ms", 5000U);
        late_maps_[wwid] = now_ms_ + delay;
        track_path(disk, wwid);
        note({{"what", "multipath map late"}, {"wwid", wwid}, {"disk", disk}, {"ms", delay}});
        schedule(delay, "multipath map late", [this, wwid, disk] { join_late_map(wwid, disk); });
        return true;
    }
    return false;
}

void Model::join_late_map(const std::string& wwid, const std::string& disk) {
    const auto tracked = [&](const MultipathdPath& entry) {
        return entry.wwid == wwid && !entry.device_gone;
    };
    // A path dropped with `del path` while its map was late is not in the
    // daemon's table any more: it joins nothing. With none of its paths left
    // the late map is forgotten.
    if (const auto known = state_.multipathd_paths.find(disk);
        known == state_.multipathd_paths.end() || !tracked(known->second)) {
        if (std::none_of(state_.multipathd_paths.begin(), state_.multipathd_paths.end(),
                         [&](const auto& entry) { return tracked(entry.second); })) {
            late_maps_.erase(wwid);
        }
        return;
    }
    join_map(wwid, disk);
}

void Model::join_map(const std::string& wwid, const std::string& disk) {
    const auto* device = device_by_disk(disk);
    // A device the kernel is deleting (state cancel) is no path to take:
    // multipathd sees it down and its remove event is on the way.
    if (!state_.multipathd_running || device == nullptr || scsi_id_of(*device) != wwid ||
        device->state == "cancel") {
        return;
    }
    auto it = state_.maps.find(wwid);
    if (it == state_.maps.end()) {
        if (map_held_back(wwid, disk, *device)) {
            return;
        }
        MultipathMap map;
        map.dm_index = state_.next_dm++;
        map.name = wwid;
        map.wwid = wwid;
        map.size_bytes = device->size_bytes;
        map.links = true;
        map.queue_if_no_path =
            consult(FaultKind::map_queue_if_no_path,
                    {{"device", map.device()}, {"volume", device->volume_id}}) != nullptr;
        note({{"what", "multipath map created"}, {"map", map.device()}, {"wwid", wwid}});
        if (const auto* read_only =
                consult(FaultKind::map_read_only, map_fault_context(*device, wwid))) {
            // Loaded read-only; multipathd reloads it read-write later, as
            // on the path's change event once the path shows writable.
            map.read_only = true;
            const auto delay = read_only->params.value("delay_ms", 5000U);
            note({{"what", "multipath map read-only"}, {"map", map.device()}, {"ms", delay}});
            schedule(delay, "multipath map reload", [this, wwid, index = map.dm_index] {
                const auto found = state_.maps.find(wwid);
                if (found != state_.maps.end() && found->second.dm_index == index) {
                    found->second.read_only = false;
                    note({{"what", "multipath map reloaded read-write"},
                          {"map", found->second.device()}});
                    touch();
                }
            });
        }
        it = state_.maps.emplace(wwid, std::move(map)).first;
    }
    auto& paths = it->second.paths;
    if (std::find(paths.begin(), paths.end(), disk) == paths.end()) {
        paths.push_back(disk);
        note({{"what", "multipath path added"}, {"map", it->second.device()}, {"disk", disk}});
    }
    track_path(disk, wwid);
}

void Model::track_path(const std::string& disk, const std::string& wwid) {
    auto& entry = state_.multipathd_paths[disk];
    if (entry.wwid != wwid || entry.device_gone || entry.token == 0) {
        entry = MultipathdPath{wwid, false, next_path_token_++};
        touch();
    }
}

void Model::path_device_gone(const std::string& disk) {
    const auto it = state_.multipathd_paths.find(disk);
    if (it == state_.multipathd_paths.end() || it->second.device_gone) {
        return;
    }
    it->second.device_gone = true;
    const auto token = it->second.token;
    note({{"what", "multipathd path without device"}, {"disk", disk}});
    schedule(jittered(fabric_.timing.udev_ms), "multipathd remove uevent", [this, disk, token] {
        const auto entry = state_.multipathd_paths.find(disk);
        if (entry != state_.multipathd_paths.end() && entry->second.token == token &&
            entry->second.device_gone) {
            state_.multipathd_paths.erase(entry);
            note({{"what", "multipathd removed the path"}, {"disk", disk}});
        }
    });
}

bool Model::add_path(const std::string& disk) {
    if (!state_.multipathd_running) {
        return false;
    }
    const auto* device = device_by_disk(disk);
    if (device == nullptr) {
        return false;
    }
    const auto wwid = scsi_id_of(*device);
    if (wwid.empty() ||
        std::find(state_.wwids.begin(), state_.wwids.end(), wwid) == state_.wwids.end()) {
        return false;  // find_multipaths: a WWID multipath does not know stays a single path
    }
    track_path(disk, wwid);
    schedule(jittered(fabric_.timing.map_ms), "multipath map",
             [this, wwid, disk] { join_map(wwid, disk); });
    return true;
}

bool Model::del_path(const std::string& disk) {
    auto action = block_device_action(ActionKind::remove_multipath_path, disk);
    const auto known = state_.multipathd_paths.find(disk);
    if (known != state_.multipathd_paths.end()) {
        const auto more = volumes_with_wwid(known->second.wwid);
        action.volumes.insert(more.begin(), more.end());
    }
    if (!state_.multipathd_running) {
        action.error = ECONNREFUSED;
        report(action);
        return false;
    }
    bool found = known != state_.multipathd_paths.end();
    if (found) {
        state_.multipathd_paths.erase(known);
        touch();
    }
    for (auto& [wwid, map] : state_.maps) {
        const auto before = map.paths.size();
        std::erase(map.paths, disk);
        found = found || map.paths.size() != before;
    }
    if (found) {
        note({{"what", "multipath path removed"}, {"disk", disk}});
    }
    action.error = found ? 0 : ENOENT;
    report(action);
    return found;
}

bool Model::block_read_only(const std::string& name) const {
    const auto write_protected = [&](const ScsiDevice& device) {
        const auto volume = fabric_.volumes.find(device.volume_id);
        return volume != fabric_.volumes.end() && volume->second.write_protected;
    };
    if (const auto* device = device_by_disk(name)) {
        return write_protected(*device);
    }
    for (const auto& [wwid, map] : state_.maps) {
        if (map.device() != name) {
            continue;
        }
        // multipath loads the map read-only when a path is (force_readonly).
        return map.read_only || std::any_of(map.paths.begin(), map.paths.end(), [&](const auto& p) {
                   const auto* path = device_by_disk(p);
                   return path != nullptr && write_protected(*path);
               });
    }
    return false;
}

MultipathMap* Model::find_map(const std::string& key) {
    std::string name = key;
    for (const std::string_view prefix : {"/dev/mapper/", "/dev/"}) {
        if (name.rfind(prefix, 0) == 0) {
            name = name.substr(prefix.size());
            break;
        }
    }
    for (auto& [wwid, map] : state_.maps) {
        if (map.name == name || map.wwid == name || map.device() == name) {
            return &map;
        }
    }
    return nullptr;
}

int Model::flush_map(const std::string& name) {
    auto* map = find_map(name);
    if (map == nullptr) {
        return ENOENT;
    }
    auto action = block_device_action(ActionKind::remove_multipath_map, map->device());
    if (consult(FaultKind::device_held_open, {{"device", map->device()}}) != nullptr) {
        action.error = EBUSY;
        report(action);
        return EBUSY;
    }
    report(action);
    if (!map->dirty.empty()) {
        std::string volume;
        for (const auto& [id, v] : fabric_.volumes) {
            if (scsi_id(v.designators) == map->wwid) {
                volume = id;
            }
        }
        drop_dirty(volume, map->dirty);
    }
    note({{"what", "multipath map removed"}, {"map", map->device()}});
    state_.maps.erase(map->wwid);
    return 0;
}

bool Model::resize_map(const std::string& name) {
    auto* map = find_map(name);
    if (map == nullptr || !state_.multipathd_running) {
        return false;
    }
    for (const auto& disk : map->paths) {
        if (const auto* device = device_by_disk(disk)) {
            map->size_bytes = device->size_bytes;
        }
    }
    touch();
    return true;
}

bool Model::disable_queueing(const std::string& name) {
    auto* map = find_map(name);
    if (map == nullptr || !state_.multipathd_running) {
        return false;
    }
    map->queue_if_no_path = false;
    touch();
    return true;
}

}  // namespace brick::sim
