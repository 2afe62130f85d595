// `brick-lab certify` on the simulated array: the backend file and its
// errors, a passing certification, deliberately broken provisioners (each a
// failed verdict with its reason and nothing left on the array), the journal
// of an interrupted run, SIGTERM during a run, and the report folder.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "brick/core/error.hpp"
#include "brick/host/real_host.hpp"
#include "certify/backend_file.hpp"
#include "certify/latency.hpp"
#include "certify/provisioner.hpp"
#include "certify/report.hpp"
#include "certify/run.hpp"

extern char** environ;

namespace fs = std::filesystem;
namespace certify = brick::lab::certify;
using brick::lab::Status;

namespace {

const fs::path source = BRICK_SOURCE_DIR;
const fs::path sim_backend = source / "certify/backends/simulator.json";

class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "brick-certify-test-XXXXXX").string();
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

nlohmann::json read_json(const fs::path& file) {
    std::ifstream in(file);
    return nlohmann::json::parse(in);
}

// A backend file in dir: the simulator backend, changed by edit.
fs::path write_backend(const fs::path& dir, const std::function<void(nlohmann::json&)>& edit) {
    auto document = read_json(sim_backend);
    document["provisioner"]["command"] = {(source / "certify/provisioners/sim-array").string(),
                                          "--state", "{work}"};
    edit(document);
    const auto file = dir / "backend.json";
    std::ofstream(file) << document.dump(2);
    return file;
}

// The volumes the simulated array in work still has.
std::vector<std::string> array_volumes(const fs::path& work) {
    if (!fs::exists(work / "sim-array.json")) {
        return {};
    }
    std::vector<std::string> ids;
    const auto array = read_json(work / "sim-array.json");
    for (const auto& [id, volume] : array["volumes"].items()) {
        ids.push_back(id);
    }
    return ids;
}

certify::CertificationResult certify_on_sim(const fs::path& backend_file, const fs::path& work,
                                            const std::string& only = "") {
    const auto backend = certify::load_backend_file(backend_file);
    auto initiator = certify::make_simulator_initiator(work / "sim-array.json");
    certify::RunOptions options;
    options.work = work;
    options.only = only;
    options.rerun = "brick-lab certify " + backend_file.string();
    const std::atomic<bool> stop{false};
    return certify::run_certification(backend, *initiator, options, stop);
}

const certify::GroupResult& group(const certify::CertificationResult& result,
                                  const std::string& name) {
    for (const auto& g : result.groups) {
        if (g.name == name) {
            return g;
        }
    }
    FAIL("no group " + name);
    throw std::logic_error("unreachable");
}

const certify::TestResult& test_of(const certify::GroupResult& g, const std::string& name) {
    for (const auto& t : g.tests) {
        if (t.name == name) {
            return t;
        }
    }
    FAIL("no test " + name + " in " + g.name);
    throw std::logic_error("unreachable");
}

fs::path brick_lab() {
    return fs::path(BRICK_BUILD_DIR) / "lab/brick-lab";
}

}  // namespace

TEST_CASE("the reference backend files load against the schema", "[certify]") {
    for (const auto* name : {"lio", "tgt", "nvmet", "simulator"}) {
        INFO(name);
        const auto backend =
            certify::load_backend_file(source / "certify/backends" / (std::string(name) + ".json"));
        CHECK(backend.name == name);
        CHECK(fs::exists(backend.provisioner_argv("/w").front()));
    }
    const auto lio = certify::load_backend_file(source / "certify/backends/lio.json");
    CHECK(lio.runs_on == certify::RunsOn::guest);
    CHECK(lio.provisioner_argv("/w")[2] == "/w/lio");
}

TEST_CASE("a malformed backend file names the place and what was expected", "[certify]") {
    TempDir dir;
    const auto expect_error = [&](const std::function<void(nlohmann::json&)>& edit,
                                  const std::string& field, const std::string& words) {
        const auto file = write_backend(dir.path(), edit);
        try {
            certify::load_backend_file(file);
            FAIL("loaded");
        } catch (const brick::Error& e) {
            CHECK(e.category() == brick::ErrorCategory::invalid_properties);
            CHECK(e.field().find(field) != std::string::npos);
            CHECK(std::string(e.what()).find(words) != std::string::npos);
            CHECK(std::string(e.what()).find("backend.json") != std::string::npos);
        }
    };
    expect_error([](auto& d) { d["capabilites"] = nlohmann::json::array(); }, "(document)",
                 "capabilites");
    expect_error([](auto& d) { d["capabilities"].push_back("snapshots"); }, "capabilities", "");
    expect_error([](auto& d) { d["provisioner"]["command"] = "sim-array create"; }, "command", "");
    expect_error([](auto& d) { d["provisioner"]["shell"] = true; }, "provisioner", "shell");
    expect_error(
        [](auto& d) {
            d["capabilities"] = {"path_failure"};
            d["provisioner"]["fault_hooks"] = true;
        },
        "capabilities", "needs multipath");
    expect_error(
        [](auto& d) {
            d["capabilities"] = {"multipath", "path_failure"};
        },
        "fault_hooks", "fail-path");
    expect_error(
        [](auto& d) {
            d["runs_on"] = {{"kind", "guest"}};
        },
        "target", "lio, tgt or nvmet");
    expect_error([](auto& d) { d["capabilities"] = {"ana"}; }, "capabilities", "NVMe-oF");
}

