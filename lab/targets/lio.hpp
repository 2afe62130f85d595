#pragma once
// LIO, the Linux kernel's iSCSI target, configured from a scenario's fabric
// through targetcli (targetcli-fb), the tool its users know: the fabric is
// written as a targetcli save file and loaded with `targetcli restoreconfig`.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "brick/host/host.hpp"
#include "runner/scenario.hpp"

namespace brick::lab {

// The targetcli save-file document for a fabric; LU backing files live in
// backing_dir ("<backing_dir>/<serial>.img").
nlohmann::json lio_save_file(const Fabric& fabric, const std::filesystem::path& backing_dir);

class LioTarget {
  public:
    LioTarget(Host& host, std::filesystem::path work_dir);

    // Creates the backing files and loads the fabric (replacing any LIO configuration).
    void configure(const Fabric& fabric);
    // Removes every LIO object and the backing files.
    void clear();
    // Faults: unmap a LUN from every TPG, or re-add it; remove or re-add a portal.
    void unmap_lun(const std::string& iqn, std::uint64_t lun);
    void remove_portal(const std::string& iqn, const Portal& portal);
    void add_portal(const std::string& iqn, const Portal& portal);

  private:
    void targetcli(std::vector<std::string> args);
    Host& host_;
    std::filesystem::path work_dir_;
};

}  // namespace brick::lab
