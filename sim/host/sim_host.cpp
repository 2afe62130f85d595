#include "sim/host/sim_host.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cerrno>

#include "sim/tools/tool.hpp"
#include "sim/vfs/files.hpp"
#include "sim/vfs/render.hpp"

namespace brick::sim {
namespace {

// How long after a failed open of a disk still being added a waiter looks again.
constexpr std::int64_t open_retry_ms = 20;

class SimTask final : public Task {
  public:
    SimTask(Scheduler& scheduler, int id) : scheduler_(scheduler), id_(id) {}
    ~SimTask() override {
        if (!joined_) {
            try {
                scheduler_.join(id_);
            } catch (...) {  // NOLINT(bugprone-empty-catch): nobody asked for the result
            }
        }
    }
    void join() override {
        joined_ = true;
        scheduler_.join(id_);
    }

  private:
    Scheduler& scheduler_;
    int id_;
    bool joined_ = false;
};

class SimLock final : public LockGuard {
  public:
    SimLock(Scheduler& scheduler, std::string name, bool shared = false)
        : scheduler_(scheduler), name_(std::move(name)), shared_(shared) {}
    ~SimLock() override { scheduler_.unlock(name_, shared_); }

  private:
    Scheduler& scheduler_;
    std::string name_;
    bool shared_;
};

}  // namespace

// Tells the observer once the interaction that made it is served, however it ends.
class SimHost::ServedGuard {
  public:
    explicit ServedGuard(SimHost& host) : host_(host) {}
    ServedGuard(const ServedGuard&) = delete;
    ServedGuard& operator=(const ServedGuard&) = delete;
    ServedGuard(ServedGuard&&) = delete;
    ServedGuard& operator=(ServedGuard&&) = delete;
    ~ServedGuard() { host_.served(); }

