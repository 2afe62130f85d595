#pragma once
// Runs one job in a QEMU guest booted from the HIL image.
//
// A job is a folder holding job.sh (run by bash as root inside the guest, cwd
// /job). The runner copies it into a fresh run folder, shares that folder with
// the guest read-write at /job, boots QEMU with a hard deadline, and reads the
// result the guest leaves there (result/exit_status, output.log, dmesg.txt).
// QEMU's own exit status is never taken as the result. The console goes to
// console.log in the run folder; a summary is written to result.json.
//
// Inside the guest: the host's /usr and /etc (read-only, tmpfs overlays), the
// kernel's modules at /usr/lib/modules, the project's source tree at
// /brick/src and build tree at /brick/build (read-only, and also at their host
// paths so rpaths resolve), the run folder at /job.
//
// QEMU is the only process a run starts; it dies with the runner (parent-death
// signal) and at the deadline (its process group is killed). The guest's mounts
// live inside the guest. So nothing outlives a run, also on failure or Ctrl-C.

#include <filesystem>
#include <string>
#include <vector>

#include "brick/hil/image.hpp"

namespace brick::hil {

enum class Accel { tcg, kvm, auto_detect };

struct GuestOptions {
    std::filesystem::path job;         // a job folder with job.sh, or a script file
    std::filesystem::path run_dir;     // created afresh (an old one is removed)
    std::filesystem::path source_dir;  // shared at /brick/src
    std::filesystem::path build_dir;   // shared at /brick/build; empty: not shared
    Accel accel = Accel::tcg;
    Duration timeout{std::chrono::seconds(300)};  // whole run, boot included
    int smp = 2;
    int memory_mb = 1024;
    std::vector<std::string> extra_kernel_args;
};

enum class GuestStatus {
    passed,          // the job exited 0 and the kernel log is clean
    failed,          // the job exited non-zero
    kernel_problem,  // the job passed but the kernel logged a warning, oops or BUG
    timed_out,       // the host deadline killed QEMU
    no_result,       // QEMU ended without the guest leaving a result
};

std::string_view status_name(GuestStatus status);

// One check a job ran (a line of checks.tsv written by hil/guest/lib.sh).
struct CheckResult {
    std::string name;
    bool passed = false;
    double seconds = 0;
};

struct GuestResult {
    GuestStatus status = GuestStatus::no_result;
    int job_exit = -1;  // the job's exit status, -1 when unknown
    double wall_seconds = 0;
    double guest_uptime_seconds = 0;           // guest clock when the job ended
    std::vector<std::string> kernel_problems;  // offending dmesg lines
    std::vector<CheckResult> checks;           // the job's checks, in order
    std::string qemu_error;                    // QEMU's stderr when it failed to start or run
    std::filesystem::path run_dir;
    bool passed() const { return status == GuestStatus::passed; }
};

// The kernel log lines that fail a run: WARNING, Oops, BUG, panic, hung tasks.
std::vector<std::string> find_kernel_problems(const std::string& kernel_log);

// The QEMU argument vector for a run (without running it).
std::vector<std::string> qemu_command(const Image& image, const GuestOptions& options, Accel accel);

// Boots the guest, waits for it (at most options.timeout) and collects the result.
GuestResult run_guest(const Image& image, const GuestOptions& options);

}  // namespace brick::hil
