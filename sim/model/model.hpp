#pragma once
// The model of one simulated Linux storage host and the targets it sees.
//
// Model owns the fabric (remote side), the host state (host_state.hpp), a
// virtual clock with a queue of timed events (the asynchronous work of the
// kernel, udev and multipathd), the seeded random source, the armed faults
// and the trace sink. It knows nothing of how it is served: the in-process
// SimHost drives it (time, steps) and renders it; a file-system front end can
// serve the same model later.
//
// Not thread-safe: the front end calls it from one thread at a time.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/faults/faults.hpp"
#include "sim/model/actions.hpp"
#include "sim/model/fabric.hpp"
#include "sim/model/host_state.hpp"
#include "sim/model/random.hpp"

namespace brick::sim {

enum class LoginStatus {
    ok,
    session_exists,
    unreachable,
    timeout,
    auth_failed,
    target_not_found,
    iscsid_down
};

struct LoginResult {
    LoginStatus status = LoginStatus::ok;
    unsigned duration_ms = 0;
    unsigned sid = 0;
};

struct DiscoveryResult {
    LoginStatus status = LoginStatus::ok;  // ok, unreachable, timeout, auth_failed, iscsid_down
    unsigned duration_ms = 0;
    std::vector<std::pair<Portal, std::string>> found;  // portal (with tpgt below), iqn
    std::vector<int> tpgts;
};

// What one sysfs write does: an errno, how long the writer blocks, and the
// kernel's action, which happens when the write completes (also after the
// writer gave up on its deadline).
struct WriteEffect {
    int error = 0;
    unsigned duration_ms = 0;
    std::function<void()> apply;  // may be empty
    // When set, the kernel's work may go on after duration_ms (waiting on a
    // failed session): the writer blocks until this holds.
    std::function<bool()> finished;
};

// One udev link under /dev/disk (or /dev/mapper): link path -> device name.
struct UdevLink {
    std::string path;    // "/dev/disk/by-path/ip-...-lun-1"
    std::string device;  // "sdb", "dm-0"
};

// Everything on the host that belongs to one volume.
struct VolumeFootprint {
    std::vector<unsigned> sessions;
    std::vector<ScsiAddress> devices;
    std::vector<std::string> disks;
    std::vector<std::string> maps;
    std::vector<std::string> links;
    bool empty() const { return devices.empty() && maps.empty() && links.empty(); }
};

class Model {
  public:
    Model(Fabric fabric, std::uint64_t seed);

    // --- time, events, trace ----------------------------------------------
    std::int64_t now_ms() const { return now_ms_; }
    // Time of the earliest pending event, if any.
    std::optional<std::int64_t> next_event_ms() const;
    // Fires every event due at or before t, in (time, order of scheduling),
    // and sets the clock to t.
    void advance_to(std::int64_t t);
    // Runs fn after delay_ms of virtual time (0: at the next advance).
    void schedule(std::int64_t delay_ms, std::string what, std::function<void()> fn);
    // Time of the last pending event whose label starts with prefix, if any.
    std::optional<std::int64_t> last_pending(const std::string& prefix) const;
    // A delay with the fabric's seeded jitter applied.
    unsigned jittered(unsigned base_ms);
    // Bumped on every change a reader could observe.
    std::uint64_t generation() const { return generation_; }
    void touch() { ++generation_; }
    void set_trace_sink(std::function<void(nlohmann::json)> sink) { sink_ = std::move(sink); }
    // Writes one record to the trace (kind "event" unless given).
    void note(nlohmann::json record);
    // Where the model reports each flush or removal a caller asked for
    // (actions.hpp); the front end adds who asked.
    void set_action_sink(std::function<void(const HostAction&)> sink) {
        action_sink_ = std::move(sink);
    }
    void report(const HostAction& action) const;
    // An action on a block device (sdX, dm-N, nvmeXnY, mdN) with what it carries.
    HostAction block_device_action(ActionKind kind, const std::string& name) const;
    // The fabric volumes whose SCSI identity (scsi_id) is wwid.
    std::set<std::string> volumes_with_wwid(const std::string& wwid) const;

