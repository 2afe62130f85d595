// access_mode of iSCSI and FC volumes against the host model: a read-write
// attach waits (bounded) for a read-only device to become writable and
// returns one that stays read-only with device_info's read_only; a read-only
// attach never waits. LUNs exported write-protected ("read_only" in the
// fabric) and maps loaded read-only at first (map_read_only).
#include <catch2/catch.hpp>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr const char* fc_wwid = "3600a098038303053453f463045747a31";

nlohmann::json chap_with_mode(const char* mode) {
    auto properties = chap_properties();
    properties["access_mode"] = mode;
    return properties;
}

nlohmann::json mp_with_mode(const char* mode) {
    auto properties = mp_properties();
    properties["access_mode"] = mode;
    return properties;
}

nlohmann::json fc_properties(const char* mode) {
    return {{"target_discovered", true},
            {"target_wwn", {"500A098189A0B001", "500A098289A0B001"}},
            {"target_lun", 1},
            {"access_mode", mode}};
}

Fabric write_protected(const std::string& file, const std::string& volume) {
    auto f = fabric(file);
    f.volumes.at(volume).write_protected = true;
    return f;
}

ConnectorOptions multipath() {
    ConnectorOptions options;
    options.use_multipath = true;
    return options;
}

// A connect and the virtual time it took.
struct Timed {
    DeviceInfo device;
    std::int64_t ms = 0;
};

Timed timed_connect(SimHost& host, Connector& connector, const nlohmann::json& properties) {
    const auto start = host.now_ms();
    auto device = connector.connect(properties);
    return {std::move(device), host.now_ms() - start};
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t found = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++found;
    }
    return found;
}

}  // namespace

TEST_CASE("access_mode rw on a writable disk costs no wait and rescans nothing", "[access_mode]") {
    SimHost rw_host(fabric("single_chap.json"), {.seed = 21});
    SimHost ro_host(fabric("single_chap.json"), {.seed = 21});
    const auto rw =
        timed_connect(rw_host, *make_connector(Protocol::iscsi, rw_host, {}), chap_with_mode("rw"));
    const auto ro =
        timed_connect(ro_host, *make_connector(Protocol::iscsi, ro_host, {}), chap_with_mode("ro"));
    CHECK(rw.device.path == "/dev/sdb");
    CHECK_FALSE(rw.device.read_only);
    CHECK_FALSE(rw.device.to_json().contains("read_only"));
    CHECK(rw.ms == ro.ms);
    CHECK(rw_host.trace_text().find("/device/rescan") == std::string::npos);
    CHECK(rw_host.read_attribute("/sys/block/sdb/ro") == "0");
    // ro reads nothing of the device's read-only flag.
    CHECK(ro_host.trace_text().find("/sys/block/sdb/ro") == std::string::npos);
}

