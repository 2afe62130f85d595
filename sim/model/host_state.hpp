#pragma once
// The host side of the model: what the kernel, udev, iscsid and multipathd
// know. Plain typed values; Model (model.hpp) is the only writer. Both front
// ends (SimHost in process, a file-system front end later) render from it.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/model/fabric.hpp"
#include "sim/model/nvme_state.hpp"
#include "sim/model/portal.hpp"
#include "sim/model/storage_state.hpp"

namespace brick::sim {

// Host:channel:target:lun.
struct ScsiAddress {
    unsigned host = 0;
    unsigned channel = 0;
    unsigned target = 0;
    std::uint64_t lun = 0;
    std::string to_string() const;    // "2:0:0:1"
    std::string target_name() const;  // "target2:0:0"
    bool operator==(const ScsiAddress&) const = default;
    // clang-tidy 14 takes the 0 of the synthesized comparison for a pointer.
    // NOLINTNEXTLINE(modernize-use-nullptr)
    auto operator<=>(const ScsiAddress&) const = default;
};

// One record of the iSCSI node database (/etc/iscsi/nodes/<iqn>/<portal>,<tpgt>/<iface>,
// or /etc/iscsi/nodes/<iqn>/<portal> for a record made with --op new).
struct NodeRecord {
    std::string iqn;
    Portal portal;
    int tpgt = -1;  // -1 for records made with --op new
    std::string iface = "default";
    std::string discovery_type = "static";
    // Settings changed from their defaults ("node.session.scan" -> "manual").
    std::map<std::string, std::string> settings;

    std::string value(const std::string& key) const;  // the setting or its default
};

// The transport of one of open-iscsi's built-in ifaces: "iser" for the iface
// iser, "tcp" for default (and for any other name: the model keeps no iface
// files under /etc/iscsi/ifaces).
std::string iface_transport(const std::string& iface);

// The node settings keys the fake iscsiadm knows, in `-o show` order.
std::vector<std::string> node_setting_keys();

// A discovery record (/etc/iscsi/send_targets/<portal>).
struct DiscoveryRecord {
    Portal portal;
    std::string iface = "default";
    std::map<std::string, std::string> settings;
};

struct IscsiSession {
    unsigned sid = 0;
    std::string iqn;
    Portal portal;
    int tpgt = 1;
    std::string iface = "default";
    // The record's iface.transport_name at login: "tcp" (iscsi_tcp) or
    // "iser" (ib_iser, SCSI host proc_name iscsi_iser).
    std::string transport = "tcp";
    unsigned scsi_host = 0;
    unsigned target_id = 0;
    // iscsi_session/state: LOGGED_IN; FAILED from a lost connection until it
    // is logged in again or recovery_tmo_s passes; FREE after that (its
    // devices transport-offline), until iscsid logs it in again.
    std::string state = "LOGGED_IN";
    std::string connection_state = "up";
    // The node's replacement_timeout at login (iscsi_session/recovery_tmo).
    unsigned recovery_tmo_s = 120;
    // The portal does not answer since the connection was lost: nothing can
    // log the session in again until it does.
    bool link_down = false;
    // Counts the connection losses: the recovery timer of an earlier one does nothing.
    unsigned failures = 0;
    std::string username;  // CHAP used at login (empty: none)
    std::string password;
    std::string username_in;
    std::string password_in;
    bool target_created = false;  // a scsi_target exists once a LUN was scanned
    // iscsid has the session (it made it, or took it over after a restart);
    // until then it refuses to log it out and shows no state of it.
    bool iscsid_has = true;
};

struct ScsiHost {
    unsigned number = 0;
    std::optional<unsigned> sid;  // the iSCSI session it carries (one each, tcp and iser)
    std::string proc_name = "iscsi_tcp";
    bool fc = false;  // an FC HBA port (fc_hosts holds its port)
};

// An FC initiator port (/sys/class/fc_host/hostN): the HBA port of SCSI host N.
struct FcHostPort {
    unsigned scsi_host = 0;
    std::string wwpn;
    std::string wwnn;
    std::string pci_address;
    std::uint32_t port_id = 0;          // the fabric address (N_Port ID)
    std::string port_state = "Online";  // Online, Linkdown
    // Consistent binding: the SCSI target id given to each target port's
    // WWPN the first time it logged in; kept while the host lives.
    std::map<std::string, unsigned> target_ids;
    unsigned next_rport = 0;
    // Bumped on every link change: a pending dev_loss_tmo of an older link
    // state does nothing.
    unsigned link_generation = 0;
};

// A remote port an initiator port sees (/sys/class/fc_remote_ports/rport-H:C-N).
struct FcRemotePort {
    unsigned scsi_host = 0;
    unsigned channel = 0;
    unsigned number = 0;
    std::string wwpn;
    std::string wwnn;
    std::uint32_t port_id = 0;
    unsigned scsi_target_id = 0;
    // Online; Blocked while the link is down (I/O held); Not Present after
    // dev_loss_tmo (its SCSI target and devices removed).
    std::string port_state = "Online";
    std::string name() const;         // "rport-2:0-1"
    std::string target_name() const;  // "target2:0:1"
};

// A SCSI device and, once sd bound to it, its disk.
struct ScsiDevice {
    ScsiAddress address;
    std::optional<unsigned> sid;
    std::string fc_port;  // FC: the target port WWPN it was scanned through
    // Identity as read at scan (or rescan) time: it stays stale when the target
    // re-maps the LUN until a rescan.
    std::string volume_id;
    std::string vendor;
    std::string model;
    std::string revision;
    std::string serial;
    std::vector<Designator> designators;
    std::uint64_t size_bytes = 0;
    std::string state = "running";  // running, offline, blocked, transport-offline, cancel
    // The sd disk: name index (sda = 0), visible once the async probe finished.
    std::optional<unsigned> disk_index;
    bool disk_visible = false;
    bool links_by_path = false;
    bool links_by_id = false;
    bool held_open = false;
    bool identity_hidden = false;  // empty_wwid: the LUN reports no designator
    // Written blocks (512 bytes) not yet flushed to the target.
    std::map<std::uint64_t, std::string> dirty;

