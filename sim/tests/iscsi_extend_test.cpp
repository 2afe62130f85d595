// Extending an iSCSI volume whose LUN grew on the target, against the host
// model: the kernel shows a disk's new capacity only after a rescan, a
// dm-multipath map its new size only after `multipathd resize map`.
#include <catch2/catch.hpp>
#include <optional>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr std::uint64_t one_gib = 1073741824;
constexpr std::uint64_t grown = 2 * one_gib;

// The multipath volume named by its first portal only: SendTargets discovery
// at connect finds the second.
nlohmann::json discovered_mp_properties() {
    return {{"target_portal", "192.168.122.10:3260"},
            {"target_iqn", mp_iqn},
            {"target_lun", 1},
            {"target_discovered", false}};
}

// What the storage service does: the LUN grows on the target.
void grow_lun(SimHost& host, const std::string& iqn, std::uint64_t bytes) {
    auto& model = host.model();
    for (const auto& lun : *model.luns_of(iqn)) {
        if (lun.number == 1) {
            model.fabric().volumes.at(lun.volume_id).size_bytes = bytes;
        }
    }
    model.touch();
}

std::uint64_t shown_bytes(SimHost& host, const std::string& name) {
    return std::stoull(host.read_attribute("/sys/block/" + name + "/size").value_or("0")) * 512;
}

ConnectorOptions multipath_options() {
    ConnectorOptions options;
    options.use_multipath = true;
    return options;
}

