#pragma once
// A scenario file (scenarios/*.json), loaded and checked against
// scenarios/schema/scenario.schema.json, as typed values.

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "brick/properties/common.hpp"

namespace brick::lab {

struct LunSpec {
    std::uint64_t lun = 0;
    std::uint64_t size_mib = 0;
    std::string serial;  // 32 hex digits; the LU's identity derives from it
    // Exported write-protected: the initiator's disk is read-only.
    bool read_only = false;
    // scsi_id's identifier of this LU: NAA 6 with LIO's OUI and the serial
    // ("36001405" + first 25 hex digits), as LIO reports it.
    std::string scsi_id() const;
};

struct ChapSpec {
    std::string username;
    std::string password;
    std::string username_in;
    std::string password_in;
};

struct IscsiTargetSpec {
    std::string iqn;
    // The portals accept iSER logins (LIO: each network portal's iser set).
    bool iser = false;
    std::vector<Portal> portals;  // every portal, portal group after portal group
    // portal_tags[i]: the tag of portals[i]'s portal group (LIO's tpgt_N):
    // from the scenario's portal_groups, else 1.
    std::vector<unsigned> portal_tags;
    std::optional<ChapSpec> chap;
    std::optional<ChapSpec> discovery_chap;
    std::vector<LunSpec> luns;
};

struct NvmeNamespaceSpec {
    std::uint32_t nsid = 1;
    std::uint64_t size_mib = 0;
    std::string uuid;   // lower-case, or empty
    std::string nguid;  // 32 lower-case hex digits, or empty
    unsigned ana_group = 1;
};

struct NvmePortSpec {
    Portal portal;                  // 127.0.0.1:4420
    std::string transport = "tcp";  // tcp, rdma
};

struct NvmeSubsystemSpec {
    std::string nqn;
    std::string serial;  // empty: derived from the NQN
    std::vector<NvmePortSpec> ports;
    bool allow_any_host = true;
    std::vector<std::string> allowed_hosts;
    std::vector<NvmeNamespaceSpec> namespaces;
    const NvmeNamespaceSpec* find_namespace(std::uint32_t nsid) const;
};

// Fibre Channel: this host's HBA ports, the arrays' targets, the zoning.
struct FcHbaSpec {
    std::string wwpn;                   // 16 lower-case hex digits
    std::string port_state = "Online";  // at the start: Online or Linkdown
};

struct FcTargetSpec {
    std::string wwnn;
    std::vector<std::string> ports;  // target port WWPNs
    std::vector<LunSpec> luns;
};

struct FcZoneSpec {
    std::string name;
    std::vector<std::string> members;
};

struct FcFabricSpec {
    std::vector<FcHbaSpec> hbas;
    std::vector<FcTargetSpec> targets;
    std::optional<std::vector<FcZoneSpec>> zones;  // absent: every HBA sees every target port
    const FcTargetSpec* find_target(const std::string& wwnn) const;
};

struct NfsFileSpec {
    std::string name;
    std::uint64_t size_mib = 0;
};

struct NfsExportSpec {
    std::string server;                 // 127.0.0.1
    std::string path;                   // /srv/brick-nfs
    std::vector<std::string> versions;  // empty: all
    std::vector<NfsFileSpec> files;
    std::string spec() const { return server + ":" + path; }
};

struct RbdImageSpec {
    std::string pool;
    std::string image;
    std::uint64_t size_mib = 0;
};

struct RbdClusterSpec {
    std::vector<Portal> monitors;
    std::map<std::string, std::string> users;  // cephx user -> key
    std::vector<RbdImageSpec> images;
};

struct LocalDeviceSpec {
    std::string path;  // /dev/<vg>/<lv>
    std::uint64_t size_mib = 0;
};

struct Fabric {
    std::vector<IscsiTargetSpec> iscsi_targets;
    std::vector<NvmeSubsystemSpec> nvme_subsystems;
    FcFabricSpec fc;
    std::vector<NfsExportSpec> nfs_exports;
    std::optional<RbdClusterSpec> rbd;
    std::vector<LocalDeviceSpec> local_devices;
    const IscsiTargetSpec* find_iscsi_target(const std::string& iqn) const;
    const NvmeSubsystemSpec* find_nvme_subsystem(const std::string& nqn) const;
    // Whether an NVMe port has transport rdma (a real kernel needs Soft-RoCE).
    bool uses_rdma() const;
};

// One namespace of an NVMe-oF volume (the volume's own, or one replica).
struct NvmeVolumeRef {
    std::string subsystem;
    std::uint32_t nsid = 1;
};

struct VolumeSpec {
    std::string name;
    std::string target;
    std::uint64_t lun = 0;
    bool multipath = false;
    bool enforce_multipath = false;
    std::vector<Portal> portals;  // empty: the target's first (or all, with multipath)
    nlohmann::json extra_properties = nlohmann::json::object();
    // FC: the target (its WWNN) holding the LUN; the volume's LUN is lun.
    std::string fc_target;
    // NVMe-oF: the namespace, the property format ("new" or "old", os-brick's
    // two) and, for an md RAID1 volume, its replicas. FC: how the properties
    // name the target ports ("initiator_target_map", the default: target_wwn
    // as a list with an initiator_target_map; "target_wwn": one port as a
    // string; "target_wwns": target_wwns and target_luns).
    std::optional<NvmeVolumeRef> nvme;
    std::string format = "new";
    std::vector<NvmeVolumeRef> replicas;
    // The namespaces behind the volume (itself, or its replicas).
    std::vector<NvmeVolumeRef> nvme_namespaces() const;
    // NFS: the export and the volume's file; RBD: pool, image, user; local: the device.
    std::string nfs_export;
    std::string nfs_file;
    std::string rbd_pool;
    std::string rbd_image;
    std::string rbd_user;
    std::string device_path;
    // Encrypted volumes: data.encrypted, and what the connector is given.
    bool encrypted = false;
    std::optional<std::string> passphrase;
    std::string luks_format = "luks";
    std::int64_t luks_iter_time_ms = 0;
};

struct Step {
    // connect, disconnect, write, verify, extend, fault, heal, concurrent,
    // check, wait_ms, restart, stop, start, reboot
    std::string op;
    // volume name, fault name, check name, daemon (iscsid, multipathd) or
    // "host" (reboot)
    std::string subject;
    nlohmann::json params = nlohmann::json::object();
    std::string expect = "ok";
    bool force = false;
    bool ignore_errors = false;
    std::uint64_t pattern = 0;
    std::uint64_t mib = 1;
    std::uint64_t size_mib = 0;
    std::string link = "device";
    // connect: what the device returned must be, "multipath_map" or
    // "single_path" (one SCSI disk); empty: not checked.
    std::string returns;
    std::optional<std::int64_t> within_ms;
    std::int64_t wait_ms = 0;
    std::int64_t down_ms = 0;  // restart: how long the daemon stays down
    std::vector<Step> concurrent;
};

struct Scenario {
    std::filesystem::path file;
    std::string name;
    std::string description;
    std::string protocol;
    bool needs_multipathd = false;
    std::vector<std::string> faults;
    std::vector<std::string> backends;  // empty: all
    std::vector<std::string> targets;   // empty: any
    // The host's nvme_core.multipath (native NVMe multipath), or nullopt: as
    // the host has it (on, in the simulator and in Debian's kernel).
    std::optional<bool> nvme_native_multipath;
    Fabric fabric;
    std::map<std::string, VolumeSpec> volumes;
    std::vector<Step> steps;
    std::int64_t virtual_ms_limit = 600000;
    std::int64_t wall_seconds_limit = 300;

