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
#include <ostream>
#include <string>

#include "backend_file.hpp"
#include "result.hpp"

namespace brick::lab::certify {

void write_certification_report(const std::filesystem::path& dir,
                                const CertificationResult& result);
void write_certification_junit(const std::filesystem::path& file,
                               const CertificationResult& result);
// The command line that certifies the backend again with the same report,
// JUnit file, group and work folder (empty: not given).
std::string rerun_line(const BackendFile& backend, const std::filesystem::path& report,
                       const std::string& junit, const std::string& only, const std::string& work);
// The groups, their tests and the verdict, as `brick-lab certify` prints them.
void print_result(std::ostream& out, const CertificationResult& result);
// "core--attach": a file name for a test's log and a plot's name for an operation.
std::string file_name_of(const std::string& text);

}  // namespace brick::lab::certify