TEST_CASE("latency percentiles are nearest-rank", "[certify]") {
    const auto p = certify::percentiles_of({5, 1, 4, 2, 3, 10, 9, 8, 7, 6});
    CHECK(p.count == 10);
    CHECK(p.min == 1);
    CHECK(p.p50 == 5);
    CHECK(p.p90 == 9);
    CHECK(p.p99 == 10);
    CHECK(p.max == 10);
    CHECK(certify::percentiles_of({}).count == 0);
}

TEST_CASE("secret values are masked in provisioner output that is not JSON", "[certify]") {
    const auto masked =
        certify::mask_secret_values(R"({"data": {"auth_password": "s3cr3t", "auth_username": "u")");
    CHECK(masked.find("s3cr3t") == std::string::npos);
    CHECK(masked.find("\"u\"") != std::string::npos);
}

TEST_CASE("the simulated array is certified with its declared capabilities", "[certify]") {
    TempDir dir;
    const auto result = certify_on_sim(sim_backend, dir.path() / "work");
    INFO(result.to_json().dump(1));
    CHECK(result.certified);
    CHECK(result.verdict.rfind("CERTIFIED for iscsi/tcp with capabilities", 0) == 0);
    for (const auto* name : {"core", "extend", "multipath", "chap", "concurrency", "lun-256"}) {
        CHECK(group(result, name).status == Status::passed);
    }
    CHECK(group(result, "ana").status == Status::skipped);
    CHECK(group(result, "ana").reason == "capability ana not declared");
    const auto& path_failure = test_of(group(result, "multipath"), "path-failure");
    CHECK(path_failure.status == Status::skipped);
    CHECK(path_failure.reason == "capability path_failure not declared");
    CHECK(test_of(group(result, "chap"), "chap-wrong-password").status == Status::passed);
    CHECK(result.not_deleted.empty());
    CHECK(array_volumes(dir.path() / "work").empty());
    CHECK(read_json(dir.path() / "work/journal.json")["volumes"].empty());
    for (const auto* operation : {"connect", "disconnect", "provisioner create",
                                  "provisioner export", "provisioner delete", "extend"}) {
        INFO(operation);
        CHECK(result.latencies.contains(operation));
    }
    CHECK(result.latencies["connect"]["count"].get<int>() >= 10);
}

TEST_CASE("a run of one group (--only) does not claim a certification", "[certify]") {
    TempDir dir;
    const auto result = certify_on_sim(sim_backend, dir.path() / "work", "chap");
    CHECK(group(result, "chap").status == Status::passed);
    CHECK(group(result, "core").status == Status::skipped);
    CHECK(group(result, "core").reason == "not selected (--only chap)");
    CHECK_FALSE(result.certified);
    CHECK(result.verdict == "PASSED (group chap only; a certification runs every group)");
}

TEST_CASE("a broken provisioner gives a failed verdict with the reason and leaves nothing",
          "[certify]") {
    struct Case {
        std::string kind;
        std::string failing_test;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {"wrong-iqn", "attach", "iqn.2026-01.org.brickworks.sim:"},
        {"never-exported", "attach", ""},
        {"malformed-json", "create-export", "provisioner export printed malformed JSON"},
        {"invalid-properties", "create-export", "the connection info is not valid"},
        {"hangs", "create-export", "no answer within 4 s (killed)"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.kind) {
            TempDir dir;
            const auto file = write_backend(dir.path(), [&](nlohmann::json& d) {
                d["name"] = "broken-" + c.kind;
                d["provisioner"]["command"] = {
                    (source / "certify/tests/broken-provisioner").string(),
                    "--break",
                    c.kind,
                    "--",
                    (source / "certify/provisioners/sim-array").string(),
                    "--state",
                    "{work}"};
                // Long enough for a loaded machine's Python start, short for the hang.
                d["provisioner"]["timeout_seconds"] = c.kind == "hangs" ? 4 : 20;
                d["settings"] = {{"device_timeout_seconds", 3}};
            });
            const auto start = std::chrono::steady_clock::now();
            const auto result = certify_on_sim(file, dir.path() / "work");
            INFO(result.to_json().dump(1));
            CHECK_FALSE(result.certified);
            CHECK(result.verdict.rfind("NOT CERTIFIED: iscsi/tcp core: " + c.failing_test + ": ",
                                       0) == 0);
            CHECK(result.verdict.find(c.reason) != std::string::npos);
            const auto& core = group(result, "core");
            CHECK(test_of(core, c.failing_test).status == Status::failed);
            CHECK(test_of(core, "io-data-verified").status == Status::skipped);
            CHECK(result.not_deleted.empty());
            CHECK(array_volumes(dir.path() / "work").empty());
            CHECK(read_json(dir.path() / "work/journal.json")["volumes"].empty());
            // Every export hangs for the deadline: bounded by groups x 4 s.
            CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(120));
        }
    }
}