    // The connection properties a storage service would return for a volume
    // ({"driver_volume_type": ..., "data": {...}}), with the volume's extra
    // properties merged in unless with_extra_properties is false.
    nlohmann::json connection_info(const std::string& volume,
                                   bool with_extra_properties = true) const;
    // The LUN spec of an iSCSI or FC volume, or nullptr (NVMe-oF).
    const LunSpec* lun_of(const std::string& volume) const;
    // The target name a LUN fault or resize names for an iSCSI or FC volume
    // (IQN or WWNN).
    std::string target_of(const std::string& volume) const;
};

// Loads and validates a scenario file. Errors (brick::Error, invalid_properties)
// name the file, the JSON path and what was expected.
Scenario load_scenario(const std::filesystem::path& file);
// The same for a scenario's JSON text; file names it in errors.
Scenario parse_scenario(std::string_view text, const std::filesystem::path& file);
// The same for a document in memory (a generated one); file names it in errors.
Scenario scenario_from_json(const nlohmann::json& document, const std::filesystem::path& file);

// Every *.json below the given paths (files or directories), sorted.
std::vector<std::filesystem::path> find_scenarios(const std::vector<std::string>& paths);

// nvmet's attr_serial for a subsystem the scenario gives none (both backends use it).
std::string nvme_serial(const std::string& nqn);

// The directory holding the scenario library and its schema.
std::filesystem::path scenario_root();

}  // namespace brick::lab
