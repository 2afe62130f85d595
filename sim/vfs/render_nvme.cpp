// The NVMe-oF and md files of the simulated host, laid out as Linux 6.1 has
// them:
//   /sys/devices/virtual/nvme-fabrics/ctl/nvmeN            a controller
//   /sys/devices/virtual/nvme-fabrics/ctl/nvmeN/nvmeScNnH  a hidden path device
//   /sys/devices/virtual/nvme-fabrics/ctl/nvmeN/nvmeNnH    a disk (multipath off)
//   /sys/devices/virtual/nvme-subsystem/nvme-subsysS       a subsystem, with a
//       link per controller and its head disks nvmeSnH
//   /sys/class/{nvme,nvme-fabrics,nvme-subsystem,block}, /sys/block: links
//   /dev/nvme-fabrics, /dev/nvmeN, /dev/nvmeSnH, /dev/ngSnH
//   /sys/devices/virtual/block/mdN, /dev/mdN, /dev/md/<name>
#include "sim/vfs/render.hpp"

namespace brick::sim {
namespace {

constexpr unsigned blkext_major = 259;
constexpr unsigned nvme_char_major = 241;
constexpr unsigned nvme_generic_major = 240;
constexpr unsigned md_major = 9;

constexpr const char* fabrics_dir = "/sys/devices/virtual/nvme-fabrics/ctl";
constexpr const char* subsystems_dir = "/sys/devices/virtual/nvme-subsystem";

std::string hex_nguid(const std::string& nguid) {
    return nguid.empty() ? std::string(32, '0') : nguid;
}

// The nguid attribute: 16 bytes as a UUID-shaped string.
std::string nguid_attribute(const std::string& nguid) {
    const auto h = hex_nguid(nguid);
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20, 12);
}

std::string wwid_attribute(const NvmeHead& head, const NvmeSubsystemState& subsystem) {
    if (!head.uuid.empty()) {
        return "uuid." + head.uuid;
    }
    if (!head.nguid.empty()) {
        return "eui." + head.nguid;
    }
    return "nvme.0000-" + subsystem.serial + "-" + subsystem.model + "-" +
           std::to_string(head.nsid);
}

void namespace_attributes(Tree& tree, const std::string& dir, const NvmeHead& head,
                          const NvmeSubsystemState& subsystem) {
    tree.file(dir + "/nsid", std::to_string(head.nsid) + "\n");
    // 6.1: uuid shows the NGUID when the namespace has no UUID; each is
    // hidden when the namespace has neither.
    if (!head.uuid.empty() || !head.nguid.empty()) {
        tree.file(dir + "/uuid",
                  (head.uuid.empty() ? nguid_attribute(head.nguid) : head.uuid) + "\n");
    }
    if (!head.nguid.empty()) {
        tree.file(dir + "/nguid", nguid_attribute(head.nguid) + "\n");
    }
    tree.file(dir + "/wwid", wwid_attribute(head, subsystem) + "\n");
    tree.file(dir + "/eui", "0000000000000000\n");
    tree.file(dir + "/size", std::to_string(head.size_bytes / 512) + "\n");
    tree.file(dir + "/ro", "0\n");
    tree.file(dir + "/removable", "0\n");
    tree.file(dir + "/queue/logical_block_size", std::to_string(head.block_size) + "\n");
    tree.dir(dir + "/holders");
    tree.dir(dir + "/slaves");
}

// 6.1 keeps max_reconnects = DIV_ROUND_UP(ctrl_loss_tmo, reconnect_delay)
// (-1 for a negative ctrl_loss_tmo) and shows max_reconnects * reconnect_delay,
// or "off": ctrl_loss_tmo=30,reconnect_delay=4 reads back as 32.
std::string ctrl_loss_tmo_attribute(const NvmeController& c) {
    if (c.ctrl_loss_tmo < 0) {
        return "off";
    }
    const std::int64_t delay = c.reconnect_delay;
    const auto max_reconnects = (c.ctrl_loss_tmo + delay - 1) / delay;
    return std::to_string(max_reconnects * delay);
}

void block_links(Tree& tree, const std::string& name, const std::string& dir) {
    tree.link("/sys/block/" + name, dir);
    tree.link("/sys/class/block/" + name, dir);
}

}  // namespace

