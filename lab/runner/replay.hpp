#pragma once
// Replaying a reproducer on the simulator and comparing its trace with the
// recorded one.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace brick::lab {

struct TraceDifference {
    std::size_t index = 0;  // 0-based record index
    nlohmann::json recorded;
    nlohmann::json replayed;
};

// The first record where two traces differ (ignoring "t_ms" when the recorded
// trace comes from a real host), or nullopt when they match.
std::optional<TraceDifference> first_difference(const std::vector<nlohmann::json>& recorded,
                                                const std::vector<nlohmann::json>& replayed,
                                                bool compare_time);

// Reruns the reproducer's scenario and seed on the simulator; prints whether
// the outcome and the trace match. Returns 0 when the failure reproduces
// exactly, 1 otherwise.
int replay(const std::string& reproducer_file);

}  // namespace brick::lab
