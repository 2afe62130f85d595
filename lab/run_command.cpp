// `brick-lab run` and `brick-lab replay`: the scenario runner's front end.

#include <filesystem>
#include <iostream>
#include <optional>
#include <random>

#include "brick/core/error.hpp"
#include "certify/report.hpp"
#include "commands.hpp"
#include "runner/backends.hpp"
#include "runner/real_backend.hpp"
#include "runner/replay.hpp"
#include "runner/report.hpp"
#include "runner/run_all.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

struct RunOptions {
    std::vector<std::string> paths;
    std::string backend = "sim";
    std::string target = "lio";
    std::uint64_t seed = 1;
    int repeat = 1;
    std::string shard;
    std::string junit;
    std::string report = "reports/latest";
    int jobs = 1;
    std::string certify;         // a backend file certified in the same guest (--backend hil)
    std::string certify_report;  // its report folder (default reports/certify-NAME)
    std::string certify_junit;
};

fs::path certification_report(const RunOptions& options, const certify::BackendFile& backend) {
    return options.certify_report.empty() ? fs::path("reports") / ("certify-" + backend.name)
                                          : fs::path(options.certify_report);
}

// --certify: the backend is certified in the scenarios' guest, after them.
std::optional<GuestCertification> certification_for(const RunOptions& options) {
    if (options.certify.empty()) {
        return std::nullopt;
    }
    if (options.backend != "hil") {
        throw Error(ErrorCategory::invalid_properties,
                    "--certify: expected --backend hil (the certification runs in the "
                    "scenarios' QEMU guest), got --backend " +
                        options.backend,
                    "--certify");
    }
    auto backend = certify::load_backend_file(options.certify);
    if (backend.runs_on != certify::RunsOn::guest || backend.guest_target != options.target) {
        const auto where = backend.runs_on == certify::RunsOn::guest
                               ? "a " + backend.guest_target + " guest"
                               : std::string("no guest");
        throw Error(ErrorCategory::invalid_properties,
                    "--certify " + options.certify + ": its runs_on names " + where +
                        "; expected the run's target, a " + options.target + " guest",
                    "--certify");
    }
    const auto report = certification_report(options, backend);
    auto rerun = certify::rerun_line(backend, report, options.certify_junit, "", "");
    return GuestCertification{std::move(backend), std::move(rerun), std::nullopt};
}

// Writes and prints the certification; 0 when certified.
int finish_certification(const RunOptions& options, const GuestCertification& certification) {
    const auto report = certification_report(options, certification.backend);
    fs::create_directories(report);
    const auto& result = *certification.result;
    certify::write_certification_report(report, result);
    if (!options.certify_junit.empty()) {
        certify::write_certification_junit(options.certify_junit, result);
    }
    std::cout << "certify " << certification.backend.name << " (in the scenarios' guest):\n";
    certify::print_result(std::cout, result);
    std::cout << "report: " << (report / "index.html").string() << "\n";
    return result.verdict.rfind("NOT CERTIFIED", 0) == 0 ? 1 : 0;
}

// "I/N": run the scenarios whose index modulo N is I - 1.
std::pair<std::size_t, std::size_t> parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    try {
        const auto index = std::stoul(text.substr(0, slash));
        const auto count = std::stoul(text.substr(slash + 1));
        if (slash == std::string::npos || index < 1 || index > count) {
            throw std::invalid_argument(text);
        }
        return {index, count};
    } catch (const std::exception&) {
        throw Error(ErrorCategory::invalid_properties, "--shard: expected I/N with 1 <= I <= N",
                    "--shard");
    }
}

// The seeds of a run: the given seed, then seeds drawn from it for --repeat.
std::vector<std::uint64_t> seeds_for(std::uint64_t seed, int repeat) {
    std::vector<std::uint64_t> seeds{seed};
    std::mt19937_64 draw(seed);
    for (int i = 1; i < repeat; ++i) {
        seeds.push_back(draw() % 1000000000ULL);
    }
    return seeds;
}

