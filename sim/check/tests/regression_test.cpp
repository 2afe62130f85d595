// Library bugs the seeded fault sweep (`brick-lab sweep`) found, each pinned
// by the smallest run that shows it, checked by the invariant checker.
#include <algorithm>
#include <catch2/catch.hpp>

#include "check_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;
using check::OperationKind;

namespace {

constexpr const char* shared_iqn = "iqn.2010-10.org.openstack:shared";
constexpr const char* shared_portal = "192.168.122.20:3260";

// One target, one portal, two LUNs: two volumes share its session.
Fabric shared_target() {
    return parse_fabric(nlohmann::json::parse(R"({
        "host": {"local_disks": 1},
        "iscsi": {"targets": [{
            "iqn": "iqn.2010-10.org.openstack:shared",
            "portals": ["192.168.122.20:3260"],
            "luns": [
                {"lun": 1, "size": 16777216, "volume": "vol-a",
                 "designators": [{"type": "naa", "value": "60014050aabbccdd00000000000000a1"}]},
                {"lun": 2, "size": 16777216, "volume": "vol-b",
                 "designators": [{"type": "naa", "value": "60014050aabbccdd00000000000000b2"}]}
            ]}]}
    })"));
}

nlohmann::json properties(std::uint64_t lun) {
    return {{"target_portal", shared_portal}, {"target_iqn", shared_iqn}, {"target_lun", lun}};
}

std::vector<check::VolumeRef> volumes(SimHost& host) {
    return {iscsi_volume(host, "a", "vol-a", shared_iqn, 1, {shared_portal}),
            iscsi_volume(host, "b", "vol-b", shared_iqn, 2, {shared_portal})};
}

}  // namespace

// Sweep seed 78 (iSCSI): a connect whose LUN was gone created the session,
// gave up, and cleaned up after releasing the node lock, so it logged the
// session out while another volume's connect had just scanned its LUN on it.
// The cleanup now runs under the node lock.
TEST_CASE("regression: a failed attach never logs out a session another attach uses",
          "[regression]") {
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        SimHost host(shared_target(), {.seed = seed, .keep_trace = false});
        check::Checker checker(host, volumes(host));
        host.inject({{"fault", "lun_removed"}, {"iqn", shared_iqn}, {"lun", 1}});
        ConnectorOptions quick;
        quick.device_timeout = Duration(3000);
        std::optional<DeviceInfo> kept;
        {
            auto gone = host.start_task("connect-a", [&] {
                auto connector = make_connector(Protocol::iscsi, host, quick);
                watched(checker, OperationKind::connect, "a",
                        [&] { return connector->connect(properties(1)); });
            });
            auto other = host.start_task("connect-b", [&] {
                auto connector = make_connector(Protocol::iscsi, host, {});
                kept = watched(checker, OperationKind::connect, "b",
                               [&] { return connector->connect(properties(2)); });
            });
            gone->join();
            other->join();
        }
        auto connector = make_connector(Protocol::iscsi, host, {});
        watched(checker, OperationKind::disconnect, "b",
                [&] { connector->disconnect(properties(2), kept.value_or(DeviceInfo{}), {}); });
        watched(checker, OperationKind::disconnect, "a",
                [&] { connector->disconnect(properties(1), {}, {}); });
        checker.check_clean("end");
        INFO("seed " << seed << ": " << describe(checker.findings()));
        REQUIRE(checker.findings().empty());
    }
}