  private:
    SimHost& host_;
};

SimHost::SimHost(Fabric fabric, SimOptions options)
    : options_(options),
      model_(std::move(fabric), options.seed),
      scheduler_(model_, options.seed),
      trace_(options.trace != nullptr ? *options.trace : memory_trace_) {
    model_.set_trace_sink([this](nlohmann::json record) { this->record(std::move(record)); });
    model_.set_action_sink([this](const HostAction& action) {
        if (observer_ != nullptr) {
            observer_->on_action(action, scheduler_.current_id());
        }
    });
    record({{"kind", "sim_start"}, {"seed", options_.seed}});
}

SimHost::~SimHost() = default;

const Tree& SimHost::tree() {
    if (tree_generation_ != model_.generation()) {
        renderer_.update(model_);
        tree_generation_ = model_.generation();
    }
    return renderer_.tree();
}

// Every seam call is a step: due action faults fire, then the seed may let
// another task run first.
void SimHost::begin(bool traced_kind) {
    (void)traced_kind;
    model_.begin_step();
    scheduler_.yield();
}

void SimHost::served() {
    if (observer_ != nullptr) {
        observer_->after_interaction(scheduler_.current_id());
    }
}

void SimHost::refused(std::string object, int error) {
    HostAction action;
    action.kind = ActionKind::refused;
    action.object = std::move(object);
    action.error = error;
    model_.report(action);
}

void SimHost::record(nlohmann::json fields) {
    if (!options_.keep_trace) {
        return;
    }
    fields["t_ms"] = model_.now_ms();
    fields["task"] = scheduler_.current_name();
    trace_.write(fields);
}

std::int64_t SimHost::to_ms(Clock::time_point t) const {
    return std::chrono::duration_cast<Duration>(t.time_since_epoch()).count() - sim_epoch_ms;
}

IoStatus SimHost::read_file(const std::string& path, std::string& content) {
    const ServedGuard served_guard(*this);
    begin(true);
    const auto status = tree_read(tree(), path, content);
    if (options_.trace_reads) {
        nlohmann::json r{{"kind", "read"}, {"path", path}, {"result", errno_name(status.error)}};
        if (status.ok()) {
            r["data"] = content;
        }
        record(std::move(r));
    }
    return status;
}

IoStatus SimHost::write_file(const std::string& path, std::string_view data, Duration deadline,
                             bool create_private) {
    const ServedGuard served_guard(*this);
    begin(true);
    const auto files_before = model_.state().files.size();
    auto effect = write_path(model_, tree(), path, data, create_private);
    int error = effect.error;
    if (model_.state().files.size() > files_before) {
        HostAction created;
        created.kind = ActionKind::created_file;
        created.object = path;
        model_.report(created);
    }
    const auto write_deadline_ms = model_.now_ms() + std::max<std::int64_t>(0, deadline.count());
    if (error == 0 && effect.duration_ms > 0) {
        const auto budget = std::max<std::int64_t>(0, deadline.count());
        if (effect.apply) {
            model_.schedule(effect.duration_ms, "sysfs write completes", effect.apply);
        }
        if (static_cast<std::int64_t>(effect.duration_ms) > budget) {
            scheduler_.sleep_for(budget);
            error = ETIMEDOUT;
        } else {
            scheduler_.sleep_for(effect.duration_ms);
        }
    } else if (error == 0 && effect.apply) {
        effect.apply();
        model_.touch();
    } else if (error != 0 && effect.duration_ms > 0) {
        // A write the kernel fails after working on it (a rejected connect).
        const auto budget = std::max<std::int64_t>(0, deadline.count());
        scheduler_.sleep_for(std::min<std::int64_t>(effect.duration_ms, budget));
        if (static_cast<std::int64_t>(effect.duration_ms) > budget) {
            error = ETIMEDOUT;
        }
    }
    if (error == 0 && effect.finished &&
        !scheduler_.wait_until(effect.finished, write_deadline_ms)) {
        // The kernel's work waits on something (a failed session): the
        // writer waits with it until its deadline.
        error = ETIMEDOUT;
    }
    if (error != 0 && error != ENOENT) {
        refused("write of " + path, error);
    }
    record({{"kind", "write"},
            {"path", path},
            {"data", std::string(data)},
            {"result", errno_name(error)}});
    return {error};
}

IoStatus SimHost::list_dir(const std::string& path, std::vector<std::string>& names) {
    const ServedGuard served_guard(*this);
    begin(true);
    names.clear();
    const auto status = tree_list(tree(), path, names);
    if (options_.trace_reads) {
        nlohmann::json r{{"kind", "list"}, {"path", path}, {"result", errno_name(status.error)}};
        if (status.ok()) {
            r["names"] = names;
        }
        record(std::move(r));
    }
    return status;
}

IoStatus SimHost::read_link(const std::string& path, std::string& target) {
    const ServedGuard served_guard(*this);
    begin(true);
    const auto status = tree_read_link(tree(), path, target);
    if (options_.trace_reads) {
        nlohmann::json r{
            {"kind", "readlink"}, {"path", path}, {"result", errno_name(status.error)}};
        if (status.ok()) {
            r["target"] = target;
        }
        record(std::move(r));
    }
    return status;
}

IoStatus SimHost::stat(const std::string& path, FileInfo& info, bool no_follow) {
    const ServedGuard served_guard(*this);
    begin(true);
    const auto status = tree_stat(tree(), path, info, no_follow);
    if (options_.trace_reads) {
        nlohmann::json r{{"kind", "stat"}, {"path", path}, {"result", errno_name(status.error)}};
        if (status.ok()) {
            r["type"] = file_type_name(info.type);
        }
        record(std::move(r));
    }
    return status;
}

IoStatus SimHost::open_check(const std::string& path) {
    begin(true);
    FileInfo info;
    auto status = tree_stat(tree(), path, info, false);
    if (status.ok() && info.type == FileType::block_device &&
        model_.consult(FaultKind::device_not_openable, {{"path", path}}) != nullptr) {
        status = IoStatus{ENXIO};
        // The kernel is still adding the disk: its state moves on a little later,
        // so a caller waiting for the open looks again then. One retry per path:
        // each caller scheduling its own made two pollers wake each other with
        // twice the retries every round, without time moving on.
        if (open_retries_.insert(path).second) {
            model_.schedule(open_retry_ms, "disk " + path + " may open", [this, path] {
                open_retries_.erase(path);
                model_.touch();
            });
        }
    }
    record({{"kind", "open"}, {"path", path}, {"result", errno_name(status.error)}});
    return status;
}

IoStatus SimHost::make_dirs(const std::string& path) {
    const ServedGuard served_guard(*this);
    begin(true);
    const auto status = make_dirs_path(model_, tree(), path);
    record({{"kind", "mkdir"}, {"path", path}, {"result", errno_name(status.error)}});
    return status;
}

IoStatus SimHost::remove(const std::string& path) {
    const ServedGuard served_guard(*this);
    begin(true);
    const auto status = remove_path(model_, tree(), path);
    record({{"kind", "remove"}, {"path", path}, {"result", errno_name(status.error)}});
    return status;
}

std::vector<std::string> SimHost::glob(const std::string& pattern) {
    const ServedGuard served_guard(*this);
    begin(true);
    const auto& t = tree();
    std::vector<std::string> current{""};
    std::size_t start = 0;
    while (start < pattern.size()) {
        auto end = pattern.find('/', start);
        if (end == std::string::npos) {
            end = pattern.size();
        }
        const auto part = pattern.substr(start, end - start);
        start = end + 1;
        if (part.empty()) {
            continue;
        }
        std::vector<std::string> next;
        for (const auto& base : current) {
            if (part.find_first_of("*?[") == std::string::npos) {
                next.push_back(std::string(base).append("/").append(part));
                continue;
            }
            std::vector<std::string> names;
            if (!tree_list(t, base.empty() ? "/" : base, names).ok()) {
                continue;
            }
            for (const auto& name : names) {
                if (fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) == 0) {
                    next.push_back(std::string(base).append("/").append(name));
                }
            }
        }
        current = std::move(next);
    }
    std::vector<std::string> found;
    for (auto& path : current) {
        FileInfo info;
        if (tree_stat(t, path, info, true).ok()) {
            found.push_back(std::move(path));
        }
    }
    std::sort(found.begin(), found.end());
    if (options_.trace_reads) {
        record({{"kind", "glob"}, {"pattern", pattern}, {"paths", found}});
    }
    return found;
}

