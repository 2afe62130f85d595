// dm-multipath maps that form late (map_late) or never (map_never): what the
// simulated multipathd does, and what libbrick's iSCSI connector leaves on
// the host in each case, asserted against the host model.
#include <catch2/catch.hpp>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;
using nlohmann::json;

namespace {

constexpr const char* mp_wwid = "360014050aabbccdd0000000000000002";

// Logs in to both portals of two_portals.json and scans LUN 1 on each:
// sdb and sdc, the two paths of vol-mp.
void attach_both_paths(SimHost& host) {
    for (const char* portal : {"192.168.122.10:3260", "[2001:db8::10]:3260"}) {
        const std::vector<std::string> node = {"iscsiadm", "-m", "node", "-T",
                                               mp_iqn,     "-p", portal};
        auto create = node;
        create.insert(create.end(), {"--op", "new"});
        REQUIRE(run(host, create).exit_status == 0);
        auto login = node;
        login.emplace_back("--login");
        REQUIRE(run(host, login).exit_status == 0);
    }
    for (const auto& [sid, session] : host.model().state().sessions) {
        REQUIRE(host.write_file(
                        "/sys/class/scsi_host/host" + std::to_string(session.scsi_host) + "/scan",
                        "0 0 1", Duration(10000))
                    .ok());
    }
    host.advance(Duration(2000));
    REQUIRE(host.exists("/dev/sdb"));
    REQUIRE(host.exists("/dev/sdc"));
}

void hand_to_multipathd(SimHost& host) {
    REQUIRE(run(host, {"multipath", "-a", mp_wwid}).exit_status == 0);
    CHECK(run(host, {"multipathd", "add", "path", "sdb"}).out == "ok\n");
    CHECK(run(host, {"multipathd", "add", "path", "sdc"}).out == "ok\n");
}

ConnectorOptions multipath_options(bool enforce) {
    ConnectorOptions options;
    options.use_multipath = true;
    options.enforce_multipath = enforce;
    return options;
}

bool has_map(SimHost& host) {
    return !host.model().state().maps.empty();
}

}  // namespace

TEST_CASE("map_never: multipathd takes the paths as orphans and creates no map", "[faults]") {
    SimHost host(fabric("two_portals.json"), {.seed = 5});
    host.inject({{"fault", "map_never"}, {"volume", "vol-mp"}});
    attach_both_paths(host);
    hand_to_multipathd(host);
    host.advance(Duration(60000));
    CHECK_FALSE(has_map(host));
    CHECK_FALSE(host.exists("/dev/dm-0"));
    CHECK(host.model().multipathd_knows("sdb"));
    CHECK(host.model().multipathd_knows("sdc"));
    CHECK(run(host, {"multipathd", "show", "maps"}).out == "ok\n");
    CHECK(run(host, {"multipath", "-ll"}).out.empty());
    const auto paths = run(host, {"multipathd", "show", "paths"}).out;
    CHECK(paths.find("sdb") != std::string::npos);
    CHECK(paths.find("orphan") != std::string::npos);
    CHECK(run(host, {"multipathd", "show", "status"}).out.find("paths: 2") != std::string::npos);
    CHECK(host.trace_text().find(R"("fault":"map_never")") != std::string::npos);
    // The daemon lets go of an orphan as of any path.
    CHECK(run(host, {"multipathd", "del", "path", "sdb"}).out == "ok\n");
    CHECK_FALSE(host.model().multipathd_knows("sdb"));
}

TEST_CASE("map_never selects by WWID: another volume's map forms", "[faults]") {
    SimHost host(fabric("two_portals.json"), {.seed = 5});
    host.inject({{"fault", "map_never"}, {"wwid", "3600140500000000000000000000000ff"}});
    attach_both_paths(host);
    hand_to_multipathd(host);
    host.advance(Duration(3000));
    CHECK(has_map(host));
}

