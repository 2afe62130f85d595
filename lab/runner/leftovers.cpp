#include "leftovers.hpp"

#include <algorithm>
#include <set>

#include "brick/iscsi/iscsiadm.hpp"
#include "brick/iscsi/session.hpp"
#include "brick/multipath/map.hpp"
#include "brick/nfs/mounts.hpp"
#include "brick/nvmeof/controller.hpp"
#include "brick/rbd/devices.hpp"
#include "brick/scsi/disk.hpp"

namespace brick::lab {

void find_nvme_leftovers(Host& host, const std::set<std::string>& nqns,
                         const std::set<std::string>& ids, std::vector<std::string>& found) {
    if (nqns.empty()) {
        return;
    }
    for (const auto& controller : nvmeof::read_controllers(host)) {
        if (nqns.count(controller.subsystem_nqn) != 0) {
            found.push_back("NVMe controller " + controller.name + " to " +
                            controller.subsystem_nqn + " (" + controller.state + ")");
        }
    }
    std::vector<std::string> blocks;
    host.list_dir("/sys/block", blocks);
    for (const auto& name : blocks) {
        if (name.rfind("nvme", 0) != 0) {
            continue;
        }
        if (const auto ns = nvmeof::read_namespace(host, name);
            ns && (ids.count(ns->uuid) != 0 || ids.count(ns->nguid) != 0)) {
            found.push_back("NVMe namespace device " + name);
        }
    }
    std::vector<std::string> links;
    host.list_dir("/dev/disk/by-id", links);
    for (const auto& link : links) {
        if (link.rfind("nvme-", 0) == 0 &&
            std::any_of(ids.begin(), ids.end(), [&](const std::string& id) {
                return !id.empty() && link.find(id) != std::string::npos;
            })) {
            found.push_back("udev link /dev/disk/by-id/" + link);
        }
    }
}

namespace {

// NVMe-oF: controllers to the fabric's subsystems, namespace devices (and
// hidden path devices) of its namespaces, their udev links, md arrays of
// replicated volumes.
void find_fabric_nvme_leftovers(Host& host, const Scenario& scenario,
                                std::vector<std::string>& found) {
    std::set<std::string> nqns;
    std::set<std::string> ids;
    for (const auto& subsystem : scenario.fabric.nvme_subsystems) {
        nqns.insert(subsystem.nqn);
        for (const auto& ns : subsystem.namespaces) {
            ids.insert(!ns.uuid.empty() ? ns.uuid : ns.nguid);
        }
    }
    find_nvme_leftovers(host, nqns, ids, found);
    for (const auto& [name, volume] : scenario.volumes) {
        if (!volume.replicas.empty() && host.exists("/dev/md/" + name)) {
            found.push_back("md array /dev/md/" + name);
        }
    }
}

// NFS mounts of the fabric's exports, RBD mappings of its images, dm-crypt
// mappings, and cluster files the RBD connector wrote.
void find_storage_leftovers(Host& host, const Scenario& scenario, std::vector<std::string>& found) {
    std::set<std::string> exports;
    for (const auto& share : scenario.fabric.nfs_exports) {
        exports.insert(share.spec());
    }
    for (const auto& mount : nfs::read_mounts(host)) {
        if (exports.count(mount.source) != 0) {
            found.push_back("NFS mount of " + mount.source + " at " + mount.mount_point);
        }
    }
    if (scenario.fabric.rbd) {
        for (const auto& device : rbd::read_mapped(host)) {
            for (const auto& image : scenario.fabric.rbd->images) {
                if (device.pool == image.pool && device.image == image.image) {
                    found.push_back("RBD mapping " + device.device_path() + " of " + image.pool +
                                    "/" + image.image);
                }
            }
        }
        std::vector<std::string> files;
        host.list_dir("/run/brick/rbd", files);
        for (const auto& file : files) {
            found.push_back("cluster file /run/brick/rbd/" + file);
        }
    }
    std::vector<std::string> blocks;
    host.list_dir("/sys/block", blocks);
    for (const auto& name : blocks) {
        if (name.rfind("dm-", 0) != 0) {
            continue;
        }
        const auto uuid = host.read_attribute("/sys/block/" + name + "/dm/uuid").value_or("");
        const auto dm_name = host.read_attribute("/sys/block/" + name + "/dm/name").value_or("");
        if (uuid.rfind("CRYPT-", 0) == 0 && dm_name.rfind("crypt-", 0) == 0) {
            found.push_back("dm-crypt mapping " + dm_name + " (" + name + ")");
        }
    }
}

}  // namespace

std::vector<std::string> find_leftovers(Host& host, const Scenario& scenario) {
    std::vector<std::string> found;
    std::set<std::string> iqns;
    std::set<std::string> identities;
    for (const auto& target : scenario.fabric.iscsi_targets) {
        iqns.insert(target.iqn);
        for (const auto& lun : target.luns) {
            identities.insert(lun.scsi_id());
        }
    }
    // FC by-path names carry the target port: "...-fc-0x<wwpn>-lun-<lun>".
    std::set<std::string> fc_ports;
    for (const auto& target : scenario.fabric.fc.targets) {
        for (const auto& port : target.ports) {
            fc_ports.insert("-fc-0x" + port + "-");
        }
        for (const auto& lun : target.luns) {
            identities.insert(lun.scsi_id());
        }
    }
    for (const auto& session : iscsi::read_sessions(host)) {
        if (iqns.count(session.target_iqn) != 0) {
            found.push_back("session " + std::to_string(session.id) + " to " + session.target_iqn +
                            " at " + session.portal.to_string());
        }
    }
    const auto nodes = host.run(Command{{"iscsiadm", "-m", "node"}, {}, Duration(30000)});
    if (nodes.ok()) {
        for (const auto& [portal, iqn] : iscsi::parse_target_lines(nodes.out)) {
            if (iqns.count(iqn) != 0) {
                found.push_back("node record " + portal.to_string() + " " + iqn);
            }
        }
    }
    std::vector<std::string> blocks;
    host.list_dir("/sys/block", blocks);
    for (const auto& name : blocks) {
        if (name.rfind("sd", 0) == 0) {
            if (auto disk = scsi::read_disk(host, name);
                disk && identities.count(disk->scsi_id) != 0) {
                found.push_back("SCSI disk " + name + " (" + disk->scsi_id + ") at " +
                                disk->address.to_string());
            }
        } else if (name.rfind("dm-", 0) == 0) {
            if (auto map = multipath::read_map(host, name);
                map && identities.count(map->wwid) != 0) {
                found.push_back("multipath map " + map->name + " (" + name + ")");
            }
        }
    }
    std::vector<std::string> links;
    host.list_dir("/dev/disk/by-path", links);
    for (const auto& link : links) {
        const auto names = [&](const std::set<std::string>& parts) {
            return std::any_of(parts.begin(), parts.end(), [&](const std::string& part) {
                return link.find(part) != std::string::npos;
            });
        };
        if (names(iqns) || names(fc_ports)) {
            found.push_back("udev link /dev/disk/by-path/" + link);
        }
    }
    host.list_dir("/dev/disk/by-id", links);
    for (const auto& link : links) {
        if (std::any_of(identities.begin(), identities.end(), [&](const std::string& id) {
                return link.find(id) != std::string::npos ||
                       link.find(id.substr(1)) != std::string::npos;
            })) {
            found.push_back("udev link /dev/disk/by-id/" + link);
        }
    }
    find_fabric_nvme_leftovers(host, scenario, found);
    find_storage_leftovers(host, scenario, found);
    return found;
}

}  // namespace brick::lab
