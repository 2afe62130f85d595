#include "report.hpp"

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "brick/host/real_host.hpp"
#include "latency.hpp"
#include "runner/xml_text.hpp"

namespace brick::lab::certify {
namespace fs = std::filesystem;

namespace {

std::string md_cell(const std::string& text) {
    std::string out;
    for (const char c : text) {
        out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
    }
    return out;
}

std::string fixed(double value, int digits) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(digits) << value;
    return out.str();
}

std::string log_file(const GroupResult& g, const TestResult& t) {
    return "logs/" + file_name_of(g.protocol + "--" + g.name + "--" + t.name) + ".txt";
}

std::string value_text(const nlohmann::json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_array()) {
        std::string out;
        for (const auto& item : value) {
            out += (out.empty() ? "" : ", ") + value_text(item);
        }
        return out;
    }
    return value.dump();
}

// Writes OP.dat and OP.png per operation; returns the plots made.
std::vector<std::string> plot_latencies(const fs::path& dir, const CertificationResult& result,
                                        std::string& note) {
    std::vector<std::string> plots;
    fs::create_directories(dir / "latency");
    RealHost host;
    for (const auto& [operation, entry] : result.latencies.items()) {
        const auto name = file_name_of(operation);
        const auto samples = entry.value("samples_ms", std::vector<double>{});
        std::ofstream data(dir / "latency" / (name + ".dat"));
        for (std::size_t i = 0; i < samples.size(); ++i) {
            data << i + 1 << " " << samples[i] << "\n";
        }
        data.close();
        std::ostringstream script;
        script << "set terminal png size 640,360\n"
               << "set output '" << (dir / "latency" / (name + ".png")).string() << "'\n"
               << "set title '" << operation << " (" << samples.size() << " samples)'\n"
               << "set xlabel 'sample'\nset ylabel 'ms'\nset yrange [0:*]\nset key outside\n"
               << "set style data linespoints\n"
               << "plot '" << (dir / "latency" / (name + ".dat")).string()
               << "' using 1:2 title 'latency' pt 7, " << entry.value("p50_ms", 0.0)
               << " title 'p50' dt 2, " << entry.value("p90_ms", 0.0) << " title 'p90' dt 3, "
               << entry.value("p99_ms", 0.0) << " title 'p99' dt 4\n";
        const auto run = host.run(Command{{"gnuplot"}, script.str(), Duration(30000)});
        if (run.not_found) {
            note = "gnuplot is not installed: no latency plots (Debian package gnuplot-nox)";
            return {};
        }
        if (run.ok()) {
            plots.push_back(operation);
        } else {
            note = "gnuplot failed for " + operation + ": " + run.err;
        }
    }
    return plots;
}

}  // namespace

std::string file_name_of(const std::string& text) {
    std::string out;
    for (const char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
        out += ok ? c : '_';
    }
    return out;
}