TEST_CASE("access_mode rw on a write-protected LUN waits 15 s, then returns it read-only",
          "[access_mode]") {
    SimHost host(write_protected("single_chap.json", "vol-1"), {.seed = 21});
    SimHost writable(fabric("single_chap.json"), {.seed = 21});
    auto connector = make_connector(Protocol::iscsi, host, {});
    const auto rw = timed_connect(host, *connector, chap_with_mode("rw"));
    const auto baseline = timed_connect(writable, *make_connector(Protocol::iscsi, writable, {}),
                                        chap_with_mode("rw"));
    CHECK(rw.device.path == "/dev/sdb");
    CHECK(rw.device.read_only);
    CHECK(rw.device.to_json().value("read_only", false));
    CHECK(host.read_attribute("/sys/block/sdb/ro") == "1");
    // The wait is bounded by read_write_timeout; its rescans (at 1, 3 and
    // 7 s) cost their sysfs writes.
    CHECK(rw.ms - baseline.ms >= 15000);
    CHECK(rw.ms - baseline.ms < 16000);
    CHECK(count(host.trace_text(), R"("path":"/sys/block/sdb/device/rescan")") == 3);
    // sd refuses to open it for writing; the volume keeps its data.
    CHECK(host.write_through(rw.device.path, 0, "refused") == EROFS);
    CHECK(host.lun_bytes(chap_iqn, 1, 0, 7) == std::string(7, '\0'));
    connector->disconnect(chap_with_mode("rw"), rw.device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("access_mode rw with a shorter read_write_timeout waits that long", "[access_mode]") {
    SimHost host(write_protected("single_chap.json", "vol-1"), {.seed = 4});
    SimHost writable(fabric("single_chap.json"), {.seed = 4});
    ConnectorOptions options;
    options.read_write_timeout = Duration(2000);
    const auto rw =
        timed_connect(host, *make_connector(Protocol::iscsi, host, options), chap_with_mode("rw"));
    const auto baseline = timed_connect(
        writable, *make_connector(Protocol::iscsi, writable, options), chap_with_mode("rw"));
    CHECK(rw.device.read_only);
    CHECK(rw.ms - baseline.ms >= 2000);
    CHECK(rw.ms - baseline.ms < 2500);
}

TEST_CASE("access_mode ro on a write-protected LUN returns at once, reads work", "[access_mode]") {
    SimHost host(write_protected("single_chap.json", "vol-1"), {.seed = 21});
    SimHost writable(fabric("single_chap.json"), {.seed = 21});
    auto connector = make_connector(Protocol::iscsi, host, {});
    const auto ro = timed_connect(host, *connector, chap_with_mode("ro"));
    const auto baseline = timed_connect(writable, *make_connector(Protocol::iscsi, writable, {}),
                                        chap_with_mode("ro"));
    CHECK(ro.device.path == "/dev/sdb");
    CHECK_FALSE(ro.device.read_only);
    CHECK(ro.ms == baseline.ms);
    std::string back;
    CHECK(host.read_through(ro.device.path, 0, 4, back) == 0);
    CHECK(back == std::string(4, '\0'));
    connector->disconnect(chap_with_mode("ro"), ro.device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("a map loaded read-only at first: access_mode rw waits until multipathd reloads it",
          "[access_mode][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    host.inject({{"fault", "map_read_only"}, {"volume", "vol-mp"}, {"delay_ms", 4000}});
    SimHost plain(fabric("two_portals.json"), {.seed = 11});
    auto connector = make_connector(Protocol::iscsi, host, multipath());
    const auto rw = timed_connect(host, *connector, mp_with_mode("rw"));
    const auto baseline = timed_connect(plain, *make_connector(Protocol::iscsi, plain, multipath()),
                                        mp_with_mode("rw"));
    CHECK(rw.device.path == "/dev/dm-0");
    CHECK_FALSE(rw.device.read_only);
    CHECK(host.read_attribute("/sys/block/dm-0/ro") == "0");
    CHECK(host.trace_text().find(R"("fault":"map_read_only")") != std::string::npos);
    // The map formed read-only; the connect returned once it was reloaded,
    // within a poll of it, and never waited its whole deadline.
    CHECK(rw.ms > baseline.ms);
    CHECK(rw.ms - baseline.ms <= 4000 + 250);
    // Its paths were writable all along: nothing to rescan.
    CHECK(host.trace_text().find("/device/rescan") == std::string::npos);
    REQUIRE(host.write_through(rw.device.path, 0, "after reload") == 0);
    connector->disconnect(mp_with_mode("rw"), rw.device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.lun_bytes(mp_iqn, 1, 0, 12) == "after reload");
}

TEST_CASE("a map loaded read-only at first: access_mode ro returns it read-only at once",
          "[access_mode][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    host.inject({{"fault", "map_read_only"}, {"volume", "vol-mp"}, {"delay_ms", 4000}});
    SimHost plain(fabric("two_portals.json"), {.seed = 11});
    auto connector = make_connector(Protocol::iscsi, host, multipath());
    const auto ro = timed_connect(host, *connector, mp_with_mode("ro"));
    const auto baseline = timed_connect(plain, *make_connector(Protocol::iscsi, plain, multipath()),
                                        mp_with_mode("ro"));
    CHECK(ro.device.path == "/dev/dm-0");
    CHECK(ro.ms == baseline.ms);
    CHECK(host.read_attribute("/sys/block/dm-0/ro") == "1");
    connector->disconnect(mp_with_mode("ro"), ro.device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("a map over a write-protected LUN is read-only with its paths; rw names them all",
          "[access_mode][multipath]") {
    SimHost host(write_protected("two_portals.json", "vol-mp"), {.seed = 11});
    auto connector = make_connector(Protocol::iscsi, host, multipath());
    const auto device = connector->connect(mp_with_mode("rw"));
    CHECK(device.path == "/dev/dm-0");
    CHECK(device.read_only);
    CHECK(host.read_attribute("/sys/block/dm-0/ro") == "1");
    CHECK(host.read_attribute("/sys/block/sdb/ro") == "1");
    CHECK(host.read_attribute("/sys/block/sdc/ro") == "1");
    CHECK(run(host, {"multipath", "-ll"}).out.find("wp=ro") != std::string::npos);
    CHECK(host.write_through(device.path, 0, "refused") == EPERM);
    connector->disconnect(mp_with_mode("rw"), device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("FC: rw on a write-protected LUN returns the map read-only; ro at once",
          "[access_mode][fc]") {
    SimHost host(write_protected("fc_two_hbas.json", "vol-fc1"), {.seed = 7});
    SimHost writable(fabric("fc_two_hbas.json"), {.seed = 7});
    auto connector = make_connector(Protocol::fibre_channel, host, multipath());
    const auto rw = timed_connect(host, *connector, fc_properties("rw"));
    CHECK(rw.device.multipath_id == fc_wwid);
    CHECK(rw.device.read_only);
    connector->disconnect(fc_properties("rw"), rw.device, {});
    CHECK(host.model().leftovers().empty());

    const auto ro = timed_connect(host, *connector, fc_properties("ro"));
    const auto baseline =
        timed_connect(writable, *make_connector(Protocol::fibre_channel, writable, multipath()),
                      fc_properties("ro"));
    CHECK_FALSE(ro.device.read_only);
    CHECK(ro.ms < rw.ms - 14000);
    CHECK(ro.ms < baseline.ms + 2000);
    connector->disconnect(fc_properties("ro"), ro.device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("device_info's read_only: written only when set, read back, bad type named",
          "[access_mode]") {
    DeviceInfo info;
    info.path = "/dev/sdb";
    CHECK_FALSE(info.to_json().contains("read_only"));
    info.read_only = true;
    const auto dict = info.to_json();
    CHECK(dict.at("read_only") == true);
    CHECK(DeviceInfo::from_json(dict).read_only);
    CHECK_FALSE(DeviceInfo::from_json({{"path", "/dev/sdb"}}).read_only);
    try {
        DeviceInfo::from_json({{"path", "/dev/sdb"}, {"read_only", "yes"}});
        FAIL("accepted a string");
    } catch (const Error& e) {
        CHECK(e.category() == ErrorCategory::invalid_properties);
        CHECK(std::string(e.what()).find("device_info.read_only") != std::string::npos);
    }
}
