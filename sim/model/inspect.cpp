// Derived views of the model: udev links, a volume's footprint, leftovers.
#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include "sim/model/model.hpp"
#include "sim/model/udev_names.hpp"

namespace brick::sim {

std::vector<UdevLink> Model::udev_links() const {
    std::vector<UdevLink> links;
    // by-id names of multipathed WWIDs point at the map, as multipath's udev rules do.
    std::map<std::string, std::string> map_of_wwid;
    for (const auto& [wwid, map] : state_.maps) {
        if (!map.links) {
            continue;
        }
        map_of_wwid[wwid] = map.device();
        links.push_back({"/dev/mapper/" + map.name, map.device()});
        links.push_back({"/dev/disk/by-id/dm-name-" + map.name, map.device()});
        links.push_back({"/dev/disk/by-id/dm-uuid-mpath-" + wwid, map.device()});
        links.push_back({"/dev/disk/by-id/scsi-" + wwid, map.device()});
    }
    std::map<std::string, std::string> by_id;  // link -> device; the first disk wins
    for (const auto& [address, device] : state_.devices) {
        if (!device.disk_visible) {
            continue;
        }
        const auto disk = device.disk_name();
        if (!device.remote()) {
            if (device.links_by_id) {
                links.push_back(
                    {"/dev/disk/by-id/ata-" + udev_safe(device.model) + "_" + device.serial, disk});
            }
            continue;
        }
        if (device.links_by_path && device.sid) {
            const auto& session = state_.sessions.at(*device.sid);
            links.push_back({iscsi_by_path_link(session.portal, session.iqn, address.lun), disk});
        } else if (device.links_by_path) {
            links.push_back(
                {fc_by_path_link(fc_pci_address(address.host), device.fc_port, address.lun), disk});
        }
        if (!device.links_by_id || device.identity_hidden) {
            continue;
        }
        const auto id = scsi_id(device.designators);
        if (!id.empty() && !map_of_wwid.contains(id)) {
            by_id.try_emplace("/dev/disk/by-id/scsi-" + id, disk);
        }
        // udev also names the T10 vendor identifier and the unit serial
        // (ID_SCSI_SERIAL); those links stay on the path even under a map.
        for (const auto& d : device.designators) {
            if (d.type == DesignatorType::t10) {
                const auto t10 = scsi_id({d});
                if (!t10.empty() && t10 != id) {
                    by_id.try_emplace("/dev/disk/by-id/scsi-" + t10, disk);
                }
            }
        }
        if (!device.serial.empty()) {
            by_id.try_emplace("/dev/disk/by-id/scsi-S" + udev_safe(device.vendor) + "_" +
                                  udev_safe(device.model) + "_" + udev_safe(device.serial),
                              disk);
        }
        if (const auto wwn = wwn_link_name(device.designators)) {
            by_id.try_emplace("/dev/disk/by-id/" + *wwn,
                              map_of_wwid.contains(id) ? map_of_wwid[id] : disk);
        }
    }
    for (const auto& [path, device] : by_id) {
        links.push_back({path, device});
    }
    append_nvme_links(links);
    std::sort(links.begin(), links.end(),
              [](const UdevLink& a, const UdevLink& b) { return a.path < b.path; });
    return links;
}

VolumeFootprint Model::footprint(const std::string& volume_id) const {
    VolumeFootprint footprint;
    const auto volume = fabric_.volumes.find(volume_id);
    const auto wwid =
        volume == fabric_.volumes.end() ? std::string() : scsi_id(volume->second.designators);
    for (const auto& [address, device] : state_.devices) {
        if (device.volume_id != volume_id && live_volume_of(device) != volume_id) {
            continue;
        }
        footprint.devices.push_back(address);
        if (device.sid && std::find(footprint.sessions.begin(), footprint.sessions.end(),
                                    *device.sid) == footprint.sessions.end()) {
            footprint.sessions.push_back(*device.sid);
        }
        if (device.disk_visible) {
            footprint.disks.push_back(device.disk_name());
        }
    }
    for (const auto& [map_wwid, map] : state_.maps) {
        const bool holds =
            std::any_of(map.paths.begin(), map.paths.end(), [&](const std::string& p) {
                return std::find(footprint.disks.begin(), footprint.disks.end(), p) !=
                       footprint.disks.end();
            });
        if (holds || (!wwid.empty() && map_wwid == wwid)) {
            footprint.maps.push_back(map.device());
        }
    }
    for (const auto& link : udev_links()) {
        const bool mine = std::find(footprint.disks.begin(), footprint.disks.end(), link.device) !=
                              footprint.disks.end() ||
                          std::find(footprint.maps.begin(), footprint.maps.end(), link.device) !=
                              footprint.maps.end();
        if (mine) {
            footprint.links.push_back(link.path);
        }
    }
    return footprint;
}

std::vector<std::string> Model::leftovers() const {
    std::vector<std::string> left;
    // What the fabric's attached targets started with is the initial state.
    std::set<std::string> attached;
    for (const auto& target : fabric_.iscsi_targets) {
        if (target.attached) {
            attached.insert(target.iqn);
        }
    }
    for (const auto& [sid, session] : state_.sessions) {
        if (attached.contains(session.iqn)) {
            continue;
        }
        left.push_back("session " + std::to_string(sid) + " to " + session.iqn + " at " +
                       session.portal.to_string());
    }
    for (const auto& node : state_.nodes) {
        if (attached.contains(node.iqn)) {
            continue;
        }
        left.push_back("node record " + node.iqn + " at " + node.portal.to_string() + " (" +
                       node.iface + ")");
    }
    for (const auto& [address, device] : state_.devices) {
        const auto session = device.sid ? state_.sessions.find(*device.sid) : state_.sessions.end();
        const bool preattached =
            session != state_.sessions.end() && attached.contains(session->second.iqn);
        if (device.remote() && !preattached) {
            left.push_back("SCSI device " + address.to_string() +
                           (device.disk_visible ? " (" + device.disk_name() + ")" : ""));
        }
    }
    for (const auto& [wwid, map] : state_.maps) {
        left.push_back("multipath map " + map.device() + " (" + wwid + ")");
    }

    for (const auto& [instance, c] : state_.nvme.controllers) {
        left.push_back("NVMe controller " + c.name() + " to " + c.subsystem_nqn + " at " +
                       c.transport + ":" + c.traddr + ":" + std::to_string(c.trsvcid) + " (" +
                       c.state + ")");
    }
    for (const auto& [number, array] : state_.nvme.md_arrays) {
        left.push_back("md array " + array.device() + " (" + array.name + ")");
    }
    for (const auto& mount : state_.storage.mounts) {
        left.push_back("NFS mount of " + mount.source + " at " + mount.mount_point);
    }
    for (const auto& [id, mapping] : state_.storage.rbd) {
        left.push_back("RBD mapping " + mapping.device() + " of " + mapping.pool + "/" +
                       mapping.image);
    }
    for (const auto& [name, mapping] : state_.storage.crypts) {
        left.push_back("dm-crypt mapping " + name + " (" + mapping.device() + ") on " +
                       mapping.backing);
    }
    for (const auto& [path, content] : state_.files) {
        if (path.rfind("/run/brick/rbd/", 0) == 0) {
            left.push_back("cluster file " + path);
        }
        if (path.rfind("/dev/disk/", 0) == 0) {
            left.push_back("stray file " + path);
        }
    }
    return left;
}

}  // namespace brick::sim