void write_certification_junit(const fs::path& file, const CertificationResult& result) {
    if (file.has_parent_path()) {
        fs::create_directories(file.parent_path());
    }
    std::size_t tests = 0;
    std::size_t failures = 0;
    std::size_t skipped = 0;
    for (const auto& g : result.groups) {
        const auto count = std::max<std::size_t>(g.tests.size(), 1);
        tests += count;
        for (const auto& t : g.tests) {
            failures += t.status == Status::failed ? 1 : 0;
            skipped += t.status == Status::skipped ? 1 : 0;
        }
        if (g.tests.empty()) {
            failures += g.status == Status::failed ? 1 : 0;
            skipped += g.status != Status::failed ? 1 : 0;
        }
    }
    const auto backend = result.backend.value("name", std::string("backend"));
    std::ofstream out(file);
    out << R"(<?xml version="1.0" encoding="UTF-8"?>)"
        << "\n"
        << "<testsuites name=\"brickworks certification " << xml_escape(backend) << "\" tests=\""
        << tests << "\" failures=\"" << failures << "\" skipped=\"" << skipped << "\" time=\""
        << fixed(result.wall_seconds, 3) << "\">\n";
    for (const auto& g : result.groups) {
        std::size_t group_failures = 0;
        for (const auto& t : g.tests) {
            group_failures += t.status == Status::failed ? 1 : 0;
        }
        const auto suite = "certify." + backend + "." + g.protocol + "." + g.name;
        out << "  <testsuite name=\"" << xml_escape(suite) << "\" tests=\""
            << std::max<std::size_t>(g.tests.size(), 1) << "\" failures=\"" << group_failures
            << "\" time=\"" << fixed(g.seconds, 3) << "\">\n";
        if (g.tests.empty()) {
            out << "    <testcase classname=\"" << xml_escape(suite) << "\" name=\""
                << xml_escape(g.name) << "\" time=\"0\">\n      <"
                << (g.status == Status::failed ? "failure" : "skipped") << " message=\""
                << xml_escape(g.reason) << "\"/>\n    </testcase>\n";
        }
        for (const auto& t : g.tests) {
            out << "    <testcase classname=\"" << xml_escape(suite) << "\" name=\""
                << xml_escape(t.name) << "\" time=\"" << fixed(t.seconds, 3) << "\">";
            if (t.status == Status::failed) {
                out << "\n      <failure message=\"" << xml_escape(t.reason) << "\"/>";
            } else if (t.status == Status::skipped) {
                out << "\n      <skipped message=\"" << xml_escape(t.reason) << "\"/>";
            }
            std::string log;
            for (const auto& line : t.log) {
                log += line + "\n";
            }
            if (!log.empty()) {
                out << "\n      <system-out>" << xml_escape(log) << "</system-out>";
            }
            out << (t.status == Status::passed && log.empty() ? "" : "\n    ") << "</testcase>\n";
        }
        out << "  </testsuite>\n";
    }
    out << "</testsuites>\n";
}

