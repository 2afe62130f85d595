// The scenario runner on the simulator: loading and schema errors, outcomes,
// determinism, reproducers and replay.

#include "runner/runner.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "brick/core/error.hpp"
#include "runner/backends.hpp"
#include "runner/real_backend.hpp"
#include "runner/replay.hpp"
#include "runner/report.hpp"
#include "runner/scenario.hpp"
#include "runner/sim_backend.hpp"
#include "sim/host/sim_host.hpp"
#include "targets/lio.hpp"
#include "targets/soft_roce.hpp"
#include "targets/tgt.hpp"

namespace fs = std::filesystem;
using brick::lab::Status;

namespace {

fs::path library() {
    return fs::path(BRICK_SOURCE_DIR) / "scenarios";
}

class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "brick-lab-test-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&&) = delete;
    TempDir& operator=(TempDir&&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

std::string slurp(const fs::path& file) {
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

brick::lab::ScenarioResult run_on_sim(const fs::path& file, std::uint64_t seed,
                                      const fs::path& trace) {
    const auto scenario = brick::lab::load_scenario(file);
    auto backend = brick::lab::make_backend("sim", "lio", trace.parent_path());
    return brick::lab::run_scenario(*backend, scenario, seed, trace.string());
}

}  // namespace

TEST_CASE("every scenario of the library loads against the schema", "[runner]") {
    const auto files = brick::lab::find_scenarios({library().string()});
    REQUIRE(files.size() >= 5);
    for (const auto& file : files) {
        INFO(file.string());
        CHECK_NOTHROW(brick::lab::load_scenario(file));
    }
}

TEST_CASE("a malformed scenario names the file, the place and what was expected", "[runner]") {
    TempDir dir;
    auto document = nlohmann::json::parse(slurp(library() / "iscsi/single-path.json"));
    document["steps"][0]["conect"] = "vol1";  // a typo is an error, not ignored
    const auto file = dir.path() / "typo.json";
    std::ofstream(file) << document.dump();
    try {
        brick::lab::load_scenario(file);
        FAIL("loaded");
    } catch (const brick::Error& e) {
        CHECK(e.category() == brick::ErrorCategory::invalid_properties);
        CHECK(std::string(e.what()).find("typo.json") != std::string::npos);
        CHECK(e.field().find("steps") != std::string::npos);
    }
    document = nlohmann::json::parse(slurp(library() / "iscsi/single-path.json"));
    document["volumes"]["vol1"]["lun"] = 7;  // the fabric has no LUN 7
    std::ofstream(file) << document.dump();
    CHECK_THROWS_AS(brick::lab::load_scenario(file), brick::Error);
    document = nlohmann::json::parse(slurp(library() / "iscsi/single-path.json"));
    document["fabric"]["iscsi_targets"][0]["portals"][0] = "10.0.0.1:3260";  // never off-host
    std::ofstream(file) << document.dump();
    CHECK_THROWS_AS(brick::lab::load_scenario(file), brick::Error);
}

TEST_CASE("the iSCSI scenarios pass on the simulator", "[runner]") {
    TempDir dir;
    for (const auto& file : brick::lab::find_scenarios({(library() / "iscsi").string()})) {
        const auto result = run_on_sim(file, 1, dir.path() / (file.stem().string() + ".jsonl"));
        INFO(file.string() << ": " << result.reason);
        CHECK(result.status == Status::passed);
        CHECK_FALSE(result.steps.empty());
    }
}

TEST_CASE("a run is a pure function of scenario and seed", "[runner][determinism]") {
    TempDir dir;
    const auto file = library() / "iscsi/multipath-2-portals.json";
    run_on_sim(file, 42, dir.path() / "a.jsonl");
    run_on_sim(file, 42, dir.path() / "b.jsonl");
    run_on_sim(file, 43, dir.path() / "c.jsonl");
    const auto a = slurp(dir.path() / "a.jsonl");
    CHECK(a.size() > 1000);
    CHECK(a == slurp(dir.path() / "b.jsonl"));
    CHECK(a != slurp(dir.path() / "c.jsonl"));
}

TEST_CASE(
    "FC scenarios: properties in each driver shape, deterministic on the simulator, skipped "
    "on real kernels with the reason",
    "[runner][fc]") {
    TempDir dir;
    auto scenario = brick::lab::load_scenario(library() / "fc/multipath-2-hbas-2-ports.json");
    const auto& volume = scenario.volumes.at("vol1");
    const auto& target = *scenario.fabric.fc.find_target(volume.fc_target);
    auto data = scenario.connection_info("vol1")["data"];
    CHECK(data["target_wwn"] == target.ports);
    CHECK(data["target_lun"] == 1);
    CHECK(data["initiator_target_map"].size() == scenario.fabric.fc.hbas.size());
    scenario.volumes.at("vol1").format = "target_wwns";
    data = scenario.connection_info("vol1")["data"];
    CHECK(data["target_wwns"] == target.ports);
    CHECK(data["target_luns"] == nlohmann::json::array({1, 1}));
    CHECK_FALSE(data.contains("initiator_target_map"));
    CHECK(scenario.lun_of("vol1")->scsi_id().rfind("36001405", 0) == 0);

    const auto file = library() / "fc/multipath-2-hbas-2-ports.json";
    const auto a = run_on_sim(file, 5, dir.path() / "a.jsonl");
    run_on_sim(file, 5, dir.path() / "b.jsonl");
    CHECK(a.status == Status::passed);
    CHECK(slurp(dir.path() / "a.jsonl") == slurp(dir.path() / "b.jsonl"));

    auto real = brick::lab::make_backend("real", "lio", dir.path());
    const auto reason = real->skip_reason(scenario);
    REQUIRE(reason);
    CHECK(reason->find("Fibre Channel runs on the simulator only") != std::string::npos);
    CHECK(reason->find("FC loopback") != std::string::npos);
    CHECK_FALSE(brick::lab::make_backend("sim", "lio", dir.path())->skip_reason(scenario));
}

TEST_CASE(
    "native NVMe multipath off: the simulator sets it, a real kernel with the other value skips",
    "[runner][nvme]") {
    TempDir dir;
    const auto file = library() / "nvmeof/native-multipath-off-2-portals.json";
    const auto scenario = brick::lab::load_scenario(file);
    REQUIRE(scenario.nvme_native_multipath == false);
    CHECK(brick::lab::SimBackend::fabric_for(scenario).host.nvme_core_multipath == "N");
    CHECK(run_on_sim(file, 3, dir.path() / "off.jsonl").status == Status::passed);
    const auto enforced = library() / "nvmeof/native-multipath-off-enforced.json";
    CHECK(run_on_sim(enforced, 3, dir.path() / "enforced.jsonl").status == Status::passed);

    const auto parameter = dir.path() / "multipath";
    std::ofstream(parameter) << "Y\n";
    const auto reason = brick::lab::nvme_multipath_skip_reason(false, parameter);
    REQUIRE(reason);
    CHECK(reason->find("nvme_core.multipath=Y") != std::string::npos);
    CHECK(reason->find("boot with nvme_core.multipath=N") != std::string::npos);
    CHECK_FALSE(brick::lab::nvme_multipath_skip_reason(true, parameter));
    std::ofstream(parameter) << "N\n";
    CHECK_FALSE(brick::lab::nvme_multipath_skip_reason(false, parameter));
    CHECK(brick::lab::nvme_multipath_skip_reason(false, dir.path() / "missing"));
}

TEST_CASE("a broken scenario fails, writes a reproducer, and replay reproduces it",
          "[runner][replay]") {
    TempDir dir;
    auto document = nlohmann::json::parse(slurp(library() / "iscsi/single-path.json"));
    // Verifying a pattern that was never written must fail.
    document["steps"][5]["pattern"] = 12;
    const auto file = dir.path() / "broken.json";
    std::ofstream(file) << document.dump(2);
    const auto result = run_on_sim(file, 5, dir.path() / "broken.jsonl");
    REQUIRE(result.status == Status::failed);
    CHECK(result.reason.find("verify vol1") != std::string::npos);
    const auto reproducer = brick::lab::write_reproducer(dir.path() / "reproducers", result);
    REQUIRE(fs::exists(reproducer));
    // 0: the failure and its trace reproduce exactly.
    CHECK(brick::lab::replay(reproducer.string()) == 0);
}

TEST_CASE("a target's portal groups reach the simulator and LIO's TPGs; tgt skips them",
          "[runner]") {
    const auto scenario =
        brick::lab::load_scenario(library() / "iscsi/multipath-portal-groups.json");
    const auto& target = scenario.fabric.iscsi_targets.at(0);
    REQUIRE(target.portals.size() == 2);
    CHECK(target.portal_tags == std::vector<unsigned>{1, 2});
    const auto fabric = brick::lab::SimBackend::fabric_for(scenario);
    const auto& sim_target = fabric.iscsi_targets.at(0);
    CHECK(sim_target.tpgt_of(sim_target.portals.at(0)) == 1);
    CHECK(sim_target.tpgt_of(sim_target.portals.at(1)) == 2);
    // LIO: one TPG per group, each with its own portal and the same backstore at LUN 1.
    const auto save = brick::lab::lio_save_file(scenario.fabric, "/tmp/luns", {});
    const auto& tpgs = save.at("targets").at(0).at("tpgs");
    REQUIRE(tpgs.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(tpgs[i].at("tag") == i + 1);
        CHECK(tpgs[i].at("portals").size() == 1);
        CHECK(tpgs[i].at("portals")[0].at("ip_address") == (i == 0 ? "127.0.0.1" : "127.0.0.2"));
        CHECK(tpgs[i].at("luns") == tpgs[0].at("luns"));
    }
    CHECK(save.at("storage_objects").size() == 1);
    CHECK(brick::lab::TgtTarget::unsupported(scenario.fabric).find("portal group") !=
          std::string::npos);
    // Without portal_groups every portal is in group 1.
    const auto plain = brick::lab::load_scenario(library() / "iscsi/multipath-2-portals.json");
    CHECK(plain.fabric.iscsi_targets.at(0).portal_tags == std::vector<unsigned>{1, 1});
    CHECK(brick::lab::lio_save_file(plain.fabric, "/tmp/luns", {})
              .at("targets")
              .at(0)
              .at("tpgs")
              .size() == 1);
}

TEST_CASE("trace comparison finds the first differing record", "[replay]") {
    std::vector<nlohmann::json> a{{{"seq", 1}, {"t_ms", 0}}, {{"seq", 2}, {"t_ms", 5}}};
    auto b = a;
    CHECK_FALSE(brick::lab::first_difference(a, b, true).has_value());
    b[1]["t_ms"] = 9;
    CHECK(brick::lab::first_difference(a, b, true)->index == 1);
    CHECK_FALSE(brick::lab::first_difference(a, b, false).has_value());
    b.push_back({{"seq", 3}});
    CHECK(brick::lab::first_difference(a, b, false)->index == 2);
}

TEST_CASE("JUnit and the report folder describe every result", "[report]") {
    TempDir dir;
    brick::lab::ScenarioResult passed;
    passed.scenario = "a";
    passed.backend = "sim";
    brick::lab::ScenarioResult failed = passed;
    failed.scenario = "b<&>";
    failed.status = Status::failed;
    failed.reason = "connect: expected ok, got timeout";
    brick::lab::ScenarioResult skipped = passed;
    skipped.scenario = "c";
    skipped.status = Status::skipped;
    skipped.reason = "needs root";
    brick::lab::write_junit(dir.path() / "junit.xml", {passed, failed, skipped});
    const auto xml = slurp(dir.path() / "junit.xml");
    CHECK(xml.find(R"(tests="3" failures="1" skipped="1")") != std::string::npos);
    CHECK(xml.find("b&lt;&amp;&gt;") != std::string::npos);
    CHECK(xml.find("<skipped message=\"needs root\"/>") != std::string::npos);
    brick::lab::write_report(dir.path() / "report", {passed, failed, skipped});
    CHECK(slurp(dir.path() / "report/summary.md").find("1 passed, 1 failed, 1 skipped") !=
          std::string::npos);
    CHECK(nlohmann::json::parse(slurp(dir.path() / "report/results.json")).size() == 3);
}

TEST_CASE("an NVMe portal off loopback is a Soft-RoCE address and needs transport rdma",
          "[runner][rdma]") {
    TempDir dir;
    const auto rdma = library() / "nvmeof/rdma-new-format.json";
    const auto scenario = brick::lab::load_scenario(rdma);
    CHECK(scenario.fabric.uses_rdma());
    CHECK(scenario.fabric.nvme_subsystems.at(0).ports.at(0).portal.host == "10.98.0.1");
    CHECK_FALSE(
        brick::lab::load_scenario(library() / "nvmeof/tcp-new-format.json").fabric.uses_rdma());

    const auto file = dir.path() / "rdma.json";
    auto document = nlohmann::json::parse(slurp(rdma));
    document["fabric"]["nvme_subsystems"][0]["ports"][0]["transport"] = "tcp";
    std::ofstream(file) << document.dump();
    try {
        brick::lab::load_scenario(file);
        FAIL("loaded");
    } catch (const brick::Error& e) {
        CHECK(e.category() == brick::ErrorCategory::invalid_properties);
        CHECK(e.field() == "/fabric/nvme_subsystems/ports");
        CHECK(std::string(e.what()).find("transport must be rdma") != std::string::npos);
    }
    document = nlohmann::json::parse(slurp(rdma));
    document["fabric"]["nvme_subsystems"][0]["ports"][0]["portal"] = "10.97.0.1:4420";
    std::ofstream(file) << document.dump();
    CHECK_THROWS_AS(brick::lab::load_scenario(file), brick::Error);
    document = nlohmann::json::parse(slurp(library() / "iscsi/single-path.json"));
    document["fabric"]["iscsi_targets"][0]["portals"][0] = "10.98.0.1:3260";  // not for iSCSI
    std::ofstream(file) << document.dump();
    CHECK_THROWS_AS(brick::lab::load_scenario(file), brick::Error);
}

TEST_CASE("Soft-RoCE GIDs and the addresses it refuses", "[runner][rdma]") {
    CHECK(brick::lab::roce_gid("10.98.0.1") == "0000:0000:0000:0000:0000:ffff:0a62:0001");
    CHECK(brick::lab::roce_gid("fe80::1c4a:eaff:fe5a:72a9") ==
          "fe80:0000:0000:0000:1c4a:eaff:fe5a:72a9");
    CHECK(brick::lab::roce_gid("10.98.0").empty());
    CHECK(brick::lab::roce_gid("rxe0").empty());

    brick::sim::SimHost host(brick::sim::Fabric{});
    brick::lab::SoftRoce roce(host);
    for (const std::string address : {"127.0.0.1", "::1", "192.0.2.1", "not-an-address"}) {
        INFO(address);
        try {
            roce.add(address);
            FAIL("added");
        } catch (const brick::Error& e) {
            CHECK(e.category() == brick::ErrorCategory::not_supported);
            CHECK(std::string(e.what()).find(address) != std::string::npos);
        }
    }
    CHECK_FALSE(host.exists("/sys/class/net/brick-rdma0"));
}
