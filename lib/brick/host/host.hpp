#pragma once
// The host seam: the one interface through which libbrick touches a Linux host.
//
// Files, programs, the clock, waiting, tasks and locks all go through Host, so
// that the same connector code runs against
//   - RealHost: the running Linux host (optionally relocated under a root prefix),
//   - the simulator (sim/): a modelled host with virtual time and seeded scheduling,
//   - RecordingHost: a wrapper that writes every interaction to a JSON-lines trace.
// Paths are always the host's own absolute paths ("/sys/class/..."); an
// implementation may relocate them, but callers never see a relocated path.
// All methods are thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brick {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::milliseconds;

// Result of a file-system call: 0 on success, else an errno value.
struct IoStatus {
    int error = 0;
    bool ok() const { return error == 0; }
};

enum class FileType { missing, regular, directory, symlink, block_device, char_device, other };

struct FileInfo {
    FileType type = FileType::missing;
    std::uint64_t size = 0;
    unsigned major = 0;  // device number, for block and char devices
    unsigned minor = 0;
};

// A program run: always an argument vector, never a shell command line.
struct Command {
    std::vector<std::string> argv;  // argv[0] is a bare tool name or an absolute path
    std::string input;              // written to the program's stdin, then closed
    Duration deadline{30000};       // killed (SIGKILL) when it runs longer
};

struct CommandResult {
    int exit_status = -1;  // exit code, or 128+signal when killed by a signal
    bool timed_out = false;
    bool not_found = false;  // the program does not exist on this host
    std::string out;
    std::string err;
    bool ok() const { return exit_status == 0 && !timed_out && !not_found; }
};

// What a wait is waiting for, so an implementation can sleep until something
// relevant changes instead of polling blindly. All fields are hints.
struct WaitHints {
    std::vector<std::string>
        watch_paths;             // directories whose entries may change (/dev, /dev/disk/by-id)
    bool block_events = true;    // udev block/scsi/nvme events are relevant
    Duration poll_interval{20};  // upper bound between two checks
};

class Host;

// A task started through the host; join() waits for it to finish.
class Task {
  public:
    Task() = default;
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    Task(Task&&) = delete;
    Task& operator=(Task&&) = delete;
    virtual ~Task() = default;
    virtual void join() = 0;
};

// A named lock held while the guard lives. Names identify shared host state
// ("iscsi-node:<iqn>,<portal>", "multipath-map:<wwid>").
class LockGuard {
  public:
    LockGuard() = default;
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;
    LockGuard(LockGuard&&) = delete;
    LockGuard& operator=(LockGuard&&) = delete;
    virtual ~LockGuard() = default;
};

class Host {
  public:
    Host() = default;
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;
    Host(Host&&) = delete;
    Host& operator=(Host&&) = delete;
    virtual ~Host() = default;

    // --- files -------------------------------------------------------------
    // Reads a whole file (sysfs attributes included). ENOENT when missing.
    virtual IoStatus read_file(const std::string& path, std::string& content) = 0;
    // Writes data to an existing file or creates it (mode 0644, or 0600 when
    // private). A write to sysfs can block in the kernel: the deadline bounds it
    // (ETIMEDOUT when exceeded; the write may still complete later).
    virtual IoStatus write_file(const std::string& path, std::string_view data, Duration deadline,
                                bool create_private = false) = 0;
    // Entry names of a directory, sorted, without "." and "..".
    virtual IoStatus list_dir(const std::string& path, std::vector<std::string>& names) = 0;
    // Target of a symbolic link, as stored (relative or absolute).
    virtual IoStatus read_link(const std::string& path, std::string& target) = 0;
    // Information about path, following symlinks unless no_follow.
    virtual IoStatus stat(const std::string& path, FileInfo& info, bool no_follow = false) = 0;
    // Creates a directory and its parents (mode 0755). Existing is fine.
    virtual IoStatus make_dirs(const std::string& path) = 0;
    // Removes a file or symlink.
    virtual IoStatus remove(const std::string& path) = 0;
    // Opens path read-only without blocking and closes it again: whether the
    // kernel hands the device out yet. A new disk's /dev node can appear before
    // the disk is live (ENXIO for a moment, measured at 10-635 ms on real
    // kernels); ENOENT when missing.
    virtual IoStatus open_check(const std::string& path) = 0;
    // Paths matching a glob pattern (*, ? and [..] per component), sorted.
    // The default walks the tree with list_dir.
    virtual std::vector<std::string> glob(const std::string& pattern);

    // --- programs ----------------------------------------------------------
    virtual CommandResult run(const Command& command) = 0;

    // --- time ----------------------------------------------------------------
    virtual Clock::time_point now() = 0;
    virtual void sleep_for(Duration duration) = 0;
    // Blocks until ready() is true or the deadline passes; returns ready()'s
    // last value. ready() is called again whenever something named in hints may
    // have changed, and at least every hints.poll_interval.
    virtual bool wait_until(const std::function<bool()>& ready, Clock::time_point deadline,
                            const WaitHints& hints) = 0;

    // --- tasks and locks -----------------------------------------------------
    // Starts body as a concurrent task. name appears in traces.
    virtual std::unique_ptr<Task> start_task(std::string name, std::function<void()> body) = 0;
    // Takes the named lock, blocking until it is free. Locks are shared by every
    // process using libbrick on the host where the implementation can do so.
    virtual std::unique_ptr<LockGuard> lock(const std::string& name) = 0;
    // Takes the named lock unless deadline passes first; nullptr then. A
    // holder stuck in a hung tool must not hold every waiter past its own
    // deadline.
    virtual std::unique_ptr<LockGuard> lock_until(const std::string& name,
                                                  Clock::time_point deadline) = 0;
    // As lock_until, but held together with other shared holders of the same
    // name (never with an exclusive one): for work that only needs the state
    // not to be removed under it while others read or add beside it.
    virtual std::unique_ptr<LockGuard> lock_shared_until(const std::string& name,
                                                         Clock::time_point deadline) = 0;

    // --- convenience built on the primitives above ---------------------------
    // read_file, with trailing newlines and spaces removed; nullopt on error.
    std::optional<std::string> read_attribute(const std::string& path);
    bool exists(const std::string& path);
    // The kernel name of the block device path leads to: the last component
    // after following its symbolic links (at most 8), relative or absolute, with
    // read_link ("sdb" for a by-path link, "dm-3" for /dev/mapper/<name>); the
    // last component of path itself when it is no link.
    std::string kernel_name(const std::string& path);
};

}  // namespace brick