void write_certification_report(const fs::path& dir, const CertificationResult& result) {
    fs::create_directories(dir / "logs");
    std::ofstream(dir / "result.json") << result.to_json().dump(2) << "\n";
    for (const auto& g : result.groups) {
        for (const auto& t : g.tests) {
            std::ofstream log(dir / log_file(g, t));
            log << g.protocol << " " << g.name << " / " << t.name << ": " << status_name(t.status)
                << (t.reason.empty() ? "" : ": " + t.reason) << "\n"
                << t.description << "\n\n";
            for (const auto& line : t.log) {
                log << line << "\n";
            }
        }
    }
    write_certification_junit(dir / "junit.xml", result);
    std::string plot_note;
    const auto plots = plot_latencies(dir, result, plot_note);
    const auto& b = result.backend;
    const auto& e = result.environment;
    const std::string clock =
        result.host_time_virtual
            ? "host operations in the simulator's virtual time, provisioner calls in wall time"
            : "wall time";

    std::ofstream md(dir / "summary.md");
    md << "# Certification of " << b.value("name", "") << "\n\n**" << result.verdict << "**\n\n"
       << "| | |\n|---|---|\n";
    for (const auto& key : {"vendor", "product", "firmware", "protocols", "capabilities", "file"}) {
        md << "| " << key << " | " << md_cell(value_text(b.value(key, nlohmann::json(""))))
           << " |\n";
    }
    for (const auto& [key, value] : e.items()) {
        md << "| " << key << " | " << md_cell(value_text(value)) << " |\n";
    }
    md << "| wall time | " << fixed(result.wall_seconds, 1) << " s |\n\n"
       << "Rerun: `" << result.rerun << "`\n\n## Groups\n\n"
       << "| protocol | group | kind | status | time | reason |\n|---|---|---|---|---|---|\n";
    for (const auto& g : result.groups) {
        md << "| " << g.protocol << " | " << g.name << " | "
           << (g.mandatory ? "mandatory" : "optional: " + g.capability) << " | "
           << status_name(g.status) << " | " << fixed(g.seconds, 1) << " s | " << md_cell(g.reason)
           << " |\n";
    }
    md << "\n## Tests\n\n| protocol | group | test | status | time | reason | log |\n"
          "|---|---|---|---|---|---|---|\n";
    for (const auto& g : result.groups) {
        for (const auto& t : g.tests) {
            md << "| " << g.protocol << " | " << g.name << " | " << t.name << " | "
               << status_name(t.status) << " | " << fixed(t.seconds, 2) << " s | "
               << md_cell(t.reason) << " | [log](" << log_file(g, t) << ") |\n";
        }
    }
    md << "\n## Latency (" << clock
       << ")\n\n| operation | count | p50 ms | p90 ms | p99 ms | max ms |\n"
          "|---|---|---|---|---|---|\n";
    for (const auto& [operation, entry] : result.latencies.items()) {
        md << "| " << operation << " | " << entry.value("count", 0) << " | "
           << fixed(entry.value("p50_ms", 0.0), 1) << " | " << fixed(entry.value("p90_ms", 0.0), 1)
           << " | " << fixed(entry.value("p99_ms", 0.0), 1) << " | "
           << fixed(entry.value("max_ms", 0.0), 1) << " |\n";
    }
    if (!plot_note.empty()) {
        md << "\n" << plot_note << "\n";
    }
    md << "\n## Array cleanup\n\n"
       << "- volumes of an earlier, interrupted run deleted first: "
       << (result.cleaned_from_journal.empty() ? std::string("none")
                                               : value_text(result.cleaned_from_journal))
       << "\n- volumes left on the array: "
       << (result.not_deleted.empty() ? std::string("none") : value_text(result.not_deleted))
       << "\n";
    std::vector<std::string> notes;
    {
        std::ofstream run_log(dir / "logs/run.txt");
        for (const auto& note : result.notes) {
            if (note.rfind("log: ", 0) == 0) {
                run_log << note.substr(5) << "\n";
            } else {
                notes.push_back(note);
            }
        }
    }
    md << "\n## Notes\n\n- provisioner calls before and after the groups: "
          "[logs/run.txt](logs/run.txt)\n";
    for (const auto& note : notes) {
        md << "- " << md_cell(note) << "\n";
    }

    std::ofstream html(dir / "index.html");
    html << "<!doctype html><html><head><meta charset=\"utf-8\"><title>Certification of "
         << xml_escape(b.value("name", ""))
         << "</title><style>"
            "body{font-family:sans-serif;margin:2em}td,th{padding:2px "
            "8px;text-align:left;vertical-align:top}"
            "table{border-collapse:collapse}tr:nth-child(even){background:#f4f4f4}"
            ".passed{color:#070}.failed{color:#b00;font-weight:bold}.skipped{color:#777}"
            ".verdict{font-size:1.3em;padding:.5em;border:2px solid}"
            "pre{background:#f8f8f8;padding:.5em;white-space:pre-wrap}</style></head><body>"
         << "<h1>Certification of " << xml_escape(b.value("name", "")) << "</h1><p class=\"verdict "
         << (result.certified ? "passed" : "failed") << "\">" << xml_escape(result.verdict)
         << "</p>"
         << "<h2>Identity and versions</h2><table>";
    for (const auto& key : {"vendor", "product", "firmware", "protocols", "capabilities", "file"}) {
        html << "<tr><th>" << key << "</th><td>"
             << xml_escape(value_text(b.value(key, nlohmann::json("")))) << "</td></tr>";
    }
    for (const auto& [key, value] : e.items()) {
        html << "<tr><th>" << xml_escape(key) << "</th><td>" << xml_escape(value_text(value))
             << "</td></tr>";
    }
    html << "<tr><th>wall time</th><td>" << fixed(result.wall_seconds, 1) << " s</td></tr></table>"
         << "<p>Rerun:</p><pre>" << xml_escape(result.rerun) << "</pre><h2>Groups and tests</h2>"
         << "<table><tr><th>protocol</th><th>group</th><th>test</th><th>status</th><th>time</th>"
            "<th>reason</th><th>log</th></tr>";
    for (const auto& g : result.groups) {
        html << "<tr><td>" << xml_escape(g.protocol) << "</td><td><b>" << xml_escape(g.name)
             << "</b> (" << (g.mandatory ? "mandatory" : "optional: " + xml_escape(g.capability))
             << ")</td><td></td><td class=\"" << status_name(g.status) << "\">"
             << status_name(g.status) << "</td><td>" << fixed(g.seconds, 1) << " s</td><td>"
             << xml_escape(g.reason) << "</td><td></td></tr>";
        for (const auto& t : g.tests) {
            html << "<tr><td></td><td></td><td title=\"" << xml_escape(t.description) << "\">"
                 << xml_escape(t.name) << "</td><td class=\"" << status_name(t.status) << "\">"
                 << status_name(t.status) << "</td><td>" << fixed(t.seconds, 2) << " s</td><td>"
                 << xml_escape(t.reason) << "</td><td><a href=\"" << xml_escape(log_file(g, t))
                 << "\">log</a></td></tr>";
        }
    }
    html << "</table><h2>Latency</h2><p>" << clock
         << "</p><table><tr><th>operation</th>"
            "<th>count</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th></tr>";
    for (const auto& [operation, entry] : result.latencies.items()) {
        html << "<tr><td>" << xml_escape(operation) << "</td><td>" << entry.value("count", 0)
             << "</td><td>" << fixed(entry.value("p50_ms", 0.0), 1) << "</td><td>"
             << fixed(entry.value("p90_ms", 0.0), 1) << "</td><td>"
             << fixed(entry.value("p99_ms", 0.0), 1) << "</td><td>"
             << fixed(entry.value("max_ms", 0.0), 1) << "</td></tr>";
    }
    html << "</table>";
    if (!plot_note.empty()) {
        html << "<p>" << xml_escape(plot_note) << "</p>";
    }
    for (const auto& operation : plots) {
        html << "<img alt=\"" << xml_escape(operation) << "\" src=\"latency/"
             << xml_escape(file_name_of(operation)) << ".png\">";
    }
    html << "<h2>Array cleanup</h2><p>Volumes of an earlier, interrupted run deleted first: "
         << xml_escape(result.cleaned_from_journal.empty()
                           ? std::string("none")
                           : value_text(result.cleaned_from_journal))
         << "</p><p>Volumes left on the array: <span class=\""
         << (result.not_deleted.empty() ? "passed" : "failed") << "\">"
         << xml_escape(result.not_deleted.empty() ? std::string("none")
                                                  : value_text(result.not_deleted))
         << "</span></p>";
    html << "<h2>Notes</h2><ul><li>provisioner calls before and after the groups: "
            "<a href=\"logs/run.txt\">logs/run.txt</a></li>";
    for (const auto& note : notes) {
        html << "<li><pre>" << xml_escape(note) << "</pre></li>";
    }
    html << "</ul>";
    html << "</body></html>\n";
}

