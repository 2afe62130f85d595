#include "result.hpp"

#include <algorithm>

namespace brick::lab::certify {

namespace {

Status status_of(const std::string& name) {
    return name == "passed" ? Status::passed : name == "skipped" ? Status::skipped : Status::failed;
}

nlohmann::json test_to_json(const TestResult& t) {
    return {{"name", t.name},     {"description", t.description}, {"status", status_name(t.status)},
            {"reason", t.reason}, {"seconds", t.seconds},         {"log", t.log}};
}

TestResult test_from_json(const nlohmann::json& v) {
    TestResult t;
    t.name = v.value("name", "");
    t.description = v.value("description", "");
    t.status = status_of(v.value("status", "failed"));
    t.reason = v.value("reason", "");
    t.seconds = v.value("seconds", 0.0);
    t.log = v.value("log", std::vector<std::string>{});
    return t;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : separator) + item;
    }
    return out;
}

}  // namespace

nlohmann::json CertificationResult::to_json() const {
    nlohmann::json groups_json = nlohmann::json::array();
    for (const auto& g : groups) {
        nlohmann::json tests = nlohmann::json::array();
        for (const auto& t : g.tests) {
            tests.push_back(test_to_json(t));
        }
        groups_json.push_back({{"name", g.name},
                               {"protocol", g.protocol},
                               {"mandatory", g.mandatory},
                               {"capability", g.capability},
                               {"status", status_name(g.status)},
                               {"reason", g.reason},
                               {"seconds", g.seconds},
                               {"tests", tests}});
    }
    return {{"format", 1},
            {"backend", backend},
            {"environment", environment},
            {"groups", groups_json},
            {"latencies", latencies},
            {"host_time_virtual", host_time_virtual},
            {"cleaned_from_journal", cleaned_from_journal},
            {"not_deleted", not_deleted},
            {"notes", notes},
            {"interrupted", interrupted},
            {"only", only},
            {"certified", certified},
            {"verdict", verdict},
            {"rerun", rerun},
            {"wall_seconds", wall_seconds}};
}

CertificationResult CertificationResult::from_json(const nlohmann::json& v) {
    CertificationResult r;
    r.backend = v.value("backend", nlohmann::json::object());
    r.environment = v.value("environment", nlohmann::json::object());
    for (const auto& g : v.value("groups", nlohmann::json::array())) {
        GroupResult group;
        group.name = g.value("name", "");
        group.protocol = g.value("protocol", "");
        group.mandatory = g.value("mandatory", false);
        group.capability = g.value("capability", "");
        group.status = status_of(g.value("status", "failed"));
        group.reason = g.value("reason", "");
        group.seconds = g.value("seconds", 0.0);
        for (const auto& t : g.value("tests", nlohmann::json::array())) {
            group.tests.push_back(test_from_json(t));
        }
        r.groups.push_back(std::move(group));
    }
    r.latencies = v.value("latencies", nlohmann::json::object());
    r.host_time_virtual = v.value("host_time_virtual", false);
    r.cleaned_from_journal = v.value("cleaned_from_journal", std::vector<std::string>{});
    r.not_deleted = v.value("not_deleted", std::vector<std::string>{});
    r.notes = v.value("notes", std::vector<std::string>{});
    r.interrupted = v.value("interrupted", false);
    r.only = v.value("only", "");
    r.certified = v.value("certified", false);
    r.verdict = v.value("verdict", "");
    r.rerun = v.value("rerun", "");
    r.wall_seconds = v.value("wall_seconds", 0.0);
    return r;
}

void CertificationResult::decide() {
    std::vector<std::string> failures;
    std::vector<std::string> protocols;
    std::vector<std::string> capabilities;
    for (const auto& g : groups) {
        if (g.status == Status::failed) {
            failures.push_back(g.protocol + " " + g.name + ": " + g.reason);
        }
        if (g.mandatory && g.status == Status::passed &&
            std::find(protocols.begin(), protocols.end(), g.protocol) == protocols.end()) {
            protocols.push_back(g.protocol);
        }
    }
    // A declared capability is certified when the group holding its tests passed.
    for (const auto& capability : backend.value("capabilities", std::vector<std::string>{})) {
        const auto owner = capability == "mutual_chap"    ? std::string("chap")
                           : capability == "path_failure" ? std::string("multipath")
                                                          : capability;
        for (const auto& g : groups) {
            if (g.capability == owner && g.status == Status::passed &&
                std::find(capabilities.begin(), capabilities.end(), capability) ==
                    capabilities.end()) {
                capabilities.push_back(capability);
            }
        }
    }
    for (const auto& volume : not_deleted) {
        failures.push_back("left on the array: " + volume);
    }
    if (interrupted) {
        failures.emplace_back("the run was interrupted");
    }
    for (const auto& note : notes) {
        if (note.rfind("failed: ", 0) == 0) {
            failures.push_back(note.substr(8));
        }
    }
    if (groups.empty() && failures.empty()) {
        failures.emplace_back("no group ran");
    }
    if (!failures.empty()) {
        certified = false;
        verdict = "NOT CERTIFIED: " + join(failures, "; ");
        return;
    }
    if (!only.empty()) {
        certified = false;
        verdict = "PASSED (group " + only + " only; a certification runs every group)";
        return;
    }
    certified = true;
    verdict = "CERTIFIED for " + join(protocols, ", ") + " with " +
              (capabilities.empty() ? std::string("no optional capability")
                                    : "capabilities " + join(capabilities, ", "));
}

}  // namespace brick::lab::certify
