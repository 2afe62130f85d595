#include "sim/model/fabric.hpp"

#include <catch2/catch.hpp>

#include "sim_fixture.hpp"

using brick::sim::FabricError;
using brick::sim::parse_fabric;
using nlohmann::json;

namespace {

std::string error_path(const json& document) {
    try {
        parse_fabric(document);
    } catch (const FabricError& e) {
        return e.path();
    }
    return "(no error)";
}

json one_target() {
    return json::parse(
        R"({"iscsi": {"targets": [{"iqn": "iqn.2000-01.x:t", "portals": ["10.0.0.1:3260"],
        "luns": [{"lun": 0, "size": 4096}]}]}})");
}

}  // namespace

TEST_CASE("example fabrics parse", "[fabric]") {
    const auto fabric = brick::sim::test::fabric("single_chap.json");
    REQUIRE(fabric.iscsi_targets.size() == 1);
    const auto& target = fabric.iscsi_targets.front();
    CHECK(target.chap->username == "chapuser");
    CHECK(target.luns.size() == 2);
    CHECK(fabric.volumes.at("vol-1").size_bytes == 1073741824);
    const auto mp = brick::sim::test::fabric("two_portals.json");
    CHECK(mp.iscsi_targets.front().portals.at(1).address == "2001:db8::10");
}

TEST_CASE("portal groups give each portal its tag", "[fabric]") {
    const auto fabric = brick::sim::test::fabric("two_portal_groups.json");
    const auto& target = fabric.iscsi_targets.front();
    REQUIRE(target.portals.size() == 2);
    CHECK(target.tpgt_of(target.portals.at(0)) == 1);
    CHECK(target.tpgt_of(target.portals.at(1)) == 2);
    CHECK(target.portals.at(1).address == "127.0.0.2");
    // One group: every portal has the target's tpgt.
    auto doc = one_target();
    doc["iscsi"]["targets"][0]["tpgt"] = 3;
    const auto single = parse_fabric(doc).iscsi_targets.front();
    CHECK(single.tpgt_of(single.portals.front()) == 3);
}

TEST_CASE("portal group errors name the JSON path", "[fabric]") {
    const auto groups = json::parse(R"([{"tag": 1, "portals": ["10.0.0.1:3260"]},
        {"tag": 2, "portals": ["10.0.0.2:3260"]}])");
    auto doc = one_target();
    doc["iscsi"]["targets"][0].erase("portals");
    doc["iscsi"]["targets"][0]["portal_groups"] = groups;
    CHECK(error_path(doc) == "(no error)");
    auto bad = doc;
    bad["iscsi"]["targets"][0]["portal_groups"][1]["tag"] = 1;
    CHECK(error_path(bad) == "/iscsi/targets/0/portal_groups/1/tag");
    bad = doc;
    bad["iscsi"]["targets"][0]["portal_groups"][1]["tag"] = 0;
    CHECK(error_path(bad) == "/iscsi/targets/0/portal_groups/1/tag");
    bad = doc;
    bad["iscsi"]["targets"][0]["portal_groups"][1].erase("tag");
    CHECK(error_path(bad) == "/iscsi/targets/0/portal_groups/1/tag");
    bad = doc;
    bad["iscsi"]["targets"][0]["portal_groups"][1]["portals"][0] = "10.0.0.1:3260";
    CHECK(error_path(bad) == "/iscsi/targets/0/portal_groups/1/portals/0");
    bad = doc;
    bad["iscsi"]["targets"][0]["portals"] = json::array({"10.0.0.3:3260"});
    CHECK(error_path(bad) == "/iscsi/targets/0/portal_groups");
    bad = doc;
    bad["iscsi"]["targets"][0]["portal_groups"][0]["colour"] = "blue";
    CHECK(error_path(bad) == "/iscsi/targets/0/portal_groups/0/colour");
}

TEST_CASE("fabric errors name the JSON path", "[fabric]") {
    auto doc = one_target();
    CHECK(error_path(doc) == "(no error)");
    doc["iscsi"]["targets"][0]["luns"][0]["size"] = 1000;
    CHECK(error_path(doc) == "/iscsi/targets/0/luns/0/size");
    doc = one_target();
    doc["iscsi"]["targets"][0]["portals"][0] = "[::1";
    CHECK(error_path(doc) == "/iscsi/targets/0/portals/0");
    doc = one_target();
    doc["iscsi"]["targets"][0]["colour"] = "blue";
    CHECK(error_path(doc) == "/iscsi/targets/0/colour");
    doc = one_target();
    doc["iscsi"]["targets"][0]["luns"][0]["designators"] =
        json::parse(R"([{"type": "naa", "value": "zz"}])");
    CHECK(error_path(doc) == "/iscsi/targets/0/luns/0/designators/0/value");
    doc = one_target();
    doc["iscsi"]["targets"][0]["iqn"] = "target1";
    CHECK(error_path(doc) == "/iscsi/targets/0/iqn");
    doc = one_target();
    doc["timing"] = json::parse(R"({"disk_ms": "fast"})");
    CHECK(error_path(doc) == "/timing/disk_ms");
    doc = one_target();
    doc["nvme"] = json::parse(R"({"subsystems": [{"nqn": "nqn.2014-08.org.example:s1"}]})");
    CHECK(error_path(doc) == "/nvme/subsystems/0/ports");
    doc["nvme"] = json::parse(R"({"subsystems": [{"nqn": "nqn.2014-08.org.example:s1",
        "ports": [{"address": "127.0.0.1"}], "namespaces": [{"nsid": 1, "size": 4096}]}]})");
    CHECK(error_path(doc) == "(no error)");
}