namespace {

std::string quoted(const std::string& word) {
    if (word.find_first_of(" '\"\\$`!*?[]{}();&|<>~#") == std::string::npos && !word.empty()) {
        return word;
    }
    std::string out = "'";
    for (const char c : word) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

}  // namespace

std::string rerun_line(const BackendFile& backend, const fs::path& report, const std::string& junit,
                       const std::string& only, const std::string& work) {
    std::error_code ec;
    auto self = fs::read_symlink("/proc/self/exe", ec);
    std::string line = quoted(ec ? std::string("brick-lab") : self.string()) + " certify " +
                       quoted(backend.file.string()) + " --report " +
                       quoted(fs::absolute(report).string());
    if (!junit.empty()) {
        line += " --junit " + quoted(fs::absolute(junit).string());
    }
    if (!only.empty()) {
        line += " --only " + quoted(only);
    }
    if (!work.empty()) {
        line += " --work " + quoted(fs::absolute(work).string());
    }
    return line;
}

void print_result(std::ostream& out, const CertificationResult& result) {
    for (const auto& g : result.groups) {
        out << "  " << g.protocol << " " << g.name << " ("
            << (g.mandatory ? "mandatory" : "optional") << "): " << status_name(g.status)
            << (g.reason.empty() ? "" : ": " + g.reason) << "\n";
        for (const auto& t : g.tests) {
            out << "      " << t.name << ": " << status_name(t.status)
                << (t.reason.empty() ? "" : ": " + t.reason) << "\n";
        }
    }
    for (const auto& volume : result.not_deleted) {
        out << "  LEFT ON THE ARRAY: " << volume << "\n";
    }
    out << result.verdict << "\n";
}

}  // namespace brick::lab::certify