// The error body throws; nullopt when it returns.
template <typename Body>
std::optional<Error> error_of(Body body) {
    try {
        body();
    } catch (const Error& e) {
        return e;
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("extend: a single path's disk shows the new size only after the rescan extend does",
          "[connector][extend]") {
    SimHost host(fabric("single_chap.json"), {.seed = 3});
    auto connector = make_connector(Protocol::iscsi, host, {});
    const auto device = connector->connect(chap_properties());
    REQUIRE(device.path == "/dev/sdb");
    const auto before = shown_bytes(host, "sdb");
    grow_lun(host, chap_iqn, before * 2);
    host.advance(Duration(5000));
    CHECK(shown_bytes(host, "sdb") == before);
    CHECK(connector->extend(chap_properties()) == before * 2);
    CHECK(shown_bytes(host, "sdb") == before * 2);
    // Again: nothing to grow, the same size.
    CHECK(connector->extend(chap_properties()) == before * 2);
    connector->disconnect(chap_properties(), device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("extend: every path of a multipath volume, the discovered portal's too, and the map",
          "[connector][extend][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    auto connector = make_connector(Protocol::iscsi, host, multipath_options());
    const auto device = connector->connect(discovered_mp_properties());
    REQUIRE(device.path == "/dev/dm-0");
    const auto paths = host.model().state().maps.begin()->second.paths;
    REQUIRE(paths.size() == 2);
    grow_lun(host, mp_iqn, grown);
    host.advance(Duration(5000));
    CHECK(shown_bytes(host, "dm-0") == one_gib);
    CHECK(connector->extend(discovered_mp_properties()) == grown);
    for (const auto& path : paths) {
        CHECK(shown_bytes(host, path) == grown);
    }
    CHECK(shown_bytes(host, "dm-0") == grown);
    CHECK(host.trace_text().find(R"("resize","map")") != std::string::npos);
    connector->disconnect(discovered_mp_properties(), device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("extend: a path that cannot take the new size fails the extend, naming it",
          "[connector][extend][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    auto connector = make_connector(Protocol::iscsi, host, multipath_options());
    const auto device = connector->connect(mp_properties());
    const auto paths = host.model().state().maps.begin()->second.paths;
    REQUIRE(paths.size() == 2);
    host.inject({{"fault", "path_offline"}, {"device", paths[1]}});
    grow_lun(host, mp_iqn, grown);
    const auto error = error_of([&] { connector->extend(mp_properties()); });
    REQUIRE(error);
    CHECK(error->category() == ErrorCategory::host_error);
    CHECK(error->message().find(paths[1] + " (offline) 1073741824 bytes") != std::string::npos);
    CHECK(error->message().find("nothing was resized") != std::string::npos);
    // The map was left alone: it cannot grow past a path.
    CHECK(shown_bytes(host, "dm-0") == one_gib);
    CHECK(host.trace_text().find(R"("resize","map")") == std::string::npos);
    connector->disconnect(mp_properties(), device, {.force = true});
}

TEST_CASE("extend: a path whose rescan fails fails the extend, naming it; nothing is resized",
          "[connector][extend][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    auto connector = make_connector(Protocol::iscsi, host, multipath_options());
    const auto device = connector->connect(mp_properties());
    const auto paths = host.model().state().maps.begin()->second.paths;
    REQUIRE(paths.size() == 2);
    grow_lun(host, mp_iqn, grown);
    host.inject({{"fault", "sysfs_write_fails"},
                 {"path", "/sys/block/" + paths[1] + "/device/rescan"},
                 {"errno", "EIO"}});
    const auto error = error_of([&] { connector->extend(mp_properties()); });
    REQUIRE(error);
    CHECK(error->category() == ErrorCategory::host_error);
    CHECK(error->message().find("rescanning " + paths[1]) != std::string::npos);
    CHECK(shown_bytes(host, "dm-0") == one_gib);
    CHECK(host.trace_text().find(R"("resize","map")") == std::string::npos);
    host.model().clear_faults();
    CHECK(connector->extend(mp_properties()) == grown);
    connector->disconnect(mp_properties(), device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("extend: a failed multipathd resize map is an error naming the map and the answer",
          "[connector][extend][multipath]") {
    SimHost host(fabric("two_portals.json"), {.seed = 11});
    auto connector = make_connector(Protocol::iscsi, host, multipath_options());
    const auto device = connector->connect(mp_properties());
    const auto map = host.model().state().maps.begin()->second.name;
    grow_lun(host, mp_iqn, grown);
    SECTION("multipathd does not answer in time") {
        host.inject(
            {{"fault", "tool_hangs"}, {"tool", "multipathd"}, {"path", "multipathd resize map *"}});
        const auto error = error_of([&] { connector->extend(mp_properties()); });
        REQUIRE(error);
        CHECK(error->category() == ErrorCategory::timeout);
        CHECK(error->message().find("multipathd resize map " + map) != std::string::npos);
        CHECK(shown_bytes(host, "dm-0") == one_gib);
    }
    SECTION("multipathd is not running") {
        host.inject({{"fault", "multipathd_down"}});
        const auto error = error_of([&] { connector->extend(mp_properties()); });
        REQUIRE(error);
        CHECK(error->category() == ErrorCategory::command_failed);
        CHECK(error->message().find("multipathd resize map " + map + " failed (exit 1)") !=
              std::string::npos);
        CHECK(shown_bytes(host, "dm-0") == one_gib);
    }
    (void)device;
}

TEST_CASE("extend: bad input and a volume that is not attached change nothing",
          "[connector][extend]") {
    SimHost host(fabric("single_chap.json"), {.seed = 3});
    auto connector = make_connector(Protocol::iscsi, host, {});
    const auto device = connector->connect(chap_properties());
    const auto before = shown_bytes(host, "sdb");
    grow_lun(host, chap_iqn, before * 2);
    const auto traced = host.trace_text().size();
    auto bad = chap_properties();
    bad["target_iqn"] = "not an iqn";
    CHECK(error_of([&] { connector->extend(bad); }).value().category() ==
          ErrorCategory::invalid_properties);
    auto other = chap_properties();
    other["target_lun"] = 7;
    CHECK(error_of([&] { connector->extend(other); }).value().category() ==
          ErrorCategory::device_not_found);
    CHECK(shown_bytes(host, "sdb") == before);
    CHECK(host.trace_text().substr(traced).find("/rescan") == std::string::npos);
    connector->disconnect(chap_properties(), device, {});
}
