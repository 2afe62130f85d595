// Replaying a real kernel's run on the model: the actions compared, their
// alignment, the step outcomes; and run_all's contract (serial order, unique
// names).

#include "runner/model_vs_kernel.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "brick/core/error.hpp"
#include "runner/backends.hpp"
#include "runner/replay.hpp"
#include "runner/run_all.hpp"

namespace fs = std::filesystem;
using brick::lab::TraceAction;
using nlohmann::json;

namespace {

json run_record(int seq, std::vector<std::string> argv, int exit) {
    return {{"v", 1},       {"seq", seq},   {"t_ms", seq}, {"task", "main"}, {"kind", "run"},
            {"argv", argv}, {"exit", exit}, {"out", ""},   {"err", ""}};
}

json read_record(int seq, const std::string& path) {
    return {{"v", 1}, {"seq", seq}, {"kind", "read"}, {"path", path}, {"result", "OK"}};
}

std::vector<TraceAction> actions(const std::vector<std::string>& names) {
    std::vector<json> trace;
    trace.reserve(names.size());
    int seq = 0;
    for (const auto& name : names) {
        trace.push_back(run_record(++seq, {name}, 0));
    }
    return brick::lab::trace_actions(trace);
}

std::string slurp(const fs::path& file) {
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("a trace's actions: programs, writes and faults, poll loops folded", "[replay]") {
    const std::vector<json> trace{
        read_record(1, "/sys/class/iscsi_session"),
        run_record(2, {"iscsiadm", "-m", "session"}, 21),
        read_record(3, "/sys/block/sdb/size"),
        run_record(4, {"iscsiadm", "-m", "session"}, 21),  // the same poll again
        run_record(5, {"iscsiadm", "-m", "session"}, 0),
        {{"seq", 6},
         {"kind", "write"},
         {"path", "/sys/block/sdb/device/delete"},
         {"data", "1"},
         {"result", "OK"}},
        {{"seq", 7}, {"kind", "fault"}, {"name", "portal_down"}, {"params", json::object()}},
    };
    const auto found = brick::lab::trace_actions(trace);
    REQUIRE(found.size() == 4);
    CHECK(found[0].text == "iscsiadm -m session -> exit 21");
    CHECK(found[0].seq == 2);
    CHECK(found[1].text == "iscsiadm -m session -> exit 0");
    CHECK(found[2].text == "write /sys/block/sdb/device/delete = \"1\"");
    CHECK(found[3].text == "fault portal_down");
}

TEST_CASE("kernel and model actions are aligned; each parting is one disagreement", "[replay]") {
    const auto kernel = actions({"login", "rescan", "udevadm", "logout"});
    const auto model = actions({"login", "multipath", "udevadm", "logout", "flush"});
    const auto comparison = brick::lab::compare_actions(kernel, model);
    CHECK(comparison.kernel_actions == 4);
    CHECK(comparison.model_actions == 5);
    CHECK(comparison.common == 3);
    REQUIRE(comparison.disagreements.size() == 2);
    CHECK(comparison.disagreements[0].common_before == 1);
    REQUIRE(comparison.disagreements[0].kernel_only.size() == 1);
    CHECK(comparison.disagreements[0].kernel_only[0].text == "rescan -> exit 0");
    REQUIRE(comparison.disagreements[0].model_only.size() == 1);
    CHECK(comparison.disagreements[0].model_only[0].text == "multipath -> exit 0");
    CHECK(comparison.disagreements[1].common_before == 3);
    CHECK(comparison.disagreements[1].kernel_only.empty());
    CHECK(comparison.disagreements[1].model_only.size() == 1);

    const auto same = brick::lab::compare_actions(kernel, kernel);
    CHECK(same.common == 4);
    CHECK(same.disagreements.empty());
}

TEST_CASE("the first step whose outcome differs between kernel and model", "[replay]") {
    const json recorded = json::array({{{"step", "connect vol1"}, {"actual", "ok"}},
                                       {{"step", "verify vol1"}, {"actual", "wrong_device"}}});
    std::vector<brick::lab::StepResult> replayed(2);
    replayed[0].description = "connect vol1";
    replayed[0].actual = "ok";
    replayed[1].description = "verify vol1";
    replayed[1].actual = "wrong_device";
    CHECK(brick::lab::first_step_disagreement(recorded, replayed) == -1);
    replayed[1].actual = "ok";
    CHECK(brick::lab::first_step_disagreement(recorded, replayed) == 1);
    replayed.pop_back();
    CHECK(brick::lab::first_step_disagreement(recorded, replayed) == 1);

    std::ostringstream out;
    brick::lab::print_model_vs_kernel(out, "hil:real:lio", recorded, replayed,
                                      brick::lab::compare_actions(actions({"a"}), actions({"b"})));
    CHECK(out.str().find("verify vol1") != std::string::npos);
    CHECK(out.str().find("<- first disagreement") != std::string::npos);
    CHECK(out.str().find("kernel only: a -> exit 0") != std::string::npos);
    CHECK(out.str().find("model only:  b -> exit 0") != std::string::npos);
}

TEST_CASE("run_all on four workers gives a serial run's results in serial order", "[runner]") {
    const auto library = fs::path(BRICK_SOURCE_DIR) / "scenarios";
    std::vector<brick::lab::Scenario> scenarios;
    for (const auto* name : {"iscsi/single-path.json", "iscsi/device-late.json",
                             "nvmeof/namespace-late.json", "nfs/attach-detach.json"}) {
        scenarios.push_back(brick::lab::load_scenario(library / name));
    }
    const std::vector<std::uint64_t> seeds{3, 4};
    const auto dir = fs::temp_directory_path() / ("brick-run-all-" + std::to_string(::getpid()));
    std::vector<std::vector<brick::lab::ScenarioResult>> runs;
    for (const int jobs : {1, 4}) {
        fs::create_directories(dir / std::to_string(jobs));
        std::size_t calls = 0;
        runs.push_back(brick::lab::run_all(
            [] { return brick::lab::make_backend("sim", "lio", "."); }, scenarios, seeds,
            dir / std::to_string(jobs), jobs,
            [&](std::size_t done, std::size_t total, const brick::lab::ScenarioResult&) {
                CHECK(done == ++calls);
                CHECK(total == 8);
            }));
        CHECK(calls == 8);
    }
    REQUIRE(runs[0].size() == 8);
    REQUIRE(runs[1].size() == 8);
    for (std::size_t i = 0; i < 8; ++i) {
        INFO(i);
        const auto& serial = runs[0][i];
        const auto& parallel = runs[1][i];
        CHECK(serial.scenario == scenarios[i / 2].name);
        CHECK(serial.seed == seeds[i % 2]);
        CHECK(parallel.scenario == serial.scenario);
        CHECK(parallel.seed == serial.seed);
        CHECK(parallel.status == serial.status);
        CHECK(parallel.duration_ms == serial.duration_ms);
        CHECK(parallel.steps.size() == serial.steps.size());
        CHECK(slurp(parallel.trace_file) == slurp(serial.trace_file));
    }
    fs::remove_all(dir);
}

TEST_CASE("run_all refuses two scenarios of one name", "[runner]") {
    const auto file = fs::path(BRICK_SOURCE_DIR) / "scenarios/iscsi/single-path.json";
    const std::vector<brick::lab::Scenario> twice{brick::lab::load_scenario(file),
                                                  brick::lab::load_scenario(file)};
    try {
        brick::lab::run_all([] { return brick::lab::make_backend("sim", "lio", "."); }, twice, {1},
                            fs::temp_directory_path(), 2, nullptr);
        FAIL("ran");
    } catch (const brick::Error& e) {
        CHECK(e.category() == brick::ErrorCategory::invalid_properties);
        CHECK(e.field() == "name");
        CHECK(std::string(e.what()).find("iscsi-single-path") != std::string::npos);
    }
}

namespace {

// Runs replay() on a reproducer file and returns its exit code and output.
std::pair<int, std::string> replay_output(const fs::path& file) {
    std::ostringstream out;
    auto* const saved = std::cout.rdbuf(out.rdbuf());
    int code = -1;
    try {
        code = brick::lab::replay(file.string());
    } catch (...) {
        std::cout.rdbuf(saved);
        throw;
    }
    std::cout.rdbuf(saved);
    return {code, out.str()};
}

// Recorded with `brick-lab run --backend hil --target lio` on a QEMU guest:
// iscsi/single-path.json broken to verify a pattern it never wrote.
fs::path real_reproducer() {
    return fs::path(BRICK_SOURCE_DIR) / "lab/tests/data/iscsi-broken-verify-hil-lio.json";
}

}  // namespace

TEST_CASE("a failure recorded on LIO replays on the model, which says where it parted",
          "[replay]") {
    const auto [code, out] = replay_output(real_reproducer());
    INFO(out);
    CHECK(code == 0);
    CHECK(out.find("recorded on hil:real:lio") != std::string::npos);
    CHECK(out.find("every step has the same outcome on the kernel and the model") !=
          std::string::npos);
    CHECK(out.find("outcome reproduced: failed (verify vol1") != std::string::npos);
    // The guest's only SCSI host is host0 and the LUN its first disk; the
    // model's host has a local disk and an iSCSI host numbered after it.
    CHECK(out.find("where the model and the kernel disagreed") != std::string::npos);
    CHECK(out.find("kernel only: write /sys/class/scsi_host/host0/scan") != std::string::npos);
}

TEST_CASE("a kernel outcome the model does not reproduce fails the replay at that step",
          "[replay]") {
    auto reproducer = json::parse(slurp(real_reproducer()));
    // As if the kernel had read the pattern back: the model still fails there.
    auto& steps = reproducer["result"]["steps"];
    steps[5]["actual"] = "ok";
    steps[5]["passed"] = true;
    reproducer["result"]["status"] = "passed";
    const auto file = fs::temp_directory_path() / ("brick-real-" + std::to_string(::getpid()));
    std::ofstream(file) << reproducer.dump();
    const auto [code, out] = replay_output(file);
    fs::remove(file);
    INFO(out);
    CHECK(code == 1);
    CHECK(out.find("verify vol1              ok | wrong_device   <- first disagreement") !=
          std::string::npos);
    CHECK(out.find("outcome differs: recorded passed") != std::string::npos);
}
