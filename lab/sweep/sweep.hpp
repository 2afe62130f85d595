#pragma once
// A seeded fault sweep: for each seed, a generated scenario (generator.hpp)
// runs on the simulator with the invariant checker; a seed whose run breaks
// an invariant (or fails otherwise) is run again with a trace and written as
// a reproducer that `brick-lab replay` reruns exactly.

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "generator.hpp"

namespace brick::lab {

struct SweepOptions {
    SweepShape shape;
    std::uint64_t seeds = 100;
    std::uint64_t first_seed = 1;
    unsigned jobs = 1;
    // 0: the random program of generate_sweep_scenario; N: N independent
    // volumes at once (generate_concurrent_scenario).
    unsigned concurrent_volumes = 0;
    std::filesystem::path report_dir = "reports/sweep";
};

struct SweepFailure {
    std::uint64_t seed = 0;
    std::string reason;
    std::vector<nlohmann::json> violations;
    std::filesystem::path reproducer;
};

// What one kind of operation did over the sweep.
struct OperationStats {
    std::uint64_t runs = 0;
    std::uint64_t succeeded = 0;
    std::int64_t longest_ms = 0;  // virtual time
    std::uint64_t longest_seed = 0;
    std::map<std::string, std::uint64_t> failures;  // by error category
};

struct SweepSummary {
    std::uint64_t seeds_run = 0;
    double wall_seconds = 0;
    std::map<std::string, OperationStats> operations;  // connect, disconnect, extend, write, verify
    std::vector<SweepFailure> failures;                // sorted by seed

    double runs_per_second() const {
        return wall_seconds > 0 ? static_cast<double>(seeds_run) / wall_seconds : 0;
    }
    nlohmann::json to_json() const;
};

// Runs the sweep; progress lines go to progress.
SweepSummary run_sweep(const SweepOptions& options, std::ostream& progress);

// The report printed at the end of `brick-lab sweep`.
void print_sweep_summary(std::ostream& out, const SweepOptions& options,
                         const SweepSummary& summary);

}  // namespace brick::lab
