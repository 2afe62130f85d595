#include "report.hpp"

#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iterator>
#include <map>
#include <sstream>

#include "brick/core/secrets.hpp"
#include "brick/host/trace.hpp"
#include "xml_text.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

// The scenario as a reproducer carries it: each secret (a value under a key
// such as "password") replaced by a placeholder, the same placeholder for the
// same secret, so the file holds none and still replays the same run (the
// fabric and the connection properties change alike). Other strings are masked
// as log lines are.
nlohmann::json without_secrets(const nlohmann::json& scenario) {
    std::map<std::string, std::string> placeholders;
    std::function<nlohmann::json(const nlohmann::json&, bool)> walk =
        [&](const nlohmann::json& value, bool secret) -> nlohmann::json {
        if (value.is_string()) {
            const auto& text = value.get_ref<const std::string&>();
            if (!secret) {
                return mask_secrets(text);
            }
            const auto [it, added] = placeholders.emplace(text, std::string());
            if (added) {
                // At least 12 characters, as the schema asks of CHAP secrets.
                it->second = "masked-secret-" + std::to_string(placeholders.size());
            }
            return it->second;
        }
        if (value.is_array()) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& item : value) {
                out.push_back(walk(item, secret));
            }
            return out;
        }
        if (value.is_object()) {
            nlohmann::json out = nlohmann::json::object();
            for (const auto& [key, item] : value.items()) {
                out[key] = walk(item, secret || is_secret_key(key));
            }
            return out;
        }
        return value;
    };
    return walk(scenario, false);
}

std::string seconds(double value) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(3) << value;
    return out.str();
}

std::string duration_text(const ScenarioResult& r) {
    std::ostringstream out;
    out << r.duration_ms << " ms" << (r.backend == "sim" ? " virtual" : "") << ", " << std::fixed
        << std::setprecision(2) << r.wall_seconds << " s wall";
    return out.str();
}

struct Counts {
    std::size_t passed = 0;
    std::size_t failed = 0;
    std::size_t skipped = 0;
};

Counts count(const std::vector<ScenarioResult>& results) {
    Counts c;
    for (const auto& r : results) {
        (r.status == Status::passed   ? c.passed
         : r.status == Status::failed ? c.failed
                                      : c.skipped)++;
    }
    return c;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

std::string progress_line(std::size_t index, std::size_t total, const ScenarioResult& result) {
    std::ostringstream out;
    out << "[" << index << "/" << total << "] " << result.scenario << " (" << result.backend
        << ", seed " << result.seed << "): " << status_name(result.status);
    if (!result.reason.empty()) {
        out << ": " << result.reason;
    }
    out << " [" << duration_text(result) << "]";
    return out.str();
}

nlohmann::json result_to_json(const ScenarioResult& r) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : r.steps) {
        nlohmann::json step{{"step", s.description},        {"expected", s.expected},
                            {"actual", s.actual},           {"message", s.message},
                            {"duration_ms", s.duration_ms}, {"passed", s.passed}};
        if (!s.violations.empty()) {
            step["violations"] = s.violations;
        }
        steps.push_back(std::move(step));
    }
    return {{"scenario", r.scenario},
            {"file", r.file},
            {"backend", r.backend},
            {"seed", r.seed},
            {"status", status_name(r.status)},
            {"reason", r.reason},
            {"duration_ms", r.duration_ms},
            {"wall_seconds", r.wall_seconds},
            {"trace", r.trace_file},
            {"steps", steps}};
}

void print_summary(std::ostream& out, const std::vector<ScenarioResult>& results) {
    std::size_t width = 8;
    for (const auto& r : results) {
        width = std::max(width, r.scenario.size());
    }
    out << "\n"
        << std::left << std::setw(static_cast<int>(width)) << "scenario"
        << "  " << std::setw(9) << "backend"
        << "  " << std::setw(7) << "status"
        << "  " << std::setw(12) << "time"
        << "  reason\n";
    for (const auto& r : results) {
        std::string reason = r.reason;
        if (reason.size() > 100) {
            reason = reason.substr(0, 97) + "...";
        }
        std::ostringstream time;
        time << r.duration_ms << (r.backend == "sim" ? " ms (v)" : " ms");
        out << std::setw(static_cast<int>(width)) << r.scenario << "  " << std::setw(9) << r.backend
            << "  " << std::setw(7) << status_name(r.status) << "  " << std::setw(12) << time.str()
            << "  " << reason << "\n";
    }
    const auto c = count(results);
    out << "\n" << c.passed << " passed, " << c.failed << " failed, " << c.skipped << " skipped\n";
}

