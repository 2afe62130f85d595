// libbrick's iSCSI connector, unmodified, against the simulated host.
#include "brick/connector/connector.hpp"

#include <catch2/catch.hpp>

#include "brick/core/error.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

TEST_CASE("single path attach and detach leave nothing behind, data flushed", "[connector]") {
    SimHost host(fabric("single_chap.json"), {.seed = 3});
    auto connector = make_connector(Protocol::iscsi, host, {});
    const auto device = connector->connect(chap_properties());
    CHECK(device.path == "/dev/sdb");
    CHECK(device.scsi_wwn == chap_wwid);
    CHECK(host.model().footprint("vol-1").disks == std::vector<std::string>{"sdb"});
    REQUIRE(host.write_through(device.path, 4096, "written through sdb") == 0);
    CHECK(host.lun_bytes(chap_iqn, 1, 4096, 7) == std::string(7, '\0'));
    connector->disconnect(chap_properties(), device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.model().footprint("vol-1").empty());
    CHECK(host.lun_bytes(chap_iqn, 1, 4096, 19) == "written through sdb");
    CHECK(host.model().lost_blocks("vol-1") == 0);
    CHECK(host.model().state().wildcard_scans == 0);
    CHECK(host.trace_text().find("chapsecret-7f3a") == std::string::npos);
}

TEST_CASE("a login or logout that loses a session while iscsiadm reads them is asked again",
          "[connector][faults]") {
    // Another target's session logged out while iscsiadm read every session
    // (seen on a real kernel with attaches beside detaches): exit 6, nothing done.
    SimHost host(fabric("single_chap.json"), {.seed = 3});
    auto connector = make_connector(Protocol::iscsi, host, {});
    host.inject({{"fault", "session_read_race"}, {"path", "* --login"}, {"max_fires", 2}});
    const auto device = connector->connect(chap_properties());
    CHECK(host.trace_text().find(R"("fault":"session_read_race")") != std::string::npos);
    CHECK(host.exists(device.path));
    host.inject({{"fault", "session_read_race"}, {"path", "* --logout"}, {"max_fires", 2}});
    connector->disconnect(chap_properties(), device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("the kernel writes a disk's dirty blocks back on its own after 30 s",
          "[connector][data]") {
    SimHost host(fabric("single_chap.json"));
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(1000)).ok());
    host.advance(Duration(2000));
    REQUIRE(host.write_through("/dev/sdb", 0, "kept") == 0);
    host.advance(Duration(29000));
    CHECK(host.lun_bytes(chap_iqn, 1, 0, 4) == std::string(4, '\0'));
    host.advance(Duration(1500));
    CHECK(host.lun_bytes(chap_iqn, 1, 0, 4) == "kept");
    CHECK(host.model().dirty_blocks("sdb") == 0);
    // Deleted after the writeback: nothing is lost.
    REQUIRE(host.write_file("/sys/block/sdb/device/delete", "1", Duration(1000)).ok());
    CHECK(host.model().lost_blocks("vol-1") == 0);
}

TEST_CASE("deleting a device without a flush loses the cached writes", "[connector][data]") {
    SimHost host(fabric("single_chap.json"));
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(1000)).ok());
    host.advance(Duration(2000));
    REQUIRE(host.write_through("/dev/sdb", 0, "lost") == 0);
    std::string back;
    REQUIRE(host.read_through("/dev/sdb", 0, 4, back) == 0);
    CHECK(back == "lost");
    REQUIRE(host.write_file("/sys/block/sdb/device/delete", "1", Duration(1000)).ok());
    CHECK(host.lun_bytes(chap_iqn, 1, 0, 4) == std::string(4, '\0'));
    CHECK(host.model().lost_blocks("vol-1") == 1);
}

TEST_CASE("multipath attach over two portals forms a map, detach removes it",
          "[connector][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    ConnectorOptions options;
    options.use_multipath = true;
    auto connector = make_connector(Protocol::iscsi, host, options);
    const auto device = connector->connect(mp_properties());
    CHECK(device.path == "/dev/dm-0");
    CHECK(device.multipath_id == "360014050aabbccdd0000000000000002");
    CHECK(host.model().state().maps.begin()->second.paths.size() == 2);
    CHECK(host.exists("/dev/disk/by-path/ip-2001:db8::10:3260-iscsi-" + std::string(mp_iqn) +
                      "-lun-1"));
    REQUIRE(host.write_through(device.path, 0, "through the map") == 0);
    connector->disconnect(mp_properties(), device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.lun_bytes(mp_iqn, 1, 0, 15) == "through the map");
}

