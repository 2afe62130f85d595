#pragma once
// The certification report folder:
//   index.html          browsable page: identity, versions, verdict, groups and
//                       tests with status, reason, duration and logs, latency
//                       table and plots, the rerun command
//   summary.md          the same in Markdown
//   result.json         CertificationResult::to_json()
//   junit.xml           one testsuite per group (also --junit FILE)
//   logs/GROUP--TEST.txt  each test's log (provisioner calls, connect/disconnect)
//   latency/OP.png      latency of each operation (gnuplot), OP.dat its samples

#include <filesystem>
#include <string>

#include "result.hpp"

namespace brick::lab::certify {

void write_certification_report(const std::filesystem::path& dir,
                                const CertificationResult& result);
void write_certification_junit(const std::filesystem::path& file,
                               const CertificationResult& result);
// "core--attach": a file name for a test's log and a plot's name for an operation.
std::string file_name_of(const std::string& text);

}  // namespace brick::lab::certify
