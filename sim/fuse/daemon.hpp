#pragma once
// The out-of-process front end of the simulator: one model served in real
// time to other processes, through a FUSE file system (fuse_fs.hpp) and a unix
// socket for the fake tools (server.hpp).
//
// SimDaemon owns the model and maps wall-clock time onto the model's clock:
// model time t_ms is the time since the daemon started, and the model's
// asynchronous events (a disk and its udev links appearing after a scan, a
// multipath map forming) fire when their time comes, driven by a clock thread.
// Every call locks the model; calls that block (a sysfs write the kernel works
// on, a tool run) wait in real time without holding the lock, so other
// processes see the model move on meanwhile.
//
// File views (paths as the FUSE file system sees them):
//   /sys, /etc, /proc   the model's trees; /proc holds the kernel identity
//                       (hostname, arch, random uuid) the daemon adds
//   /dev                the model's /dev: block and char devices as device nodes
//                       (served on a nodev mount, so they can never open a real device)
//   /nsdev              the model's /dev for a private namespace: block devices
//                       are regular files of the device's size whose reads and
//                       writes go to the model's data path, other device nodes are
//                       regular files, and the host's own nodes (null, zero, urandom,
//                       tty, pts, shm, ...) are links into a bind mount of the real /dev.

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "brick/host/host.hpp"
#include "brick/host/trace.hpp"
#include "sim/model/model.hpp"
#include "sim/vfs/render.hpp"
#include "sim/vfs/tree.hpp"

namespace brick::sim {

struct DaemonOptions {
    std::uint64_t seed = 1;
    // The host name /proc/sys/kernel/hostname shows.
    std::string hostname = "brick-sim";
    // Where /nsdev's links to the host's own device nodes point (a bind mount of /dev).
    std::string host_dev_dir;
    // JSON-lines trace of writes, tool runs and model events; empty: none.
    std::filesystem::path trace_file;
};

// What a path is, for getattr.
struct NodeInfo {
    FileType type = FileType::missing;
    std::uint64_t size = 0;
    unsigned major = 0;
    unsigned minor = 0;
    bool writable = false;
    bool readable = true;
};

// The result of a fake tool run, as the tool client forwards it.
struct ToolRun {
    int exit_status = 0;
    std::string out;
    std::string err;
    bool not_found = false;
    bool hangs = false;  // a tool_hangs fault: the client waits until it is killed
};

class SimDaemon {
  public:
    SimDaemon(Fabric fabric, DaemonOptions options);
    ~SimDaemon();
    SimDaemon(const SimDaemon&) = delete;
    SimDaemon& operator=(const SimDaemon&) = delete;
    SimDaemon(SimDaemon&&) = delete;
    SimDaemon& operator=(SimDaemon&&) = delete;

    // Starts the clock thread; stop() ends it (also done by the destructor).
    void start();
    void stop();

    // --- file views (FUSE paths) ---------------------------------------------
    int stat(const std::string& path, NodeInfo& info);
    int list(const std::string& path, std::vector<std::string>& names);
    int read_link(const std::string& path, std::string& target);
    // The content an open for reading sees (a snapshot, as sysfs makes one per open).
    int open_read(const std::string& path, std::string& content);
    // Whether reads and writes of this path go to a device's data (an /nsdev block file).
    bool is_data_file(const std::string& path);
    int read_data(const std::string& path, std::uint64_t offset, std::size_t length,
                  std::string& out);
    int write_data(const std::string& path, std::uint64_t offset, std::string_view bytes);
    int flush_data(const std::string& path);
    // A write(2) of data at offset. Kernel attributes act on every write and the
    // call returns once the kernel's work is done (a delete once the device is
    // gone); files of the store are written at offset. Returns an errno.
    int write(const std::string& path, std::uint64_t offset, std::string_view data);
    // Truncation of a store file (attributes ignore it, as sysfs does).
    int truncate(const std::string& path, std::uint64_t size);
    int create(const std::string& path, bool private_mode);
    int make_dir(const std::string& path);
    int remove(const std::string& path);

    // --- tools and control ----------------------------------------------------------
    // Runs a fake tool; blocks for the tool's duration in real time.
    ToolRun run_tool(const std::vector<std::string>& argv, const std::string& input);
    // Arms a fault (parse_fault's JSON); returns its id or throws.
    int inject(const nlohmann::json& fault);
    // A summary of the model's state: time, leftovers, sessions, devices, maps.
    nlohmann::json status();
    // The model's floor of each volume operation (Model::floors).
    nlohmann::json floors(unsigned parallel);

  private:
    // Where a FUSE path lives in the model: the model path and whether it is the
    // namespace view of /dev. nullopt: the root or a path outside the views.
    struct Place {
        std::string model_path;
        bool nsdev = false;
    };
    std::optional<Place> place(const std::string& path) const;
    std::int64_t wall_ms() const;
    // Advances the model to wall-clock time (lock held).
    void sync();
    const Tree& tree();  // lock held
    void clock_loop();
    void record(nlohmann::json fields);  // lock held
    // Waits until model time reaches t_ms (lock held on entry and exit, released while waiting).
    void wait_model_time(std::unique_lock<std::mutex>& guard, std::int64_t t_ms);
    int stat_locked(const Place& where, NodeInfo& info);
    std::optional<std::string> host_node_link(const std::string& name) const;
    int apply_write(std::unique_lock<std::mutex>& guard, const std::string& model_path,
                    std::string_view data);

    DaemonOptions options_;
    Model model_;
    std::chrono::steady_clock::time_point start_;
    std::mutex mu_;
    std::condition_variable changed_;
    bool stopping_ = false;
    std::thread clock_;
    TreeRenderer renderer_;
    std::uint64_t tree_generation_ = ~0ULL;
    std::ofstream trace_stream_;
    std::unique_ptr<TraceWriter> trace_;
    std::uint64_t uuid_counter_ = 0;
};

}  // namespace brick::sim
