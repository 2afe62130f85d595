#pragma once
// The fabric file: the remote side of a simulated host (storage targets and
// their volumes), the host's own identity, and the timing model. JSON; see
// sim/fabrics/*.json for examples.
//
//   {"host":   {"initiator_name": "...", "product_uuid": "...", "local_disks": 1},
//    "timing": {"disk_ms": 40, "udev_ms": 400, ...},
//    "iscsi":  {"discovery_chap": {"username": "...", "password": "..."},
//               "targets": [{"iqn": "...", "portals": ["10.0.0.1:3260"], "tpgt": 1,
//                            (or, for several portal groups, in place of portals and tpgt:
//                            "portal_groups": [{"tag": 1, "portals": ["10.0.0.1:3260"]},
//                                              {"tag": 2, "portals": ["10.0.0.2:3260"]}]),
//                            "chap": {...}, "mutual_chap": {...}, "attached": false,
//                            "iser": false,
//                            "luns": [{"lun": 1, "size": 1073741824, "volume": "vol-1",
//                                      "designators": [{"type": "naa", "value": "6001405..."}],
//                                      "serial": "...", "vendor": "LIO-ORG", "model": "...",
//                                      "read_only": false}]}]},
//    "nvme":   {"host_nqn": "...", "host_id": "...", "cli_version": "2.3",
//               "subsystems": [{"nqn": "...", "serial": "...", "allow_any_host": true,
//                               "allowed_hosts": ["nqn..."],
//                               "ports": [{"id": 1, "transport": "tcp", "address": "127.0.0.1",
//                                          "service_id": 4420, "ana": {"1": "optimized"}}],
//                               "namespaces": [{"nsid": 1, "size": 67108864, "volume": "...",
//                                               "uuid": "...", "nguid": "...", "ana_group": 1}]}]},
//    "fc":     {"hbas": [{"wwpn": "10000090fa0d6f91", "wwnn": "20000090fa0d6f91",
//                         "pci_address": "0000:05:00.0", "driver": "qla2xxx",
//                         "port_state": "Online"}],
//               "targets": [{"wwnn": "500a098089000001", "ports": ["500a098189000001"],
//                            "luns": [{"lun": 1, "size": ..., "volume": ..., "designators":
//                            [...]}]}],
//               "zones": [{"name": "z1", "members": ["10000090fa0d6f91", "500a098189000001"]}],
//               "dev_loss_tmo_s": 30}}   (see fc_fabric.cpp)

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
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
    // Exported write-protected ("read_only" in the fabric): the target sets
    // the WP bit of MODE SENSE (LIO's write_protect of a mapped LUN), so sd
    // shows the disk read-only and refuses writes, and multipath loads a map
    // over it read-only.
    bool write_protected = false;
    // Contents on the target: 512-byte blocks that were ever written (others read as zeros).
    std::map<std::uint64_t, std::string> blocks;
    // An md superblock written by mdadm --create (RAID1 legs): array UUID and name.
    std::string md_uuid;
    std::string md_name;
    unsigned md_raid_devices = 0;
    // A LUKS header written by cryptsetup luksFormat (storage_ops.cpp): its
    // version (1 or 2; 0: none), UUID, the passphrase's digest and the master
    // key the data is encrypted with.
    unsigned luks_version = 0;
    std::string luks_uuid;
    std::uint64_t luks_passphrase_digest = 0;
    std::uint64_t luks_master_key = 0;
};

struct Lun {
    std::uint64_t number = 0;
    std::string volume_id;
};

struct IscsiTarget {
    std::string iqn;
    std::vector<Portal> portals;  // every portal, portal group after portal group
    int tpgt = 1;                 // the tag of a target with one portal group
    // A target with several portal groups (LIO's tpgt_1, tpgt_2, ...): the
    // tag of each portal's group. Empty: every portal is in group tpgt.
    std::map<Portal, int> portal_tags;
    // The tag of the portal's group: what iscsiadm shows after the portal
    // (",2") and the session's sysfs tpgt.
    int tpgt_of(const Portal& portal) const;
    std::optional<Chap> chap;         // session CHAP the target requires
    std::optional<Chap> mutual_chap;  // the target's own credentials (mutual CHAP)
    std::vector<Lun> luns;
    // The host starts logged in to every portal of this target with every LUN's
    // disk and udev links present: a host with volumes already attached.
    bool attached = false;
    // Its portals accept iSER logins besides iSCSI over TCP (LIO: each
    // network portal's iser attribute set). Without it a login over the
    // iser iface fails as a portal that does not answer does.
    bool iser = false;
};

