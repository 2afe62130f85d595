// libbrick's Fibre Channel connector, unmodified, against the simulated host.
#include <catch2/catch.hpp>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "brick/initiator/connector_properties.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr const char* hba1 = "10000090fa0d6f91";
constexpr const char* hba2 = "10000090fa0d6f92";
constexpr const char* port_a = "500a098189a0b001";
constexpr const char* port_b = "500a098289a0b001";
constexpr const char* wwid1 = "3600a098038303053453f463045747a31";
constexpr const char* wwnn = "500a098089a0b001";

// What Cinder's FC drivers send: both target ports, every initiator to both.
nlohmann::json properties(std::uint64_t lun = 1) {
    return {{"target_discovered", true},
            {"target_wwn", {"500A098189A0B001", "500A098289A0B001"}},
            {"target_lun", lun},
            {"initiator_target_map", {{hba1, {port_a, port_b}}, {hba2, {port_a, port_b}}}},
            {"access_mode", "rw"},
            {"encrypted", false}};
}

ConnectorOptions multipath() {
    ConnectorOptions options;
    options.use_multipath = true;
    return options;
}

std::vector<std::string> remote_addresses(SimHost& host) {
    std::vector<std::string> out;
    for (const auto& [address, device] : host.model().state().devices) {
        if (device.remote()) {
            out.push_back(address.to_string());
        }
    }
    return out;
}

ErrorCategory category_of(const std::function<void()>& body) {
    try {
        body();
    } catch (const Error& e) {
        return e.category();
    }
    FAIL("no error");
    return ErrorCategory::internal;
}

}  // namespace

TEST_CASE(
    "FC multipath over 2 HBA ports x 2 target ports: one map of four paths, detach "
    "removes all",
    "[fc][connector][multipath]") {
    SimHost host(fabric("fc_two_hbas.json"), {.seed = 7});
    auto connector = make_connector(Protocol::fibre_channel, host, multipath());
    const auto device = connector->connect(properties());
    CHECK(device.path == "/dev/dm-0");
    CHECK(device.multipath_id == wwid1);
    CHECK(device.scsi_wwn == wwid1);
    CHECK(remote_addresses(host) ==
          std::vector<std::string>{"2:0:0:1", "2:0:1:1", "3:0:0:1", "3:0:1:1"});
    CHECK(host.model().state().maps.at(wwid1).paths.size() == 4);
    CHECK(host.model().state().wildcard_scans == 0);
    REQUIRE(host.write_through(device.path, 0, "through four paths") == 0);

    host.advance(Duration(2000));
    const auto paths = connector->paths(properties());
    CHECK(paths.size() == 4);
    CHECK(std::find(paths.begin(), paths.end(),
                    "/dev/disk/by-path/pci-0000:05:00.1-fc-0x" + std::string(port_b) + "-lun-1") !=
          paths.end());

    connector->disconnect(properties(), device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.model().volume_bytes("vol-fc1", 0, 18) == "through four paths");
    CHECK(host.model().lost_blocks("vol-fc1") == 0);
    CHECK(connector->paths(properties()).empty());
}

TEST_CASE("FC single path: the disk is returned, detach flushes and removes every path",
          "[fc][connector]") {
    SimHost host(fabric("fc_two_hbas.json"), {.seed = 2});
    auto connector = make_connector(Protocol::fibre_channel, host, {});
    nlohmann::json props{{"target_wwn", port_a}, {"target_lun", 2}};
    const auto device = connector->connect(props);
    CHECK(device.path.rfind("/dev/sd", 0) == 0);
    CHECK(device.scsi_wwn == "3600a098038303053453f463045747a32");
    CHECK_FALSE(device.multipath_id);
    REQUIRE(host.write_through(device.path, 512, "single") == 0);
    connector->disconnect(props, device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.model().volume_bytes("vol-fc2", 512, 6) == "single");
}

