#pragma once
// Where a run on a real kernel and its replay on the simulator disagree.
//
// Record for record, two such traces differ almost everywhere (a real host
// polls a different number of times, at other times), so the comparison is
// made on what the library did and what the host answered: the programs it
// ran with their exit status, the files it wrote or removed, the faults the
// scenario injected. Consecutive repeats (a poll loop) count once. The two
// action lists are aligned (longest common subsequence) and each stretch
// where they part is one disagreement.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "runner.hpp"

namespace brick::lab {

struct TraceAction {
    nlohmann::json key;  // what is compared: kind, argv and exit, path and data, ...
    std::string text;    // one line for people: "iscsiadm -m session -> exit 21"
    std::int64_t seq = 0;
};

// The actions of a trace, consecutive repeats folded into one.
std::vector<TraceAction> trace_actions(const std::vector<nlohmann::json>& trace);

struct Disagreement {
    std::size_t common_before = 0;         // actions both sides did before it
    std::vector<TraceAction> kernel_only;  // done on the real kernel only
    std::vector<TraceAction> model_only;   // done on the simulator only
};

struct ActionComparison {
    std::size_t kernel_actions = 0;
    std::size_t model_actions = 0;
    std::size_t common = 0;
    std::vector<Disagreement> disagreements;
};

// Aligns the kernel's actions with the model's. Lists longer than `limit`
// are compared on their first `limit` actions.
ActionComparison compare_actions(const std::vector<TraceAction>& kernel,
                                 const std::vector<TraceAction>& model, std::size_t limit = 3000);

// The index of the first step whose outcome differs between the recorded
// steps (a JSON array as results.json has them) and the replayed ones, or
// -1 when every step agrees.
std::ptrdiff_t first_step_disagreement(const nlohmann::json& recorded_steps,
                                       const std::vector<StepResult>& replayed);

// Prints the step table (kernel | model), the action comparison and up to
// max_shown disagreements.
void print_model_vs_kernel(std::ostream& out, const std::string& recorded_backend,
                           const nlohmann::json& recorded_steps,
                           const std::vector<StepResult>& replayed,
                           const ActionComparison& comparison, std::size_t max_shown = 5);

}  // namespace brick::lab