CommandResult SimHost::run(const Command& command) {
    const ServedGuard served_guard(*this);
    register_argument_secrets(command.argv);
    begin(true);
    CommandResult result;
    const auto tool = command.argv.empty() ? std::string()
                                           : command.argv[0].substr(command.argv[0].rfind('/') + 1);
    std::string line;
    for (const auto& arg : command.argv) {
        line += (line.empty() ? "" : " ") + arg;
    }
    const auto deadline = std::max<std::int64_t>(0, command.deadline.count());
    if (model_.consult(FaultKind::tool_hangs, {{"tool", tool}, {"path", line}}) != nullptr) {
        scheduler_.sleep_for(deadline);
        result.exit_status = 128 + 9;
        result.timed_out = true;
    } else {
        ToolContext context{
            model_, [this]() -> const Tree& { return tree(); },
            [this](const std::string& path, std::string_view data, unsigned& duration) {
                auto effect = write_path(model_, tree(), path, data, false);
                duration += effect.duration_ms;
                if (effect.error == 0 && effect.apply) {
                    effect.apply();
                    model_.touch();
                }
                return effect.error;
            }};
        auto tool_result = run_tool(context, command.argv, command.input);
        if (static_cast<std::int64_t>(tool_result.duration_ms) > deadline) {
            scheduler_.sleep_for(deadline);
            result.exit_status = 128 + 9;
            result.timed_out = true;
        } else {
            scheduler_.sleep_for(tool_result.duration_ms);
            result.exit_status = tool_result.exit_status;
            result.not_found = tool_result.not_found;
            result.out = std::move(tool_result.out);
            result.err = std::move(tool_result.err);
            if (tool_result.refused_errno != 0) {
                refused(line, tool_result.refused_errno);
            }
        }
    }
    nlohmann::json r{{"kind", "run"},
                     {"argv", command.argv},
                     {"input", command.input},
                     {"deadline_ms", command.deadline.count()},
                     {"exit", result.exit_status},
                     {"out", result.out},
                     {"err", result.err}};
    if (result.timed_out) {
        r["timed_out"] = true;
    }
    if (result.not_found) {
        r["not_found"] = true;
    }
    if (result.timed_out) {
        refused(line, ETIMEDOUT);
    }
    record(std::move(r));
    return result;
}

Clock::time_point SimHost::now() {
    return Clock::time_point(Duration(sim_epoch_ms + model_.now_ms()));
}

void SimHost::sleep_for(Duration duration) {
    const ServedGuard served_guard(*this);
    begin(true);
    record({{"kind", "sleep"}, {"ms", duration.count()}});
    scheduler_.sleep_for(duration.count());
}