    // --- faults -------------------------------------------------------------
    int inject(FaultSpec fault);
    void clear_faults();
    // Called by the front end before each served interaction: counts the step
    // and fires the action faults that became due.
    void begin_step();
    std::uint64_t step() const { return step_; }
    // The armed site fault of this kind matching context that fires now
    // (probability drawn), or nullptr. Fired faults go to the trace.
    const FaultSpec* consult(FaultKind kind, const nlohmann::json& context);
    std::uint64_t faults_fired() const { return faults_fired_; }

    // --- target side ----------------------------------------------------------
    Fabric& fabric() { return fabric_; }
    const Fabric& fabric() const { return fabric_; }
    // Removes a LUN from a target (the kernel's devices stay, stale). target
    // is an iSCSI target's IQN, or an FC target's WWNN or one of its port WWPNs.
    bool remove_lun(const std::string& target, std::uint64_t lun);
    // Maps another volume at a LUN number (CVE-2023-2088 shape).
    bool remap_lun(const std::string& target, std::uint64_t lun, Volume volume);
    // The LUN list of a target named as for remove_lun, or nullptr.
    std::vector<Lun>* luns_of(const std::string& target);
    const std::vector<Lun>* luns_of(const std::string& target) const;

    // --- host side: iSCSI -----------------------------------------------------
    const HostState& state() const { return state_; }
    HostState& mutable_state() { return state_; }
    std::vector<NodeRecord*> find_nodes(const std::optional<std::string>& iqn,
                                        const std::optional<Portal>& portal,
                                        const std::optional<std::string>& iface);
    NodeRecord& add_node(const std::string& iqn, const Portal& portal, int tpgt,
                         const std::string& iface, const std::string& discovery_type);
    void delete_node(const NodeRecord& node);
    // Whether a session uses this node record.
    std::optional<unsigned> session_of(const NodeRecord& node) const;
    LoginResult login(const NodeRecord& node);
    // Ends a session and removes its SCSI host and devices.
    void logout(unsigned sid);
    DiscoveryResult discover(const Portal& portal, const std::optional<Chap>& chap);
    // The session's connection is lost (session_recovery.cpp): the kernel
    // marks it FAILED and blocks its devices; after recovery_tmo_s it is FREE
    // and its devices transport-offline (I/O fails). link_back_ms > 0: the
    // portal answers again that much later. Only iscsid logs it in again.
    void fail_session(unsigned sid, std::int64_t link_back_ms);
    // iscsid's reconnect: a session that is not logged in, whose portal
    // answers, is logged in again (LOGGED_IN, its devices running) when
    // iscsid runs and has it; otherwise nothing happens.
    void reconnect_session(unsigned sid);
    void reconnect_sessions();
    // The one wait on a session: runs fn at once unless the session is
    // FAILED, else when it stops being FAILED (logged in again, FREE after
    // recovery_tmo_s, or logged out). Commands queued on a failed session
    // (a scan's) wait so.
    void after_session_failure(unsigned sid, std::function<void()> fn);
    DiscoveryRecord& add_discovery(const Portal& portal, const std::string& iface);

    // --- host side: SCSI ------------------------------------------------------
    // A "C T L" write to scan; nullopt components are "-" wildcards.
    WriteEffect scan(unsigned scsi_host, std::optional<unsigned> channel,
                     std::optional<unsigned> target, std::optional<std::uint64_t> lun);
    WriteEffect delete_device(const ScsiAddress& address);
    WriteEffect rescan_device(const ScsiAddress& address);
    WriteEffect set_device_state(const ScsiAddress& address, const std::string& state);
    ScsiDevice* device_by_disk(const std::string& name);
    const ScsiDevice* device_by_disk(const std::string& name) const;
    std::string scsi_id_of(const ScsiDevice& device) const;
    std::string sysfs_wwid_of(const ScsiDevice& device) const;
    // The kernel's read-only flag of a disk or dm map ("sdb", "dm-0"): a
    // disk whose LU the target exported write-protected (as read at scan),
    // a multipath map loaded read-only or holding such a disk.
    bool block_read_only(const std::string& name) const;

