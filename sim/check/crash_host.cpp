#include "sim/check/crash_host.hpp"

namespace brick::sim::check {

void CrashingHost::step() {
    ++count_;
    if (crashed_ || (crash_at_ != 0 && count_ >= crash_at_)) {
        crashed_ = true;
        throw HostCrashed{count_};
    }
}

IoStatus CrashingHost::read_file(const std::string& path, std::string& content) {
    step();
    return inner_.read_file(path, content);
}

IoStatus CrashingHost::write_file(const std::string& path, std::string_view data, Duration deadline,
                                  bool create_private) {
    step();
    return inner_.write_file(path, data, deadline, create_private);
}

IoStatus CrashingHost::list_dir(const std::string& path, std::vector<std::string>& names) {
    step();
    return inner_.list_dir(path, names);
}

IoStatus CrashingHost::read_link(const std::string& path, std::string& target) {
    step();
    return inner_.read_link(path, target);
}

IoStatus CrashingHost::stat(const std::string& path, FileInfo& info, bool no_follow) {
    step();
    return inner_.stat(path, info, no_follow);
}

IoStatus CrashingHost::open_check(const std::string& path) {
    step();
    return inner_.open_check(path);
}

IoStatus CrashingHost::make_dirs(const std::string& path) {
    step();
    return inner_.make_dirs(path);
}

IoStatus CrashingHost::remove(const std::string& path) {
    step();
    return inner_.remove(path);
}

std::vector<std::string> CrashingHost::glob(const std::string& pattern) {
    step();
    return inner_.glob(pattern);
}

CommandResult CrashingHost::run(const Command& command) {
    step();
    return inner_.run(command);
}

// Reading the clock is no interaction, but a dead process reads nothing.
Clock::time_point CrashingHost::now() {
    if (crashed_) {
        throw HostCrashed{count_};
    }
    return inner_.now();
}

void CrashingHost::sleep_for(Duration duration) {
    step();
    inner_.sleep_for(duration);
}

bool CrashingHost::wait_until(const std::function<bool()>& ready, Clock::time_point deadline,
                              const WaitHints& hints) {
    step();
    return inner_.wait_until(ready, deadline, hints);
}

std::unique_ptr<Task> CrashingHost::start_task(std::string name, std::function<void()> body) {
    step();
    return inner_.start_task(std::move(name), std::move(body));
}

std::unique_ptr<LockGuard> CrashingHost::lock(const std::string& name) {
    step();
    return inner_.lock(name);
}

std::unique_ptr<LockGuard> CrashingHost::lock_until(const std::string& name,
                                                    Clock::time_point deadline) {
    step();
    return inner_.lock_until(name, deadline);
}

std::unique_ptr<LockGuard> CrashingHost::lock_shared_until(const std::string& name,
                                                           Clock::time_point deadline) {
    step();
    return inner_.lock_shared_until(name, deadline);
}

}  // namespace brick::sim::check
