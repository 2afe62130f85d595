#pragma once
// The host side of NVMe-oF and md RAID1 as the kernel keeps it: fabrics
// controllers, subsystems with their namespace heads, and md arrays. Plain
// typed values; Model is the only writer (nvme_ops.cpp, md_ops.cpp).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace brick::sim {

// One fabrics controller (/sys/class/nvme/nvmeN).
struct NvmeController {
    unsigned instance = 0;  // nvmeN
    std::string subsystem_nqn;
    std::string transport;  // tcp, rdma
    std::string traddr;
    unsigned trsvcid = 4420;
    std::string host_traddr;  // set by the connect, or empty
    std::string host_iface;
    std::string host_nqn;
    std::string host_id;
    unsigned cntlid = 0;
    // new, connecting, live, resetting, deleting, dead
    std::string state = "new";
    unsigned port_id = 0;  // the target port it reached
    int ctrl_loss_tmo = 600;
    int reconnect_delay = 10;
    int keep_alive_tmo = 5;
    std::int64_t lost_at_ms =
        -1;  // when it last lost its connection (ctrl_loss_tmo counts from here)
    // Namespaces (NSIDs) this controller has a path to (scanned).
    std::set<std::uint32_t> paths;
    // The value of the address attribute: the 6.1 format, src_addr while connected.
    std::string address() const;
    std::string name() const { return "nvme" + std::to_string(instance); }
};

// A namespace head (one per NSID of a subsystem): the multipath disk
// nvme<subsys>n<instance>, or, with native multipath off, the identity the
// per-controller disks nvme<ctrl>n<instance> share.
struct NvmeHead {
    std::uint32_t nsid = 0;
    unsigned instance = 1;
    std::string volume_id;
    std::string uuid;
    std::string nguid;
    std::uint64_t size_bytes = 0;
    unsigned block_size = 4096;
    unsigned ana_group = 1;
    // Native multipath: the head disk was added (a path became usable) and
    // udev made its links.
    bool disk_visible = false;
    bool links = false;
    unsigned minor = 0;  // of the head disk (major 259)
};

struct NvmeSubsystemState {
    unsigned instance = 0;  // nvme-subsysN
    std::string nqn;
    std::string serial;
    std::string model;
    std::string firmware;
    std::map<std::uint32_t, NvmeHead> heads;  // by NSID
    std::string name() const { return "nvme-subsys" + std::to_string(instance); }
};

// A per-controller namespace disk (native multipath off): nvme<ctrl>n<head>.
struct NvmePrivateDisk {
    unsigned minor = 0;
    bool links = false;
};

// An md RAID1 array (/dev/mdN, /dev/md/<name>).
struct MdArray {
    unsigned number = 127;
    std::string name;  // the alias: /dev/md/<name>
    std::string uuid;
    unsigned raid_devices = 2;
    std::vector<std::string> legs;  // block device names ("nvme0n1")
    std::uint64_t size_bytes = 0;
    std::string device() const { return "md" + std::to_string(number); }
};

// A view of one NVMe block device with a /dev node.
struct NvmeDisk {
    std::string name;  // "nvme0n1"
    std::string subsystem_nqn;
    std::uint32_t nsid = 0;
    std::string volume_id;
    std::optional<unsigned> controller;  // a per-controller disk (multipath off)
    unsigned minor = 0;
    bool links = false;
    // I/O can go through a live path with an accessible ANA state.
    bool usable = false;
    // I/O queues: no usable path, but one that may come back (connecting, or
    // live with an inaccessible ANA state).
    bool queued = false;
};

struct NvmeHostState {
    std::map<unsigned, NvmeController> controllers;     // by instance
    std::map<unsigned, NvmeSubsystemState> subsystems;  // by instance
    // Native multipath off: disks by (controller instance, NSID).
    std::map<std::pair<unsigned, std::uint32_t>, NvmePrivateDisk> private_disks;
    // Written blocks not yet flushed, by block device name ("nvme0n1", "md127").
    std::map<std::string, std::map<std::uint64_t, std::string>> dirty;
    std::map<unsigned, MdArray> md_arrays;  // by number
    unsigned next_cntlid = 1;
    unsigned next_minor = 0;
    std::uint64_t discovery_generation = 2;
};

}  // namespace brick::sim
