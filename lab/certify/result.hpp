#pragma once
// The outcome of a certification run, as typed values and as the JSON of
// result.json (the guest writes it, the host reads it back and renders it).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runner/runner.hpp"

namespace brick::lab::certify {

struct TestResult {
    std::string name;         // "attach"
    std::string description;  // what it checks
    Status status = Status::passed;
    std::string reason;  // why it failed or was skipped
    double seconds = 0;  // wall
    std::vector<std::string> log;
};

struct GroupResult {
    std::string name;      // "core", "multipath", ...
    std::string protocol;  // "iscsi/tcp"
    bool mandatory = false;
    std::string capability;  // the declared capability selecting it, or empty
    Status status = Status::passed;
    std::string reason;
    double seconds = 0;
    std::vector<TestResult> tests;
};

struct CertificationResult {
    nlohmann::json backend;      // name, vendor, product, firmware, protocols, capabilities, file
    nlohmann::json environment;  // kernel, brickworks version and commit, host, runs_on, date
    std::vector<GroupResult> groups;
    nlohmann::json latencies = nlohmann::json::object();  // Latencies::to_json()
    bool host_time_virtual = false;  // connect/disconnect/I/O times are the simulator's
    std::vector<std::string> cleaned_from_journal;  // volumes of an earlier run deleted first
    std::vector<std::string> not_deleted;           // volumes left on the array, with why
    std::vector<std::string> notes;                 // run-level findings (guest, interruption)
    bool interrupted = false;
    std::string only;  // --only GROUP, or empty
    bool certified = false;
    std::string verdict;
    std::string rerun;  // the exact command to run it again
    double wall_seconds = 0;

    nlohmann::json to_json() const;
    static CertificationResult from_json(const nlohmann::json& value);
    // certified and verdict from the groups, the leftovers and the interruption.
    void decide();
};

}  // namespace brick::lab::certify
