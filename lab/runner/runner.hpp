#pragma once
// Runs scenarios on a backend and says, step by step, whether the library did
// what the scenario expects.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backend.hpp"
#include "scenario.hpp"

namespace brick::lab {

struct StepResult {
    std::string description;       // "connect v1"
    std::string expected;          // "ok" or an error category
    std::string actual;            // "ok" or the error category raised
    std::string message;           // the error message, or a check's finding
    std::int64_t duration_ms = 0;  // in the backend's time (virtual on the simulator)
    bool passed = false;
    // Invariants the step broke (the simulator checks them), one object each.
    std::vector<nlohmann::json> violations;
};

enum class Status { passed, failed, skipped };
std::string_view status_name(Status status);

struct ScenarioResult {
    std::string scenario;
    std::string file;
    std::string backend;
    std::uint64_t seed = 0;
    Status status = Status::passed;
    std::string reason;            // why it failed or was skipped
    std::int64_t duration_ms = 0;  // backend time
    double wall_seconds = 0;
    std::string trace_file;
    std::vector<StepResult> steps;
};

// The deadline of a library operation (connect, disconnect, extend) with
// these options: the invariant checker reports an operation that outlives it.
std::int64_t operation_deadline_ms(const std::string& op, const ConnectorOptions& options);

// Runs one scenario with one seed. Never throws for a scenario's own failure:
// that is a failed result with its reason.
ScenarioResult run_scenario(Backend& backend, const Scenario& scenario, std::uint64_t seed,
                            const std::string& trace_file);

}  // namespace brick::lab
