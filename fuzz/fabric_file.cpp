// Simulator fabric files (sim/fabrics/*.json, `brick-lab sim up --fabric`):
// parsed, then checked against the library: every volume's VPD page as the
// simulator renders it gives the library the identity udev would give
// (scsi_id), and SendTargets discovery through the simulator's iscsiadm only
// returns the fabric's targets. Errors are FabricErrors naming a JSON pointer.

#include "brick/iscsi/iscsiadm.hpp"
#include "brick/scsi/vpd83.hpp"
#include "sim/host/sim_host.hpp"
#include "sim/model/fabric.hpp"
#include "sim/model/identity.hpp"
#include "support.hpp"

namespace {

void check_identities(const brick::sim::Fabric& fabric) {
    for (const auto& [id, volume] : fabric.volumes) {
        const auto expected = brick::sim::scsi_id(volume.designators);
        const auto page = brick::sim::vpd83_page(volume.designators);
        const auto read = brick::scsi::scsi_id_from_vpd83(page).value_or("");
        BRICK_FUZZ_CHECK(read == expected, std::string(id)
                                               .append(": page gives \"")
                                               .append(read)
                                               .append("\", udev \"")
                                               .append(expected)
                                               .append("\""));
        const auto wwid = brick::sim::sysfs_wwid(volume.designators);
        const auto from_wwid = brick::scsi::scsi_id_from_sysfs_wwid(wwid).value_or("");
        BRICK_FUZZ_CHECK(from_wwid == expected, std::string(id)
                                                    .append(": wwid \"")
                                                    .append(wwid)
                                                    .append("\" gives \"")
                                                    .append(from_wwid)
                                                    .append("\""));
    }
    for (const auto& target : fabric.iscsi_targets) {
        BRICK_FUZZ_CHECK(!target.portals.empty(), target.iqn);
        for (const auto& lun : target.luns) {
            BRICK_FUZZ_CHECK(fabric.volumes.count(lun.volume_id) == 1, lun.volume_id);
        }
    }
    for (const auto& subsystem : fabric.nvme_subsystems) {
        BRICK_FUZZ_CHECK(!subsystem.ports.empty(), subsystem.nqn);
        for (const auto& ns : subsystem.namespaces) {
            BRICK_FUZZ_CHECK(ns.nsid >= 1 && fabric.volumes.count(ns.volume_id) == 1, ns.volume_id);
        }
    }
}

// Discovery through the simulator's iscsiadm on the first target's first portal.
void check_discovery(const brick::sim::Fabric& fabric) {
    if (fabric.iscsi_targets.empty()) {
        return;
    }
    const auto& first = fabric.iscsi_targets.front();
    brick::Portal portal;
    portal.host = first.portals.front().address;
    portal.port = first.portals.front().port;
    std::optional<brick::ChapCredentials> chap;
    if (fabric.discovery_chap) {
        chap = brick::ChapCredentials{
            "CHAP", fabric.discovery_chap->username, fabric.discovery_chap->password, {}, {}};
    }
    brick::sim::SimHost host(fabric, {.seed = 1});
    brick::iscsi::Iscsiadm iscsiadm(host, brick::Duration(30000));
    try {
        for (const auto& [found, iqn] : iscsiadm.discover(portal, "default", chap)) {
            BRICK_FUZZ_CHECK(fabric.find_target(iqn) != nullptr, iqn);
        }
    } catch (const brick::Error&) {
        // Unreachable, refused, iscsid down: typed errors are the contract.
    }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    brick::forget_secrets();
    brick::sim::Fabric fabric;
    try {
        fabric = brick::sim::parse_fabric_text(brick::fuzz::as_text(data, size), "fabric.json");
    } catch (const brick::sim::FabricError& e) {
        BRICK_FUZZ_CHECK(!e.path().empty() && e.path().front() == '/', e.what());
        return 0;
    }
    check_identities(fabric);
    check_discovery(fabric);
    return 0;
}