    std::string disk_name() const;  // "sdb"; empty before sd bound
    // Reached through a storage transport (iSCSI or FC), not a local disk.
    bool remote() const { return sid.has_value() || !fc_port.empty(); }
};

struct MultipathMap {
    unsigned dm_index = 0;
    std::string name;  // user_friendly_names no: the WWID
    std::string wwid;
    std::vector<std::string> paths;  // disk names, in the order added
    std::uint64_t size_bytes = 0;
    bool queue_if_no_path = false;
    // Loaded read-only although its paths may be writable (map_read_only):
    // until multipathd reloads it. A map over a write-protected path is
    // read-only whatever this says (Model::block_read_only).
    bool read_only = false;
    bool links = false;
    std::map<std::uint64_t, std::string> dirty;

    std::string device() const { return "dm-" + std::to_string(dm_index); }
};

// A path in multipathd's table: added by `multipathd add path` or when a disk
// joins a map, removed by `multipathd del path`. A disk deleted while still in
// the table stays there, without its device, until multipathd handles the
// disk's remove uevent (udev_ms later): the window in which a map can still
// send I/O to a path that is going.
struct MultipathdPath {
    std::string wwid;
    bool device_gone = false;
    unsigned token = 0;  // tells a stale entry from a later one of the same name
};

struct HostState {
    std::string initiator_name;
    // The writable store for paths the model does not own (/etc/nvme/hostnqn, /tmp/...).
    std::map<std::string, std::string> files;   // path -> contents
    std::map<std::string, bool> private_files;  // path -> created mode 0600
    std::vector<std::string> dirs;              // directories made with make_dirs
    std::vector<NodeRecord> nodes;
    std::vector<DiscoveryRecord> discovery;
    std::map<unsigned, IscsiSession> sessions;  // by sid
    std::map<unsigned, ScsiHost> scsi_hosts;    // by number
    std::map<ScsiAddress, ScsiDevice> devices;
    std::map<std::string, MultipathMap> maps;                // by WWID
    std::vector<std::string> wwids;                          // /etc/multipath/wwids
    std::map<std::string, MultipathdPath> multipathd_paths;  // by disk name
    bool multipathd_running = true;
    bool iscsid_running = true;
    unsigned next_sid = 1;
    unsigned next_scsi_host = 0;
    unsigned next_dm = 0;
    // Dirty blocks lost because a device went away unflushed, per volume.
    std::map<std::string, std::uint64_t> lost_blocks;
    // Wildcard scans seen (a "-" LUN; on FC hosts also a "-" channel or
    // target, which reaches every zoned array): libbrick must never do one.
    unsigned wildcard_scans = 0;
    // NVMe-oF controllers, subsystems, namespaces and md arrays.
    NvmeHostState nvme;
    // FC initiator ports by SCSI host, and the remote ports they see.
    std::map<unsigned, FcHostPort> fc_hosts;
    std::vector<FcRemotePort> fc_rports;
    // NFS mounts, RBD mappings, logical volumes, dm-crypt mappings.
    StorageHostState storage;
};

// sd naming as the kernel does it: 0 -> sda, 25 -> sdz, 26 -> sdaa, 701 -> sdzz, 702 -> sdaaa.
std::string sd_name(unsigned index);
// Index of an sd name; nullopt when not one.
std::optional<unsigned> sd_index(const std::string& name);
// Block device number of sd disk index (major 8, 65-71, 128-135; 16 minors each).
std::pair<unsigned, unsigned> sd_device_number(unsigned index);
// dm block major on Debian 12.
inline constexpr unsigned dm_major = 254;

}  // namespace brick::sim
