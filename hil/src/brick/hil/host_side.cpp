#include "brick/hil/host_side.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <thread>

#include "brick/core/error.hpp"

namespace brick::hil {
namespace fs = std::filesystem;

namespace {

std::string command_name(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(in, name);
    return name;
}

}  // namespace

std::vector<pid_t> processes_in_namespace(int namespace_fd) {
    std::vector<pid_t> found;
    struct stat wanted {};
    if (::fstat(namespace_fd, &wanted) != 0) {
        return found;
    }
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/proc", error)) {
        const auto name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        struct stat namespace_of {};
        if (::stat((entry.path() / "ns" / "net").c_str(), &namespace_of) == 0 &&
            namespace_of.st_ino == wanted.st_ino && namespace_of.st_dev == wanted.st_dev) {
            found.push_back(static_cast<pid_t>(std::stol(name)));
        }
    }
    return found;
}

HostSide::HostSide(Processes& processes, const fs::path& script, const fs::path& run_dir,
                   const fs::path& isolate_program, Clock::time_point deadline)
    : processes_(processes), run_dir_(run_dir) {
    if (!fs::exists(isolate_program)) {
        throw Error(ErrorCategory::command_failed,
                    "a job with a host script needs brick-isolate (build the brick_isolate "
                    "target): no " +
                        isolate_program.string());
    }
    fs::create_directories(run_dir / "host");
    index_ = processes_.start({.argv = {isolate_program.string(), "--mount", "--", "/bin/bash",
                                        script.string(), run_dir.string()},
                               .output = run_dir / "host.log",
                               .inherit = {}});
    const auto ready = run_dir / "host" / "ready";
    const bool is_ready = processes_.wait_until(
        deadline, [&] { return fs::exists(ready) || !processes_.running(index_); });
    if (!is_ready || !fs::exists(ready)) {
        const int status = processes_.exit_status(index_);
        processes_.kill_group(index_);
        throw Error(
            ErrorCategory::command_failed,
            "the host script " + script.string() +
                (status < 0 ? std::string(" was not ready before the deadline")
                            : " ended (exit " + std::to_string(status) + ") before it was ready") +
                "; see " + (run_dir / "host.log").string());
    }
    namespace_fd_ = ::open(net_namespace().c_str(), O_RDONLY | O_CLOEXEC);
    if (namespace_fd_ < 0) {
        processes_.kill_group(index_);
        throw Error(ErrorCategory::host_error, "cannot open " + net_namespace());
    }
    struct stat own {};
    struct stat theirs {};
    if (::stat("/proc/self/ns/net", &own) == 0 && ::fstat(namespace_fd_, &theirs) == 0 &&
        own.st_ino == theirs.st_ino) {
        processes_.kill_group(index_);
        throw Error(ErrorCategory::host_error,
                    "the host script runs in the runner's own network namespace");
    }
}

HostSide::~HostSide() {
    if (namespace_fd_ >= 0) {
        stop(std::chrono::seconds(5));
    }
}

std::string HostSide::net_namespace() const {
    return "/proc/" + std::to_string(processes_.pid(index_)) + "/ns/net";
}

std::vector<std::string> HostSide::stop(Duration grace) {
    std::vector<std::string> problems;
    if (namespace_fd_ < 0) {
        return problems;
    }
    processes_.signal(index_, SIGTERM);
    const bool stopped =
        processes_.wait_until(Clock::now() + grace, [&] { return !processes_.running(index_); });
    if (!stopped) {
        problems.push_back("the host script did not stop within " +
                           std::to_string(grace.count() / 1000) + " s of SIGTERM");
        processes_.kill_group(index_);
    } else if (const int status = processes_.exit_status(index_); status != 0) {
        problems.push_back("the host script failed (exit " + std::to_string(status) + "); see " +
                           (run_dir_ / "host.log").string());
    }
    // What the script started must be gone with it (QEMU's forwarders end with their
    // connections, so give them a moment).
    std::vector<pid_t> left;
    processes_.wait_until(Clock::now() + std::chrono::seconds(5), [&] {
        left = processes_in_namespace(namespace_fd_);
        return left.empty();
    });
    for (const pid_t pid : left) {
        problems.push_back("left running in the host namespace: pid " + std::to_string(pid) + " (" +
                           command_name(pid) + "), killed");
        ::kill(pid, SIGKILL);
    }
    processes_.kill_group(index_);
    ::close(namespace_fd_);
    namespace_fd_ = -1;
    return problems;
}

}  // namespace brick::hil
