#include "sim/vfs/render.hpp"

#include <string_view>

#include "sim/model/identity.hpp"
#include "sim/model/records.hpp"

namespace brick::sim {

// FC HBA functions sit behind a PCI root port, as on a server.
std::string scsi_host_dir(const HostState& state, unsigned number) {
    if (number == 0) {
        return "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0";
    }
    if (const auto fc = state.fc_hosts.find(number); fc != state.fc_hosts.end()) {
        return "/sys/devices/pci0000:00/0000:00:03.0/" + fc->second.pci_address + "/host" +
               std::to_string(number);
    }
    return "/sys/devices/platform/host" + std::to_string(number);
}

std::string fc_rport_dir(const HostState& state, const FcRemotePort& rport) {
    return scsi_host_dir(state, rport.scsi_host) + "/" + rport.name();
}

namespace {

std::string padded(std::string text, std::size_t width) {
    if (text.size() < width) {
        text.append(width - text.size(), ' ');
    }
    return text.substr(0, width);
}

std::string session_dir(const HostState& state, const IscsiSession& session) {
    return scsi_host_dir(state, session.scsi_host) + "/session" + std::to_string(session.sid);
}

std::string device_dir(const Model& model, const ScsiDevice& device) {
    const auto& state = model.state();
    const auto& a = device.address;
    std::string base = scsi_host_dir(state, a.host);
    if (device.sid) {
        base = session_dir(state, state.sessions.at(*device.sid));
    } else if (const auto* rport = model.fc_rport_of(a.host, a.channel, a.target)) {
        base = fc_rport_dir(state, *rport);
    }
    return base + "/" + a.target_name() + "/" + a.to_string();
}

void render_scsi_host(Tree& tree, const HostState& state, const ScsiHost& host) {
    const auto dir = scsi_host_dir(state, host.number);
    const auto name = "host" + std::to_string(host.number);
    tree.dir(dir);
    const auto sh = dir + "/scsi_host/" + name;
    tree.attribute(sh + "/scan", "", WriteKind::scan, false, host.number);
    tree.file(sh + "/proc_name", host.proc_name + "\n");
    tree.file(sh + "/state", "running\n");
    tree.file(sh + "/unique_id", "0\n");
    tree.link(sh + "/device", dir);
    tree.link("/sys/class/scsi_host/" + name, sh);
    if (!host.sid) {
        return;
    }
    const auto ih = dir + "/iscsi_host/" + name;
    tree.file(ih + "/initiatorname", state.initiator_name + "\n");
    // iscsi_iser shows no ipaddress (its attr_is_visible leaves it out).
    if (host.proc_name != "iscsi_iser") {
        tree.file(ih + "/ipaddress", "(null)\n");
    }
    tree.file(ih + "/hwaddress", "(null)\n");
    tree.file(ih + "/netdev", "(null)\n");
    tree.link(ih + "/device", dir);
    tree.link("/sys/class/iscsi_host/" + name, ih);
}

void render_session(Tree& tree, const HostState& state, const IscsiSession& s) {
    const auto dir = session_dir(state, s);
    const auto name = "session" + std::to_string(s.sid);
    const auto is = dir + "/iscsi_session/" + name;
    auto text = [](const std::string& v) { return (v.empty() ? std::string("(null)") : v) + "\n"; };
    tree.file(is + "/targetname", s.iqn + "\n");
    tree.file(is + "/state", s.state + "\n");
    tree.file(is + "/tpgt", std::to_string(s.tpgt) + "\n");
    tree.file(is + "/ifacename", s.iface + "\n");
    tree.file(is + "/username", text(s.username));
    tree.file(is + "/password", text(s.password));
    tree.file(is + "/username_in", text(s.username_in));
    tree.file(is + "/password_in", text(s.password_in));
    tree.file(is + "/recovery_tmo", std::to_string(s.recovery_tmo_s) + "\n");
    tree.file(is + "/abort_tmo", "15\n");
    tree.file(is + "/lu_reset_tmo", "30\n");
    tree.file(is + "/tgt_reset_tmo", "30\n");
    tree.file(is + "/target_id", std::to_string(s.target_id) + "\n");
    tree.file(is + "/creator", "-1\n");
    tree.link(is + "/device", dir);
    tree.link("/sys/class/iscsi_session/" + name, is);
    const auto cname = "connection" + std::to_string(s.sid) + ":0";
    const auto cdir = dir + "/" + cname;
    const auto ic = cdir + "/iscsi_connection/" + cname;
    tree.file(ic + "/address", s.portal.address + "\n");
    tree.file(ic + "/port", std::to_string(s.portal.port) + "\n");
    tree.file(ic + "/persistent_address", s.portal.address + "\n");
    tree.file(ic + "/persistent_port", std::to_string(s.portal.port) + "\n");
    tree.file(ic + "/state", s.connection_state + "\n");
    tree.link(ic + "/device", cdir);
    tree.link("/sys/class/iscsi_connection/" + cname, ic);
    if (s.target_created) {
        tree.dir(dir + "/target" + std::to_string(s.scsi_host) +
                 ":0:" + std::to_string(s.target_id));
    }
}

void render_device(Tree& tree, const Model& model, const ScsiDevice& device) {
    const auto dir = device_dir(model, device);
    const auto& a = device.address;
    const bool hidden = device.identity_hidden;
    tree.file(dir + "/vendor", padded(device.vendor, 8) + "\n");
    tree.file(dir + "/model", padded(device.model, 16) + "\n");
    tree.file(dir + "/rev", padded(device.revision, 4) + "\n");
    tree.attribute(dir + "/state", device.state + "\n", WriteKind::device_state, true, a.host, a);
    tree.attribute(dir + "/delete", "", WriteKind::device_delete, false, a.host, a);
    tree.attribute(dir + "/rescan", "", WriteKind::device_rescan, false, a.host, a);
    tree.file(dir + "/type", "0\n");
    tree.file(dir + "/scsi_level", "7\n");
    tree.file(dir + "/queue_depth", "128\n");
    tree.file(dir + "/timeout", "30\n");
    tree.file(dir + "/device_blocked", "0\n");
    tree.file(dir + "/wwid", model.sysfs_wwid_of(device) + "\n");
    tree.file(dir + "/vpd_pg83",
              vpd83_page(hidden ? std::vector<Designator>{} : device.designators));
    tree.file(dir + "/vpd_pg80", vpd80_page(device.serial));
    const auto sd = dir + "/scsi_device/" + a.to_string();
    tree.link(sd + "/device", dir);
    tree.link("/sys/class/scsi_device/" + a.to_string(), sd);
    if (!device.disk_visible) {
        return;
    }
    const auto name = device.disk_name();
    const auto [major, minor] = sd_device_number(*device.disk_index);
    const auto block = dir + "/block/" + name;
    tree.file(block + "/dev", std::to_string(major) + ":" + std::to_string(minor) + "\n");
    tree.file(block + "/size", std::to_string(device.size_bytes / 512) + "\n");
    tree.file(block + "/ro", model.block_read_only(name) ? "1\n" : "0\n");
    tree.file(block + "/removable", "0\n");
    tree.file(block + "/queue/logical_block_size", "512\n");
    tree.dir(block + "/holders");
    tree.dir(block + "/slaves");
    tree.link(block + "/device", dir);
    tree.link("/sys/block/" + name, block);
    tree.link("/sys/class/block/" + name, block);
    tree.device("/dev/" + name, FileType::block_device, major, minor);
}

std::string disk_block_dir(const Model& model, const std::string& disk) {
    const auto* device = model.device_by_disk(disk);
    return device == nullptr ? std::string() : device_dir(model, *device) + "/block/" + disk;
}

void render_map(Tree& tree, const Model& model, const MultipathMap& map) {
    const auto name = map.device();
    const auto dir = "/sys/devices/virtual/block/" + name;
    tree.file(dir + "/dev", std::to_string(dm_major) + ":" + std::to_string(map.dm_index) + "\n");
    tree.file(dir + "/size", std::to_string(map.size_bytes / 512) + "\n");
    tree.file(dir + "/ro", model.block_read_only(name) ? "1\n" : "0\n");
    tree.file(dir + "/dm/name", map.name + "\n");
    tree.file(dir + "/dm/uuid", "mpath-" + map.wwid + "\n");
    tree.file(dir + "/dm/suspended", "0\n");
    tree.dir(dir + "/slaves");
    tree.dir(dir + "/holders");
    for (const auto& path : map.paths) {
        const auto block = disk_block_dir(model, path);
        if (block.empty()) {
            continue;
        }
        tree.link(std::string(dir).append("/slaves/").append(path), block);
        tree.link(std::string(block).append("/holders/").append(name), dir);
    }
    tree.link("/sys/block/" + name, dir);
    tree.link("/sys/class/block/" + name, dir);
    tree.device("/dev/" + name, FileType::block_device, dm_major, map.dm_index);
}

void render_etc(Tree& tree, const HostState& state) {
    tree.attribute("/etc/iscsi/initiatorname.iscsi", initiator_name_file(state.initiator_name),
                   WriteKind::initiator_name);
    tree.file("/etc/iscsi/iscsid.conf", "node.startup = manual\nnode.session.scan = auto\n");
    tree.dir("/etc/iscsi/nodes");
    tree.dir("/etc/iscsi/send_targets");
    for (const auto& record : state.discovery) {
        tree.file("/etc/iscsi/send_targets/" + record.portal.address + "," +
                      std::to_string(record.portal.port) + "/st_config",
                  "discovery.startup = manual\ndiscovery.type = sendtargets\n");
    }
    tree.file("/etc/multipath/wwids", wwids_file(state));
    tree.file("/etc/multipath.conf",
              "defaults {\n    user_friendly_names no\n    find_multipaths strict\n}\n");
}

void render_global(Tree& tree, const Model& model) {
    for (const auto* dir :
         {"/sys/class/iscsi_host", "/sys/class/iscsi_session", "/sys/class/iscsi_connection",
          "/sys/class/scsi_host", "/sys/class/scsi_device", "/sys/class/block", "/sys/block",
          "/dev/disk/by-id", "/dev/disk/by-path", "/dev/mapper", "/tmp", "/run"}) {
        tree.dir(dir);
    }
    tree.file("/sys/class/dmi/id/product_uuid", model.fabric().host.product_uuid + "\n");
    tree.file("/sys/module/nvme_core/parameters/multipath",
              model.fabric().host.nvme_core_multipath + "\n");
    tree.device("/dev/mapper/control", FileType::char_device, 10, 236);
}

// Fingerprints: a 64-bit hash (FNV-1a) of everything a part of the tree is
// rendered from. A part is rendered again only when its fingerprint changed.
class Fingerprint {
  public:
    Fingerprint& add(std::string_view text) {
        for (const char c : text) {
            mix(static_cast<unsigned char>(c));
        }
        mix(0xff);  // a separator no text holds
        return *this;
    }
    Fingerprint& add(std::uint64_t number) {
        for (int i = 0; i < 8; ++i) {
            mix(static_cast<unsigned char>(number >> (8U * static_cast<unsigned>(i))));
        }
        return *this;
    }
    std::uint64_t value() const { return value_; }