// Sweep seed 49 (iSCSI): a connect that gave up while sd was still probing
// its LUN on a shared session left the SCSI device, which got its disk after
// the disconnect: the disconnect looked at disks only. It now deletes the
// LUN's devices that have no disk yet.
TEST_CASE("regression: disconnect removes the LUN's SCSI device that has no disk yet",
          "[regression]") {
    SimHost host(shared_target(), {.seed = 9, .keep_trace = false});
    check::Checker checker(host, volumes(host));
    auto connector = make_connector(Protocol::iscsi, host, {});
    const auto b = watched(checker, OperationKind::connect, "b",
                           [&] { return connector->connect(properties(2)); });
    REQUIRE(b);
    host.inject({{"fault", "device_late"}, {"lun", 1}, {"delay_ms", 30000}});
    ConnectorOptions quick;
    quick.device_timeout = Duration(3000);
    auto impatient = make_connector(Protocol::iscsi, host, quick);
    CHECK_FALSE(watched(checker, OperationKind::connect, "a",
                        [&] { return impatient->connect(properties(1)); }));
    // The failed connect now removes the device its own scan added (seeds
    // 666 and 871); whatever it left, the disconnect must leave nothing.
    watched(checker, OperationKind::disconnect, "a",
            [&] { connector->disconnect(properties(1), {}, {}); });
    INFO(describe(checker.findings()));
    CHECK(checker.findings().empty());
    host.advance(Duration(40000));  // the probe would have given it a disk by now
    CHECK(host.model().footprint("vol-a").devices.empty());
    watched(checker, OperationKind::disconnect, "b",
            [&] { connector->disconnect(properties(2), *b, {}); });
    checker.check_clean("end");
    CHECK(checker.findings().empty());
}

// Sweep seeds 60, 61, 72 and 75 (NVMe-oF): a connect recorded its namespace
// as in use after it released the subsystem lock, so a detach of another
// namespace of the subsystem, waiting for that lock, saw nothing in use and
// deleted the controllers under the device the connect had just returned.
// The record is now written under the lock.
TEST_CASE("regression: a detach never deletes the controllers under a namespace just attached",
          "[regression][nvme]") {
    const nlohmann::json a{{"target_nqn", nvme_nqn},
                           {"vol_uuid", "6b72696b-0000-4000-8000-0000000000b1"},
                           {"portals", {{"127.0.0.1", 4420, "tcp"}}}};
    const nlohmann::json b{{"target_nqn", nvme_nqn},
                           {"volume_nguid", "6b72696b0000400080000000000000b2"},
                           {"ns_id", "2"},
                           {"portals", {{"127.0.0.1", 4420, "tcp"}}}};
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        SimHost host(fabric("nvme_two_ports.json"), {.seed = seed, .keep_trace = false});
        check::Checker checker(host, {nvme_volume("a", "ns-a", {"127.0.0.1:4420"}),
                                      nvme_volume("b", "ns-b", {"127.0.0.1:4420"})});
        auto connector = make_connector(Protocol::nvmeof, host, {});
        const auto da =
            watched(checker, OperationKind::connect, "a", [&] { return connector->connect(a); });
        REQUIRE(da);
        std::optional<DeviceInfo> db;
        {
            auto attach = host.start_task("connect-b", [&] {
                auto mine = make_connector(Protocol::nvmeof, host, {});
                db =
                    watched(checker, OperationKind::connect, "b", [&] { return mine->connect(b); });
            });
            auto detach = host.start_task("disconnect-a", [&] {
                auto mine = make_connector(Protocol::nvmeof, host, {});
                watched(checker, OperationKind::disconnect, "a",
                        [&] { mine->disconnect(a, *da, {}); });
            });
            attach->join();
            detach->join();
        }
        INFO("seed " << seed << ": " << describe(checker.findings()));
        REQUIRE(db);
        CHECK(host.exists(db->path));
        watched(checker, OperationKind::disconnect, "b",
                [&] { connector->disconnect(b, *db, {}); });
        checker.check_clean("end");
        REQUIRE(checker.findings().empty());
    }
}

