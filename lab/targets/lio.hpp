#pragma once
// LIO, the Linux kernel's iSCSI target, configured from a scenario's fabric
// through targetcli (targetcli-fb), the tool its users know: the fabric is
// written as a targetcli save file and loaded with `targetcli restoreconfig`.

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "brick/host/host.hpp"
#include "runner/scenario.hpp"

namespace brick::lab {

// The targetcli save-file document for a fabric; LU backing files live in
// backing_dir ("<backing_dir>/<serial>.img"), except the LUs in
// block_devices (serial -> block device), backed by that device.
nlohmann::json lio_save_file(const Fabric& fabric, const std::filesystem::path& backing_dir,
                             const std::map<std::string, std::string>& block_devices = {});

// A LUN of a target ("<iqn>", LUN number).
using LioLun = std::pair<std::string, std::uint64_t>;

class LioTarget {
  public:
    LioTarget(Host& host, std::filesystem::path work_dir);

    // Creates the backing files and loads the fabric (replacing any LIO
    // configuration). The LUNs in growable are backed by a loop device over
    // a sparse file: fileio over a regular file serves the size it was given
    // at creation, over a block device the device's current size
    // (target_core_file.c fd_get_blocks). The others keep their plain files.
    void configure(const Fabric& fabric, const std::set<LioLun>& growable = {});
    // Removes every LIO object and the backing files.
    void clear();
    // Faults: unmap a LUN from every TPG, or re-add it; remove or re-add a
    // portal (in its portal group's TPG).
    void unmap_lun(const std::string& iqn, std::uint64_t lun);
    // Maps another volume at a LUN: a new backstore of size_bytes whose unit
    // serial is serial (its NAA is 6001405 followed by the serial's first 25
    // hex digits), in every TPG of the target in place of what was there.
    void remap_lun(const std::string& iqn, std::uint64_t lun, std::uint64_t size_bytes,
                   const std::string& serial);
    void remove_portal(const std::string& iqn, const Portal& portal);
    void add_portal(const std::string& iqn, const Portal& portal);
    // Grows a LUN configured growable: its file, then its loop device's
    // capacity (`losetup -c`); the initiator sees it at its next rescan.
    void resize_lun(const std::string& iqn, std::uint64_t lun, std::uint64_t size_mib);

  private:
    struct LoopBacking {
        std::filesystem::path file;
        std::string device;  // "/dev/loop3"
    };
    void run(const std::vector<std::string>& argv);
    void targetcli(std::vector<std::string> args);
    // "/iscsi/<iqn>/tpgN": the TPG of the portal's group (1 when unknown).
    std::set<unsigned> tags_of(const std::string& iqn) const;
    std::string portal_dir(const std::string& iqn, const Portal& portal) const;
    std::string tpg_path(const std::string& iqn, const Portal& portal) const;
    Host& host_;
    std::filesystem::path work_dir_;
    std::map<LioLun, LoopBacking> loops_;
    // The portal group tag of each (iqn, portal) configured.
    std::map<std::pair<std::string, std::string>, unsigned> portal_tags_;
};

}  // namespace brick::lab
