#pragma once
// SimHost: the in-process front end of the simulator, an implementation of
// brick::Host over the model (sim/model), with virtual time and seeded
// scheduling (scheduler.hpp). A run is a pure function of (fabric, the calls
// made, seed): the trace it writes is identical byte for byte.
//
// Thread contract: the thread that constructs a SimHost is its task "main";
// the host may be used from that thread and from tasks it started, never from
// other threads. Destroy it on the main thread after joining its tasks.
//
//   brick::sim::SimHost host(brick::sim::load_fabric("sim/fabrics/single.json"), {.seed = 7});
//   auto connector = brick::iscsi::make_connector(host, options, false);
//   auto device = connector->connect(properties);
//   host.write_through(device.path, 0, "hello");   // dirty in the host cache
//   connector->disconnect(properties, device, {});   // flushes, deletes, logs out
//   CHECK(host.model().leftovers().empty());
//   CHECK(host.lun_bytes(iqn, 1, 0, 5) == "hello");

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "brick/host/host.hpp"
#include "brick/host/trace.hpp"
#include "sim/host/scheduler.hpp"
#include "sim/host/sim_observer.hpp"
#include "sim/model/model.hpp"
#include "sim/vfs/render.hpp"
#include "sim/vfs/tree.hpp"

namespace brick::sim {

struct SimOptions {
    std::uint64_t seed = 1;
    // Where the trace goes; nullptr keeps it in memory (trace_text()).
    std::ostream* trace = nullptr;
    // Record file reads, listings and stats (off: only writes, runs, waits, events).
    bool trace_reads = true;
    // false: no trace at all (a sweep that traces only the runs it must replay).
    bool keep_trace = true;
};

class SimHost final : public Host {
  public:
    explicit SimHost(Fabric fabric, SimOptions options = {});
    ~SimHost() override;

    // --- Host ------------------------------------------------------------------
    IoStatus read_file(const std::string& path, std::string& content) override;
    IoStatus write_file(const std::string& path, std::string_view data, Duration deadline,
                        bool create_private = false) override;
    IoStatus list_dir(const std::string& path, std::vector<std::string>& names) override;
    IoStatus read_link(const std::string& path, std::string& target) override;
    IoStatus stat(const std::string& path, FileInfo& info, bool no_follow = false) override;
    IoStatus open_check(const std::string& path) override;
    IoStatus make_dirs(const std::string& path) override;
    IoStatus remove(const std::string& path) override;
    std::vector<std::string> glob(const std::string& pattern) override;
    CommandResult run(const Command& command) override;
    Clock::time_point now() override;
    void sleep_for(Duration duration) override;
    bool wait_until(const std::function<bool()>& ready, Clock::time_point deadline,
                    const WaitHints& hints) override;
    std::unique_ptr<Task> start_task(std::string name, std::function<void()> body) override;
    std::unique_ptr<LockGuard> lock(const std::string& name) override;
    std::unique_ptr<LockGuard> lock_until(const std::string& name,
                                          Clock::time_point deadline) override;
    std::unique_ptr<LockGuard> lock_shared_until(const std::string& name,
                                                 Clock::time_point deadline) override;

    // --- simulator API ---------------------------------------------------------------
    Model& model() { return model_; }
    std::uint64_t seed() const { return options_.seed; }
    std::int64_t now_ms() const { return model_.now_ms(); }
    // Arms a fault; returns its id. The JSON form is parse_fault's.
    int inject(FaultSpec fault);
    int inject(const nlohmann::json& fault);
    // Lets virtual time pass on the calling task (scenario "wait" steps).
    void advance(Duration duration) { sleep_for(duration); }
    // Writes/reads a pattern through a device path (/dev/sdb, /dev/dm-0, a link):
    // writes stay dirty in the host cache until flushed. A volume file in an
    // NFS mount is written through to the server. Returns an errno.
    int write_through(const std::string& device_path, std::uint64_t offset,
                      const std::string& bytes);
    int read_through(const std::string& device_path, std::uint64_t offset, std::size_t length,
                     std::string& out);
    // Target-side contents of a LUN (what survives the host); target is an
    // IQN, or an FC target's WWNN or port WWPN.
    std::string lun_bytes(const std::string& target, std::uint64_t lun, std::uint64_t offset,
                          std::size_t length) const {
        return model_.lun_bytes(target, lun, offset, length);
    }
    // Reboots the host (Model::reboot) and returns once it booted: multipathd
    // and iscsid answer and open-iscsi's boot logins ended, in virtual time.
    // Call it on the main task with no operation running. False when the
    // boot did not end within the deadline.
    bool reboot(Duration deadline);
    // Watches every interaction and action from now on (nullptr: none).
    void set_observer(SimObserver* observer) { observer_ = observer; }
    // The calling task's id (0: main) and the task that started a task (-1 for main).
    int current_task() const { return scheduler_.current_id(); }
    int parent_task(int task) const { return scheduler_.parent_of(task); }
    int task_count() const { return scheduler_.task_count(); }
    // The trace so far when kept in memory.
    std::string trace_text() const { return memory_trace_.str(); }
    std::uint64_t steps() const { return model_.step(); }
    // A command line that replays this run (for failure messages).
    std::string replay_hint(const std::string& scenario) const;

  private:
    class ServedGuard;
    const Tree& tree();
    std::string resolved(const std::string& path);
    void begin(bool traced_kind);
    // Called when an interaction was served: tells the observer.
    void served();
    void refused(std::string object, int error);
    void record(nlohmann::json fields);
    std::unique_ptr<LockGuard> take_lock(const std::string& name, Clock::time_point deadline,
                                         bool shared);
    std::int64_t to_ms(Clock::time_point t) const;

    SimOptions options_;
    Model model_;
    Scheduler scheduler_;
    std::ostringstream memory_trace_;
    TraceWriter trace_;
    TreeRenderer renderer_;
    std::uint64_t tree_generation_ = ~0ULL;
    // Paths whose "may open" retry is scheduled: one each, however many
    // callers poll them.
    std::set<std::string> open_retries_;
    SimObserver* observer_ = nullptr;
};

// Where t_ms = 0 lies on Clock: far enough from the epoch that deadlines
// computed by callers never underflow.
inline constexpr std::int64_t sim_epoch_ms = 1'000'000'000;

}  // namespace brick::sim