// Sweep seed 99 (NVMe-oF): one volume's connect reached the subsystem through
// two portals, another's through one; each detach deleted only the
// controllers of its own portals, so once both were detached a controller
// (and every namespace behind it) remained. A detach that finds nothing else
// of the subsystem in use now deletes all of its controllers.
TEST_CASE("regression: the last detach of a subsystem deletes its controllers on every portal",
          "[regression][nvme]") {
    SimHost host(fabric("nvme_two_ports.json"), {.seed = 3, .keep_trace = false});
    check::Checker checker(host, {nvme_volume("a", "ns-a", {"127.0.0.1:4420", "127.0.0.1:4421"}),
                                  nvme_volume("b", "ns-b", {"127.0.0.1:4420"})});
    ConnectorOptions multipath;
    multipath.use_multipath = true;
    auto both = make_connector(Protocol::nvmeof, host, multipath);
    auto one = make_connector(Protocol::nvmeof, host, {});
    const nlohmann::json a{{"target_nqn", nvme_nqn},
                           {"vol_uuid", "6b72696b-0000-4000-8000-0000000000b1"},
                           {"portals", {{"127.0.0.1", 4420, "tcp"}, {"127.0.0.1", 4421, "tcp"}}}};
    const nlohmann::json b{{"target_nqn", nvme_nqn},
                           {"volume_nguid", "6b72696b0000400080000000000000b2"},
                           {"ns_id", "2"},
                           {"portals", {{"127.0.0.1", 4420, "tcp"}}}};
    const auto da = watched(checker, OperationKind::connect, "a", [&] { return both->connect(a); });
    const auto db = watched(checker, OperationKind::connect, "b", [&] { return one->connect(b); });
    REQUIRE(da);
    REQUIRE(db);
    REQUIRE(host.model().state().nvme.controllers.size() == 2);
    watched(checker, OperationKind::disconnect, "a", [&] { both->disconnect(a, *da, {}); });
    watched(checker, OperationKind::disconnect, "b", [&] { one->disconnect(b, *db, {}); });
    checker.check_clean("end");
    INFO(describe(checker.findings()));
    CHECK(checker.findings().empty());
    CHECK(host.model().state().nvme.controllers.empty());
}

namespace {

constexpr const char* mp_portal_a = "192.168.122.10:3260";
constexpr const char* mp_portal_b = "[2001:db8::10]:3260";

check::VolumeRef multipath_volume(SimHost& host) {
    return iscsi_volume(host, "mp", "vol-mp", mp_iqn, 1, {mp_portal_a, mp_portal_b});
}

ConnectorOptions with_multipath() {
    ConnectorOptions options;
    options.use_multipath = true;
    return options;
}

}  // namespace

// Sweep seeds 1159 and 1437 (iSCSI): a connect of a volume already attached
// through a multipath map, while multipathd was down, returned one of the
// map's paths: I/O through it bypassed the map, and the data written through
// the map was not there. Connect now returns the map that holds the paths,
// found in sysfs, when multipathd does not answer.
TEST_CASE("regression: a reconnect while multipathd is down returns the existing map",
          "[regression][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 5, .keep_trace = false});
    check::Checker checker(host, {multipath_volume(host)});
    auto connector = make_connector(Protocol::iscsi, host, with_multipath());
    const auto first = watched(checker, OperationKind::connect, "mp",
                               [&] { return connector->connect(multipath_properties()); });
    REQUIRE(first);
    REQUIRE(first->path.rfind("/dev/dm-", 0) == 0);
    host.inject({{"fault", "multipathd_down"}});
    const auto again = watched(checker, OperationKind::connect, "mp",
                               [&] { return connector->connect(multipath_properties()); });
    INFO(describe(checker.findings()));
    REQUIRE(again);
    CHECK(again->path == first->path);
    CHECK(again->multipath_id == first->multipath_id);
    CHECK(checker.findings().empty());
}

