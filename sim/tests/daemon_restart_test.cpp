// iscsid and multipathd killed and started again (sim/model/daemons.hpp):
// what the host shows while they are down and after they are back, against
// the model's state and the library's results.
#include <catch2/catch.hpp>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "sim/model/daemons.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

std::vector<std::string> chap_node() {
    return {"iscsiadm", "-m", "node", "-T", chap_iqn, "-p", "192.168.122.10:3260"};
}

std::vector<std::string> with(std::vector<std::string> argv,
                              std::initializer_list<std::string> more) {
    argv.insert(argv.end(), more);
    return argv;
}

// Starts a daemon and lets virtual time pass until it answers.
void start_and_wait(SimHost& host, Daemon daemon) {
    start_daemon(host.model(), daemon);
    CHECK_FALSE(daemon_running(host.model(), daemon));
    host.advance(Duration(host.model().fabric().timing.daemon_start_ms * 2));
    REQUIRE(daemon_running(host.model(), daemon));
}

}  // namespace

TEST_CASE("iscsid killed: the kernel's session, disk and node record stay; logout waits for it",
          "[daemons][iscsiadm]") {
    SimHost host(fabric("single_chap.json"), {.seed = 3});
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(1000)).ok());
    host.advance(Duration(200));
    REQUIRE(host.exists("/dev/sdb"));
    REQUIRE(host.write_through("/dev/sdb", 0, "kept") == 0);

    kill_daemon(host.model(), Daemon::iscsid);
    CHECK(host.model().state().sessions.size() == 1);
    CHECK(host.model().state().nodes.size() == 1);
    CHECK(host.exists("/dev/sdb"));
    std::string back;
    REQUIRE(host.read_through("/dev/sdb", 0, 4, back) == 0);
    CHECK(back == "kept");
    // The session list is the kernel's (sysfs); its iscsid states are unknown.
    CHECK(run(host, {"iscsiadm", "-m", "session"}).exit_status == 0);
    const auto detail = run(host, {"iscsiadm", "-m", "session", "-P", "1"});
    CHECK(detail.out.find("iSCSI Connection State: Unknown") != std::string::npos);
    CHECK(detail.out.find("iSCSI Session State: LOGGED_IN") != std::string::npos);
    CHECK(detail.out.find("Internal iscsid Session State: Unknown") != std::string::npos);
    // Logout is iscsid's: it fails, and open-iscsi 2.1.8 then reports no session found.
    auto r = run(host, with(chap_node(), {"--logout"}));
    CHECK(r.exit_status == 21);
    CHECK(r.err.find("initiator reported error (20 - could not connect to iscsid)") !=
          std::string::npos);
    CHECK(host.model().state().sessions.size() == 1);
    CHECK(host.exists("/dev/sdb"));
    // The record stays: a session uses it.
    CHECK(run(host, with(chap_node(), {"--op", "delete"})).exit_status == 15);

    // Started, it answers first and takes the session over a login later:
    // until then it refuses the logout (session not found, exit 2).
    start_daemon(host.model(), Daemon::iscsid);
    while (!daemon_running(host.model(), Daemon::iscsid)) {
        host.advance(Duration(10));
    }
    CHECK_FALSE(iscsid_has_every_session(host.model()));
    r = run(host, with(chap_node(), {"--logout"}));
    CHECK(r.exit_status == 2);
    CHECK(r.err.find("initiator reported error (2 - session not found)") != std::string::npos);
    CHECK(run(host, {"iscsiadm", "-m", "session", "-P", "1"})
              .out.find("Internal iscsid Session State: Unknown") != std::string::npos);
    host.advance(Duration(host.model().fabric().timing.login_ms * 2));
    REQUIRE(iscsid_has_every_session(host.model()));
    CHECK(run(host, {"iscsiadm", "-m", "session", "-P", "1"})
              .out.find("Internal iscsid Session State: NO CHANGE") != std::string::npos);
    CHECK(host.model().state().sessions.size() == 1);
    REQUIRE(run(host, {"blockdev", "--flushbufs", "/dev/sdb"}).exit_status == 0);
    r = run(host, with(chap_node(), {"--logout"}));
    CHECK(r.exit_status == 0);
    CHECK_FALSE(host.exists("/dev/sdb"));
    CHECK(run(host, with(chap_node(), {"--op", "delete"})).exit_status == 0);
    CHECK(host.lun_bytes(chap_iqn, 1, 0, 4) == "kept");
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("multipathd killed and started: the map stays, its paths are found again",
          "[daemons][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 5});
    ConnectorOptions options;
    options.use_multipath = true;
    auto connector = make_connector(Protocol::iscsi, host, options);
    const auto device = connector->connect(mp_properties());
    REQUIRE(device.path == "/dev/dm-0");
    REQUIRE(host.write_through(device.path, 0, "through the map") == 0);
    const auto map_paths = host.model().state().maps.begin()->second.paths;
    REQUIRE(map_paths.size() == 2);

    kill_daemon(host.model(), Daemon::multipathd);
    CHECK(host.model().state().maps.size() == 1);
    CHECK(host.exists("/dev/dm-0"));
    CHECK_FALSE(host.model().multipathd_knows(map_paths.front()));
    CHECK(run(host, {"multipathd", "show", "maps"}).exit_status != 0);
    std::string back;
    REQUIRE(host.read_through(device.path, 0, 15, back) == 0);
    CHECK(back == "through the map");

    start_and_wait(host, Daemon::multipathd);
    for (const auto& disk : map_paths) {
        CHECK(host.model().multipathd_knows(disk));
    }
    CHECK(run(host, {"multipathd", "show", "maps"}).exit_status == 0);
    connector->disconnect(mp_properties(), device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.lun_bytes(mp_iqn, 1, 0, 15) == "through the map");
}

