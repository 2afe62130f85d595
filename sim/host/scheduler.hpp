#pragma once
// Deterministic scheduling of simulated tasks in virtual time.
//
// Every task is a real thread, but only the one holding the baton runs; the
// others wait on their own condition variable. At every yield point the next
// task is drawn by the seeded random source from the runnable ones. When no
// task can run, virtual time jumps to the next timer or model event (the
// model's events fire first, then the tasks whose timers are due wake).
// Given the same seed, model and calls, the order of everything is the same.
//
// Thread contract: methods are called only by the task holding the baton
// (the thread that created the scheduler is task 0, "main").

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sim/model/model.hpp"
#include "sim/model/random.hpp"

namespace brick::sim {

// Every task is blocked and no timer or event can wake one.
class SimDeadlock : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class Scheduler {
  public:
    Scheduler(Model& model, std::uint64_t seed);
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;
    Scheduler(Scheduler&&) = delete;
    Scheduler& operator=(Scheduler&&) = delete;
    // Waits for every task to finish (running them to completion).
    ~Scheduler();

    std::int64_t now_ms() const { return model_.now_ms(); }
    const std::string& current_name() const;
    // The calling task's id (0: main) and the task that started a task (-1 for main).
    int current_id() const;
    int parent_of(int id) const;
    // How many tasks were started so far, main included: the next task's id.
    int task_count() const;
    bool on_task_thread() const;

    // Lets the seed choose whether another runnable task runs first.
    void yield();
    void sleep_for(std::int64_t ms);
    // Evaluates ready() now, then again whenever the model changed or a task
    // ended (what it reads cannot change otherwise: the model, or what a task
    // left behind) and once more at deadline_ms, until it is true or the
    // deadline passed.
    bool wait_until(const std::function<bool()>& ready, std::int64_t deadline_ms);
    int spawn(std::string name, std::function<void()> body);
    // Blocks until the task ended; rethrows an exception that escaped its body.
    void join(int id);
    void lock(const std::string& name);
    // Takes the lock unless deadline_ms passes first; false then. A shared
    // lock is held together with other shared holders, never with an
    // exclusive one.
    bool lock_until(const std::string& name, std::int64_t deadline_ms, bool shared = false);
    void unlock(const std::string& name, bool shared = false);
    std::uint64_t switches() const { return switches_; }
    // How many tasks have ended so far.
    std::uint64_t ending_count() const;

  private:
    enum class State { runnable, sleeping, waiting, joining, locking, done };
    struct TaskRecord {
        int id = 0;
        int parent = -1;
        std::string name;
        State state = State::runnable;
        std::int64_t wake_at = 0;
        std::uint64_t seen_generation = 0;
        std::uint64_t seen_endings = 0;
        int join_target = -1;
        std::string lock_name;
        bool lock_shared = false;   // locking: a shared hold is wanted
        bool lock_bounded = false;  // locking: wake_at ends the wait
        std::condition_variable cv;
        std::thread thread;
        std::exception_ptr error;
        bool joined = false;
    };

    // Called with mu_ held by the running task after it set its own state:
    // hands the baton on (advancing time when nothing can run) and, unless
    // exiting, waits until the baton comes back.
    void switch_away(std::unique_lock<std::mutex>& guard, TaskRecord& me, bool exiting);
    bool can_run(const TaskRecord& task) const;
    bool lock_free(const std::string& name, bool shared) const;
    TaskRecord& current();

    Model& model_;
    Random random_;
    mutable std::mutex mu_;
    std::vector<std::unique_ptr<TaskRecord>> tasks_;
    std::map<std::string, int> lock_owner_;    // exclusive holders
    std::map<std::string, int> lock_sharers_;  // how many hold it shared
    int running_ = 0;
    bool deadlock_ = false;
    std::uint64_t switches_ = 0;
    std::uint64_t endings_ = 0;  // tasks that ended so far
};

}  // namespace brick::sim
