// The invariant checker checked: the library's own operations give no
// finding, and each planted bug (a connect or disconnect sequence written
// here, wrong on purpose, against the same simulated host) gives the finding
// of the invariant it breaks. A checker that misses one is a bug.
#include <catch2/catch.hpp>

#include "check_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;
using check::OperationKind;
using check::Rule;

namespace {

// Runs a program as the connector would: argument vector, deadline.
void must_run(Host& host, std::vector<std::string> argv) {
    const auto result = run(host, std::move(argv));
    INFO(result.out << result.err);
    REQUIRE(result.exit_status == 0);
}

std::vector<std::string> node(const std::string& iqn, const std::string& portal,
                              std::vector<std::string> more) {
    std::vector<std::string> argv = {"iscsiadm", "-m", "node", "-T", iqn, "-p", portal};
    argv.insert(argv.end(), more.begin(), more.end());
    return argv;
}

// A connect that skips the WWID check: log in, scan the LUN, return the disk
// that shows up there, whatever it is.
DeviceInfo careless_connect(SimHost& host, std::uint64_t lun) {
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 " + std::to_string(lun),
                            Duration(1000))
                .ok());
    const auto dir = "/sys/class/scsi_device/2:0:0:" + std::to_string(lun) + "/device/block";
    std::vector<std::string> disks;
    REQUIRE(host.wait_until([&] { return host.list_dir(dir, disks).ok() && !disks.empty(); },
                            host.now() + Duration(10000), {}));
    return DeviceInfo{"block", "/dev/" + disks.front(), std::nullopt, std::nullopt};
}

// A disconnect whose own steps are given: flush (unless skipped), delete the
// disk, then the session goes whatever else it carries.
void careless_disconnect(SimHost& host, const std::string& disk, bool flush) {
    if (flush) {
        must_run(host, {"blockdev", "--flushbufs", "/dev/" + disk});
    }
    REQUIRE(host.write_file("/sys/block/" + disk + "/device/delete", "1", Duration(30000)).ok());
    must_run(host, node(chap_iqn, chap_portal, {"--logout"}));
    must_run(host, node(chap_iqn, chap_portal, {"--op", "delete"}));
}

struct ChapHost {
    SimHost host{fabric("single_chap.json"), {.seed = 5}};
    check::Checker checker{host,
                           {iscsi_volume(host, "vol1", "vol-1", chap_iqn, 1, {chap_portal}),
                            iscsi_volume(host, "vol2", "vol-2", chap_iqn, 300, {chap_portal})}};
    std::unique_ptr<Connector> connector = make_connector(Protocol::iscsi, host, {});
};

}  // namespace

TEST_CASE("checker: the library's iSCSI operations on a shared session break no invariant",
          "[checker]") {
    ChapHost h;
    const auto one = watched(h.checker, OperationKind::connect, "vol1",
                             [&] { return h.connector->connect(chap_volume_properties(1)); });
    const auto two = watched(h.checker, OperationKind::connect, "vol2",
                             [&] { return h.connector->connect(chap_volume_properties(300)); });
    REQUIRE(one);
    REQUIRE(two);
    REQUIRE(h.host.write_through(one->path, 0, "first volume") == 0);
    h.checker.wrote("vol1", "first volume");
    watched(h.checker, OperationKind::disconnect, "vol1",
            [&] { h.connector->disconnect(chap_volume_properties(1), *one, {}); });
    watched(h.checker, OperationKind::connect, "vol1",
            [&] { return h.connector->connect(chap_volume_properties(1)); });
    watched(h.checker, OperationKind::disconnect, "vol1",
            [&] { h.connector->disconnect(chap_volume_properties(1), {}, {}); });
    watched(h.checker, OperationKind::disconnect, "vol2",
            [&] { h.connector->disconnect(chap_volume_properties(300), *two, {}); });
    h.checker.check_clean("end");
    CHECK(describe(h.checker.findings()).empty());
}