bool SimHost::reboot(Duration deadline) {
    const ServedGuard served_guard(*this);
    begin(true);
    record({{"kind", "reboot"}, {"budget_ms", deadline.count()}});
    model_.reboot();
    // The retries of opens went with the kernel's pending work.
    open_retries_.clear();
    const bool booted = scheduler_.wait_until([this] { return !model_.booting(); },
                                              model_.now_ms() + deadline.count());
    record({{"kind", "reboot_end"}, {"booted", booted}});
    return booted;
}

bool SimHost::wait_until(const std::function<bool()>& ready, Clock::time_point deadline,
                         const WaitHints& hints) {
    const ServedGuard served_guard(*this);
    begin(true);
    const auto deadline_ms = to_ms(deadline);
    record({{"kind", "wait"},
            {"budget_ms", deadline_ms - model_.now_ms()},
            {"watch", hints.watch_paths}});
    const bool ok = scheduler_.wait_until(ready, deadline_ms);
    record({{"kind", "wait_end"}, {"ready", ok}});
    return ok;
}

std::unique_ptr<Task> SimHost::start_task(std::string name, std::function<void()> body) {
    const ServedGuard served_guard(*this);
    begin(true);
    record({{"kind", "task_start"}, {"name", name}});
    const int id = scheduler_.spawn(std::move(name), std::move(body));
    return std::make_unique<SimTask>(scheduler_, id);
}

std::unique_ptr<LockGuard> SimHost::lock(const std::string& name) {
    const ServedGuard served_guard(*this);
    begin(true);
    scheduler_.lock(name);
    record({{"kind", "lock"}, {"name", name}});
    return std::make_unique<SimLock>(scheduler_, name);
}

std::unique_ptr<LockGuard> SimHost::lock_until(const std::string& name,
                                               Clock::time_point deadline) {
    return take_lock(name, deadline, false);
}

std::unique_ptr<LockGuard> SimHost::lock_shared_until(const std::string& name,
                                                      Clock::time_point deadline) {
    return take_lock(name, deadline, true);
}

std::unique_ptr<LockGuard> SimHost::take_lock(const std::string& name, Clock::time_point deadline,
                                              bool shared) {
    const ServedGuard served_guard(*this);
    begin(true);
    nlohmann::json event{{"name", name}};
    if (shared) {
        event["shared"] = true;
    }
    if (!scheduler_.lock_until(name, to_ms(deadline), shared)) {
        // Another task held it past the deadline (a tool hanging under it):
        // for the waiter, the host did not serve the lock.
        refused("lock " + name, ETIMEDOUT);
        event["kind"] = "lock_timeout";
        record(std::move(event));
        return nullptr;
    }
    event["kind"] = "lock";
    record(std::move(event));
    return std::make_unique<SimLock>(scheduler_, name, shared);
}

int SimHost::inject(FaultSpec fault) {
    return model_.inject(std::move(fault));
}

int SimHost::inject(const nlohmann::json& fault) {
    return model_.inject(parse_fault(fault));
}

std::string SimHost::resolved(const std::string& path) {
    int error = 0;
    return tree().resolve(path, true, error).value_or(path);
}

int SimHost::write_through(const std::string& device_path, std::uint64_t offset,
                           const std::string& bytes) {
    const ServedGuard served_guard(*this);
    begin(true);
    ToolContext context{model_, [this]() -> const Tree& { return tree(); }, {}};
    const auto name = device_name_of(context, device_path);
    const int error = !name.empty() ? model_.write_device(name, offset, bytes)
                                    : model_.nfs_file_write(resolved(device_path), offset, bytes);
    record({{"kind", "io_write"},
            {"path", device_path},
            {"offset", offset},
            {"length", bytes.size()},
            {"result", errno_name(error)}});
    return error;
}

int SimHost::read_through(const std::string& device_path, std::uint64_t offset, std::size_t length,
                          std::string& out) {
    const ServedGuard served_guard(*this);
    begin(true);
    ToolContext context{model_, [this]() -> const Tree& { return tree(); }, {}};
    const auto name = device_name_of(context, device_path);
    const int error = !name.empty()
                          ? model_.read_device(name, offset, length, out)
                          : model_.nfs_file_read(resolved(device_path), offset, length, out);
    record({{"kind", "io_read"},
            {"path", device_path},
            {"offset", offset},
            {"length", length},
            {"result", errno_name(error)}});
    return error;
}

std::string SimHost::replay_hint(const std::string& scenario) const {
    return "brick-lab scenario run " + scenario + " --backend sim --seed " +
           std::to_string(options_.seed);
}

}  // namespace brick::sim
