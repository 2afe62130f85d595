// Restart, stop and start steps of iscsid and multipathd on the simulator
// backend: parsed from scenario files, and what they do to the host model.

#include <catch2/catch.hpp>
#include <filesystem>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "runner/runner.hpp"
#include "runner/scenario.hpp"
#include "runner/sim_backend.hpp"
#include "sim/host/sim_host.hpp"

namespace fs = std::filesystem;
using brick::lab::Status;

namespace {

fs::path library() {
    return fs::path(BRICK_SOURCE_DIR) / "scenarios";
}

brick::sim::SimHost& sim_host(brick::lab::SimBackend& backend) {
    return dynamic_cast<brick::sim::SimHost&>(backend.host());
}

}  // namespace

TEST_CASE("restart, stop and start steps name a daemon; restart may say how long it is down",
          "[runner][daemons]") {
    const auto scenario =
        brick::lab::load_scenario(library() / "iscsi/iscsid-restart-while-attached.json");
    const auto& restart = scenario.steps.at(2);
    CHECK(restart.op == "restart");
    CHECK(restart.subject == "iscsid");
    CHECK(restart.down_ms == 500);
    const auto down =
        brick::lab::load_scenario(library() / "iscsi/multipathd-down-during-disconnect.json");
    CHECK(down.steps.at(2).op == "stop");
    CHECK(down.steps.at(2).subject == "multipathd");
    CHECK(down.steps.at(5).op == "start");
    const auto* text = R"({"name": "bad-daemon", "requires": {"protocol": "iscsi"},
        "fabric": {"iscsi_targets": [{"iqn": "iqn.2003-01.org.example:t", "portals": ["127.0.0.1:3260"],
                   "luns": [{"lun": 1, "size_mib": 1, "serial": "00000000000000000000000000000001"}]}]},
        "volumes": {"v": {"target": "iqn.2003-01.org.example:t", "lun": 1}},
        "steps": [{"restart": "udevd"}]})";
    CHECK_THROWS_AS(brick::lab::parse_scenario(text, "bad-daemon.json"), brick::Error);
}

TEST_CASE(
    "the simulator backend kills a daemon at once and starts it in virtual time; the "
    "kernel's sessions and maps stay",
    "[runner][daemons]") {
    const auto scenario =
        brick::lab::load_scenario(library() / "iscsi/multipathd-restart-while-attached.json");
    brick::lab::SimBackend backend;
    backend.set_tracing(false);
    backend.start(scenario, 1, "");
    auto& host = sim_host(backend);
    auto& model = host.model();
    const auto data = scenario.connection_info("vol1").at("data");
    brick::ConnectorOptions options;
    options.use_multipath = true;
    options.enforce_multipath = true;
    auto connector = brick::make_connector(brick::Protocol::iscsi, host, options);
    const auto device = connector->connect(data);
    REQUIRE(model.state().maps.size() == 1);
    REQUIRE(model.state().sessions.size() == 2);

    backend.stop_daemon("multipathd");
    backend.stop_daemon("iscsid");
    CHECK_FALSE(model.state().multipathd_running);
    CHECK_FALSE(model.state().iscsid_running);
    CHECK(model.state().maps.size() == 1);
    CHECK(model.state().sessions.size() == 2);

    const auto before = host.now_ms();
    backend.start_daemon("iscsid");
    backend.start_daemon("multipathd");
    CHECK(model.state().iscsid_running);
    CHECK(model.state().multipathd_running);
    // Each start waited until the daemon answered, in virtual time.
    CHECK(host.now_ms() - before >= model.fabric().timing.daemon_start_ms);
    for (const auto& disk : model.state().maps.begin()->second.paths) {
        CHECK(model.multipathd_knows(disk));
    }
    connector->disconnect(data, device, {});
    CHECK(model.leftovers().empty());
    CHECK_THROWS_AS(backend.stop_daemon("udevd"), brick::Error);
    backend.stop();
}

TEST_CASE("the daemon scenarios pass on the simulator with every seed tried", "[runner][daemons]") {
    for (const char* name :
         {"iscsid-restart-while-attached", "multipathd-restart-while-attached",
          "multipathd-down-during-disconnect", "iscsid-down-during-disconnect"}) {
        const auto scenario =
            brick::lab::load_scenario(library() / "iscsi" / (name + std::string(".json")));
        for (std::uint64_t seed = 1; seed <= 5; ++seed) {
            brick::lab::SimBackend backend;
            backend.set_tracing(false);
            const auto result = brick::lab::run_scenario(backend, scenario, seed, "");
            INFO(name << " seed " << seed << ": " << result.reason);
            CHECK(result.status == Status::passed);
        }
    }
}