TEST_CASE("initiator_target_map decides which HBA ports scan which target ports",
          "[fc][connector]") {
    SimHost host(fabric("fc_two_hbas.json"));
    auto connector = make_connector(Protocol::fibre_channel, host, multipath());
    nlohmann::json props{{"target_wwns", {port_a, port_b}},
                         {"target_luns", {1, 1}},
                         {"initiator_target_map", {{hba2, {port_b}}}}};
    const auto device = connector->connect(props);
    CHECK(remote_addresses(host) == std::vector<std::string>{"3:0:1:1"});
    // The scan named exactly channel 0, target 1, LUN 1 of host3.
    CHECK(host.trace_text().find(R"("path":"/sys/class/scsi_host/host3/scan")") !=
          std::string::npos);
    CHECK(host.trace_text().find(R"("path":"/sys/class/scsi_host/host2/scan")") ==
          std::string::npos);
    connector->disconnect(props, device, {});
    CHECK(host.model().leftovers().empty());

    nlohmann::json elsewhere{{"target_wwn", port_a},
                             {"initiator_target_map", {{"1000000000000099", {port_a}}}}};
    CHECK(category_of([&] { connector->connect(elsewhere); }) == ErrorCategory::target_unreachable);
}

TEST_CASE("an HBA port in Linkdown is neither reported nor used", "[fc][connector][faults]") {
    auto fabric = test::fabric("fc_two_hbas.json");
    fabric.fc.hbas[0].port_state = "Linkdown";
    SimHost host(fabric, {.seed = 5});
    const auto props = get_connector_properties(host, {});
    CHECK(props["wwpns"] == nlohmann::json::array({hba2}));
    CHECK(props["wwnns"] == nlohmann::json::array({"20000090fa0d6f92"}));

    auto connector = make_connector(Protocol::fibre_channel, host, multipath());
    const auto device = connector->connect(properties());
    CHECK(remote_addresses(host) == std::vector<std::string>{"3:0:0:1", "3:0:1:1"});
    CHECK(host.model().state().maps.at(wwid1).paths.size() == 2);
    connector->disconnect(properties(), device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("no Online FC port: target_unreachable, nothing scanned", "[fc][connector][faults]") {
    auto fabric = test::fabric("fc_two_hbas.json");
    fabric.fc.hbas[0].port_state = "Linkdown";
    fabric.fc.hbas[1].port_state = "Linkdown";
    SimHost host(fabric);
    auto connector = make_connector(Protocol::fibre_channel, host, {});
    CHECK(category_of([&] { connector->connect(properties()); }) ==
          ErrorCategory::target_unreachable);
    CHECK(host.trace_text().find("/scan") == std::string::npos);

    SimHost iscsi_only(test::fabric("single_chap.json"));
    auto none = make_connector(Protocol::fibre_channel, iscsi_only, {});
    CHECK(category_of([&] { none->connect(properties()); }) == ErrorCategory::not_supported);
}

TEST_CASE("zoning that hides a target port leaves three paths", "[fc][connector]") {
    auto fabric = test::fabric("fc_two_hbas.json");
    fabric.fc.zones = std::vector<FcZone>{{"a", {hba1, port_a}}, {"b", {hba2, port_a, port_b}}};
    SimHost host(fabric, {.seed = 9});
    auto connector = make_connector(Protocol::fibre_channel, host, multipath());
    const auto device = connector->connect(properties());
    CHECK(remote_addresses(host) == std::vector<std::string>{"2:0:0:1", "3:0:0:1", "3:0:1:1"});
    CHECK(host.model().state().maps.at(wwid1).paths.size() == 3);
    connector->disconnect(properties(), device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("CVE-2023-2088 shape on FC: a stale LUN with another WWID is refused",
          "[fc][connector][faults]") {
    SimHost host(fabric("fc_two_hbas.json"));
    auto connector = make_connector(Protocol::fibre_channel, host, multipath());
    auto props = properties();
    props["scsi_wwn"] = wwid1;
    const auto first = connector->connect(props);
    // The array unmaps the volume and maps another at the same LUN while the
    // host still holds the old devices (a failed detach).
    host.inject(
        {{"fault", "lun_remapped"},
         {"wwnn", wwnn},
         {"lun", 1},
         {"to",
          {{"volume", "intruder"},
           {"size", 4096},
           {"designators", {{{"type", "naa"}, {"value", "600a0980ffffffffffffffffffffffff"}}}}}}});
    CHECK(category_of([&] { connector->connect(props); }) == ErrorCategory::wrong_device);
    // The devices at H:C:T:L now carry the intruder's identity: detach leaves them alone.
    connector->disconnect(props, first, {.force = true, .ignore_errors = true});
    for (const auto& [address, device] : host.model().state().devices) {
        if (device.remote()) {
            CHECK(device.volume_id == "intruder");
        }
    }

    SimHost fresh(fabric("fc_two_hbas.json"));
    auto refusing = make_connector(Protocol::fibre_channel, fresh, multipath());
    fresh.inject(
        {{"fault", "lun_remapped"},
         {"wwnn", wwnn},
         {"lun", 1},
         {"to",
          {{"volume", "intruder"},
           {"size", 4096},
           {"designators", {{{"type", "naa"}, {"value", "600a0980ffffffffffffffffffffffff"}}}}}}});
    CHECK(category_of([&] { refusing->connect(props); }) == ErrorCategory::wrong_device);
    CHECK(fresh.model().leftovers().empty());
}

TEST_CASE("FC LUN 300 by its by-path name", "[fc][connector][udev]") {
    SimHost host(fabric("fc_two_hbas.json"));
    ConnectorOptions options;
    options.link = LinkPreference::by_path;
    auto connector = make_connector(Protocol::fibre_channel, host, options);
    nlohmann::json props{
        {"target_wwn", port_a}, {"target_lun", 300}, {"initiator_target_map", {{hba1, {port_a}}}}};
    const auto device = connector->connect(props);
    CHECK(device.path == "/dev/disk/by-path/pci-0000:05:00.0-fc-0x" + std::string(port_a) +
                             "-lun-0x012c000000000000");
    CHECK(remote_addresses(host) == std::vector<std::string>{"2:0:0:300"});
    connector->disconnect(props, device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("an FC LUN that never appears: device_not_found, the scanned devices removed",
          "[fc][connector][faults]") {
    SimHost host(fabric("fc_two_hbas.json"));
    host.inject({{"fault", "device_never"}});
    ConnectorOptions options = multipath();
    options.device_timeout = Duration(3000);
    auto connector = make_connector(Protocol::fibre_channel, host, options);
    const auto start = host.now_ms();
    CHECK(category_of([&] { connector->connect(properties()); }) ==
          ErrorCategory::device_not_found);
    CHECK(host.now_ms() - start < 4000);
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("a late path on one HBA port still joins the map", "[fc][connector][faults]") {
    SimHost host(fabric("fc_two_hbas.json"), {.seed = 3});
    host.inject({{"fault", "device_late"}, {"hba", hba2}, {"wwpn", port_b}, {"delay_ms", 4000}});
    auto connector = make_connector(Protocol::fibre_channel, host, multipath());
    const auto device = connector->connect(properties());
    CHECK(host.model().state().maps.at(wwid1).paths.size() == 4);
    connector->disconnect(properties(), device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("two LUNs behind one target: detaching one keeps the other's paths", "[fc][connector]") {
    SimHost host(fabric("fc_two_hbas.json"), {.seed = 8});
    auto connector = make_connector(Protocol::fibre_channel, host, multipath());
    const auto one = connector->connect(properties(1));
    const auto two = connector->connect(properties(2));
    REQUIRE(host.write_through(two.path, 0, "second") == 0);
    connector->disconnect(properties(1), one, {});
    CHECK(remote_addresses(host) ==
          std::vector<std::string>{"2:0:0:2", "2:0:1:2", "3:0:0:2", "3:0:1:2"});
    std::string back;
    REQUIRE(host.read_through(two.path, 0, 6, back) == 0);
    CHECK(back == "second");
    CHECK(connector->extend(properties(2)) == 536870912);
    connector->disconnect(properties(2), two, {});
    connector->disconnect(properties(2), two, {});  // again: nothing to do, no error
    CHECK(host.model().leftovers().empty());
    CHECK(host.model().volume_bytes("vol-fc2", 0, 6) == "second");
}

TEST_CASE("malformed FC properties change nothing on the host", "[fc][connector]") {
    SimHost host(fabric("fc_two_hbas.json"));
    auto connector = make_connector(Protocol::fibre_channel, host, {});
    const auto steps = host.steps();
    CHECK(category_of([&] {
              connector->connect({{"target_wwn", "500a09818;reboot"}});
          }) == ErrorCategory::invalid_properties);
    CHECK(category_of([&] {
              connector->connect({{"target_wwns", {port_a, port_b}}, {"target_luns", {1, 2, 3}}});
          }) == ErrorCategory::invalid_properties);
    CHECK(category_of([&] {
              connector->connect({{"target_wwn", port_a}, {"scsi_wwn", "36001405;rm -rf"}});
          }) == ErrorCategory::invalid_properties);
    CHECK(host.steps() == steps);
}
