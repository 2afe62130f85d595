#include "sim/host/scheduler.hpp"

#include <algorithm>
#include <optional>

#include "brick/host/task_name.hpp"

namespace brick::sim {
namespace {

// Which task of which scheduler the calling thread is (a thread may be the
// main task of several simulated hosts alive at once).
thread_local std::vector<std::pair<const void*, int>> memberships;

int task_id_here(const void* scheduler) {
    for (const auto& [owner, id] : memberships) {
        if (owner == scheduler) {
            return id;
        }
    }
    return -1;
}

}  // namespace

Scheduler::Scheduler(Model& model, std::uint64_t seed)
    : model_(model), random_(seed ^ 0x9E3779B97F4A7C15ULL) {
    auto main = std::make_unique<TaskRecord>();
    main->id = 0;
    main->name = "main";
    tasks_.push_back(std::move(main));
    memberships.emplace_back(this, 0);
}

Scheduler::~Scheduler() {
    // Finish every task still alive so no thread outlives the scheduler.
    for (std::size_t i = 1; i < tasks_.size(); ++i) {
        try {
            join(static_cast<int>(i));
        } catch (...) {  // NOLINT(bugprone-empty-catch): errors were the joiner's to see
        }
    }
    for (auto& task : tasks_) {
        if (task->thread.joinable()) {
            task->thread.join();
        }
    }
    std::erase_if(memberships, [this](const auto& m) { return m.first == this; });
}

bool Scheduler::on_task_thread() const {
    return task_id_here(this) >= 0;
}

Scheduler::TaskRecord& Scheduler::current() {
    if (!on_task_thread()) {
        throw std::logic_error("SimHost used from a thread that is not one of its tasks");
    }
    return *tasks_.at(static_cast<std::size_t>(task_id_here(this)));
}

int Scheduler::current_id() const {
    return std::max(task_id_here(this), 0);
}

// Read by the task holding the baton, the only one that may spawn: no lock.
int Scheduler::parent_of(int id) const {
    return id >= 0 && static_cast<std::size_t>(id) < tasks_.size()
               ? tasks_[static_cast<std::size_t>(id)]->parent
               : -1;
}

// Read by the task holding the baton, the only one that may spawn: no lock.
int Scheduler::task_count() const {
    return static_cast<int>(tasks_.size());
}

const std::string& Scheduler::current_name() const {
    return tasks_.at(static_cast<std::size_t>(std::max(task_id_here(this), 0)))->name;
}

bool Scheduler::can_run(const TaskRecord& task) const {
    switch (task.state) {
        case State::runnable:
            return true;
        case State::waiting:
            return model_.generation() != task.seen_generation || endings_ != task.seen_endings;
        case State::joining:
            return tasks_.at(static_cast<std::size_t>(task.join_target))->state == State::done;
        case State::locking:
            return lock_free(task.lock_name, task.lock_shared);
        case State::sleeping:
        case State::done:
            return false;
    }
    return false;
}

void Scheduler::switch_away(std::unique_lock<std::mutex>& guard, TaskRecord& me, bool exiting) {
    TaskRecord* next = nullptr;
    for (;;) {
        std::vector<TaskRecord*> candidates;
        for (auto& task : tasks_) {
            if (can_run(*task)) {
                candidates.push_back(task.get());
            }
        }
        if (!candidates.empty()) {
            next = candidates[random_.below(candidates.size())];
            break;
        }
        std::optional<std::int64_t> wake;
        for (const auto& task : tasks_) {
            if (task->state == State::sleeping || task->state == State::waiting ||
                (task->state == State::locking && task->lock_bounded)) {
                wake = wake ? std::min(*wake, task->wake_at) : task->wake_at;
            }
        }
        if (const auto event = model_.next_event_ms()) {
            wake = wake ? std::min(*wake, *event) : *event;
        }
        if (!wake) {
            deadlock_ = true;
            // Wake the first blocked task (or stay) so that one throws SimDeadlock.
            for (auto& task : tasks_) {
                if (task->state != State::done) {
                    next = task.get();
                    break;
                }
            }
            if (next == nullptr) {
                return;  // everything finished
            }
            next->state = State::runnable;
            break;
        }
        model_.advance_to(*wake);
        for (auto& task : tasks_) {
            if ((task->state == State::sleeping || task->state == State::waiting ||
                 (task->state == State::locking && task->lock_bounded)) &&
                task->wake_at <= model_.now_ms()) {
                task->state = State::runnable;
            }
        }
    }
    if (next->state != State::done) {
        next->state = State::runnable;
    }
    if (next != &me) {
        ++switches_;
        running_ = next->id;
        next->cv.notify_one();
        if (exiting) {
            return;
        }
        me.cv.wait(guard, [&] { return running_ == me.id; });
    }
    if (deadlock_) {
        deadlock_ = false;
        throw SimDeadlock("simulated tasks deadlocked: every task is blocked with nothing pending");
    }
}

std::uint64_t Scheduler::ending_count() const {
    const std::lock_guard guard(mu_);
    return endings_;
}

void Scheduler::yield() {
    auto& me = current();
    std::unique_lock guard(mu_);
    switch_away(guard, me, false);
}

void Scheduler::sleep_for(std::int64_t ms) {
    auto& me = current();
    std::unique_lock guard(mu_);
    if (ms <= 0) {
        switch_away(guard, me, false);
        return;
    }
    me.state = State::sleeping;
    me.wake_at = model_.now_ms() + ms;
    switch_away(guard, me, false);
}

bool Scheduler::wait_until(const std::function<bool()>& ready, std::int64_t deadline_ms) {
    auto& me = current();
    // What ready() reads cannot change without a new model generation or a
    // task that ended (what it set for others): it is asked again only after
    // one, and once more at the deadline.
    std::optional<std::pair<std::uint64_t, std::uint64_t>> evaluated;
    const auto seen = [&] { return std::pair(model_.generation(), ending_count()); };
    for (;;) {
        if (!evaluated || *evaluated != seen() || model_.now_ms() >= deadline_ms) {
            if (ready()) {
                return true;
            }
            evaluated = seen();
        }
        std::unique_lock guard(mu_);
        if (model_.now_ms() >= deadline_ms) {
            return false;
        }
        me.state = State::waiting;
        me.seen_generation = model_.generation();
        me.seen_endings = endings_;
        me.wake_at = deadline_ms;  // or earlier, on a change (can_run)
        switch_away(guard, me, false);
    }
}

int Scheduler::spawn(std::string name, std::function<void()> body) {
    const int parent = current().id;
    std::unique_lock guard(mu_);
    auto record = std::make_unique<TaskRecord>();
    record->id = static_cast<int>(tasks_.size());
    record->parent = parent;
    record->name = std::move(name);
    auto* task = record.get();
    tasks_.push_back(std::move(record));
    task->thread = std::thread([this, task, work = std::move(body)] {
        memberships.emplace_back(this, task->id);
        set_current_task_name(task->name);
        {
            std::unique_lock start(mu_);
            task->cv.wait(start, [&] { return running_ == task->id; });
        }
        try {
            work();
        } catch (...) {
            task->error = std::current_exception();
        }
        std::unique_lock end(mu_);
        task->state = State::done;
        ++endings_;
        switch_away(end, *task, true);
    });
    return task->id;
}

void Scheduler::join(int id) {
    auto& me = current();
    auto& target = *tasks_.at(static_cast<std::size_t>(id));
    {
        std::unique_lock guard(mu_);
        if (target.state != State::done) {
            me.state = State::joining;
            me.join_target = id;
            switch_away(guard, me, false);
        }
    }
    if (target.thread.joinable()) {
        target.thread.join();
    }
    if (target.error && !target.joined) {
        target.joined = true;
        std::rethrow_exception(target.error);
    }
    target.joined = true;
}

bool Scheduler::lock_free(const std::string& name, bool shared) const {
    return !lock_owner_.contains(name) && (shared || !lock_sharers_.contains(name));
}

void Scheduler::lock(const std::string& name) {
    auto& me = current();
    std::unique_lock guard(mu_);
    if (!lock_free(name, false)) {
        me.state = State::locking;
        me.lock_name = name;
        me.lock_shared = false;
        switch_away(guard, me, false);
    }
    lock_owner_[name] = me.id;
}

bool Scheduler::lock_until(const std::string& name, std::int64_t deadline_ms, bool shared) {
    auto& me = current();
    std::unique_lock guard(mu_);
    if (!lock_free(name, shared)) {
        if (model_.now_ms() >= deadline_ms) {
            return false;
        }
        me.state = State::locking;
        me.lock_name = name;
        me.lock_shared = shared;
        me.lock_bounded = true;
        me.wake_at = deadline_ms;
        switch_away(guard, me, false);
        me.lock_bounded = false;
        if (!lock_free(name, shared)) {
            return false;  // woken by the deadline, a holder still has it
        }
    }
    if (shared) {
        ++lock_sharers_[name];
    } else {
        lock_owner_[name] = me.id;
    }
    return true;
}

void Scheduler::unlock(const std::string& name, bool shared) {
    std::unique_lock guard(mu_);
    if (!shared) {
        lock_owner_.erase(name);
        return;
    }
    const auto it = lock_sharers_.find(name);
    if (it != lock_sharers_.end() && --it->second == 0) {
        lock_sharers_.erase(it);
    }
}

}  // namespace brick::sim