TEST_CASE("checker: a connect that skips the WWID check returns another volume's device",
          "[checker][planted]") {
    ChapHost h;
    // The target maps another volume at LUN 1 before this host attaches.
    h.host.inject(
        {{"fault", "lun_remapped"},
         {"iqn", chap_iqn},
         {"lun", 1},
         {"to",
          {{"volume", "vol-intruder"},
           {"size", 4096},
           {"designators", {{{"type", "naa"}, {"value", "600140511111111111111111111111ff"}}}}}}});
    SECTION("the careless connect is caught") {
        watched(h.checker, OperationKind::connect, "vol1",
                [&] { return careless_connect(h.host, 1); });
        const auto findings = h.checker.findings();
        INFO(describe(findings));
        REQUIRE(rules_of(findings) == std::vector<Rule>{Rule::wrong_device});
        CHECK(findings.front().evidence.find("vol-intruder") != std::string::npos);
    }
    SECTION("the library, given the WWID, refuses the device: nothing to report") {
        auto props = chap_volume_properties(1);
        props["scsi_wwn"] = chap_wwid;
        const auto device = watched(h.checker, OperationKind::connect, "vol1",
                                    [&] { return h.connector->connect(props); });
        CHECK_FALSE(device);
        CHECK(describe(h.checker.findings()).empty());
    }
}

TEST_CASE("checker: a disconnect that logs out a shared session touches the other volume",
          "[checker][planted]") {
    ChapHost h;
    const auto one = watched(h.checker, OperationKind::connect, "vol1",
                             [&] { return h.connector->connect(chap_volume_properties(1)); });
    const auto two = watched(h.checker, OperationKind::connect, "vol2",
                             [&] { return h.connector->connect(chap_volume_properties(300)); });
    REQUIRE(one);
    REQUIRE(two);
    watched(h.checker, OperationKind::disconnect, "vol1",
            [&] { careless_disconnect(h.host, one->path.substr(5), true); });
    const auto findings = h.checker.findings();
    INFO(describe(findings));
    REQUIRE_FALSE(findings.empty());
    CHECK(findings.front().rule == Rule::foreign_object);
    CHECK(findings.front().evidence.find("vol2") != std::string::npos);
}

TEST_CASE("checker: a disconnect that skips the flush loses the written data",
          "[checker][planted]") {
    ChapHost h;
    const auto one = watched(h.checker, OperationKind::connect, "vol1",
                             [&] { return h.connector->connect(chap_volume_properties(1)); });
    REQUIRE(one);
    REQUIRE(h.host.write_through(one->path, 0, "must survive") == 0);
    h.checker.wrote("vol1", "must survive");
    SECTION("without the flush") {
        watched(h.checker, OperationKind::disconnect, "vol1",
                [&] { careless_disconnect(h.host, one->path.substr(5), false); });
        const auto findings = h.checker.findings();
        INFO(describe(findings));
        const auto rules = rules_of(findings);
        CHECK(std::count(rules.begin(), rules.end(), Rule::data_lost) >= 1);
    }
    SECTION("the same sequence with the flush keeps it") {
        watched(h.checker, OperationKind::disconnect, "vol1",
                [&] { careless_disconnect(h.host, one->path.substr(5), true); });
        CHECK(describe(h.checker.findings()).empty());
        CHECK(h.host.model().volume_bytes("vol-1", 0, 12) == "must survive");
    }
}

TEST_CASE("checker: deleting a path before `multipathd del path` is caught",
          "[checker][planted][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    check::Checker checker(host, {iscsi_volume(host, "mp", "vol-mp", mp_iqn, 1,
                                               {"192.168.122.10:3260", "[2001:db8::10]:3260"})});
    ConnectorOptions options;
    options.use_multipath = true;
    auto connector = make_connector(Protocol::iscsi, host, options);
    const auto device = watched(checker, OperationKind::connect, "mp",
                                [&] { return connector->connect(multipath_properties()); });
    REQUIRE(device);
    REQUIRE(device->path.rfind("/dev/dm-", 0) == 0);
    const auto paths = host.model().state().maps.begin()->second.paths;
    REQUIRE(paths.size() == 2);
    SECTION("delete, then del path") {
        watched(checker, OperationKind::disconnect, "mp", [&] {
            must_run(host, {"blockdev", "--flushbufs", device->path});
            must_run(host, {"multipath", "-f", *device->multipath_id});
            for (const auto& disk : paths) {
                REQUIRE(
                    host.write_file("/sys/block/" + disk + "/device/delete", "1", Duration(30000))
                        .ok());
                run(host, {"multipathd", "del", "path", disk});
            }
            for (const auto& portal : {"192.168.122.10:3260", "[2001:db8::10]:3260"}) {
                must_run(host, node(mp_iqn, portal, {"--logout"}));
                must_run(host, node(mp_iqn, portal, {"--op", "delete"}));
            }
        });
        const auto findings = checker.findings();
        INFO(describe(findings));
        REQUIRE_FALSE(findings.empty());
        CHECK(findings.front().rule == Rule::removal_order);
    }
    SECTION("the library's disconnect") {
        watched(checker, OperationKind::disconnect, "mp",
                [&] { connector->disconnect(multipath_properties(), *device, {}); });
        CHECK(describe(checker.findings()).empty());
    }
}

