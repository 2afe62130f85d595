#include "daemons.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include "brick/core/error.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): posix_spawn's environment

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

// The name and state of a process from /proc/PID/stat ("PID (NAME) S ..."),
// or an empty name when it is gone.
std::pair<std::string, char> name_and_state(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/stat");
    std::string line;
    if (!std::getline(in, line)) {
        return {};
    }
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 2 >= line.size()) {
        return {};
    }
    return {line.substr(open + 1, close - open - 1), line[close + 2]};
}

// A daemon this process started is its child: reaps it once it died.
void reap(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, WNOHANG);
}

}  // namespace

const DaemonSpec& daemon_spec(const std::string& name) {
    // As hil/guest/lib.sh's start_iscsid and start_multipathd run them.
    static const std::array<DaemonSpec, 2> daemons{
        DaemonSpec{"iscsid", {"iscsid", "-f"}},
        DaemonSpec{"multipathd", {"multipathd", "-d", "-s"}},
    };
    for (const auto& daemon : daemons) {
        if (daemon.name == name) {
            return daemon;
        }
    }
    throw Error(ErrorCategory::invalid_properties, "no daemon " + name, "restart");
}

std::vector<pid_t> processes_named(const std::string& name) {
    std::vector<pid_t> found;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/proc", error)) {
        const auto pid = entry.path().filename().string();
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        const auto [comm, state] = name_and_state(pid);
        if (comm == name && state != 'Z' && state != 'X') {
            found.push_back(static_cast<pid_t>(std::stol(pid)));
        }
    }
    return found;
}

std::size_t kill_daemon(const DaemonSpec& daemon, Duration timeout) {
    const auto killed = processes_named(daemon.name);
    for (const auto pid : killed) {
        ::kill(pid, SIGKILL);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        for (const auto pid : killed) {
            reap(pid);
        }
        if (processes_named(daemon.name).empty()) {
            return killed.size();
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            throw Error(ErrorCategory::timeout, daemon.name + " is still alive " +
                                                    std::to_string(timeout.count()) +
                                                    " ms after SIGKILL");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

pid_t spawn_daemon(const DaemonSpec& daemon, const fs::path& log) {
    posix_spawn_file_actions_t files;
    posix_spawnattr_t attributes;
    ::posix_spawn_file_actions_init(&files);
    ::posix_spawnattr_init(&attributes);
    ::posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::posix_spawn_file_actions_adddup2(&files, 1, 2);
    // Nothing else of this process (trace files, pipes of its caller) stays
    // open in a daemon that outlives it.
    ::posix_spawn_file_actions_addclosefrom_np(&files, 3);
    // Its own session, as setsid gives it: no signal to this process group reaches it.
    ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
    std::vector<char*> argv;
    argv.reserve(daemon.argv.size() + 1);
    for (const auto& arg : daemon.argv) {
        argv.push_back(const_cast<char*>(arg.c_str()));  // NOLINT: posix_spawn's C signature
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int error = ::posix_spawnp(&pid, argv.front(), &files, &attributes, argv.data(), environ);
    ::posix_spawn_file_actions_destroy(&files);
    ::posix_spawnattr_destroy(&attributes);
    if (error != 0) {
        throw Error(ErrorCategory::host_error,
                    "starting " + daemon.name + " failed: errno " + std::to_string(error));
    }
    return pid;
}

bool daemon_answers(Host& host, const DaemonSpec& daemon) {
    if (daemon.name == "iscsid") {
        // iscsiadm reaches iscsid through this abstract socket; -m session
        // itself reads sysfs and answers without iscsid.
        std::string sockets;
        if (!host.read_file("/proc/net/unix", sockets).ok() ||
            sockets.find("ISCSIADM_ABSTRACT_NAMESPACE") == std::string::npos) {
            return false;
        }
        // It has taken every session of the kernel over once it reports its
        // own state of each: "Unknown" while it does not know a session yet,
        // REOPEN while it reconnects one (a logout then fails).
        const auto sessions =
            host.run(Command{{"iscsiadm", "-m", "session", "-P", "1"}, {}, Duration(10000)});
        if (sessions.exit_status == 21) {
            return true;
        }
        const std::string state = "Internal iscsid Session State: ";
        bool adopted = sessions.exit_status == 0;
        for (auto at = sessions.out.find(state); adopted && at != std::string::npos;
             at = sessions.out.find(state, at + 1)) {
            adopted = sessions.out.compare(at + state.size(), 9, "NO CHANGE") == 0;
        }
        return adopted;
    }
    const auto shown = host.run(Command{{"multipathd", "show", "daemon"}, {}, Duration(10000)});
    return shown.ok() && (shown.out.find(" idle") != std::string::npos ||
                          shown.out.find(" running") != std::string::npos);
}

}  // namespace brick::lab
