// The NFS, RBD, LVM and dm-crypt files of the simulated host, laid out as
// Linux 6.1 has them:
//   /proc/mounts                                  the mount table
//   <mount point>/<file>                          an export's volume files
//   /sys/devices/rbd/N, /sys/bus/rbd/devices/N    a mapped image (pool, name, ...)
//   /sys/devices/virtual/block/rbdN, /dev/rbdN, /dev/rbd/<pool>/<image>
//   /sys/devices/virtual/block/dm-N (dm/name, dm/uuid LVM-... or CRYPT-...,
//       slaves, holders), /dev/dm-N, /dev/mapper/<name>, /dev/<vg>/<lv>
#include <array>

#include "sim/vfs/render.hpp"

namespace brick::sim {
namespace {

constexpr unsigned rbd_major = 253;  // the dynamic major rbd got in the guest (single_major)

// /proc/mounts escapes blanks and backslashes as octal.
std::string escaped(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
            std::array<char, 5> buffer{};
            std::snprintf(buffer.data(), buffer.size(), "\\%03o", static_cast<unsigned char>(c));
            out += buffer.data();
        } else {
            out += c;
        }
    }
    return out;
}

void block_device(Tree& tree, const std::string& name, unsigned major, unsigned minor,
                  std::uint64_t size, bool read_only) {
    const auto dir = "/sys/devices/virtual/block/" + name;
    tree.file(dir + "/dev", std::to_string(major) + ":" + std::to_string(minor) + "\n");
    tree.file(dir + "/size", std::to_string(size / 512) + "\n");
    tree.file(dir + "/ro", std::string(read_only ? "1" : "0") + "\n");
    tree.file(dir + "/removable", "0\n");
    tree.file(dir + "/queue/logical_block_size", "512\n");
    tree.dir(dir + "/holders");
    tree.dir(dir + "/slaves");
    tree.link("/sys/block/" + name, dir);
    tree.link("/sys/class/block/" + name, dir);
    tree.device("/dev/" + name, FileType::block_device, major, minor);
}

void dm_attributes(Tree& tree, const std::string& device, const std::string& name,
                   const std::string& uuid) {
    const auto dir = "/sys/devices/virtual/block/" + device;
    tree.file(dir + "/dm/name", name + "\n");
    tree.file(dir + "/dm/uuid", uuid + "\n");
    tree.file(dir + "/dm/suspended", "0\n");
    tree.link("/dev/mapper/" + name, "/dev/" + device);
}

void render_mounts(Tree& tree, const Model& model) {
    const auto& storage = model.state().storage;
    std::string table =
        "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"
        "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
        "udev /dev devtmpfs rw,nosuid,relatime,size=12271764k,nr_inodes=3067941,mode=755 0 0\n"
        "/dev/sda1 / ext4 rw,relatime,errors=remount-ro 0 0\n"
        "tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=2458560k,mode=755 0 0\n";
    for (const auto& mount : storage.mounts) {
        table += escaped(mount.source) + " " + escaped(mount.mount_point) + " " + mount.type + " " +
                 mount.options + " 0 0\n";
        for (const auto& share : model.fabric().nfs_exports) {
            if (share.spec() != mount.source) {
                continue;
            }
            tree.dir(mount.mount_point);
            for (const auto& [file, volume] : share.files) {
                tree.sized_file(mount.mount_point + "/" + file,
                                model.fabric().volumes.at(volume).size_bytes);
            }
        }
    }
    tree.file("/proc/mounts", table);
}

void render_rbd(Tree& tree, const Model& model) {
    if (!model.fabric().rbd) {
        return;
    }
    tree.dir("/sys/bus/rbd/devices");
    for (const auto& [id, mapping] : model.state().storage.rbd) {
        const auto dir = "/sys/devices/rbd/" + std::to_string(id);
        const auto size = model.fabric().volumes.at(mapping.volume_id).size_bytes;
        tree.file(dir + "/pool", mapping.pool + "\n");
        tree.file(dir + "/pool_id", "2\n");
        tree.file(dir + "/pool_ns", "\n");
        tree.file(dir + "/name", mapping.image + "\n");
        tree.file(dir + "/image_id", "10ab" + std::to_string(1000 + id) + "\n");
        tree.file(dir + "/current_snap", mapping.snap + "\n");
        tree.file(dir + "/size", std::to_string(size) + "\n");
        tree.file(dir + "/major", std::to_string(rbd_major) + "\n");
        tree.file(dir + "/minor", std::to_string(id * 16) + "\n");
        tree.file(dir + "/cluster_fsid", model.fabric().rbd->fsid + "\n");
        tree.file(dir + "/client_id", "client" + std::to_string(4100 + id) + "\n");
        tree.attribute(dir + "/refresh", "", WriteKind::accepted, false);
        tree.link("/sys/bus/rbd/devices/" + std::to_string(id), dir);
        block_device(tree, mapping.device(), rbd_major, id * 16, size, mapping.read_only);
        if (mapping.links) {
            tree.link("/dev/rbd/" + mapping.pool + "/" + mapping.image +
                          (mapping.snap == "-" ? "" : "@" + mapping.snap),
                      "/dev/" + mapping.device());
        }
    }
}

void render_dm(Tree& tree, const Model& model) {
    const auto& storage = model.state().storage;
    for (const auto& lv : storage.logical_volumes) {
        block_device(tree, lv.device(), dm_major, lv.dm_index,
                     model.fabric().volumes.at(lv.volume_id).size_bytes, false);
        dm_attributes(tree, lv.device(), lv.dm_name(), lv.uuid);
        tree.link("/dev/" + lv.volume_group + "/" + lv.logical_volume, "/dev/" + lv.device());
    }
    for (const auto& [name, crypt] : storage.crypts) {
        const auto device = crypt.device();
        block_device(tree, device, dm_major, crypt.dm_index, crypt.size_bytes, crypt.read_only);
        dm_attributes(tree, device, name, crypt.dm_uuid());
        int error = 0;
        const auto under = tree.resolve("/sys/class/block/" + crypt.backing, true, error);
        if (under) {
            const auto dir = "/sys/devices/virtual/block/" + device;
            tree.link(dir + "/slaves/" + crypt.backing, *under);
            tree.link(*under + "/holders/" + device, dir);
        }
    }
}

}  // namespace

void render_storage(Tree& tree, const Model& model) {
    render_mounts(tree, model);
    render_rbd(tree, model);
    render_dm(tree, model);
}

}  // namespace brick::sim
