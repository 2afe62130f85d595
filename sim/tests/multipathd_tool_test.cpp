// The fake multipathd client against the golden outputs of the real one
// (hil/golden/multipathd, captured in a guest with multipath-tools 0.9.4 on
// 6.1) and against the model.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "brick/connector/connector.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

std::string golden_text(const std::string& name) {
    auto text = golden_file("multipathd", name);
    REQUIRE(!text.empty());
    return text;
}

int golden_exit(const std::string& name) {
    return nlohmann::json::parse(golden_text(name + ".json")).at("exit_code").get<int>();
}

}  // namespace

TEST_CASE("multipathd del map answers as the real client", "[multipath][tools][golden]") {
    SimHost host(fabric("two_portals.json"), {.seed = 5});
    const auto missing = run(host, {"multipathd", "del", "map", "mpatha"});
    CHECK(missing.out == golden_text("del-map-missing.txt"));
    CHECK(missing.exit_status == golden_exit("del-map-missing"));

    ConnectorOptions options;
    options.use_multipath = true;
    auto connector = make_connector(Protocol::iscsi, host, options);
    const auto props = mp_properties();
    const auto device = connector->connect(props);
    REQUIRE(host.model().state().maps.size() == 1);
    const std::string wwid = device.multipath_id.value_or("");
    // An open map stays, as with multipath -f.
    host.inject({{"fault", "device_held_open"}});
    CHECK(run(host, {"multipathd", "del", "map", wwid}).exit_status == 1);
    CHECK(host.model().state().maps.size() == 1);
    host.model().clear_faults();
    const auto removed = run(host, {"multipathd", "del", "map", wwid});
    CHECK(removed.out == "ok\n");
    CHECK(removed.exit_status == 0);
    CHECK(host.model().state().maps.empty());
    connector->disconnect(props, device, {});
    CHECK(host.model().leftovers().empty());
}
