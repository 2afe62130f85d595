// Reboot steps and sessions checks: parsed from scenario files, run on the
// simulator backend, and kept away from real hosts.

#include <catch2/catch.hpp>
#include <filesystem>

#include "brick/core/error.hpp"
#include "runner/real_backend.hpp"
#include "runner/runner.hpp"
#include "runner/scenario.hpp"
#include "runner/sim_backend.hpp"

namespace fs = std::filesystem;
using brick::lab::Status;

namespace {

fs::path library() {
    return fs::path(BRICK_SOURCE_DIR) / "scenarios";
}

// A scenario of one volume on one portal with these steps.
std::string scenario_text(const std::string& steps, const std::string& requires_more = "") {
    return R"({"name": "steps", "requires": {"protocol": "iscsi")" + requires_more + R"(},
        "fabric": {"iscsi_targets": [{"iqn": "iqn.2003-01.org.example:t", "portals": ["127.0.0.1:3260"],
                   "luns": [{"lun": 1, "size_mib": 1, "serial": "00000000000000000000000000000001"}]}]},
        "volumes": {"v": {"target": "iqn.2003-01.org.example:t", "lun": 1}},
        "steps": )" +
           steps + "}";
}

brick::lab::ScenarioResult run_on_sim(const brick::lab::Scenario& scenario, std::uint64_t seed) {
    brick::lab::SimBackend backend;
    backend.set_tracing(false);
    return brick::lab::run_scenario(backend, scenario, seed, "");
}

}  // namespace

TEST_CASE("a reboot step runs alone and a sessions check names the scenario's iSCSI volumes",
          "[runner][reboot]") {
    const auto scenario = brick::lab::load_scenario(library() / "iscsi/reboot-while-attached.json");
    CHECK(scenario.backends == std::vector<std::string>{"sim"});
    const auto& reboot = scenario.steps.at(6);
    CHECK(reboot.op == "reboot");
    CHECK(reboot.subject == "host");
    const auto& check = scenario.steps.at(7);
    CHECK(check.op == "check");
    CHECK(check.subject == "sessions");
    CHECK(check.params.at("unscanned") == nlohmann::json::array({"vol1"}));

    const auto rejected = [](const std::string& steps) {
        CHECK_THROWS_AS(brick::lab::parse_scenario(scenario_text(steps), "bad.json"), brick::Error);
    };
    rejected(R"([{"reboot": false}])");
    rejected(R"([{"concurrent": [{"connect": "v"}, {"reboot": true}]}])");
    rejected(R"([{"check": "sessions"}])");
    rejected(R"([{"check": "sessions", "params": {"logged_in": ["nobody"]}}])");
    rejected(R"([{"check": "sessions", "params": {"logged_in": "v"}}])");
    rejected(R"([{"check": "sessions", "params": {"attached": ["v"]}}])");
    CHECK_NOTHROW(brick::lab::parse_scenario(
        scenario_text(
            R"([{"reboot": true}, {"check": "sessions", "params": {"logged_out": ["v"]}}])"),
        "good.json"));
}

TEST_CASE("a scenario with a reboot is skipped on a real host with the reason",
          "[runner][reboot]") {
    const auto scenario = brick::lab::parse_scenario(
        scenario_text(R"([{"connect": "v"}, {"reboot": true}])"), "reboot.json");
    brick::lab::RealBackend backend("lio", fs::temp_directory_path());
    const auto reason = backend.skip_reason(scenario);
    REQUIRE(reason);
    CHECK(reason->find("reboot runs on the simulator only") != std::string::npos);
    CHECK_FALSE(brick::lab::SimBackend().skip_reason(scenario));
}

TEST_CASE(
    "the sessions check fails when a volume is not as it says: after a connect the volume is "
    "logged in and scanned, after a reboot logged in and unscanned",
    "[runner][reboot]") {
    const auto expect = [](const std::string& steps, bool passes, const std::string& reason = "") {
        const auto scenario = brick::lab::parse_scenario(scenario_text(steps), "sessions.json");
        const auto result = run_on_sim(scenario, 3);
        INFO(steps << ": " << result.reason);
        CHECK((result.status == Status::passed) == passes);
        CHECK(result.reason.find(reason) != std::string::npos);
    };
    expect(R"([{"connect": "v"}, {"check": "sessions", "params": {"logged_in": ["v"]}},
               {"disconnect": "v"}])",
           true);
    expect(R"([{"connect": "v"}, {"check": "sessions", "params": {"logged_out": ["v"]}}])", false,
           "with node.startup automatic");
    expect(R"([{"connect": "v"}, {"check": "sessions", "params": {"unscanned": ["v"]}}])", false,
           "SCSI device");
    expect(R"([{"check": "sessions", "params": {"logged_in": ["v"]}}])", false, "no session");
    expect(R"([{"connect": "v"}, {"reboot": true},
               {"check": "sessions", "params": {"logged_in": ["v"], "unscanned": ["v"]}},
               {"disconnect": "v"}, {"check": "no_leftovers"}])",
           true);
}

TEST_CASE("the reboot and iSER scenarios pass on the simulator with every seed tried",
          "[runner][reboot][iser]") {
    for (const char* name : {"reboot-while-attached", "reboot-multipath-reconnect", "iser",
                             "iser-multipath", "iser-portal-without-iser"}) {
        const auto scenario =
            brick::lab::load_scenario(library() / "iscsi" / (name + std::string(".json")));
        for (std::uint64_t seed = 1; seed <= 5; ++seed) {
            const auto result = run_on_sim(scenario, seed);
            INFO(name << " seed " << seed << ": " << result.reason);
            CHECK(result.status == Status::passed);
        }
    }
}
