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
// A guest has no network device unless it has links to another guest
// (pair.hpp) or forwards to the host (network.hpp); a job with a host script
// runs it on the host for the whole boot, in a fresh network namespace that
// QEMU joins (host_side.hpp).
//
// QEMU (and the host script) die with the runner (parent-death signal) and at
// the deadline (their process groups are killed); the guest's mounts live
// inside the guest. So nothing outlives a run, also on failure or Ctrl-C.

#include <filesystem>
#include <string>
#include <vector>

#include "brick/hil/image.hpp"
#include "brick/hil/network.hpp"

namespace brick::hil {

enum class Accel { tcg, kvm, auto_detect };

struct GuestOptions {
    std::filesystem::path job;         // a job folder with job.sh, or a script file
    std::string script = "job.sh";     // in a job folder: the script run as the guest's job.sh
    std::filesystem::path run_dir;     // created afresh (an old one is removed)
    std::filesystem::path source_dir;  // shared at /brick/src
    std::filesystem::path build_dir;   // shared at /brick/build; empty: not shared
    Accel accel = Accel::tcg;
    Duration timeout{std::chrono::seconds(300)};  // whole run, boot included
    int smp = 2;
    int memory_mb = 1024;
    std::vector<std::string> extra_kernel_args;
    std::vector<LinkNic> links;         // NICs on links to another guest (run_pair fills these)
    std::vector<Forward> forwards;      // user network forwards to 127.0.0.1 (needs host_script)
    std::filesystem::path pair_dir;     // shared read-write at /pair (run_pair sets it)
    std::filesystem::path host_script;  // run on the host for the whole boot
    std::filesystem::path isolate_program;  // brick-isolate; default <build_dir>/lab/brick-isolate
    std::string net_namespace;  // a network namespace QEMU joins (/proc/PID/ns/net), or none
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
    std::vector<std::string> host_problems;    // the host side failed or left something behind
    std::filesystem::path run_dir;
    bool passed() const { return status == GuestStatus::passed; }
};

// The kernel log lines that fail a run: WARNING, Oops, BUG, panic, hung tasks.
std::vector<std::string> find_kernel_problems(const std::string& kernel_log);

// The QEMU argument vector for a run (without running it). The runner starts it
// under `setpriv --pdeathsig KILL` (processes.hpp).
std::vector<std::string> qemu_command(const Image& image, const GuestOptions& options, Accel accel);

// Boots the guest, waits for it (at most options.timeout) and collects the result.
GuestResult run_guest(const Image& image, const GuestOptions& options);

// Reads what a guest left in its run folder (result/, checks.tsv, dmesg.txt) into
// result; `timed_out`: the host's deadline ended QEMU. Writes result.json.
void collect_result(GuestResult& result, const Image& image, const GuestOptions& options,
                    bool timed_out);

// Makes a fresh run folder (replacing a previous run's) and copies the job into it.
void prepare_run(const GuestOptions& options, const std::filesystem::path& run_dir);

}  // namespace brick::hil