TEST_CASE("multipathd's startup scan takes a known WWID's disk into a map",
          "[daemons][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 7});
    ConnectorOptions options;
    options.use_multipath = true;
    auto connector = make_connector(Protocol::iscsi, host, options);
    const auto device = connector->connect(mp_properties());
    const auto map = host.model().state().maps.begin()->second;
    kill_daemon(host.model(), Daemon::multipathd);
    // The map goes (multipath -f needs no daemon); its disks stay.
    REQUIRE(run(host, {"multipath", "-f", map.name}).exit_status == 0);
    REQUIRE(host.model().state().maps.empty());
    start_and_wait(host, Daemon::multipathd);
    host.advance(Duration(host.model().fabric().timing.map_ms * 2));
    REQUIRE(host.model().state().maps.size() == 1);
    CHECK(host.model().state().maps.begin()->second.paths.size() == 2);
    connector->disconnect(mp_properties(), device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("a multipath detach with multipathd dead removes the map and every path",
          "[daemons][multipath][connector]") {
    SimHost host(fabric("two_portals.json"), {.seed = 9});
    ConnectorOptions options;
    options.use_multipath = true;
    auto connector = make_connector(Protocol::iscsi, host, options);
    const auto device = connector->connect(mp_properties());
    REQUIRE(host.write_through(device.path, 0, "flushed") == 0);
    kill_daemon(host.model(), Daemon::multipathd);
    connector->disconnect(mp_properties(), device, {});
    CHECK(host.model().state().maps.empty());
    CHECK(host.model().state().sessions.empty());
    CHECK(host.model().leftovers().empty());
    CHECK(host.lun_bytes(mp_iqn, 1, 0, 7) == "flushed");
}

TEST_CASE(
    "a detach with iscsid dead fails naming iscsid and keeps the session; it completes "
    "once iscsid is back",
    "[daemons][connector]") {
    SimHost host(fabric("single_chap.json"), {.seed = 13});
    auto connector = make_connector(Protocol::iscsi, host, {});
    const auto properties = chap_properties();
    const auto device = connector->connect(properties);
    REQUIRE(host.write_through(device.path, 0, "flushed") == 0);
    kill_daemon(host.model(), Daemon::iscsid);
    try {
        connector->disconnect(properties, device, {});
        FAIL("the disconnect succeeded without iscsid");
    } catch (const Error& e) {
        CHECK(e.category() == ErrorCategory::command_failed);
        CHECK(e.message().find("could not reach iscsid") != std::string::npos);
    }
    // The data reached the volume before the disk went; the session and its record stay.
    CHECK(host.lun_bytes(chap_iqn, 1, 0, 7) == "flushed");
    CHECK(host.model().state().sessions.size() == 1);
    CHECK(host.model().state().nodes.size() == 1);
    start_and_wait(host, Daemon::iscsid);
    connector->disconnect(properties, device, {});
    CHECK(host.model().state().sessions.empty());
    CHECK(host.model().leftovers().empty());
}
