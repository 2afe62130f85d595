#pragma once
// The processes of one HIL run (one or two QEMU guests, a host-side script),
// started with Boost.Process and supervised together.
//
// Contract: every process is started as an argument vector (never a shell
// command line) under `setpriv --pdeathsig KILL`, in its own process group, so
// it dies with the runner however the runner ends (Ctrl-C, SIGTERM, SIGKILL);
// kill_group() and the destructor kill the whole group of each one still
// running and reap it. A file descriptor listed in `inherit` is passed to that
// one program only: it is close-on-exec everywhere else.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::hil {

struct ProcessSpec {
    std::vector<std::string> argv;  // argv[0]: an absolute path or a name found in PATH
    std::filesystem::path output;   // stdout and stderr, truncated first
    std::vector<int> inherit;       // descriptors the program keeps open
};

class Processes {
  public:
    Processes();
    Processes(const Processes&) = delete;
    Processes& operator=(const Processes&) = delete;
    Processes(Processes&&) = delete;
    Processes& operator=(Processes&&) = delete;
    ~Processes();

    // Starts a process; its index for the calls below. Throws brick::Error
    // (command_failed) when it cannot be started.
    std::size_t start(const ProcessSpec& spec);

    bool running(std::size_t index);
    // The exit code, or 128+signal when a signal ended it; -1 while it runs.
    int exit_status(std::size_t index);
    pid_t pid(std::size_t index) const;
    // Sends a signal to the process itself (not its group), so a script can clean up.
    void signal(std::size_t index, int signal_number);
    // Kills the process and everything in its process group, and reaps it.
    void kill_group(std::size_t index);

    // Polls (every 50 ms) until done() holds or the deadline passes; true when done() held.
    bool wait_until(Clock::time_point deadline, const std::function<bool()>& done);

  private:
    struct Child;
    std::vector<std::unique_ptr<Child>> children_;
};

}  // namespace brick::hil
