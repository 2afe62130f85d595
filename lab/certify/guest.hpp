#pragma once
// Certification of a reference backend in a QEMU guest (hil/): the runner
// writes a guest job that loads the target kind's modules, starts the
// initiator daemons (and tgtd) and runs `brick-lab certify --in-guest` on the
// backend file with the project's build; the array (LIO, tgt or nvmet) and
// the initiator both live in the guest, so nothing of a run outlives it.

#include <filesystem>
#include <string>

#include "backend_file.hpp"
#include "result.hpp"

namespace brick::lab::certify {

// The guest job script for a backend (exposed for tests).
std::string guest_job_script(const BackendFile& backend, const std::string& only);

// Boots the guest, runs the certification there and returns its result with
// what the guest itself reported (status, kernel problems) added; the guest's
// output.log and dmesg.txt are copied into report_dir/guest/.
CertificationResult certify_in_guest(const BackendFile& backend,
                                     const std::filesystem::path& report_dir,
                                     const std::string& only, const std::string& rerun);

}  // namespace brick::lab::certify