// One NVMe-oF port of a target (nvmet's ports/<id>): transport, address and
// service id, and the ANA state of each ANA group seen through it.
struct NvmePort {
    unsigned id = 1;
    std::string transport = "tcp";        // tcp, rdma
    std::string address;                  // traddr
    unsigned service_id = 4420;           // trsvcid
    std::map<unsigned, std::string> ana;  // group -> optimized, non-optimized, inaccessible, ...
    // The subsystem is linked to the port (controller_connecting unlinks it).
    bool exported = true;
    std::string portal() const { return address + ":" + std::to_string(service_id); }
    std::string ana_state(unsigned group) const;
};

struct NvmeNamespace {
    std::uint32_t nsid = 1;
    std::string volume_id;
    std::string uuid;   // 8-4-4-4-12 lower-case, or empty
    std::string nguid;  // 32 lower-case hex digits, or empty
    unsigned ana_group = 1;
    unsigned block_size = 4096;  // nvmet's file backend on tmpfs
};

struct NvmeSubsystem {
    std::string nqn;
    std::string serial;
    std::string model = "Linux";
    std::string firmware = "6.1.0-56";
    bool allow_any_host = true;
    std::vector<std::string> allowed_hosts;  // host NQNs, when not any
    std::vector<NvmePort> ports;
    std::vector<NvmeNamespace> namespaces;
    const NvmeNamespace* find_namespace(std::uint32_t nsid) const;
    bool allows(const std::string& host_nqn) const;
};

// The host's NVMe identity files and tool version.
struct NvmeHostSettings {
    // /etc/nvme/hostnqn and /etc/nvme/hostid; empty: the file is missing.
    std::string host_nqn = "nqn.2014-08.org.nvmexpress:uuid:7313a354-aca1-44e9-957f-3b11b8719809";
    std::string host_id = "d5e08d25-5483-4793-b3b4-36ef365308f3";
    // The JSON shape of the fake nvme tool: "2.3" (Debian 12) or "1.16".
    std::string cli_version = "2.3";
};

// An initiator port of the simulated host: one FC HBA port, one SCSI host.
struct FcHba {
    std::string wwpn;  // 16 lower-case hex digits
    std::string wwnn;
    std::string pci_address = "0000:05:00.0";  // the HBA function; udev's by-path names use it
    std::string driver = "qla2xxx";            // the SCSI host's proc_name
    std::string port_state = "Online";         // at boot: Online or Linkdown
};

// A storage array's FC target: its ports, and the LUNs it maps to this host
// (every port presents the same LUNs).
struct FcTarget {
    std::string wwnn;
    std::vector<std::string> ports;  // target port WWPNs
    std::vector<Lun> luns;
};

// A zone of the switch: its member ports see each other.
struct FcZone {
    std::string name;
    std::vector<std::string> members;  // WWPNs
};

struct FcFabric {
    std::vector<FcHba> hbas;
    std::vector<FcTarget> targets;
    // The zoning; absent: one open zone, every HBA port sees every target port.
    std::optional<std::vector<FcZone>> zones;
    // How long the transport keeps a lost remote port's SCSI targets (the
    // kernel's dev_loss_tmo) before it removes them.
    unsigned dev_loss_tmo_s = 30;

    bool zoned(const std::string& initiator, const std::string& target) const;
    FcTarget* target_with_port(const std::string& wwpn);
    const FcTarget* target_with_port(const std::string& wwpn) const;
    // The target whose WWNN or one of whose port WWPNs is name, or nullptr.
    FcTarget* find_target(const std::string& name);
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
    unsigned nvme_connect_ms = 70;    // a /dev/nvme-fabrics write until the controller is live
    unsigned nvme_ns_ms = 60;         // namespace devices after the controller is live
    unsigned nvme_delete_ms = 80;     // delete_controller (returns once the controller is gone)
    unsigned nvme_refused_ms = 3;     // a connect to a port nobody listens on (loopback)
    unsigned md_ms = 30;              // an md array appears after mdadm --create / --assemble
    unsigned fc_login_ms = 300;       // FC remote ports log in again after a link comes up
    unsigned daemon_start_ms = 250;   // a started iscsid or multipathd until it answers
    unsigned boot_ms = 15000;         // a reboot until the init system starts the daemons
    unsigned jitter_percent = 20;     // seeded jitter applied to the async delays
};

