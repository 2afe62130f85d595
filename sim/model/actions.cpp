// Actions the model reports (actions.hpp): what a flushed or removed block
// device carried.
#include "sim/model/actions.hpp"

#include "sim/model/model.hpp"

namespace brick::sim {

std::string_view action_name(ActionKind kind) {
    switch (kind) {
        case ActionKind::flush:
            return "flush";
        case ActionKind::delete_scsi_device:
            return "delete SCSI device";
        case ActionKind::logout:
            return "logout";
        case ActionKind::delete_node_record:
            return "delete node record";
        case ActionKind::remove_multipath_path:
            return "multipathd del path";
        case ActionKind::remove_multipath_map:
            return "remove multipath map";
        case ActionKind::delete_nvme_controller:
            return "delete NVMe controller";
        case ActionKind::stop_md_array:
            return "stop md array";
        case ActionKind::refused:
            return "refused";
        case ActionKind::created_file:
            return "created file";
    }
    return "unknown";
}

void Model::report(const HostAction& action) const {
    if (action_sink_) {
        action_sink_(action);
    }
}

std::set<std::string> Model::volumes_with_wwid(const std::string& wwid) const {
    std::set<std::string> found;
    if (wwid.empty()) {
        return found;
    }
    for (const auto& [id, volume] : fabric_.volumes) {
        if (scsi_id(volume.designators) == wwid) {
            found.insert(id);
        }
    }
    return found;
}

HostAction Model::block_device_action(ActionKind kind, const std::string& name) const {
    HostAction action;
    action.kind = kind;
    action.object = name;
    if (const auto* device = device_by_disk(name)) {
        action.volumes.insert(device->volume_id);
        action.lun = device->address.lun;
        if (device->sid) {
            const auto& session = state_.sessions.at(*device->sid);
            action.target = session.iqn;
            action.portal = session.portal;
        }
        return action;
    }
    for (const auto& [wwid, map] : state_.maps) {
        if (map.device() != name && map.name != name) {
            continue;
        }
        action.object = map.device();
        action.volumes = volumes_with_wwid(wwid);
        for (const auto& path : map.paths) {
            if (const auto* device = device_by_disk(path)) {
                action.volumes.insert(device->volume_id);
                // Where the map lives: the LUN and a session of its paths.
                action.lun = device->address.lun;
                if (device->sid && !action.portal) {
                    const auto& session = state_.sessions.at(*device->sid);
                    action.target = session.iqn;
                    action.portal = session.portal;
                }
            }
        }
        return action;
    }
    if (const auto disk = nvme_disk(name)) {
        action.volumes.insert(disk->volume_id);
        action.target = disk->subsystem_nqn;
        return action;
    }
    if (const auto* array = md_array(name)) {
        action.object = array->device();
        for (const auto& leg : array->legs) {
            if (const auto disk = nvme_disk(leg)) {
                action.volumes.insert(disk->volume_id);
            } else if (const auto* device = device_by_disk(leg)) {
                action.volumes.insert(device->volume_id);
            }
        }
    }
    return action;
}

}  // namespace brick::sim
