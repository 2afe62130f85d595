#pragma once
// Choosing a backend by name, and running scenarios inside a QEMU guest.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backend.hpp"
#include "runner.hpp"

namespace brick::lab {

// "sim" (the in-process simulator) or "real" (this host, with `target`).
std::unique_ptr<Backend> make_backend(const std::string& name, const std::string& target,
                                      const std::filesystem::path& work_dir);

// Boots a guest for `target`, runs the scenarios there on the real backend and
// returns their results (traces copied into report_dir/traces).
std::vector<ScenarioResult> run_in_guest(const std::vector<std::filesystem::path>& files,
                                         const std::string& target,
                                         const std::vector<std::uint64_t>& seeds,
                                         const std::filesystem::path& report_dir);

}  // namespace brick::lab
