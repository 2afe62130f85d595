// The host's state as the readers see it in sysfs: iSCSI sessions and their
// connections and SCSI hosts, SCSI disks (address link, size, state, VPD
// pages, holders), dm-multipath maps and NVMe-oF controllers and namespaces.
// Input: a tree description (tree_host.hpp), so the fuzzer changes names,
// links and attribute values of a real-looking tree. Readers never throw;
// what they return is consistent with the tree.

#include "brick/iscsi/session.hpp"
#include "brick/multipath/map.hpp"
#include "brick/nvmeof/controller.hpp"
#include "brick/scsi/disk.hpp"
#include "support.hpp"
#include "tree_host.hpp"

namespace {

void check_sessions(brick::fuzz::TreeHost& host) {
    for (const auto& session : brick::iscsi::read_sessions(host)) {
        BRICK_FUZZ_CHECK(
            host.exists("/sys/class/iscsi_session/session" + std::to_string(session.id)),
            std::to_string(session.id));
        if (session.portal.port == 0) {
            continue;
        }
        const auto again = brick::iscsi::find_session(host, session.target_iqn, session.portal);
        BRICK_FUZZ_CHECK(
            again && again->target_iqn == session.target_iqn && again->portal == session.portal,
            session.target_iqn);
        if (session.scsi_host) {
            for (const auto& address : brick::scsi::devices_on_host(host, *session.scsi_host)) {
                BRICK_FUZZ_CHECK(address.host == *session.scsi_host, address.to_string());
            }
        }
    }
}

void check_block_devices(brick::fuzz::TreeHost& host) {
    std::vector<std::string> names;
    host.list_dir("/sys/block", names);
    for (const auto& name : names) {
        if (const auto disk = brick::scsi::read_disk(host, name)) {
            BRICK_FUZZ_CHECK(disk->name == name, name);
            BRICK_FUZZ_CHECK(disk->size_bytes % 512 == 0, name);
            BRICK_FUZZ_CHECK(
                brick::scsi::Address::parse(disk->address.to_string()) == disk->address,
                disk->address.to_string());
            BRICK_FUZZ_CHECK(disk->scsi_id.empty() || disk->scsi_id[0] == '1' ||
                                 disk->scsi_id[0] == '2' || disk->scsi_id[0] == '3',
                             disk->scsi_id);
            BRICK_FUZZ_CHECK(!disk->ready() || (disk->has_device_node && disk->size_bytes > 0),
                             name);
            if (const auto map = brick::multipath::map_holding(host, name)) {
                BRICK_FUZZ_CHECK(map->device.rfind("dm-", 0) == 0 || !map->device.empty(),
                                 map->device);
            }
        }
        if (const auto map = brick::multipath::read_map(host, name)) {
            BRICK_FUZZ_CHECK(map->device == name, name);
            const auto by_wwid = brick::multipath::map_for_wwid(host, map->wwid);
            BRICK_FUZZ_CHECK(name.rfind("dm-", 0) != 0 || (by_wwid && by_wwid->wwid == map->wwid),
                             map->wwid);
        }
        if (const auto ns = brick::nvmeof::read_namespace(host, name)) {
            BRICK_FUZZ_CHECK(ns->name == name, name);
            BRICK_FUZZ_CHECK(ns->size_bytes % 512 == 0, name);
            BRICK_FUZZ_CHECK(ns->nguid.find('-') == std::string::npos, ns->nguid);
        }
    }
}

void check_controllers(brick::fuzz::TreeHost& host) {
    for (const auto& controller : brick::nvmeof::read_controllers(host)) {
        BRICK_FUZZ_CHECK(controller.name == "nvme" + std::to_string(controller.instance),
                         controller.name);
        for (const auto& ns : brick::nvmeof::namespaces_of(host, controller)) {
            BRICK_FUZZ_CHECK(ns.name.rfind("nvme", 0) == 0, ns.name);
        }
    }
    brick::nvmeof::native_multipath(host);
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    brick::fuzz::TreeHost host;
    host.describe(brick::fuzz::as_text(data, size));
    check_sessions(host);
    check_block_devices(host);
    check_controllers(host);
    return 0;
}