TEST_CASE("checker: leftovers after a disconnect that forgets the session", "[checker][planted]") {
    ChapHost h;
    const auto one = watched(h.checker, OperationKind::connect, "vol1",
                             [&] { return h.connector->connect(chap_volume_properties(1)); });
    REQUIRE(one);
    watched(h.checker, OperationKind::disconnect, "vol1", [&] {
        must_run(h.host, {"blockdev", "--flushbufs", one->path});
        REQUIRE(h.host
                    .write_file("/sys/block/" + one->path.substr(5) + "/device/delete", "1",
                                Duration(30000))
                    .ok());
    });
    const auto findings = h.checker.findings();
    INFO(describe(findings));
    REQUIRE(rules_of(findings) == std::vector<Rule>{Rule::leftover});
    CHECK(findings.front().evidence.find("session") != std::string::npos);
    CHECK(findings.front().evidence.find("node record") != std::string::npos);
}

TEST_CASE("checker: an operation past its deadline is reported while it runs", "[checker]") {
    ChapHost h;
    h.host.inject({{"fault", "tool_hangs"}, {"tool", "iscsiadm"}});
    const int id = h.checker.begin({OperationKind::connect, "vol1", false, false, 10000});
    CHECK_THROWS_AS(h.connector->connect(chap_volume_properties(1)), Error);
    // Reported during the operation, at the first interaction past the deadline.
    const auto findings = h.checker.findings();
    INFO(describe(findings));
    REQUIRE(rules_of(findings) == std::vector<Rule>{Rule::deadline});
    CHECK(findings.front().t_ms <= 10000 + 30000);
    h.checker.end(id, {ErrorCategory::timeout, "", std::nullopt});
    CHECK(h.checker.findings().size() == 1);
}

TEST_CASE("checker: NVMe-oF, a controller deleted under another volume's namespace",
          "[checker][planted][nvme]") {
    SimHost host(fabric("nvme_two_ports.json"), {.seed = 4});
    check::Checker checker(host, {nvme_volume("a", "ns-a", {"127.0.0.1:4420"}),
                                  nvme_volume("b", "ns-b", {"127.0.0.1:4420"})});
    auto connector = make_connector(Protocol::nvmeof, host, {});
    const nlohmann::json a{{"target_nqn", nvme_nqn},
                           {"vol_uuid", "6b72696b-0000-4000-8000-0000000000b1"},
                           {"portals", {{"127.0.0.1", 4420, "tcp"}}}};
    const nlohmann::json b{{"target_nqn", nvme_nqn},
                           {"volume_nguid", "6b72696b0000400080000000000000b2"},
                           {"ns_id", "2"},
                           {"portals", {{"127.0.0.1", 4420, "tcp"}}}};
    const auto da =
        watched(checker, OperationKind::connect, "a", [&] { return connector->connect(a); });
    const auto db =
        watched(checker, OperationKind::connect, "b", [&] { return connector->connect(b); });
    REQUIRE(da);
    REQUIRE(db);
    SECTION("the library keeps the controller") {
        watched(checker, OperationKind::disconnect, "a",
                [&] { connector->disconnect(a, *da, {}); });
        CHECK(describe(checker.findings()).empty());
        watched(checker, OperationKind::disconnect, "b",
                [&] { connector->disconnect(b, *db, {}); });
        checker.check_clean("end");
        CHECK(describe(checker.findings()).empty());
    }
    SECTION("a disconnect that deletes it anyway") {
        watched(checker, OperationKind::disconnect, "a", [&] {
            must_run(host, {"blockdev", "--flushbufs", da->path});
            REQUIRE(host.write_file("/sys/class/nvme/nvme0/delete_controller", "1", Duration(30000))
                        .ok());
        });
        const auto findings = checker.findings();
        INFO(describe(findings));
        REQUIRE_FALSE(findings.empty());
        CHECK(findings.front().rule == Rule::foreign_object);
    }
}