int run(const RunOptions& options) {
    auto paths = options.paths;
    if (paths.empty()) {
        paths.push_back((scenario_root()).string());
    }
    auto files = find_scenarios(paths);
    if (!options.shard.empty()) {
        const auto [index, count] = parse_shard(options.shard);
        std::vector<fs::path> mine;
        for (std::size_t i = 0; i < files.size(); ++i) {
            if (i % count == index - 1) {
                mine.push_back(files[i]);
            }
        }
        files = mine;
    }
    if (options.jobs > 1 && options.backend != "sim") {
        // The real backends share one kernel (hil: one guest for the whole run),
        // whose initiator and target state two scenarios at once would trample.
        throw Error(ErrorCategory::invalid_properties,
                    "--jobs " + std::to_string(options.jobs) + ": the " + options.backend +
                        " backend runs one scenario at a time on one kernel; expected --jobs 1 "
                        "(parallel runs need --backend sim)",
                    "--jobs");
    }
    auto certification = certification_for(options);
    std::vector<Scenario> scenarios;
    scenarios.reserve(files.size());
    for (const auto& file : files) {
        scenarios.push_back(load_scenario(file));
    }
    const fs::path report_dir = options.report;
    fs::create_directories(report_dir / "traces");
    const auto seeds = seeds_for(options.seed, options.repeat);
    std::vector<ScenarioResult> results;
    if (options.backend == "hil") {
        // Scenarios no guest kernel can run are skipped without booting one.
        std::vector<fs::path> guest_files;
        for (std::size_t i = 0; i < scenarios.size(); ++i) {
            const auto reason = real_kernel_skip_reason(scenarios[i]);
            if (!reason) {
                guest_files.push_back(files[i]);
                continue;
            }
            for (const auto seed : seeds) {
                ScenarioResult skipped;
                skipped.scenario = scenarios[i].name;
                skipped.file = files[i].string();
                skipped.backend = "hil:real:" + options.target;
                skipped.seed = seed;
                skipped.status = Status::skipped;
                skipped.reason = *reason;
                results.push_back(std::move(skipped));
            }
        }
        if (!guest_files.empty() || certification) {
            auto guest = run_in_guest(guest_files, options.target, seeds, report_dir,
                                      certification ? &*certification : nullptr);
            results.insert(results.end(), guest.begin(), guest.end());
        }
        for (std::size_t i = 0; i < results.size(); ++i) {
            std::cout << progress_line(i + 1, results.size(), results[i]) << "\n";
        }
    } else {
        const auto make = [&] {
            return make_backend(options.backend, options.target, report_dir / "work");
        };
        results = run_all(make, scenarios, seeds, report_dir / "traces", options.jobs,
                          [](std::size_t done, std::size_t total, const ScenarioResult& result) {
                              std::cout << progress_line(done, total, result) << std::endl;
                          });
    }
    for (const auto& result : results) {
        if (result.status == Status::failed && !result.trace_file.empty() &&
            fs::exists(result.trace_file)) {
            const auto file = write_reproducer(report_dir / "reproducers", result);
            std::cout << "  reproduce: brick-lab replay " << file.string() << "\n";
        }
    }
    print_summary(std::cout, results);
    write_report(report_dir, results);
    if (!options.junit.empty()) {
        write_junit(options.junit, results);
    }
    std::cout << "report: " << (report_dir / "summary.html").string() << "\n";
    const int certified = certification ? finish_certification(options, *certification) : 0;
    return std::any_of(results.begin(), results.end(),
                       [](const ScenarioResult& r) { return r.status == Status::failed; }) ||
                   certified != 0
               ? 1
               : 0;
}

}  // namespace

void register_run_commands(CLI::App& app) {
    auto options = std::make_shared<RunOptions>();
    auto* run_command =
        app.add_subcommand("run", "Run scenarios (default: the whole library on the simulator)");
    run_command->add_option("PATHS", options->paths, "scenario files or folders");
    run_command
        ->add_option("--backend", options->backend, "sim, hil (QEMU guest) or real (this host)")
        ->check(CLI::IsMember({"sim", "hil", "real"}));
    run_command
        ->add_option("--target", options->target,
                     "real target kind: lio, tgt, nvmet, nfsd (NFS), loop (local devices) or "
                     "ceph (RBD)")
        ->check(CLI::IsMember({"lio", "tgt", "nvmet", "nfsd", "loop", "ceph"}));
    run_command->add_option("--seed", options->seed, "seed of the first run");
    run_command
        ->add_option("--repeat", options->repeat, "runs per scenario, seeds drawn from --seed")
        ->check(CLI::PositiveNumber);
    run_command->add_option("--shard", options->shard,
                            "I/N: run every N-th scenario from the I-th");
    run_command->add_option("--junit", options->junit, "write JUnit XML here");
    run_command->add_option("--report", options->report, "report folder");
    run_command->add_option("--certify", options->certify,
                            "also certify this backend file in the same guest, after the "
                            "scenarios (--backend hil; certify/README.md)");
    run_command->add_option("--certify-report", options->certify_report,
                            "the certification's report folder (default reports/certify-NAME)");
    run_command->add_option("--certify-junit", options->certify_junit,
                            "also write the certification's JUnit XML here");
    run_command->add_option("--jobs", options->jobs, "scenarios run at once")
        ->check(CLI::PositiveNumber);
    run_command->callback([options] { throw RunExit{run(*options)}; });

    auto replay_file = std::make_shared<std::string>();
    auto* replay_command = app.add_subcommand(
        "replay", "Rerun a failure's reproducer on the simulator and compare traces");
    replay_command->add_option("FILE", *replay_file, "reproducer JSON")->required();
    replay_command->callback([replay_file] { throw RunExit{replay(*replay_file)}; });
}

}  // namespace brick::lab
