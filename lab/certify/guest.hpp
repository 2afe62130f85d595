#pragma once
// Certification of a reference backend in a QEMU guest (hil/): the runner
// writes a guest job that loads the target kind's modules, starts the
// initiator daemons (and tgtd) and runs `brick-lab certify --in-guest` on the
// backend file with the project's build; the array (LIO, tgt or nvmet) and
// the initiator both live in the guest, so nothing of a run outlives it.

#include <filesystem>
#include <string>

#include "backend_file.hpp"
#include "brick/hil/guest.hpp"
#include "result.hpp"

namespace brick::lab::certify {

// The guest job script for a backend (exposed for tests).
std::string guest_job_script(const BackendFile& backend, const std::string& only);

// Boots the guest, runs the certification there and returns its result with
// what the guest itself reported (status, kernel problems) added; the guest's
// output.log and dmesg.txt are copied into report_dir/guest/.
// Refuses a backend file the guest cannot read (outside the source and build trees).
void require_shared_with_guest(const BackendFile& backend);

// The certification as further steps of another guest job whose setup started
// the same target (a scenario run's guest, lab/runner/guest_run.cpp): the
// modules, open-iscsi setting and daemons it needs beyond that setup, then the
// certification of every check the backend's capabilities select (a scenario
// run has no --only), its result.json in /job/<guest_certify_dir>.
inline constexpr const char* guest_certify_dir = "certify";
std::string certify_job_steps(const BackendFile& backend);

// The certification a guest left in result_dir (its copy of the guest's
// folder), with what the guest itself reported added: its status, kernel
// problems and a failed setup_check (a check's name; empty: none).
CertificationResult result_from_guest(const BackendFile& backend, const hil::GuestResult& guest,
                                      const std::filesystem::path& result_dir,
                                      const std::string& setup_check, const std::string& only,
                                      const std::string& rerun);

CertificationResult certify_in_guest(const BackendFile& backend,
                                     const std::filesystem::path& report_dir,
                                     const std::string& only, const std::string& rerun);

}  // namespace brick::lab::certify
