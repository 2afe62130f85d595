#pragma once
// The host side of a job: a script that serves the guest from the host (a
// host-side tgtd, say) for the whole boot.
//
// Contract with the script, run as `bash SCRIPT RUN_DIR` (output in
// RUN_DIR/host.log):
//  - it runs in a fresh network namespace with only loopback and a private
//    mount namespace (brick-isolate --mount), so what it listens on is reachable
//    only from there and its mounts vanish with it; QEMU joins that network
//    namespace, so the guest's forwards reach 127.0.0.1 ports of it;
//  - it creates RUN_DIR/host/ready once the guest may connect;
//  - on SIGTERM it tears down what it made and exits, 0 when its own checks
//    passed (the data the guest wrote, say).
// Whatever is still running in the namespace after that is a leftover: it is
// killed and reported, and fails the run.

#include <filesystem>
#include <string>
#include <vector>

#include "brick/hil/processes.hpp"

namespace brick::hil {

class HostSide {
  public:
    // Starts the script and waits (until deadline) for it to be ready; throws
    // brick::Error (command_failed) when it ends or times out before that.
    HostSide(Processes& processes, const std::filesystem::path& script,
             const std::filesystem::path& run_dir, const std::filesystem::path& isolate_program,
             Clock::time_point deadline);
    HostSide(const HostSide&) = delete;
    HostSide& operator=(const HostSide&) = delete;
    HostSide(HostSide&&) = delete;
    HostSide& operator=(HostSide&&) = delete;
    ~HostSide();

    // The namespace for QEMU to join: /proc/PID/ns/net of the script.
    std::string net_namespace() const;

    // Stops the script (SIGTERM; its group is killed after `grace`) and returns
    // what went wrong: its failure, processes left in the namespace.
    std::vector<std::string> stop(Duration grace);

  private:
    Processes& processes_;
    std::size_t index_ = 0;
    std::filesystem::path run_dir_;
    int namespace_fd_ = -1;  // held open so the namespace's identity cannot be reused
};

// The processes whose network namespace is the one namespace_fd refers to.
std::vector<pid_t> processes_in_namespace(int namespace_fd);

}  // namespace brick::hil