TEST_CASE("a multipath path that comes late joins the map after the connect returned",
          "[connector][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    // The second portal answers the login 6 s late.
    host.inject(
        nlohmann::json{{"fault", "login_slow"}, {"portal", "[2001:db8::10]:3260"}, {"ms", 6000}});
    ConnectorOptions options;
    options.use_multipath = true;
    auto connector = make_connector(Protocol::iscsi, host, options);
    const auto start = host.now();
    const auto device = connector->connect(mp_properties());
    // The first path's disk, the 2 s grace, the map: not the slow login.
    CHECK(host.now() - start < Duration(4000));
    CHECK(device.path == "/dev/dm-0");
    CHECK(host.model().state().maps.begin()->second.paths.size() == 1);
    host.advance(Duration(8000));
    CHECK(host.model().state().maps.begin()->second.paths.size() == 2);
    REQUIRE(host.write_through(device.path, 0, "through both paths") == 0);
    connector->disconnect(mp_properties(), device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.lun_bytes(mp_iqn, 1, 0, 18) == "through both paths");
}

TEST_CASE("a disconnect right after a multipath connect waits for a late path, leaving nothing",
          "[connector][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 12});
    host.inject(
        nlohmann::json{{"fault", "login_slow"}, {"portal", "[2001:db8::10]:3260"}, {"ms", 6000}});
    ConnectorOptions options;
    options.use_multipath = true;
    auto connector = make_connector(Protocol::iscsi, host, options);
    const auto device = connector->connect(mp_properties());
    CHECK(host.model().state().maps.begin()->second.paths.size() == 1);
    connector->disconnect(mp_properties(), device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.model().state().sessions.empty());
}

TEST_CASE("a late path whose map is gone takes itself back", "[connector][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 13});
    host.inject(
        nlohmann::json{{"fault", "login_slow"}, {"portal", "[2001:db8::10]:3260"}, {"ms", 6000}});
    ConnectorOptions options;
    options.use_multipath = true;
    auto attaching = make_connector(Protocol::iscsi, host, options);
    const auto device = attaching->connect(mp_properties());
    // Another connector (another process) detaches the volume meanwhile.
    make_connector(Protocol::iscsi, host, options)->disconnect(mp_properties(), device, {});
    attaching.reset();  // waits for the late path
    CHECK(host.model().leftovers().empty());
    CHECK(host.model().state().sessions.empty());
}

TEST_CASE("CVE-2023-2088 shape: a stale device at a remapped LUN is refused",
          "[connector][faults]") {
    SimHost host(fabric("single_chap.json"));
    auto connector = make_connector(Protocol::iscsi, host, {});
    const auto first = connector->connect(chap_properties());
    // The volume is unmapped and another volume mapped at the same LUN while
    // the host still has the old device (a failed detach).
    host.inject(
        {{"fault", "lun_remapped"},
         {"iqn", chap_iqn},
         {"lun", 1},
         {"to",
          {{"volume", "vol-intruder"},
           {"size", 4096},
           {"designators", {{{"type", "naa"}, {"value", "600140511111111111111111111111ff"}}}}}}});
    auto props = chap_properties();
    props["scsi_wwn"] = chap_wwid;
    try {
        const auto second = connector->connect(props);
        FAIL("connected to " << second.path << " with WWID " << second.scsi_wwn.value_or(""));
    } catch (const Error& e) {
        CHECK(e.category() == ErrorCategory::wrong_device);
    }
    CHECK(host.trace_text().find("\"fault\":\"lun_remapped\"") != std::string::npos);
    (void)first;
}

TEST_CASE("a device whose node is there before the disk is live is handed out once it opens",
          "[connector][faults]") {
    SECTION("ENXIO for the first opens: connect waits, then returns the device") {
        SimHost host(fabric("single_chap.json"), {.seed = 5});
        host.inject({{"fault", "device_not_openable"}, {"max_fires", 3}});
        auto connector = make_connector(Protocol::iscsi, host, {});
        const auto device = connector->connect(chap_properties());
        CHECK(device.path == "/dev/sdb");
        CHECK(host.open_check(device.path).ok());
        const auto trace = host.trace_text();
        CHECK(trace.find("\"fault\":\"device_not_openable\"") != std::string::npos);
        CHECK(trace.find("\"result\":\"ENXIO\"") != std::string::npos);
        connector->disconnect(chap_properties(), device, {});
        CHECK(host.model().leftovers().empty());
    }
    SECTION("never opens: device_not_found naming the device, and the attach is undone") {
        SimHost host(fabric("single_chap.json"), {.seed = 5});
        host.inject({{"fault", "device_not_openable"}});
        ConnectorOptions options;
        options.device_timeout = Duration(3000);
        auto connector = make_connector(Protocol::iscsi, host, options);
        try {
            connector->connect(chap_properties());
            FAIL("connect returned a device that cannot be opened");
        } catch (const Error& e) {
            CHECK(e.category() == ErrorCategory::device_not_found);
            CHECK(e.message().find("/dev/sdb appeared but could not be opened") !=
                  std::string::npos);
        }
        CHECK(host.model().leftovers().empty());
    }
}