// Sweep seeds 666 and 871 (iSCSI): a connect scanned its LUN on a session
// another volume's LUN kept, found a device of another volume there (the
// target had mapped another LU at that number) and refused it, but only a
// connect that had created the session removed what it scanned: the refused
// device stayed, held the session after every volume's disconnect, and no
// disconnect would remove a device of an identity it does not own. A failed
// attach now removes the devices its own scan added, on any session.
TEST_CASE("regression: a refused device on a shared session does not outlive the connect",
          "[regression]") {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        SimHost host(shared_target(), {.seed = seed, .keep_trace = false});
        check::Checker checker(host, volumes(host));
        auto connector = make_connector(Protocol::iscsi, host, {});
        const auto b = watched(checker, OperationKind::connect, "b",
                               [&] { return connector->connect(properties(2)); });
        REQUIRE(b);
        host.inject({{"fault", "lun_remapped"},
                     {"iqn", shared_iqn},
                     {"lun", 1},
                     {"to",
                      {{"volume", "intruder"},
                       {"size", 16777216},
                       {"designators",
                        {{{"type", "naa"}, {"value", "60014050aabbccdd00000000000000ff"}}}}}}});
        auto wanted = properties(1);
        wanted["scsi_wwn"] = scsi_id(host.model().fabric().volumes.at("vol-a").designators);
        CHECK_FALSE(watched(checker, OperationKind::connect, "a",
                            [&] { return connector->connect(wanted); }));
        watched(checker, OperationKind::disconnect, "b",
                [&] { connector->disconnect(properties(2), *b, {}); });
        checker.check_clean("end");
        INFO("seed " << seed << ": " << describe(checker.findings()));
        CHECK(checker.findings().empty());
        CHECK(host.model().state().sessions.empty());
    }
}

// The 64-volume sweep (iSCSI, seed 1): with every iscsiadm hanging, each
// record change held the host-wide node-record lock for its whole deadline
// and every other connect waited in line behind all of them, so the last
// connects outlived their deadline by far. The wait for that lock is now
// bounded by the command's deadline, as iscsiadm's own wait for its record
// database lock is: every connect fails within a few command deadlines.
TEST_CASE("regression: a hung iscsiadm does not queue every independent connect behind it",
          "[regression]") {
    constexpr int count = 8;
    nlohmann::json targets = nlohmann::json::array();
    for (int i = 1; i <= count; ++i) {
        const auto n = std::to_string(i);
        targets.push_back(nlohmann::json::parse(
            R"({"iqn": "iqn.2010-10.org.openstack:t)" + n + R"(", "portals": ["192.168.122.)" +
            std::to_string(30 + i) +
            R"(:3260"], "luns": [{"lun": 1, "size": 16777216, "volume": "vol-)" + n +
            R"(", "designators": [{"type": "naa", "value": "60014050aabbccdd0000000000000)" +
            std::to_string(100 + i) + R"("}]}]})"));
    }
    nlohmann::json many;
    many["host"]["local_disks"] = 1;
    many["iscsi"]["targets"] = targets;
    SimHost host(parse_fabric(many), {.seed = 3, .keep_trace = false});
    std::vector<check::VolumeRef> refs;
    for (int i = 1; i <= count; ++i) {
        refs.push_back(iscsi_volume(host, "v" + std::to_string(i), "vol-" + std::to_string(i),
                                    "iqn.2010-10.org.openstack:t" + std::to_string(i), 1,
                                    {"192.168.122." + std::to_string(30 + i) + ":3260"}));
    }
    check::Checker checker(host, refs);
    host.inject({{"fault", "tool_hangs"}, {"tool", "iscsiadm"}});
    std::vector<std::int64_t> took(count, 0);
    {
        std::vector<std::unique_ptr<Task>> tasks;
        for (int i = 1; i <= count; ++i) {
            tasks.push_back(host.start_task("connect-" + std::to_string(i), [&, i] {
                auto connector = make_connector(Protocol::iscsi, host, {});
                const auto start = host.now_ms();
                nlohmann::json props{
                    {"target_portal", "192.168.122." + std::to_string(30 + i) + ":3260"},
                    {"target_iqn", "iqn.2010-10.org.openstack:t" + std::to_string(i)},
                    {"target_lun", 1}};
                CHECK_FALSE(watched(checker, OperationKind::connect, "v" + std::to_string(i),
                                    [&] { return connector->connect(props); }));
                took[static_cast<std::size_t>(i - 1)] = host.now_ms() - start;
            }));
        }
        for (auto& task : tasks) {
            task->join();
        }
    }
    const auto longest = *std::max_element(took.begin(), took.end());
    INFO("longest connect " << longest << " ms; " << describe(checker.findings()));
    // One command deadline (30 s) waiting for the lock, one for the hung run.
    CHECK(longest <= 60000);
    CHECK(checker.findings().empty());
}
