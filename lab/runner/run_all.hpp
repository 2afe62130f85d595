#pragma once
// Runs every (scenario, seed) pair of a run, on one thread or on several.
//
// With jobs > 1 each worker thread has a backend of its own (on the
// simulator: its own simulated host, virtual clock and seeded scheduler), so
// a run is still a pure function of (scenario, seed) and the results come
// back in the order of a serial run (scenario by scenario, seed by seed),
// whatever order they finish in. Only the wall-clock durations differ.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "backend.hpp"
#include "runner.hpp"
#include "scenario.hpp"

namespace brick::lab {

using BackendFactory = std::function<std::unique_ptr<Backend>()>;
// Called once per finished run, one call at a time: done counts finished
// runs (1..total) in the order they finish.
using ProgressFn =
    std::function<void(std::size_t done, std::size_t total, const ScenarioResult& result)>;

// Runs each scenario with each seed; the trace of a run goes to
// trace_dir/<scenario>-seed<seed>.jsonl. jobs must be at least 1; backends
// that share one host (the real ones) must be run with jobs == 1.
// Throws brick::Error (invalid_properties, field "name") when two scenarios
// share a name, since their traces and reproducers would overwrite each other.
std::vector<ScenarioResult> run_all(const BackendFactory& make_backend,
                                    const std::vector<Scenario>& scenarios,
                                    const std::vector<std::uint64_t>& seeds,
                                    const std::filesystem::path& trace_dir, int jobs,
                                    const ProgressFn& progress);

// Registers every secret a scenario holds (CHAP secrets, keys, passphrases,
// the secrets of its connection properties) with the secret masker. A run
// does this for all its scenarios before the first one starts, so what gets
// masked in a trace or a message never depends on which scenarios ran before.
void register_scenario_secrets(const Scenario& scenario);

}  // namespace brick::lab