    // --- host side: dm-multipath ---------------------------------------------
    bool add_wwid(const std::string& wwid);  // false when already known
    // multipathd add path; false when multipathd would refuse it.
    bool add_path(const std::string& disk);
    bool del_path(const std::string& disk);
    // Whether multipathd has a disk in its path table (a stale entry included).
    bool multipathd_knows(const std::string& disk) const {
        return state_.multipathd_paths.contains(disk);
    }
    MultipathMap* find_map(const std::string& name_or_wwid_or_device);
    // multipath -f: 0 ok, EBUSY when open, ENOENT when unknown.
    int flush_map(const std::string& name);
    bool resize_map(const std::string& name);
    bool disable_queueing(const std::string& name);
    void set_multipathd_running(bool running);
    void set_iscsid_running(bool running);

    // --- host reboot (reboot.cpp) -------------------------------------------------
    // The host reboots as `systemctl reboot` does: the shutdown's sync writes
    // the host cache back through every path that works (what none takes is
    // lost), then everything of the kernel's and the daemons' goes (sessions,
    // SCSI devices, dm maps, NVMe controllers, md arrays, mounts, mappings,
    // /dev and its udev links, /run) and the files on disk stay (the node
    // records under /etc/iscsi/nodes, /etc/iscsi/send_targets, the wwids
    // file). The boot then brings back what the host had at the start (local
    // disks, FC HBA ports, logical volumes), after boot_ms starts multipathd,
    // then iscsid, and open-iscsi's `iscsiadm -m node --loginall=automatic`
    // logs in every record whose node.startup is automatic (each a login, at
    // once). After each login iscsid scans the session's SCSI host unless the
    // record's node.session.scan is manual (iscsi_tcp and iscsi_iser leave the
    // scan to iscsid): with manual scan no disk appears until one is scanned.
    // Call it between operations: pending kernel work is dropped. Armed
    // faults stay armed (a portal_unreachable keeps the boot's login away).
    void reboot();
    // A reboot is not over: the daemons have not answered yet, or the boot's
    // logins have not all ended.
    bool booting() const { return booting_; }

    // --- host side: Fibre Channel (fc_ops.cpp) ---------------------------------
    // Takes an initiator port's link down or brings it up; hba is the port's
    // WWPN (a glob; empty: every port). Down: its remote ports are Blocked
    // and their devices blocked, then after dev_loss_tmo Not Present and the
    // devices removed. Up: the zoned target ports log in again after
    // fc_login_ms (consistent binding keeps their SCSI target ids). Returns
    // how many ports changed.
    unsigned fc_set_link(const std::string& hba, bool up);
    // The remote port bound to a SCSI target of an FC host, or nullptr.
    const FcRemotePort* fc_rport_of(unsigned scsi_host, unsigned channel, unsigned target) const;
    // The PCI address of an FC host's HBA function (empty: not an FC host).
    std::string fc_pci_address(unsigned scsi_host) const;

    // --- host side: NVMe-oF (nvme_ops.cpp) ------------------------------------
    // A write of a connect option string to /dev/nvme-fabrics.
    WriteEffect nvme_connect(const std::string& options);
    // A write to a controller's delete_controller (returns once it is gone).
    WriteEffect nvme_delete_controller(unsigned instance);
    WriteEffect nvme_rescan_controller(unsigned instance);
    bool nvme_native_multipath() const { return fabric_.host.nvme_core_multipath == "Y"; }
    // The host NQN and ID the kernel uses when a connect names none.
    std::string nvme_default_host_nqn() const;
    std::string nvme_default_host_id() const;
    // NVMe block devices with a /dev node: heads (native multipath) or
    // per-controller disks, sorted by name.
    std::vector<NvmeDisk> nvme_disks() const;
    std::optional<NvmeDisk> nvme_disk(const std::string& name) const;
    // The fabric port a controller reached, or nullptr.
    const NvmePort* nvme_port_of(const NvmeController& controller) const;
    // The ANA state of a controller's path to a namespace ("optimized", ...).
    std::string nvme_ana_state(const NvmeController& controller, std::uint32_t nsid) const;
    // Ends the NVMe faults of a kind (heal): ports relinked, ANA optimized.
    void nvme_heal(FaultKind kind, const nlohmann::json& params);

