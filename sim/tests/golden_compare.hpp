#pragma once
// Comparing a fake tool's output with a real tool's golden output
// (hil/golden/<tool>/<state>.txt and .json) of the same model state.
//
// Only values the kernel or a daemon chooses anew on every run are replaced,
// each by a placeholder numbered in order of first appearance ("<sd1>",
// "<host2>"), so the same value stays the same placeholder within one output
// and the relations between fields survive: iSCSI session ids, SCSI host
// numbers, sd and dm names, sd device numbers, multipathd's next path check.
// Everything else (line structure, field names, order, indentation, values
// from the model) is compared exactly.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "sim/tools/tool.hpp"
#include "sim_fixture.hpp"

namespace brick::sim::test {

struct GoldenRun {
    std::string out;
    std::string err;
    int exit_status = 0;
    std::vector<std::string> argv;
};

// The golden stdout, stderr (newline-terminated as the tool wrote it), exit
// status and command line of hil/golden/<tool>/<state>.
inline GoldenRun golden_run(const std::string& tool, const std::string& state) {
    GoldenRun run;
    const auto meta_text = golden_file(tool, state + ".json");
    REQUIRE(!meta_text.empty());
    const auto meta = nlohmann::json::parse(meta_text);
    run.out = golden_file(tool, state + ".txt");
    run.err = meta.at("stderr").get<std::string>();
    if (!run.err.empty()) {
        run.err += "\n";  // the capture strips the last newline
    }
    run.exit_status = meta.at("exit_code").get<int>();
    run.argv = meta.at("argv").get<std::vector<std::string>>();
    return run;
}

namespace detail {

struct Rule {
    std::string kind;  // placeholder name; empty: replace by the constant text
    std::regex pattern;
    int group;  // the sub-match replaced
    std::string constant;
};

inline const std::vector<Rule>& run_value_rules() {
    static const std::vector<Rule> rules = {
        {"sid", std::regex(R"((SID: |tcp: \[|\[sid: )([0-9]+))"), 2, {}},
        {"host", std::regex(R"((Host Number: |scsi)([0-9]+))"), 2, {}},
        {"host", std::regex(R"((^|[^0-9:.])([0-9]+):[0-9]+:[0-9]+:[0-9]+)"), 2, {}},
        {"sd", std::regex(R"((^|[^a-z])(sd[a-z]+)\b)"), 2, {}},
        {"dm", std::regex(R"((^|[^a-z])(dm-[0-9]+)\b)"), 2, {}},
        {"dev_t", std::regex(R"((^|\s)(8:[0-9]+)\b)"), 2, {}},
        {{}, std::regex(R"(()([X.]{10} [0-9]+/[0-9]+))"), 2, "<next_check>"},
    };
    return rules;
}

}  // namespace detail

// text with the run-chosen values replaced by numbered placeholders.
inline std::string normalise_run_values(std::string text) {
    std::map<std::string, std::map<std::string, std::string>> seen;  // kind -> value -> placeholder
    for (const auto& rule : detail::run_value_rules()) {
        std::string out;
        auto begin = text.cbegin();
        for (std::sregex_iterator it(text.begin(), text.end(), rule.pattern), end; it != end;
             ++it) {
            const auto& match = *it;
            const auto& sub = match[rule.group];
            out.append(begin, sub.first);
            if (rule.kind.empty()) {
                out += rule.constant;
            } else {
                auto& values = seen[rule.kind];
                const auto [entry, added] = values.try_emplace(sub.str(), "");
                if (added) {
                    entry->second = "<" + rule.kind + std::to_string(values.size()) + ">";
                }
                out += entry->second;
            }
            begin = sub.second;
        }
        out.append(begin, text.cend());
        text = std::move(out);
    }
    return text;
}

// A table of space-separated columns (multipathd show maps/paths) re-laid out
// as multipath-tools lays it out: each field padded to its column's widest,
// columns joined by one space. A field may be "<placeholder>" or multipathd's
// next_check ("XX........ 1/4"), which holds a space.
inline std::string realign_columns(const std::string& text) {
    static const std::regex field(R"([X.]{10} [0-9]+/[0-9]+|\S+)");
    std::vector<std::vector<std::string>> rows;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        auto& row = rows.emplace_back();
        for (std::sregex_iterator it(line.begin(), line.end(), field), end; it != end; ++it) {
            row.push_back(it->str());
        }
    }
    return columns(rows);
}

// The golden output of a host with user_friendly_names yes (the guest's
// multipath.conf) as a host with user_friendly_names no (the simulated host's,
// as OpenStack requires) prints it: the alias is the WWID, and multipath -ll
// shows no "(WWID)" after it.
inline std::string without_friendly_names(const std::string& text,
                                          const std::map<std::string, std::string>& aliases) {
    std::string out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        for (const auto& [alias, wwid] : aliases) {
            const auto with_wwid = std::string(alias).append(" (").append(wwid).append(") ");
            for (const auto& prefix : {with_wwid, alias + " "}) {
                if (line.starts_with(prefix)) {
                    line = std::string(wwid).append(" ").append(line.substr(prefix.size()));
                    break;
                }
            }
        }
        out += line + "\n";
    }
    return out;
}

}  // namespace brick::sim::test
