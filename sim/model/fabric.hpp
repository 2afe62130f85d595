#pragma once
// The fabric file: the remote side of a simulated host (storage targets and
// their volumes), the host's own identity, and the timing model. JSON; see
// sim/fabrics/*.json for examples.
//
//   {"host":   {"initiator_name": "...", "product_uuid": "...", "local_disks": 1},
//    "timing": {"disk_ms": 40, "udev_ms": 400, ...},
//    "iscsi":  {"discovery_chap": {"username": "...", "password": "..."},
//               "targets": [{"iqn": "...", "portals": ["10.0.0.1:3260"], "tpgt": 1,
//                            "chap": {...}, "mutual_chap": {...},
//                            "luns": [{"lun": 1, "size": 1073741824, "volume": "vol-1",
//                                      "designators": [{"type": "naa", "value": "6001405..."}],
//                                      "serial": "...", "vendor": "LIO-ORG", "model": "..."}]}]},
//    "nvme": {...}, "fc": {...}}   (reserved: parsed later, accepted now)

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/model/identity.hpp"
#include "sim/model/portal.hpp"

namespace brick::sim {

// A fabric document is malformed; path() is the JSON pointer of the culprit
// ("/iscsi/targets/0/luns/1/size").
class FabricError : public std::runtime_error {
  public:
    FabricError(std::string path, const std::string& message)
        : std::runtime_error(path + ": " + message), path_(std::move(path)) {}
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

struct Chap {
    std::string username;
    std::string password;
    bool operator==(const Chap&) const = default;
};

// A volume: identity and size as the target reports them, and its contents.
struct Volume {
    std::string id;
    std::uint64_t size_bytes = 0;
    std::vector<Designator> designators;
    std::string serial;
    std::string vendor = "LIO-ORG";
    std::string model = "sim-volume";
    std::string revision = "4.0";
    // Contents on the target: 512-byte blocks that were ever written (others read as zeros).
    std::map<std::uint64_t, std::string> blocks;
};

struct Lun {
    std::uint64_t number = 0;
    std::string volume_id;
};

struct IscsiTarget {
    std::string iqn;
    std::vector<Portal> portals;
    int tpgt = 1;
    std::optional<Chap> chap;         // session CHAP the target requires
    std::optional<Chap> mutual_chap;  // the target's own credentials (mutual CHAP)
    std::vector<Lun> luns;
};

// Reserved for the NVMe-oF and FC models (not simulated yet).
struct NvmeSubsystem {
    std::string nqn;
    nlohmann::json spec;
};
struct FcTargetPort {
    std::string wwpn;
    nlohmann::json spec;
};

struct HostSettings {
    std::string initiator_name = "iqn.1993-08.org.debian:01:5e1f0c1a2b3c";
    std::string product_uuid = "4c4c4544-0042-4a10-8051-b3c04f4d3132";
    std::string nvme_core_multipath = "Y";
    std::string ip_address = "192.168.122.1";
    // Local disks present before any iSCSI session (sda, ...) on SCSI host 0.
    unsigned local_disks = 1;
    // SCSI host numbers already used by local controllers (iSCSI hosts follow).
    unsigned first_scsi_host = 2;
    bool multipathd_running = true;
    bool iscsid_running = true;
};

// Virtual-time costs and delays in milliseconds. Defaults follow the timings
// measured on Debian's 6.1 kernel in a guest (docs: real-kernel-in-qemu).
struct Timing {
    unsigned tool_ms = 5;             // any fake tool run
    unsigned login_ms = 150;          // iscsiadm --login until the session exists
    unsigned logout_ms = 100;         // iscsiadm --logout
    unsigned discovery_ms = 40;       // sendtargets
    unsigned unreachable_ms = 15000;  // a login or discovery to a dead portal
    unsigned scan_ms = 2;             // the scan write itself (scsi_device exists on return)
    unsigned disk_ms = 40;            // sd disk and /dev node after the scan
    unsigned udev_ms = 400;           // udev links after the disk
    unsigned map_ms = 800;            // multipath map after the path was added
    unsigned delete_ms = 50;          // a delete write (returns once the device is gone)
    unsigned flush_ms = 20;           // blockdev --flushbufs
    unsigned jitter_percent = 20;     // seeded jitter applied to the async delays
};

struct Fabric {
    HostSettings host;
    Timing timing;
    std::map<std::string, Volume> volumes;
    std::vector<IscsiTarget> iscsi_targets;
    std::optional<Chap> discovery_chap;
    std::vector<NvmeSubsystem> nvme_subsystems;
    std::vector<FcTargetPort> fc_target_ports;

    IscsiTarget* find_target(const std::string& iqn);
    const IscsiTarget* find_target(const std::string& iqn) const;
    // The volume behind a LUN of a target, or nullptr.
    Volume* volume_at(const std::string& iqn, std::uint64_t lun);
};

// Parses a fabric document; throws FabricError naming the JSON pointer.
Fabric parse_fabric(const nlohmann::json& document);
// Reads and parses a fabric file; FabricError("/", ...) when unreadable or not JSON.
Fabric load_fabric(const std::string& path);
// Parses one volume description (used by the fabric and by lun_remapped).
Volume parse_volume(const nlohmann::json& spec, const std::string& pointer,
                    const std::string& default_id);

}  // namespace brick::sim