    // --- host side: md RAID1 (md_ops.cpp) ------------------------------------
    // mdadm --create: writes superblocks on the legs ("missing" allowed) and
    // starts the array. Returns an errno (EEXIST, ENODEV, EBUSY).
    int md_create(const std::string& name, unsigned raid_devices,
                  const std::vector<std::string>& legs);
    // mdadm --assemble: the legs must carry superblocks of one array.
    int md_assemble(const std::string& name, const std::vector<std::string>& legs, bool run);
    // mdadm --stop: flushes and stops (EBUSY when open, ENOENT when unknown).
    int md_stop(const std::string& name_or_device);
    const MdArray* md_array(const std::string& name_or_device) const;
    // The md superblock on a block device's volume, or nullptr.
    const Volume* md_superblock_of(const std::string& device) const;

    // --- host side: NFS, RBD, LVM and dm-crypt (storage_ops.cpp) -----------
    // mount -t nfs: 0, or mount.nfs's exit status with its message in err.
    int nfs_mount(const std::string& source, const std::string& mount_point,
                  const std::string& options, std::string& err, unsigned& duration_ms);
    // umount: 0, or umount's exit status with its message in err.
    int nfs_umount(const std::string& mount_point, std::string& err);
    // The export a mounted file belongs to and its volume, for a path under a mount.
    std::optional<std::string> nfs_file_volume(const std::string& path) const;
    // I/O on a volume file through its mount (close-to-open: written through
    // to the server). ENOENT when the path is no mounted volume file.
    int nfs_file_write(const std::string& path, std::uint64_t offset, const std::string& bytes);
    int nfs_file_read(const std::string& path, std::uint64_t offset, std::size_t length,
                      std::string& out);
    // rbd map: the cluster files are read from the store. 0 or rbd's exit
    // status; out is the device path.
    int rbd_map(const std::string& pool, const std::string& spec, const std::string& user,
                const std::string& conf_path, bool read_only, std::string& out, std::string& err,
                unsigned& duration_ms);
    int rbd_unmap(const std::string& device_or_spec, bool force, std::string& err);
    // The volume behind a block device (sdX, dm-N, nvmeXnY, rbdN), if any.
    std::optional<std::string> volume_behind(const std::string& device) const;
    // cryptsetup: the LUKS header on the device's volume (0: none).
    unsigned luks_version_of(const std::string& device) const;
    int luks_format(const std::string& device, unsigned version, const std::string& passphrase);
    // 0, 2 (wrong passphrase), 4 (no device), 5 (name in use), 1 (not LUKS).
    int luks_open(const std::string& device, const std::string& name, const std::string& passphrase,
                  bool read_only);
    // 0, 4 (not active), 5 (still in use).
    int luks_close(const std::string& name);
    const CryptMapping* crypt_mapping(const std::string& name_or_device) const;

    // Size of an NVMe or md block device, if it is one.
    std::optional<std::uint64_t> block_device_size(const std::string& device) const;

    // --- data -------------------------------------------------------------------
    // Writes through a host device (sdX or dm-N): dirty in the host cache until
    // flushed. Returns an errno (ENODEV when there is no such device).
    int write_device(const std::string& device, std::uint64_t offset, const std::string& bytes);
    int read_device(const std::string& device, std::uint64_t offset, std::size_t length,
                    std::string& out);
    // blockdev --flushbufs: 0, EBUSY (held open), EIO (no path), or ETIMEDOUT
    // meaning "blocks" (a queueing map with no path).
    int flush_device(const std::string& device);
    std::uint64_t dirty_blocks(const std::string& device) const;
    // Bytes of a volume on the target side.
    std::string volume_bytes(const std::string& volume_id, std::uint64_t offset,
                             std::size_t length) const;
    // target: an IQN, or an FC target's WWNN or port WWPN.
    std::string lun_bytes(const std::string& target, std::uint64_t lun, std::uint64_t offset,
                          std::size_t length) const;
    std::uint64_t lost_blocks(const std::string& volume_id) const;
    // Blocks of a volume still dirty in the cache of a path that does not
    // work now (offline): no flush can reach the volume with them until the
    // path returns, and a real kernel's writeback of them fails.
    std::uint64_t stranded_blocks(const std::string& volume_id) const;