void write_junit(const fs::path& file, const std::vector<ScenarioResult>& results) {
    if (file.has_parent_path()) {
        fs::create_directories(file.parent_path());
    }
    const auto c = count(results);
    double total = 0;
    for (const auto& r : results) {
        total += r.wall_seconds;
    }
    std::ofstream out(file);
    out << R"(<?xml version="1.0" encoding="UTF-8"?>)"
        << "\n";
    out << R"(<testsuites name="brickworks" tests=")" << results.size() << R"(" failures=")"
        << c.failed << R"(" skipped=")" << c.skipped << R"(" time=")" << seconds(total) << "\">\n";
    out << R"(  <testsuite name="scenarios" tests=")" << results.size() << R"(" failures=")"
        << c.failed << R"(" skipped=")" << c.skipped << R"(" time=")" << seconds(total) << "\">\n";
    for (const auto& r : results) {
        out << R"(    <testcase classname=")" << xml_escape("brickworks." + r.backend)
            << R"(" name=")" << xml_escape(r.scenario + " [seed " + std::to_string(r.seed) + "]")
            << R"(" time=")" << seconds(r.wall_seconds) << "\"";
        if (r.status == Status::passed) {
            out << "/>\n";
            continue;
        }
        out << ">\n";
        if (r.status == Status::skipped) {
            out << R"(      <skipped message=")" << xml_escape(r.reason) << "\"/>\n";
        } else {
            out << R"(      <failure message=")" << xml_escape(r.reason) << "\">";
            for (const auto& s : r.steps) {
                out << xml_escape(s.description + ": expected " + s.expected + ", got " + s.actual +
                                  " " + s.message)
                    << "\n";
            }
            out << "</failure>\n";
        }
        out << "    </testcase>\n";
    }
    out << "  </testsuite>\n</testsuites>\n";
}

void write_report(const fs::path& dir, const std::vector<ScenarioResult>& results) {
    fs::create_directories(dir);
    nlohmann::json all = nlohmann::json::array();
    for (const auto& r : results) {
        all.push_back(result_to_json(r));
    }
    std::ofstream(dir / "results.json") << all.dump(2) << "\n";
    std::ostringstream table;
    print_summary(table, results);
    std::ofstream md(dir / "summary.md");
    md << "# Scenario run\n\n| scenario | backend | seed | status | time | reason "
          "|\n|---|---|---|---|---|---|\n";
    for (const auto& r : results) {
        md << "| " << r.scenario << " | " << r.backend << " | " << r.seed << " | "
           << status_name(r.status) << " | " << duration_text(r) << " | " << r.reason << " |\n";
    }
    const auto c = count(results);
    md << "\n" << c.passed << " passed, " << c.failed << " failed, " << c.skipped << " skipped\n";
    std::ofstream html(dir / "summary.html");
    html << "<!doctype html><html><head><meta charset=\"utf-8\"><title>brickworks scenario run"
            "</title><style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:left}"
            ".passed{color:#070}.failed{color:#b00}.skipped{color:#777}</style></head><body>"
            "<h1>brickworks scenario run</h1><p>"
         << c.passed << " passed, " << c.failed << " failed, " << c.skipped
         << " skipped</p><table><tr><th>scenario</th><th>backend</th><th>seed</th>"
            "<th>status</th><th>time</th><th>reason</th><th>trace</th></tr>";
    for (const auto& r : results) {
        const auto trace =
            r.trace_file.empty() ? std::string() : fs::path(r.trace_file).filename().string();
        html << "<tr><td>" << xml_escape(r.scenario) << "</td><td>" << xml_escape(r.backend)
             << "</td><td>" << r.seed << "</td><td class=\"" << status_name(r.status) << "\">"
             << status_name(r.status) << "</td><td>" << xml_escape(duration_text(r)) << "</td><td>"
             << xml_escape(r.reason) << "</td><td>"
             << (trace.empty() ? "" : "<a href=\"traces/" + xml_escape(trace) + "\">trace</a>")
             << "</td></tr>";
    }
    html << "</table></body></html>\n";
}

fs::path write_reproducer(const fs::path& dir, const ScenarioResult& result) {
    fs::create_directories(dir);
    nlohmann::json reproducer;
    reproducer["format"] = 1;
    reproducer["scenario_file"] = result.file;
    reproducer["scenario"] =
        without_secrets(nlohmann::json::parse(read_file(result.file), nullptr, false));
    reproducer["seed"] = result.seed;
    reproducer["backend"] = result.backend;
    reproducer["versions"] = {{"brickworks", BRICK_VERSION}};
    reproducer["result"] = result_to_json(result);
    nlohmann::json trace = nlohmann::json::array();
    std::ifstream in(result.trace_file);
    for (std::string line; std::getline(in, line);) {
        trace.push_back(mask_json(nlohmann::json::parse(line, nullptr, false)));
    }
    reproducer["trace"] = trace;
    auto file = dir / (result.scenario + "-" + result.backend.substr(0, result.backend.find(':')) +
                       "-seed" + std::to_string(result.seed) + ".json");
    std::ofstream(file) << reproducer.dump(1) << "\n";
    return file;
}

}  // namespace brick::lab