// An NFS export and the volume files in it ("nfs" section).
struct NfsExport {
    std::string server;  // "127.0.0.1"
    std::string path;    // "/srv/nfs"
    // Versions the server offers: "3", "4.0", "4.1", "4.2".
    std::vector<std::string> versions{"3", "4.0", "4.1", "4.2"};
    std::map<std::string, std::string> files;  // file name -> volume id
    std::string spec() const { return server + ":" + path; }
};

// A Ceph cluster as the kernel RBD client sees it ("rbd" section).
struct RbdImage {
    std::string pool;
    std::string image;
    std::string volume_id;
};
struct RbdCluster {
    std::vector<Portal> monitors;              // "127.0.0.1:6789"
    std::map<std::string, std::string> users;  // cephx id ("cinder") -> key
    std::vector<RbdImage> images;
    std::string fsid = "6b72696b-0000-4000-8000-00000000ceff";
};

// A block device of the host itself: an LVM logical volume ("local" section).
struct LocalDevice {
    std::string volume_group;    // "cinder-volumes"
    std::string logical_volume;  // "volume-1"
    std::string volume_id;
    std::string path() const { return "/dev/" + volume_group + "/" + logical_volume; }
};

struct Fabric {
    HostSettings host;
    Timing timing;
    std::map<std::string, Volume> volumes;
    std::vector<IscsiTarget> iscsi_targets;
    std::optional<Chap> discovery_chap;
    std::vector<NvmeSubsystem> nvme_subsystems;
    NvmeHostSettings nvme_host;
    FcFabric fc;
    std::vector<NfsExport> nfs_exports;
    std::optional<RbdCluster> rbd;
    std::vector<LocalDevice> local_devices;

    NvmeSubsystem* find_subsystem(const std::string& nqn);
    const NvmeSubsystem* find_subsystem(const std::string& nqn) const;

    IscsiTarget* find_target(const std::string& iqn);
    const IscsiTarget* find_target(const std::string& iqn) const;
    // The volume behind a LUN of a target, or nullptr.
    Volume* volume_at(const std::string& iqn, std::uint64_t lun);
};

// Parses a fabric document; throws FabricError naming the JSON pointer.
Fabric parse_fabric(const nlohmann::json& document);
// Reads and parses a fabric file; FabricError("/", ...) when unreadable or not JSON.
Fabric load_fabric(const std::string& path);
// Parses a fabric document's JSON text (strictly: a key given twice is an
// error); name names it in messages.
Fabric parse_fabric_text(std::string_view text, const std::string& name);
// Parses the "nvme" section into fabric (nvme_fabric.cpp); throws FabricError.
void parse_nvme_section(const nlohmann::json& section, Fabric& fabric);
// Parses the "fc" section into fabric (fc_fabric.cpp); throws FabricError.
void parse_fc_section(const nlohmann::json& section, Fabric& fabric);
// Parses the "nfs", "rbd" and "local" sections into fabric (storage_fabric.cpp).
void parse_storage_sections(const nlohmann::json* nfs, const nlohmann::json* rbd,
                            const nlohmann::json* local, Fabric& fabric);
// Parses one volume description (used by the fabric and by lun_remapped).
Volume parse_volume(const nlohmann::json& spec, const std::string& pointer,
                    const std::string& default_id);

// Whether an object's keys starting with "_" ("_notes" etc.) are comments.
enum class CommentKeys { rejected, allowed };
// Checks that value is an object with only the given keys (and, when comments
// are allowed, keys starting with "_"); throws FabricError(pointer, "expected
// an object") or FabricError(pointer + "/" + key, "unknown key").
void only_keys(const nlohmann::json& value, const std::string& pointer,
               const std::set<std::string>& keys, CommentKeys comments = CommentKeys::rejected);

}  // namespace brick::sim