    // --- inspection ---------------------------------------------------------------
    // The floor of each volume operation (floors.cpp): the sum of the model's
    // own delays along the shortest correct sequence of steps, with its terms,
    // nominal value and the median and 95th percentile under the jitter.
    // parallel > 1 adds the floor of that many independent attaches at once.
    nlohmann::json floors(unsigned parallel = 1) const;
    std::vector<UdevLink> udev_links() const;
    VolumeFootprint footprint(const std::string& volume_id) const;
    // Host state left beyond the initial one: sessions, node records, iSCSI
    // devices, maps, dangling links. Empty after a clean detach.
    std::vector<std::string> leftovers() const;
    // The volume a device reads from now (the LUN's current volume), if any.
    std::optional<std::string> live_volume_of(const ScsiDevice& device) const;

  private:
    struct Event {
        std::int64_t at = 0;
        std::uint64_t order = 0;
        std::string what;
        std::function<void()> fn;
    };
    struct ArmedFault {
        int id = 0;
        FaultSpec spec;
        unsigned fired = 0;
    };

    void record_fault(const ArmedFault& fault, const nlohmann::json& context);
    void fire_action(ArmedFault& fault);
    void add_local_disks();
    void add_attached_targets();
    // Reboot internals (reboot.cpp): the shutdown's sync, then the boot's
    // services and open-iscsi's logins.
    void sync_before_reboot();
    void start_boot_services();
    void login_automatic_nodes();
    // The sd driver's asynchronous probe of a SCSI device a scan just found,
    // with the device faults (empty_wwid, device_never, device_late) applied.
    void add_scanned_device(ScsiDevice device, const nlohmann::json& context);
    // FC internals (fc_ops.cpp).
    void add_fc_hosts();
    void fc_login(unsigned scsi_host);
    void fc_link_down(unsigned scsi_host);
    void fc_dev_loss(unsigned scsi_host, unsigned link_generation);
    WriteEffect fc_scan(unsigned scsi_host, std::optional<unsigned> channel,
                        std::optional<unsigned> target, std::optional<std::uint64_t> lun);
    nlohmann::json fc_context(const ScsiDevice& device) const;
    void probe_disk(ScsiAddress address, unsigned generation_token);
    void run_udev(ScsiAddress address, unsigned generation_token);
    void consider_multipath(const std::string& disk);
    void join_map(const std::string& wwid, const std::string& disk);
    // Whether the map of wwid is not created now for this path: map_never
    // (the path stays an orphan), map_late (it joins when the map forms), or
    // a late map whose time has not come. At that time only the paths
    // multipathd still has join.
    bool map_held_back(const std::string& wwid, const std::string& disk, const ScsiDevice& device);
    // The delayed join of a path to a map that was late (map_late).
    void join_late_map(const std::string& wwid, const std::string& disk);
    // The selectors of the map faults for a path: device, volume, wwid, lun,
    // portal and iqn (iSCSI), hba, wwpn and wwnn (FC).
    nlohmann::json map_fault_context(const ScsiDevice& device, const std::string& wwid) const;
    void track_path(const std::string& disk, const std::string& wwid);
    // A disk multipathd tracks went away: its entry goes stale until the path checker runs.
    void path_device_gone(const std::string& disk);
    int flush_block_device(const std::string& device);
    void remove_device(const ScsiAddress& address, const std::string& why);
    void drop_dirty(const std::string& volume_id, std::map<std::uint64_t, std::string>& dirty);
    void write_blocks(const std::string& volume_id, std::map<std::uint64_t, std::string>& dirty);
    // The volume a SCSI disk or a multipath map reads now, and its dirty
    // blocks; nullopt volume when no path works, nullptr dirty when name is neither.
    std::optional<std::string> scsi_volume_behind(const std::string& name) const;
    std::map<std::uint64_t, std::string>* scsi_dirty(const std::string& name);
    // The volume a map reads now: through its first working path.
    std::optional<std::string> volume_through(const MultipathMap& map) const;
    // The kernel's own writeback of a SCSI disk's or map's dirty blocks.
    void write_back(const std::string& name, const std::string& volume_id);
    unsigned lowest_free_disk_index() const;
    ScsiDevice make_device(const ScsiAddress& address, std::optional<unsigned> sid,
                           const Volume& volume) const;
    const IscsiSession* session_on_host(unsigned scsi_host) const;
    // A scan's commands on a session target: they wait while it is FAILED;
    // done is set once the scan ended (found or not).
    void scan_session(unsigned scsi_host, unsigned sid, std::optional<unsigned> channel,
                      std::optional<unsigned> target, std::optional<std::uint64_t> lun,
                      const std::shared_ptr<bool>& done);
    // The login exchange of a new session is over: FREE becomes LOGGED_IN.
    void complete_login(unsigned sid, bool automatic_scan);
    void session_recovery_timed_out(unsigned sid, unsigned failure);
    void release_session_waiters(unsigned sid);
    // NVMe internals (nvme_ops.cpp).
    void fire_nvme_action(FaultKind kind, const nlohmann::json& params);
    void append_nvme_links(std::vector<UdevLink>& links) const;
    void nvme_scan(unsigned instance);
    void nvme_add_path(unsigned instance, std::uint32_t nsid);
    void nvme_refresh();
    void nvme_remove_controller(unsigned instance, const std::string& why);
    void nvme_lose_connection(unsigned instance);
    void nvme_reconnect(unsigned instance);
    unsigned nvme_free_instance() const;
    bool nvme_path_usable(const NvmeController& controller, std::uint32_t nsid) const;
    // Block I/O on NVMe and md devices: nullopt when name is neither.
    std::optional<int> extra_write(const std::string& name, std::uint64_t offset,
                                   const std::string& bytes);
    std::optional<int> extra_read(const std::string& name, std::uint64_t offset, std::size_t length,
                                  std::string& out);
    std::optional<int> extra_flush(const std::string& name);
    std::optional<std::string> readable_volume(const std::string& name) const;
    // Block I/O on rbd, LVM and dm-crypt devices: nullopt when name is none.
    std::optional<int> storage_write(const std::string& name, std::uint64_t offset,
                                     const std::string& bytes);
    std::optional<int> storage_read(const std::string& name, std::uint64_t offset,
                                    std::size_t length, std::string& out);
    std::optional<int> storage_flush(const std::string& name);
    void add_logical_volumes();

