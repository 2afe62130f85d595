#pragma once
// Choosing a backend by name, and running scenarios inside a QEMU guest.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend.hpp"
#include "certify/backend_file.hpp"
#include "certify/result.hpp"
#include "runner.hpp"

namespace brick::lab {

// "sim" (the in-process simulator) or "real" (this host, with `target`).
std::unique_ptr<Backend> make_backend(const std::string& name, const std::string& target,
                                      const std::filesystem::path& work_dir);

// A reference backend certified in the same guest after the scenarios
// (`brick-lab run --certify`): one boot for both.
struct GuestCertification {
    certify::BackendFile backend;
    std::string rerun;                                   // the command line that certifies it alone
    std::optional<certify::CertificationResult> result;  // set by run_in_guest
};

// Boots a guest for `target`, runs the scenarios there on the real backend and
// returns their results (traces copied into report_dir/traces); then, with
// certification, certifies its backend in that guest.
std::vector<ScenarioResult> run_in_guest(const std::vector<std::filesystem::path>& files,
                                         const std::string& target,
                                         const std::vector<std::uint64_t>& seeds,
                                         const std::filesystem::path& report_dir,
                                         GuestCertification* certification = nullptr);

}  // namespace brick::lab
