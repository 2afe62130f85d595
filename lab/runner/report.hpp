#pragma once
// What a run tells its users: a progress line per scenario, a summary table,
// JUnit XML for CI systems, and a report folder (results.json, summary.md,
// summary.html, traces, reproducers of failures).

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "runner.hpp"

namespace brick::lab {

std::string progress_line(std::size_t index, std::size_t total, const ScenarioResult& result);
void print_summary(std::ostream& out, const std::vector<ScenarioResult>& results);
void write_junit(const std::filesystem::path& file, const std::vector<ScenarioResult>& results);
void write_report(const std::filesystem::path& dir, const std::vector<ScenarioResult>& results);

// A reproducer of a failed run: the scenario document, seed, backend,
// versions and the recorded trace. Returns the file written.
std::filesystem::path write_reproducer(const std::filesystem::path& dir,
                                       const ScenarioResult& result);

nlohmann::json result_to_json(const ScenarioResult& result);

}  // namespace brick::lab
