// A host reboot (`systemctl reboot` on Debian 12) and the boot after it:
//
// - shutdown: systemd-shutdown syncs before reboot(2), so the host cache is
//   written back through every path that works; what no path takes is lost.
//   open-iscsi's stop logs the sessions out (logout-all.sh) without touching
//   the node records, so what survives is as if the kernel's state simply
//   went: the model does not log out one by one;
// - what goes: the kernel's state and the daemons' (iSCSI sessions and their
//   SCSI hosts, SCSI devices, dm maps, multipathd's path table, NVMe
//   controllers, md arrays, NFS mounts, RBD and dm-crypt mappings, /dev and
//   its udev links, /run, which is a tmpfs);
// - what stays: the files on disk (the node records under /etc/iscsi/nodes,
//   /etc/iscsi/send_targets, /etc/multipath/wwids, the host's other files);
// - the boot: the kernel finds what the host had at the start (local disks,
//   FC HBA ports whose remote ports log in, the logical volumes LVM
//   activates); boot_ms later the init system starts multipathd, then iscsid
//   (multipathd.service runs Before=iscsid.service open-iscsi.service), each
//   answering daemon_start_ms after its start; open-iscsi.service then runs
//   `iscsiadm -m node --loginall=automatic`: every record whose node.startup
//   is automatic is logged in, all at once, in the order open-iscsi walks its
//   node database. After a login iscsid scans the session's SCSI host ("- - -")
//   unless the record's node.session.scan is manual (usr/iscsi_sysfs.c,
//   iscsi_sysfs_scan_host with autoscan off); the kernel does not scan
//   iscsi_tcp or iscsi_iser hosts itself (they have no scan_finished). So a
//   record made by the connector (scan manual) comes back as a session with
//   no SCSI device until a LUN is scanned.
#include "sim/model/model.hpp"
#include "sim/model/records.hpp"

namespace brick::sim {
namespace {

// /run is a tmpfs and /dev a devtmpfs: nothing written there survives.
bool survives_reboot(const std::string& path) {
    return path.rfind("/run/", 0) != 0 && path.rfind("/dev/", 0) != 0;
}

}  // namespace

void Model::sync_before_reboot() {
    // dm-crypt mappings first: their blocks go to the devices under them.
    std::vector<std::string> names;
    for (const auto& [name, mapping] : state_.storage.crypts) {
        names.push_back(mapping.device());
    }
    for (const auto& [name, blocks] : state_.storage.dirty) {
        if (!blocks.empty() && crypt_mapping(name) == nullptr) {
            names.push_back(name);
        }
    }
    for (const auto& [name, blocks] : state_.nvme.dirty) {
        if (!blocks.empty()) {
            names.push_back(name);
        }
    }
    for (const auto& [wwid, map] : state_.maps) {
        if (!map.dirty.empty()) {
            names.push_back(map.device());
        }
    }
    for (const auto& [address, device] : state_.devices) {
        if (!device.dirty.empty() && device.disk_index) {
            names.push_back(device.disk_name());
        }
    }
    for (const auto& name : names) {
        flush_block_device(name);
    }
    // What no path took is lost with the host's memory.
    for (auto& [address, device] : state_.devices) {
        if (!device.dirty.empty()) {
            drop_dirty(device.volume_id, device.dirty);
        }
    }
    for (auto& [wwid, map] : state_.maps) {
        if (!map.dirty.empty()) {
            const auto volumes = volumes_with_wwid(wwid);
            drop_dirty(volumes.empty() ? wwid : *volumes.begin(), map.dirty);
        }
    }
    for (auto* dirty : {&state_.nvme.dirty, &state_.storage.dirty}) {
        for (auto& [name, blocks] : *dirty) {
            if (!blocks.empty()) {
                drop_dirty(volume_behind(name).value_or(name), blocks);
            }
        }
    }
}

void Model::reboot() {
    note({{"what", "host reboots"}});
    sync_before_reboot();
    HostState kept;
    kept.initiator_name = state_.initiator_name;
    for (auto& [path, content] : state_.files) {
        if (survives_reboot(path)) {
            kept.files.emplace(path, std::move(content));
        }
    }
    for (const auto& [path, secret] : state_.private_files) {
        if (survives_reboot(path)) {
            kept.private_files.emplace(path, secret);
        }
    }
    for (auto& dir : state_.dirs) {
        if (survives_reboot(dir + "/")) {
            kept.dirs.push_back(std::move(dir));
        }
    }
    kept.nodes = std::move(state_.nodes);
    kept.discovery = std::move(state_.discovery);
    kept.wwids = std::move(state_.wwids);
    // What the run has counted so far, and the targets' own numbering.
    kept.lost_blocks = std::move(state_.lost_blocks);
    kept.wildcard_scans = state_.wildcard_scans;
    kept.nvme.next_cntlid = state_.nvme.next_cntlid;
    kept.nvme.discovery_generation = state_.nvme.discovery_generation;
    kept.storage.rbd_files_private = state_.storage.rbd_files_private;
    kept.storage.rbd_files_read = state_.storage.rbd_files_read;
    // Nothing answers until the init system starts it.
    kept.multipathd_running = false;
    kept.iscsid_running = false;
    kept.next_scsi_host = fabric_.host.first_scsi_host;
    state_ = std::move(kept);
    // The kernel's pending work (probes, udev, maps, timers) went with it.
    events_.clear();
    late_maps_.clear();
    session_waiters_.clear();
    scans_waiting_.clear();
    // The boot: what the kernel finds by itself, as at the start.
    add_local_disks();
    add_fc_hosts();
    add_logical_volumes();
    booting_ = true;
    touch();
    schedule(jittered(fabric_.timing.boot_ms), "host boots", [this] { start_boot_services(); });
}

void Model::start_boot_services() {
    note({{"what", "host booted"}});
    // The daemons the host ran at the start are enabled services.
    const bool multipathd = fabric_.host.multipathd_running;
    const bool iscsid = fabric_.host.iscsid_running;
    std::int64_t at = 0;
    if (multipathd) {
        at = jittered(fabric_.timing.daemon_start_ms);
        schedule(at, "multipathd answers", [this] { set_multipathd_running(true); });
    }
    if (!iscsid) {
        // open-iscsi.service needs iscsid: no login.
        schedule(at, "boot ends", [this] {
            booting_ = false;
            note({{"what", "boot ended"}});
        });
        return;
    }
    at += jittered(fabric_.timing.daemon_start_ms);
    schedule(at, "iscsid answers", [this] {
        set_iscsid_running(true);
        login_automatic_nodes();
    });
}

void Model::login_automatic_nodes() {
    std::vector<NodeRecord*> nodes;
    for (auto& node : state_.nodes) {
        if (node.value("node.startup") == "automatic") {
            nodes.push_back(&node);
        }
    }
    sort_node_records(nodes);
    std::vector<NodeRecord> automatic;
    automatic.reserve(nodes.size());
    for (const auto* node : nodes) {
        automatic.push_back(*node);
    }
    // iscsiadm hands every login to iscsid at once and waits for them all.
    std::int64_t last = 0;
    for (const auto& node : automatic) {
        const auto result = login(node);
        note({{"what", "boot login"},
              {"iqn", node.iqn},
              {"portal", node.portal.to_string()},
              {"iface", node.iface},
              {"ok", result.status == LoginStatus::ok}});
        last = std::max<std::int64_t>(last, result.duration_ms);
    }
    schedule(last, "boot ends", [this] {
        booting_ = false;
        note({{"what", "boot ended"}});
    });
}

}  // namespace brick::sim
