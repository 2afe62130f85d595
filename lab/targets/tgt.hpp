#pragma once
// tgt (tgtd), the user-space iSCSI target, configured from a scenario's
// fabric with tgtadm. tgtd must already run (the guest job starts it on
// 127.0.0.1:3260); other fabric portals are added to it and removed again.
//
// Identity: tgt derives a LU's NAA 6 designator from the LU's scsi_id
// parameter (its hex digits right-adjusted in 128 bits, the top nibble set to
// 6), so scsi_id "6001405" + the serial's first 25 digits gives the LU the
// identity LIO gives it (LunSpec::scsi_id()).
// tgt serves every target on every portal, keeps LUN 0 for its controller
// LU, and has CHAP accounts shared by all targets (bound per target).

#include <filesystem>
#include <string>
#include <vector>

#include "brick/host/host.hpp"
#include "runner/scenario.hpp"

namespace brick::lab {

class TgtTarget {
  public:
    TgtTarget(Host& host, std::filesystem::path work_dir);

    // Creates the backing files, targets, LUNs, accounts and portals.
    void configure(const Fabric& fabric);
    // Removes every target, account and portal configure made, and the files.
    void clear();
    // Fault: the LUN is deleted from its target under the initiator.
    void unmap_lun(const std::string& iqn, std::uint64_t lun);

    // Why tgt cannot hold the fabric, or empty.
    static std::string unsupported(const Fabric& fabric);

  private:
    CommandResult tgtadm(std::vector<std::string> args, bool must_succeed = true);
    int tid_of(const std::string& iqn) const;

    Host& host_;
    std::filesystem::path work_dir_;
    std::vector<std::string> iqns_;  // index + 1 = tid
    std::vector<std::string> accounts_;
    std::vector<std::string> portals_;  // added to tgtd by configure
};

}  // namespace brick::lab