TEST_CASE("volumes journaled by an interrupted run are deleted by the next run", "[certify]") {
    TempDir dir;
    const auto work = dir.path() / "work";
    fs::create_directories(work);
    // What a killed run leaves: a created volume and the journal naming it.
    const auto created = brick::Command{{(source / "certify/provisioners/sim-array").string(),
                                         "--state", work.string(), "create", "--size-gib", "1"},
                                        {},
                                        brick::Duration(30000)};
    brick::RealHost host;
    const auto answer = host.run(created);
    REQUIRE(answer.ok());
    const std::string id = nlohmann::json::parse(answer.out)["volume_id"];
    std::ofstream(work / "journal.json")
        << nlohmann::json{{"volumes", {{id, {{"exported", false}, {"created_at", "earlier"}}}}}}
               .dump();
    REQUIRE(array_volumes(work) == std::vector<std::string>{id});
    const auto result = certify_on_sim(sim_backend, work, "lun-256");
    CHECK(result.cleaned_from_journal == std::vector<std::string>{id});
    CHECK(array_volumes(work).empty());
}

TEST_CASE("SIGTERM ends a run after the current test, cleaned up, with exit 130",
          "[certify][process]") {
    TempDir dir;
    // Exports take 1 s each, so the run is still going when the signal comes.
    const auto slow = dir.path() / "slow-provisioner";
    std::ofstream(slow) << "#!/bin/sh\ncase \" $* \" in *\" export \"*) sleep 1;; esac\nexec "
                        << (source / "certify/provisioners/sim-array").string() << " \"$@\"\n";
    fs::permissions(slow, fs::perms::owner_all);
    const auto file = write_backend(dir.path(), [&](nlohmann::json& d) {
        d["provisioner"]["command"] = {slow.string(), "--state", "{work}"};
    });
    const auto work = dir.path() / "work";
    const auto report = dir.path() / "report";
    std::vector<std::string> args{brick_lab().string(), "certify",  file.string(),  "--work",
                                  work.string(),        "--report", report.string()};
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    REQUIRE(::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
    // Wait until the run has a volume on the array, then interrupt it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (array_volumes(work).empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE_FALSE(array_volumes(work).empty());
    ::kill(pid, SIGTERM);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 130);
    CHECK(array_volumes(work).empty());
    CHECK(read_json(work / "journal.json")["volumes"].empty());
    const auto result = read_json(report / "result.json");
    CHECK(result["interrupted"] == true);
    CHECK(result["verdict"].get<std::string>().find("the run was interrupted") !=
          std::string::npos);
}

TEST_CASE("the report folder holds the pages, logs, JUnit and latency plots", "[certify]") {
    TempDir dir;
    auto result = certify_on_sim(sim_backend, dir.path() / "work", "extend");
    certify::write_certification_report(dir.path() / "report", result);
    for (const auto* name : {"index.html", "summary.md", "result.json", "junit.xml"}) {
        INFO(name);
        CHECK(fs::file_size(dir.path() / "report" / name) > 0);
    }
    std::ifstream md(dir.path() / "report/summary.md");
    const std::string text{std::istreambuf_iterator<char>(md), std::istreambuf_iterator<char>()};
    CHECK(text.find("brick-lab certify") != std::string::npos);
    CHECK(text.find("| iscsi/tcp | extend | extend | passed |") != std::string::npos);
    CHECK(fs::exists(dir.path() / "report/logs/iscsi_tcp--extend--extend.txt"));
    CHECK(fs::exists(dir.path() / "report/latency/connect.dat"));
    if (std::system("command -v gnuplot >/dev/null") == 0) {
        CHECK(fs::file_size(dir.path() / "report/latency/connect.png") > 0);
    }
}