void render_nvme(Tree& tree, const Model& model) {
    const auto& nvme = model.state().nvme;
    const bool native = model.nvme_native_multipath();
    tree.dir("/etc/nvme");
    tree.dir("/sys/class/nvme");
    tree.dir("/sys/class/nvme-subsystem");
    tree.dir("/dev/md");
    tree.file(std::string(fabrics_dir) + "/dev", "10:122\n");
    tree.link("/sys/class/nvme-fabrics/ctl", fabrics_dir);
    tree.device("/dev/nvme-fabrics", FileType::char_device, 10, 122, WriteKind::nvme_fabrics);
    std::map<std::string, const NvmeSubsystemState*> by_nqn;
    for (const auto& [number, subsystem] : nvme.subsystems) {
        by_nqn[subsystem.nqn] = &subsystem;
    }
    std::map<std::string, std::string> disk_dirs;  // disk name -> its sysfs directory
    for (const auto& [instance, c] : nvme.controllers) {
        const auto name = c.name();
        const auto dir = std::string(fabrics_dir) + "/" + name;
        const auto* subsystem =
            by_nqn.count(c.subsystem_nqn) != 0 ? by_nqn[c.subsystem_nqn] : nullptr;
        tree.file(dir + "/address", c.address() + "\n");
        tree.file(dir + "/cntlid", std::to_string(c.cntlid) + "\n");
        tree.file(dir + "/dev",
                  std::to_string(nvme_char_major) + ":" + std::to_string(instance) + "\n");
        tree.file(dir + "/state", c.state + "\n");
        tree.file(dir + "/subsysnqn", c.subsystem_nqn + "\n");
        tree.file(dir + "/transport", c.transport + "\n");
        tree.file(dir + "/hostnqn", c.host_nqn + "\n");
        tree.file(dir + "/hostid", c.host_id + "\n");
        tree.file(dir + "/kato", std::to_string(c.keep_alive_tmo) + "\n");
        tree.file(dir + "/ctrl_loss_tmo", ctrl_loss_tmo_attribute(c) + "\n");
        tree.file(dir + "/reconnect_delay", std::to_string(c.reconnect_delay) + "\n");
        tree.file(dir + "/fast_io_fail_tmo", "off\n");
        tree.file(dir + "/numa_node", "-1\n");
        tree.file(dir + "/queue_count", "3\n");
        tree.file(dir + "/sqsize", "127\n");
        if (subsystem != nullptr) {
            tree.file(dir + "/serial", subsystem->serial + "\n");
            tree.file(dir + "/model", subsystem->model + "\n");
            tree.file(dir + "/firmware_rev", subsystem->firmware + "\n");
        }
        tree.attribute(dir + "/delete_controller", "", WriteKind::nvme_delete, false, instance);
        tree.attribute(dir + "/rescan_controller", "", WriteKind::nvme_rescan, false, instance);
        tree.attribute(dir + "/reset_controller", "", WriteKind::none, false, instance);
        tree.link("/sys/class/nvme/" + name, dir);
        tree.device("/dev/" + name, FileType::char_device, nvme_char_major, instance);
        if (subsystem == nullptr) {
            continue;
        }
        for (const auto nsid : c.paths) {
            const auto head = subsystem->heads.find(nsid);
            if (head == subsystem->heads.end()) {
                continue;
            }
            if (native) {
                // The hidden path device: in /sys/block, no /dev node.
                const auto path_name = "nvme" + std::to_string(subsystem->instance) + "c" +
                                       std::to_string(instance) + "n" +
                                       std::to_string(head->second.instance);
                auto path_dir = dir;
                path_dir.append("/").append(path_name);
                namespace_attributes(tree, path_dir, head->second, *subsystem);
                tree.file(path_dir + "/ana_grpid", std::to_string(head->second.ana_group) + "\n");
                tree.file(path_dir + "/ana_state", model.nvme_ana_state(c, nsid) + "\n");
                tree.link(path_dir + "/device", dir);
                block_links(tree, path_name, path_dir);
            }
        }
    }
    for (const auto& [number, subsystem] : nvme.subsystems) {
        const auto dir = std::string(subsystems_dir) + "/" + subsystem.name();
        tree.file(dir + "/subsysnqn", subsystem.nqn + "\n");
        tree.file(dir + "/serial", subsystem.serial + "\n");
        tree.file(dir + "/model", subsystem.model + "\n");
        tree.file(dir + "/firmware_rev", subsystem.firmware + "\n");
        tree.file(dir + "/iopolicy", "numa\n");
        tree.file(dir + "/subsystype", "nvm\n");
        tree.link("/sys/class/nvme-subsystem/" + subsystem.name(), dir);
        for (const auto& [instance, c] : nvme.controllers) {
            if (c.subsystem_nqn == subsystem.nqn) {
                tree.link(dir + "/" + c.name(), std::string(fabrics_dir) + "/" + c.name());
            }
        }
    }
    for (const auto& disk : model.nvme_disks()) {
        const auto* subsystem = by_nqn.at(disk.subsystem_nqn);
        const auto& head = subsystem->heads.at(disk.nsid);
        const auto dir = disk.controller ? std::string(fabrics_dir) + "/nvme" +
                                               std::to_string(*disk.controller) + "/" + disk.name
                                         : std::string(subsystems_dir) + "/" + subsystem->name() +
                                               "/" + disk.name;
        namespace_attributes(tree, dir, head, *subsystem);
        tree.file(dir + "/dev",
                  std::to_string(blkext_major) + ":" + std::to_string(disk.minor) + "\n");
        if (disk.controller) {
            tree.link(dir + "/device",
                      std::string(fabrics_dir) + "/nvme" + std::to_string(*disk.controller));
        }
        block_links(tree, disk.name, dir);
        disk_dirs[disk.name] = dir;
        tree.device("/dev/" + disk.name, FileType::block_device, blkext_major, disk.minor);
        tree.device("/dev/ng" + disk.name.substr(4), FileType::char_device, nvme_generic_major,
                    disk.minor);
    }
    for (const auto& [number, array] : nvme.md_arrays) {
        const auto name = array.device();
        const auto dir = "/sys/devices/virtual/block/" + name;
        tree.file(dir + "/dev", std::to_string(md_major) + ":" + std::to_string(number) + "\n");
        tree.file(dir + "/size", std::to_string(array.size_bytes / 512) + "\n");
        tree.file(dir + "/ro", "0\n");
        tree.file(dir + "/md/level", "raid1\n");
        tree.file(dir + "/md/raid_disks", std::to_string(array.raid_devices) + "\n");
        tree.file(dir + "/md/degraded",
                  std::to_string(array.raid_devices -
                                 std::min<std::size_t>(array.raid_devices, array.legs.size())) +
                      "\n");
        tree.file(dir + "/md/array_state", "clean\n");
        tree.file(dir + "/md/uuid", array.uuid + "\n");
        tree.dir(dir + "/slaves");
        tree.dir(dir + "/holders");
        for (const auto& leg : array.legs) {
            if (const auto it = disk_dirs.find(leg); it != disk_dirs.end()) {
                tree.link(std::string(dir).append("/slaves/").append(leg), it->second);
                tree.link(it->second + "/holders/" + name, dir);
            }
        }
        block_links(tree, name, dir);
        tree.device("/dev/" + name, FileType::block_device, md_major, number);
        tree.link("/dev/md/" + array.name, "/dev/" + name);
    }
}

}  // namespace brick::sim