    Fabric fabric_;
    HostState state_;
    Random random_;
    std::int64_t now_ms_ = 0;
    std::uint64_t generation_ = 0;
    std::uint64_t event_order_ = 0;
    std::multimap<std::pair<std::int64_t, std::uint64_t>, Event> events_;
    std::function<void(nlohmann::json)> sink_;
    std::function<void(const HostAction&)> action_sink_;
    unsigned next_path_token_ = 1;
    // multipathd's maps held back by map_late: WWID -> when the map forms.
    std::map<std::string, std::int64_t> late_maps_;
    std::vector<ArmedFault> faults_;
    int next_fault_id_ = 1;
    std::uint64_t step_ = 0;
    std::uint64_t faults_fired_ = 0;
    // Devices are recreated at the same address: probes carry a token so a
    // stale probe of a deleted device does nothing.
    std::map<ScsiAddress, unsigned> device_tokens_;
    // What waits for a FAILED session to come back or time out, by sid.
    std::map<unsigned, std::vector<std::function<void()>>> session_waiters_;
    // SCSI hosts with a scan waiting on its failed session (it holds the
    // host's scan_mutex, which a device delete takes too).
    std::map<unsigned, unsigned> scans_waiting_;
    unsigned next_token_ = 1;
    // A reboot's boot is running (reboot.cpp).
    bool booting_ = false;
};

}  // namespace brick::sim