TEST_CASE("map_late: the map forms after the delay, with the paths multipathd still has",
          "[faults]") {
    SimHost host(fabric("two_portals.json"), {.seed = 5});
    host.inject({{"fault", "map_late"}, {"lun", 1}, {"delay_ms", 8000}});
    attach_both_paths(host);
    hand_to_multipathd(host);
    host.advance(Duration(5000));
    CHECK_FALSE(has_map(host));
    CHECK(run(host, {"multipathd", "show", "maps"}).out == "ok\n");
    host.advance(Duration(5000));
    REQUIRE(has_map(host));
    CHECK(host.model().state().maps.at(mp_wwid).paths.size() == 2);
    CHECK(host.exists("/dev/dm-0"));

    // A path dropped while the map is late stays out of it.
    SimHost second(fabric("two_portals.json"), {.seed = 5});
    second.inject({{"fault", "map_late"}, {"lun", 1}, {"delay_ms", 8000}});
    attach_both_paths(second);
    hand_to_multipathd(second);
    second.advance(Duration(2000));
    CHECK(run(second, {"multipathd", "del", "path", "sdc"}).out == "ok\n");
    second.advance(Duration(10000));
    REQUIRE(has_map(second));
    CHECK(second.model().state().maps.at(mp_wwid).paths == std::vector<std::string>{"sdb"});
}

TEST_CASE("no map ever: the connect returns one path's disk, the disconnect leaves nothing",
          "[connector][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    host.inject({{"fault", "map_never"}, {"volume", "vol-mp"}});
    auto connector = make_connector(Protocol::iscsi, host, multipath_options(false));
    const auto device = connector->connect(mp_properties());
    CHECK(device.path.rfind("/dev/sd", 0) == 0);
    CHECK_FALSE(device.multipath_id);
    CHECK_FALSE(has_map(host));
    CHECK(host.model().state().sessions.size() == 2);
    REQUIRE(host.write_through(device.path, 0, "through one path") == 0);
    connector->disconnect(mp_properties(), device, {});
    CHECK(host.model().leftovers().empty());
    CHECK_FALSE(host.model().multipathd_knows("sdb"));
    CHECK_FALSE(host.model().multipathd_knows("sdc"));
    CHECK(host.lun_bytes(mp_iqn, 1, 0, 16) == "through one path");
}

TEST_CASE("no map ever with multipath enforced: the connect fails and takes everything back",
          "[connector][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    host.inject({{"fault", "map_never"}, {"volume", "vol-mp"}});
    auto connector = make_connector(Protocol::iscsi, host, multipath_options(true));
    try {
        connector->connect(mp_properties());
        FAIL("the connect returned without a map");
    } catch (const Error& e) {
        CHECK(e.category() == ErrorCategory::device_not_found);
    }
    CHECK(host.model().leftovers().empty());
    CHECK(host.model().state().sessions.empty());
    CHECK(host.model().state().nodes.empty());
    CHECK(host.model().state().multipathd_paths.empty());
}

TEST_CASE("a map that forms after the connect fell back goes with the disconnect",
          "[connector][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    host.inject({{"fault", "map_late"}, {"volume", "vol-mp"}, {"delay_ms", 20000}});
    auto connector = make_connector(Protocol::iscsi, host, multipath_options(false));
    const auto device = connector->connect(mp_properties());
    CHECK(device.path.rfind("/dev/sd", 0) == 0);
    CHECK_FALSE(has_map(host));
    REQUIRE(host.write_through(device.path, 0, "before the map") == 0);
    host.advance(Duration(20000));
    REQUIRE(has_map(host));
    CHECK(host.model().state().maps.at(mp_wwid).paths.size() == 2);
    connector->disconnect(mp_properties(), device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.model().state().multipathd_paths.empty());
    CHECK(host.lun_bytes(mp_iqn, 1, 0, 14) == "before the map");
}

TEST_CASE("enforced: a map that would form after the connect gave up finds no path left",
          "[connector][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    host.inject({{"fault", "map_late"}, {"volume", "vol-mp"}, {"delay_ms", 20000}});
    auto connector = make_connector(Protocol::iscsi, host, multipath_options(true));
    CHECK_THROWS_AS(connector->connect(mp_properties()), Error);
    CHECK(host.model().leftovers().empty());
    host.advance(Duration(30000));
    CHECK_FALSE(has_map(host));
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("a map late within the multipath wait is what the connect returns",
          "[connector][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    host.inject({{"fault", "map_late"}, {"lun", 1}, {"delay_ms", 4000}});
    auto connector = make_connector(Protocol::iscsi, host, multipath_options(true));
    const auto device = connector->connect(mp_properties());
    CHECK(device.path == "/dev/dm-0");
    CHECK(device.multipath_id == mp_wwid);
    CHECK(host.model().state().maps.at(mp_wwid).paths.size() == 2);
    connector->disconnect(mp_properties(), device, {});
    CHECK(host.model().leftovers().empty());
}
