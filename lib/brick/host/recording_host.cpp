#include "brick/host/recording_host.hpp"

namespace brick {

RecordingHost::RecordingHost(Host& inner, TraceWriter& trace)
    : inner_(inner), trace_(trace), start_(inner.now()) {}

void RecordingHost::record(nlohmann::json fields) {
    fields["t_ms"] = std::chrono::duration_cast<Duration>(inner_.now() - start_).count();
    trace_.write(fields);
}

IoStatus RecordingHost::read_file(const std::string& path, std::string& content) {
    const auto status = inner_.read_file(path, content);
    nlohmann::json r{{"kind", "read"}, {"path", path}, {"result", errno_name(status.error)}};
    if (status.ok()) {
        r["data"] = content;
    }
    record(std::move(r));
    return status;
}

IoStatus RecordingHost::write_file(const std::string& path, std::string_view data,
                                   Duration deadline, bool create_private) {
    const auto status = inner_.write_file(path, data, deadline, create_private);
    record({{"kind", "write"},
            {"path", path},
            {"data", std::string(data)},
            {"result", errno_name(status.error)}});
    return status;
}

IoStatus RecordingHost::list_dir(const std::string& path, std::vector<std::string>& names) {
    const auto status = inner_.list_dir(path, names);
    nlohmann::json r{{"kind", "list"}, {"path", path}, {"result", errno_name(status.error)}};
    if (status.ok()) {
        r["names"] = names;
    }
    record(std::move(r));
    return status;
}

IoStatus RecordingHost::read_link(const std::string& path, std::string& target) {
    const auto status = inner_.read_link(path, target);
    nlohmann::json r{{"kind", "readlink"}, {"path", path}, {"result", errno_name(status.error)}};
    if (status.ok()) {
        r["target"] = target;
    }
    record(std::move(r));
    return status;
}

IoStatus RecordingHost::stat(const std::string& path, FileInfo& info, bool no_follow) {
    const auto status = inner_.stat(path, info, no_follow);
    nlohmann::json r{{"kind", "stat"}, {"path", path}, {"result", errno_name(status.error)}};
    if (status.ok()) {
        r["type"] = file_type_name(info.type);
    }
    record(std::move(r));
    return status;
}

IoStatus RecordingHost::open_check(const std::string& path) {
    const auto status = inner_.open_check(path);
    record({{"kind", "open"}, {"path", path}, {"result", errno_name(status.error)}});
    return status;
}

IoStatus RecordingHost::make_dirs(const std::string& path) {
    const auto status = inner_.make_dirs(path);
    record({{"kind", "mkdir"}, {"path", path}, {"result", errno_name(status.error)}});
    return status;
}

IoStatus RecordingHost::remove(const std::string& path) {
    const auto status = inner_.remove(path);
    record({{"kind", "remove"}, {"path", path}, {"result", errno_name(status.error)}});
    return status;
}

std::vector<std::string> RecordingHost::glob(const std::string& pattern) {
    auto found = inner_.glob(pattern);
    record({{"kind", "glob"}, {"pattern", pattern}, {"paths", found}});
    return found;
}

CommandResult RecordingHost::run(const Command& command) {
    auto result = inner_.run(command);
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
    record(std::move(r));
    return result;
}

Clock::time_point RecordingHost::now() {
    return inner_.now();
}

void RecordingHost::sleep_for(Duration duration) {
    record({{"kind", "sleep"}, {"ms", duration.count()}});
    inner_.sleep_for(duration);
}

bool RecordingHost::wait_until(const std::function<bool()>& ready, Clock::time_point deadline,
                               const WaitHints& hints) {
    const auto budget = std::chrono::duration_cast<Duration>(deadline - inner_.now()).count();
    record({{"kind", "wait"}, {"budget_ms", budget}, {"watch", hints.watch_paths}});
    const bool ok = inner_.wait_until(ready, deadline, hints);
    record({{"kind", "wait_end"}, {"ready", ok}});
    return ok;
}

std::unique_ptr<Task> RecordingHost::start_task(std::string name, std::function<void()> body) {
    record({{"kind", "task_start"}, {"name", name}});
    return inner_.start_task(std::move(name), std::move(body));
}

std::unique_ptr<LockGuard> RecordingHost::lock(const std::string& name) {
    auto guard = inner_.lock(name);
    record({{"kind", "lock"}, {"name", name}});
    return guard;
}

std::unique_ptr<LockGuard> RecordingHost::lock_until(const std::string& name,
                                                     Clock::time_point deadline) {
    return record_lock(inner_.lock_until(name, deadline), name, false);
}

std::unique_ptr<LockGuard> RecordingHost::lock_shared_until(const std::string& name,
                                                            Clock::time_point deadline) {
    return record_lock(inner_.lock_shared_until(name, deadline), name, true);
}

std::unique_ptr<LockGuard> RecordingHost::record_lock(std::unique_ptr<LockGuard> guard,
                                                      const std::string& name, bool shared) {
    nlohmann::json event{{"kind", guard ? "lock" : "lock_timeout"}, {"name", name}};
    if (shared) {
        event["shared"] = true;
    }
    record(std::move(event));
    return guard;
}

}  // namespace brick
