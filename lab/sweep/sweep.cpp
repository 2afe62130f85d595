#include "sweep.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <thread>

#include "runner/report.hpp"
#include "runner/runner.hpp"
#include "runner/scenario.hpp"
#include "runner/sim_backend.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

nlohmann::json scenario_for(const SweepOptions& options, std::uint64_t seed) {
    if (options.concurrent_volumes > 0) {
        return generate_concurrent_scenario(options.shape.protocol, options.concurrent_volumes,
                                            seed);
    }
    return generate_sweep_scenario(options.shape, seed);
}

void count(const std::vector<StepResult>& steps, std::uint64_t seed, SweepSummary& summary) {
    for (const auto& step : steps) {
        const auto op = step.description.substr(0, step.description.find(' '));
        if (op != "connect" && op != "disconnect" && op != "extend" && op != "write" &&
            op != "verify") {
            continue;
        }
        auto& stats = summary.operations[op];
        ++stats.runs;
        if (step.actual == "ok") {
            ++stats.succeeded;
        } else {
            ++stats.failures[step.actual];
        }
        if (step.duration_ms > stats.longest_ms) {
            stats.longest_ms = step.duration_ms;
            stats.longest_seed = seed;
        }
    }
}

struct SeedOutcome {
    std::uint64_t seed = 0;
    ScenarioResult result;
};

SeedOutcome run_seed(const SweepOptions& options, std::uint64_t seed) {
    try {
        const auto document = scenario_for(options, seed);
        const auto name = document["name"].get<std::string>();
        const auto scenario = scenario_from_json(document, "(generated) " + name);
        SimBackend backend;
        backend.set_tracing(false);
        return {seed, run_scenario(backend, scenario, seed, "")};
    } catch (const std::exception& e) {
        SeedOutcome outcome{seed, {}};
        outcome.result.seed = seed;
        outcome.result.status = Status::failed;
        outcome.result.reason = std::string("the generated scenario is invalid: ") + e.what();
        return outcome;
    }
}

// Runs a failed seed again with a trace and writes its reproducer.
SweepFailure reproduce(const SweepOptions& options, const SeedOutcome& outcome) {
    const auto document = scenario_for(options, outcome.seed);
    const auto name = document["name"].get<std::string>();
    const auto scenarios = options.report_dir / "scenarios";
    const auto traces = options.report_dir / "traces";
    fs::create_directories(scenarios);
    fs::create_directories(traces);
    const auto file = scenarios / (name + ".json");
    std::ofstream(file) << document.dump(2) << "\n";
    const auto scenario = scenario_from_json(document, file);
    SimBackend backend;
    const auto trace = traces / (name + ".jsonl");
    auto result = run_scenario(backend, scenario, outcome.seed, trace.string());
    SweepFailure failure;
    failure.seed = outcome.seed;
    failure.reason = outcome.result.reason;
    for (const auto& step : outcome.result.steps) {
        failure.violations.insert(failure.violations.end(), step.violations.begin(),
                                  step.violations.end());
    }
    failure.reproducer = write_reproducer(options.report_dir / "reproducers", result);
    return failure;
}

}  // namespace

nlohmann::json SweepSummary::to_json() const {
    nlohmann::json ops = nlohmann::json::object();
    for (const auto& [name, stats] : operations) {
        ops[name] = {{"runs", stats.runs},
                     {"succeeded", stats.succeeded},
                     {"failures", stats.failures},
                     {"longest_ms", stats.longest_ms},
                     {"longest_seed", stats.longest_seed}};
    }
    nlohmann::json failed = nlohmann::json::array();
    for (const auto& f : failures) {
        failed.push_back({{"seed", f.seed},
                          {"reason", f.reason},
                          {"violations", f.violations},
                          {"reproducer", f.reproducer.string()}});
    }
    return {{"seeds_run", seeds_run},
            {"wall_seconds", wall_seconds},
            {"runs_per_second", runs_per_second()},
            {"operations", ops},
            {"violations", failed.size()},
            {"failures", failed}};
}

SweepSummary run_sweep(const SweepOptions& options, std::ostream& progress) {
    SweepSummary summary;
    std::mutex mutex;
    std::atomic<std::uint64_t> next{0};
    std::vector<SeedOutcome> failed;
    const auto start = std::chrono::steady_clock::now();
    const auto report_every = std::max<std::uint64_t>(1000, options.seeds / 10);
    auto worker = [&] {
        for (;;) {
            const auto index = next.fetch_add(1);
            if (index >= options.seeds) {
                return;
            }
            auto outcome = run_seed(options, options.first_seed + index);
            const std::lock_guard lock(mutex);
            ++summary.seeds_run;
            count(outcome.result.steps, outcome.seed, summary);
            if (outcome.result.status == Status::failed) {
                failed.push_back(std::move(outcome));
            }
            if (summary.seeds_run % report_every == 0) {
                const auto elapsed =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                progress << "  " << summary.seeds_run << " seeds, " << failed.size()
                         << " with violations, " << std::fixed << std::setprecision(1)
                         << summary.seeds_run / std::max(elapsed, 1e-9) << " runs/s" << std::endl;
            }
        }
    };
    std::vector<std::thread> threads;
    for (unsigned j = 1; j < std::max(1U, options.jobs); ++j) {
        threads.emplace_back(worker);
    }
    worker();
    for (auto& thread : threads) {
        thread.join();
    }
    summary.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::sort(failed.begin(), failed.end(),
              [](const SeedOutcome& a, const SeedOutcome& b) { return a.seed < b.seed; });
    for (const auto& outcome : failed) {
        summary.failures.push_back(reproduce(options, outcome));
    }
    fs::create_directories(options.report_dir);
    std::ofstream(options.report_dir / "sweep.json") << summary.to_json().dump(2) << "\n";
    return summary;
}

void print_sweep_summary(std::ostream& out, const SweepOptions& options,
                         const SweepSummary& summary) {
    out << "sweep " << options.shape.protocol << ": seeds " << options.first_seed << ".."
        << options.first_seed + options.seeds - 1 << ", " << options.jobs << " job"
        << (options.jobs == 1 ? "" : "s") << "\n";
    out << "  seeds run:  " << summary.seeds_run << "\n";
    out << "  wall time:  " << std::fixed << std::setprecision(1) << summary.wall_seconds << " s ("
        << summary.runs_per_second() << " runs/s)\n";
    for (const auto& [name, stats] : summary.operations) {
        out << "  " << std::left << std::setw(11) << (name + ":") << std::right << stats.runs
            << " run, " << stats.succeeded << " ok";
        for (const auto& [category, n] : stats.failures) {
            out << ", " << n << " " << category;
        }
        out << "; longest " << stats.longest_ms << " ms (seed " << stats.longest_seed << ")\n";
    }
    out << "  violations: " << summary.failures.size() << "\n";
    for (const auto& failure : summary.failures) {
        out << "violation: seed " << failure.seed << ": " << failure.reason << "\n"
            << "  reproduce: brick-lab replay " << failure.reproducer.string() << "\n";
    }
}

}  // namespace brick::lab