  private:
    void mix(unsigned char byte) {
        value_ ^= byte;
        value_ *= 0x100000001b3ULL;
    }
    std::uint64_t value_ = 0xcbf29ce484222325ULL;
};

std::uint64_t fingerprint_of(const ScsiHost& host, const HostState& state) {
    return Fingerprint()
        .add(host.number)
        .add(scsi_host_dir(state, host.number))  // an FC host's lies under its HBA
        .add(host.sid ? *host.sid + 1ULL : 0ULL)
        .add(host.proc_name)
        .add(state.initiator_name)
        .value();
}

std::uint64_t fingerprint_of(const IscsiSession& s, const HostState& state) {
    return Fingerprint()
        .add(s.sid)
        .add(session_dir(state, s))
        .add(s.iqn)
        .add(s.portal.address)
        .add(s.portal.port)
        .add(static_cast<std::uint64_t>(s.tpgt))
        .add(s.iface)
        .add(s.scsi_host)
        .add(s.target_id)
        .add(s.state)
        .add(s.connection_state)
        .add(s.recovery_tmo_s)
        .add(s.username)
        .add(s.password)
        .add(s.username_in)
        .add(s.password_in)
        .add(s.target_created ? 1 : 0)
        .value();
}

std::uint64_t fingerprint_of(const ScsiDevice& d, const Model& model) {
    Fingerprint f;
    f.add(d.address.host).add(d.address.channel).add(d.address.target).add(d.address.lun);
    // Where the device sits: under its session's, its FC remote port's or its
    // host's directory.
    f.add(device_dir(model, d)).add(d.fc_port);
    f.add(d.vendor).add(d.model).add(d.revision).add(d.serial).add(d.state).add(d.size_bytes);
    f.add(d.disk_index ? *d.disk_index + 1ULL : 0ULL)
        .add(d.disk_visible ? 1 : 0)
        .add(d.identity_hidden ? 1 : 0)
        .add(d.links_by_path ? 1 : 0)  // for the udev links
        .add(d.links_by_id ? 1 : 0)
        .add(model.block_read_only(d.disk_name()) ? 1 : 0);
    for (const auto& designator : d.designators) {
        f.add(static_cast<std::uint64_t>(designator.type)).add(designator.value);
    }
    return f.value();
}

std::uint64_t fingerprint_of(const MultipathMap& map, const Model& model) {
    Fingerprint f;
    f.add(map.dm_index).add(map.name).add(map.wwid).add(map.size_bytes).add(map.links ? 1 : 0);
    f.add(model.block_read_only(map.device()) ? 1 : 0);
    for (const auto& path : map.paths) {
        f.add(path).add(disk_block_dir(model, path));
    }
    return f.value();
}

// open-iscsi 2.1.8 keeps a record whose portal group is not known (made with
// --op new) as one file named for the portal; a discovered one as a folder
// ADDRESS,PORT,TPGT holding one file per iface.
std::string node_record_path(const NodeRecord& node) {
    auto portal = "/etc/iscsi/nodes/" + node.iqn + "/" + node.portal.address + "," +
                  std::to_string(node.portal.port);
    if (node.tpgt < 0) {
        return portal;
    }
    return portal + "," + std::to_string(node.tpgt) + "/" + node.iface;
}

std::uint64_t fingerprint_of(const NodeRecord& node) {
    Fingerprint f;
    f.add(node.discovery_type);
    for (const auto& [key, value] : node.settings) {
        f.add(key).add(value);
    }
    return f.value();
}

// A whole scratch tree: the fingerprint of a part rendered by copying.
std::uint64_t fingerprint_of(const Tree& scratch) {
    Fingerprint f;
    for (const auto& [path, node] : scratch.nodes()) {
        f.add(path)
            .add(static_cast<std::uint64_t>(node.type))
            .add(node.content)
            .add(node.apparent_size ? *node.apparent_size + 1ULL : 0ULL)
            .add(node.link)
            .add(node.major)
            .add(node.minor)
            .add(node.readable ? 1 : 0)
            .add(static_cast<std::uint64_t>(node.write))
            .add(node.scsi_host)
            .add(node.address.host)
            .add(node.address.channel)
            .add(node.address.target)
            .add(node.address.lun);
    }
    return f.value();
}

}  // namespace

template <typename Key, typename Render>
bool TreeRenderer::part(std::map<Key, Part>& parts, const Key& key, std::uint64_t fingerprint,
                        Render render) {
    auto [it, inserted] = parts.try_emplace(key);
    it->second.seen = generation_;
    if (!inserted && it->second.fingerprint == fingerprint) {
        return false;
    }
    for (const auto& path : it->second.paths) {
        tree_.erase(path);
    }
    it->second.paths.clear();
    it->second.fingerprint = fingerprint;
    tree_.record_into(&it->second.paths);
    render(tree_);
    tree_.record_into(nullptr);
    return true;
}

template <typename Key>
bool TreeRenderer::sweep(std::map<Key, Part>& parts) {
    bool changed = false;
    for (auto it = parts.begin(); it != parts.end();) {
        if (it->second.seen == generation_) {
            ++it;
            continue;
        }
        for (const auto& path : it->second.paths) {
            tree_.erase(path);
        }
        it = parts.erase(it);
        changed = true;
    }
    return changed;
}

bool TreeRenderer::copied_part(const std::string& key, const Tree& scratch) {
    return part(named_, key, fingerprint_of(scratch), [&](Tree& tree) {
        for (const auto& [path, node] : scratch.nodes()) {
            if (path != "/" && node.refs > 0) {
                tree.copy_node(path, node);
            }
        }
    });
}

const Tree& TreeRenderer::update(
    const Model& model, const std::vector<std::pair<std::string, std::string>>& extra_files) {
    ++generation_;
    const auto& state = model.state();
    Fingerprint extra;
    for (const auto& [path, content] : extra_files) {
        extra.add(path).add(content);
    }
    part(named_, std::string("extra"), extra.value(), [&](Tree& tree) {
        for (const auto& [path, content] : extra_files) {
            tree.file(path, content);
        }
    });
    part(named_, std::string("global"),
         Fingerprint()
             .add(model.fabric().host.product_uuid)
             .add(model.fabric().host.nvme_core_multipath)
             .value(),
         [&](Tree& tree) { render_global(tree, model); });
    // What the udev links derive from: rendered again only if one of these changed.
    bool devices_changed = false;
    for (const auto& [number, host] : state.scsi_hosts) {
        part(hosts_, number, fingerprint_of(host, state),
             [&, &host = host](Tree& tree) { render_scsi_host(tree, state, host); });
    }
    for (const auto& [sid, session] : state.sessions) {
        devices_changed |=
            part(sessions_, sid, fingerprint_of(session, state),
                 [&, &session = session](Tree& tree) { render_session(tree, state, session); });
    }
    for (const auto& [address, device] : state.devices) {
        devices_changed |=
            part(devices_, address, fingerprint_of(device, model),
                 [&, &device = device](Tree& tree) { render_device(tree, model, device); });
    }
    for (const auto& [wwid, map] : state.maps) {
        devices_changed |= part(maps_, wwid, fingerprint_of(map, model),
                                [&, &map = map](Tree& tree) { render_map(tree, model, map); });
    }
    sweep(hosts_);
    devices_changed |= sweep(sessions_);
    devices_changed |= sweep(devices_);
    devices_changed |= sweep(maps_);
    Tree nvme_files;
    render_nvme(nvme_files, model);
    devices_changed |= copied_part("nvme", nvme_files);
    // The FC transport classes: HBA ports, remote ports, the SCSI targets
    // behind them (their devices are parts above); the by-path links of FC
    // disks name the remote port.
    Tree fc_files;
    render_fc(fc_files, model);
    devices_changed |= copied_part("fc", fc_files);
    // NVMe-oF and md links follow state the parts above do not cover.
    const auto& nvme = state.nvme;
    if (devices_changed || links_.empty() || !nvme.controllers.empty() ||
        !nvme.subsystems.empty() || !nvme.md_arrays.empty()) {
        for (const auto& link : model.udev_links()) {
            part(links_, link.path, Fingerprint().add(link.device).value(),
                 [&](Tree& tree) { tree.link(link.path, "/dev/" + link.device); });
        }
        sweep(links_);
    }
    for (const auto& node : state.nodes) {
        part(nodes_, node_record_path(node), fingerprint_of(node),
             [&](Tree& tree) { tree.file(node_record_path(node), node_record_text(node, true)); });
    }
    sweep(nodes_);
    Tree etc;
    render_etc(etc, state);
    copied_part("etc", etc);

    // NFS, RBD, LVM and dm-crypt, then the store, where nothing rendered has
    // the path: both rendered again every time (dm-crypt links into the
    // device under it, the store fills what no other part has).
    for (const auto& path : store_) {
        tree_.erase(path);
    }
    store_.clear();
    tree_.record_into(&store_);
    render_storage(tree_, model);
    for (const auto& dir : state.dirs) {
        tree_.dir(dir);
    }
    for (const auto& [path, content] : state.files) {
        if (tree_.find(path) == nullptr) {
            tree_.attribute(path, content, WriteKind::store);
        }
    }
    tree_.record_into(nullptr);
    return tree_;
}

Tree render(const Model& model) {
    TreeRenderer renderer;
    return renderer.update(model);
}

}  // namespace brick::sim
