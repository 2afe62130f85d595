#include "replay.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "backends.hpp"
#include "brick/core/error.hpp"
#include "report.hpp"
#include "runner.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

nlohmann::json without_time(nlohmann::json record) {
    if (record.is_object()) {
        record.erase("t_ms");
    }
    return record;
}

std::vector<nlohmann::json> read_trace(const fs::path& file) {
    std::vector<nlohmann::json> records;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        records.push_back(nlohmann::json::parse(line, nullptr, false));
    }
    return records;
}

}  // namespace

std::optional<TraceDifference> first_difference(const std::vector<nlohmann::json>& recorded,
                                                const std::vector<nlohmann::json>& replayed,
                                                bool compare_time) {
    const auto n = std::max(recorded.size(), replayed.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto a = i < recorded.size() ? recorded[i] : nlohmann::json();
        const auto b = i < replayed.size() ? replayed[i] : nlohmann::json();
        if (compare_time ? a != b : without_time(a) != without_time(b)) {
            return TraceDifference{i, a, b};
        }
    }
    return std::nullopt;
}

int replay(const std::string& reproducer_file) {
    std::ifstream in(reproducer_file);
    if (!in) {
        throw Error(ErrorCategory::invalid_properties, "cannot read " + reproducer_file, "FILE");
    }
    const auto reproducer = nlohmann::json::parse(in, nullptr, false);
    if (!reproducer.is_object() || reproducer.value("format", 0) != 1 ||
        !reproducer.contains("scenario") || !reproducer.contains("seed")) {
        throw Error(ErrorCategory::invalid_properties,
                    reproducer_file + ": not a brickworks reproducer (format 1)", "FILE");
    }
    const auto work = fs::temp_directory_path() / ("brick-replay-" + std::to_string(::getpid()));
    fs::create_directories(work);
    const auto scenario_file = work / "scenario.json";
    std::ofstream(scenario_file) << reproducer["scenario"].dump(2);
    const auto scenario = load_scenario(scenario_file);
    const auto seed = reproducer["seed"].get<std::uint64_t>();
    const auto recorded_backend = reproducer.value("backend", "sim");
    auto backend = make_backend("sim", "lio", work / "work");
    const auto trace_file = work / "trace.jsonl";
    const auto result = run_scenario(*backend, scenario, seed, trace_file.string());
    std::cout << progress_line(1, 1, result) << "\n";

    std::vector<nlohmann::json> recorded;
    for (const auto& record : reproducer.value("trace", nlohmann::json::array())) {
        recorded.push_back(record);
    }
    const auto replayed = read_trace(trace_file);
    const auto recorded_status = reproducer["result"].value("status", "failed");
    const auto difference = first_difference(recorded, replayed, recorded_backend == "sim");
    int code = 0;
    if (std::string(status_name(result.status)) != recorded_status) {
        std::cout << "outcome differs: recorded " << recorded_status << ", replayed "
                  << status_name(result.status) << "\n";
        code = 1;
    } else {
        std::cout << "outcome reproduced: " << recorded_status << " (" << result.reason << ")\n";
    }
    if (difference) {
        std::cout << "traces differ first at record " << difference->index + 1 << " of "
                  << recorded.size() << " recorded / " << replayed.size() << " replayed"
                  << (recorded_backend == "sim" ? ""
                                                : " (recorded on " + recorded_backend +
                                                      ": where the model and the kernel disagree)")
                  << "\n  recorded: " << difference->recorded.dump()
                  << "\n  replayed: " << difference->replayed.dump() << "\n";
        code = 1;
    } else {
        std::cout << "traces identical: " << replayed.size() << " records\n";
    }
    std::error_code ec;
    fs::remove_all(work, ec);
    return code;
}

}  // namespace brick::lab
