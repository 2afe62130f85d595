#pragma once
// A certification run on this machine: the journal of an earlier run cleaned
// up first, the groups of every offered protocol (mandatory core, then one
// optional group per capability, skipped with the reason when undeclared),
// then a final sweep so that nothing this run created stays on the array.

#include <atomic>
#include <filesystem>
#include <string>

#include "backend_file.hpp"
#include "initiator.hpp"
#include "result.hpp"

namespace brick::lab::certify {

struct RunOptions {
    std::filesystem::path work;  // journal, connector file, {work} of the provisioner
    std::string only;            // run one group only
    std::string rerun;           // the command line, for the report
};

// The groups, in order, with whether they are mandatory and the capability
// that selects an optional one.
struct GroupSpec {
    std::string name;
    std::string capability;  // empty: mandatory
    std::string description;
};
const std::vector<GroupSpec>& group_specs();

// Never throws for the backend's own failures: they are in the result. stop
// is polled between tests (SIGINT/SIGTERM): the remaining tests are skipped
// and the cleanup still runs.
CertificationResult run_certification(const BackendFile& backend, Initiator& initiator,
                                      const RunOptions& options, const std::atomic<bool>& stop);

// Kernel, brickworks version and commit, host name, date.
nlohmann::json describe_environment(Host& host);
nlohmann::json describe_backend(const BackendFile& backend);

}  // namespace brick::lab::certify
