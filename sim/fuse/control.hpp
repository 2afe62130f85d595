#pragma once
// `brick-lab sim up|down|exec|status|fault`: starting, stopping and using the
// out-of-process simulator under a root directory DIR.
//
// Layout of DIR while the simulator runs:
//   DIR/.fs/                 the FUSE mount (views sys, dev, etc, proc, nsdev: daemon.hpp)
//   DIR/sys DIR/dev DIR/etc DIR/proc   links to .fs/sys, .fs/dev, ... (what --root reads)
//   DIR/bin/                 the fake tools: hard links of one multi-call client
//   DIR/run/sim.sock         the daemon's socket (protocol.hpp)
//   DIR/run/sim.pid          "PID STARTTIME" of the daemon
//   DIR/run/sim.log          the daemon's stderr
//   DIR/run/trace.jsonl      the daemon's JSON-lines trace
//   DIR/run/hostdev/         mount point of the real /dev inside `sim exec` namespaces
//   DIR/run/brick/locks/     libbrick's lock files (RealHost relocates /run)

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace brick::sim {

struct SimLayout {
    std::filesystem::path root;
    explicit SimLayout(const std::filesystem::path& dir);
    std::filesystem::path mountpoint() const { return root / ".fs"; }
    std::filesystem::path run_dir() const { return root / "run"; }
    std::filesystem::path socket() const { return run_dir() / "sim.sock"; }
    std::filesystem::path pid_file() const { return run_dir() / "sim.pid"; }
    std::filesystem::path log_file() const { return run_dir() / "sim.log"; }
    std::filesystem::path trace_file() const { return run_dir() / "trace.jsonl"; }
    std::filesystem::path host_dev() const { return run_dir() / "hostdev"; }
    std::filesystem::path bin_dir() const { return root / "bin"; }
    std::filesystem::path tool_binary() const { return bin_dir() / "brick-sim-tool"; }
};

struct UpOptions {
    std::filesystem::path root;
    std::filesystem::path fabric;
    std::uint64_t seed = 1;
    std::string hostname = "brick-sim";
    // The brick-sim-tool executable to install in DIR/bin (empty: found next to
    // brick-lab or where the build put it).
    std::filesystem::path tool;
    int ready_timeout_ms = 15000;
};

// Starts the daemon in the background; returns once the trees are mounted and
// the socket answers. Prints nothing; returns {"root","pid","socket","tools"}.
// Throws brick::Error when it cannot.
nlohmann::json sim_up(const UpOptions& options);

// Stops the daemon (SIGTERM, then SIGKILL), kills fake tool clients still
// running, and lazily unmounts every mount at or under DIR. Works when the
// daemon or a client died. Returns what it did.
nlohmann::json sim_down(const std::filesystem::path& root);

// Replaces the calling process with argv run in private mount and network
// namespaces over the simulator at root (only returns on error, by throwing).
[[noreturn]] void sim_exec(const std::filesystem::path& root, const std::vector<std::string>& argv);

// Sends one control request to the daemon and returns its reply; throws when
// the daemon does not answer.
nlohmann::json sim_request(const std::filesystem::path& root, const nlohmann::json& request);

// Mount points at or under dir in /proc/self/mountinfo, deepest first.
std::vector<std::string> mounts_under(const std::filesystem::path& dir);

// The real host paths each fake tool replaces inside `sim exec` (those that exist).
std::vector<std::pair<std::string, std::string>> tool_bind_targets();

}  // namespace brick::sim
