#pragma once
// The host side of NFS mounts, kernel RBD mappings and device-mapper devices
// that are not multipath maps (LVM logical volumes, dm-crypt mappings) as the
// kernel keeps them. Plain typed values; Model is the only writer
// (storage_ops.cpp).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace brick::sim {

// One line of /proc/mounts made by the fake mount.
struct MountEntry {
    std::string source;       // "127.0.0.1:/srv/nfs"
    std::string mount_point;  // "/var/lib/brick/mnt/<md5>"
    std::string type;         // "nfs" (v3) or "nfs4"
    std::string options;      // as the kernel shows them
};

// /sys/bus/rbd/devices/<id>: a mapped image.
struct RbdMapping {
    unsigned id = 0;
    std::string pool;
    std::string image;
    std::string snap = "-";
    std::string volume_id;
    bool read_only = false;
    bool links = false;  // udev made /dev/rbd/<pool>/<image>
    std::string device() const { return "rbd" + std::to_string(id); }
};

// A dm linear device: an LVM logical volume of the host.
struct LogicalVolume {
    unsigned dm_index = 0;
    std::string volume_group;
    std::string logical_volume;
    std::string volume_id;
    std::string uuid;  // "LVM-<64 characters>"
    // dm's name: "cinder--volumes-volume--1" (dashes doubled).
    std::string dm_name() const;
    std::string device() const { return "dm-" + std::to_string(dm_index); }
};

// A dm-crypt mapping opened by cryptsetup luksOpen.
struct CryptMapping {
    unsigned dm_index = 0;
    std::string name;     // "crypt-sdb"
    std::string backing;  // the device under it ("sdb", "dm-0", "rbd0", ...)
    std::string volume_id;
    unsigned luks_version = 1;
    std::string luks_uuid;
    std::uint64_t offset_bytes = 0;  // the LUKS header before the data
    std::uint64_t size_bytes = 0;
    std::uint64_t master_key = 0;
    bool read_only = false;
    bool links = false;  // udev made /dev/mapper/<name>
    std::string device() const { return "dm-" + std::to_string(dm_index); }
    // "CRYPT-LUKS1-<uuid without dashes>-<name>", as cryptsetup sets it.
    std::string dm_uuid() const;
};

struct StorageHostState {
    std::vector<MountEntry> mounts;
    std::map<unsigned, RbdMapping> rbd;  // by id
    std::vector<LogicalVolume> logical_volumes;
    std::map<std::string, CryptMapping> crypts;  // by name
    // Written blocks not yet flushed, by block device name ("rbd0", "dm-2").
    std::map<std::string, std::map<std::uint64_t, std::string>> dirty;
    // Whether every cluster file `rbd map` read was private (mode 0600).
    bool rbd_files_private = true;
    unsigned rbd_files_read = 0;
};

}  // namespace brick::sim
