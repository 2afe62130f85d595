#pragma once
// CrashingHost: a Host that forwards to another until interaction K, then
// behaves like a process that died there. The K-th interaction and every one
// after it throws HostCrashed instead of reaching the host, so no cleanup,
// catch block or destructor of the library can touch the host once the
// crash point is passed, as after a SIGKILL. What the host was already doing
// (a write the kernel completes later, udev, multipathd) carries on.
//
//   SimHost sim(fabric, {.seed = 3});
//   CrashingHost crashing(sim, 17);                  // dies at its 17th interaction
//   try { make_connector(Protocol::iscsi, crashing, {})->connect(props); }
//   catch (const HostCrashed&) {}
//   make_connector(Protocol::iscsi, sim, {})->disconnect(props, {}, {});  // a new process

#include <cstdint>

#include "brick/host/host.hpp"

namespace brick::sim::check {

// Not a brick::Error nor a std::exception: nothing in the library handles it.
struct HostCrashed {
    std::uint64_t interaction = 0;
};

class CrashingHost final : public Host {
  public:
    // crash_at: the 1-based interaction that crashes; 0 never crashes (counts only).
    CrashingHost(Host& inner, std::uint64_t crash_at) : inner_(inner), crash_at_(crash_at) {}

    // Interactions asked so far (the refused ones included).
    std::uint64_t interactions() const { return count_; }
    bool crashed() const { return crashed_; }

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

  private:
    // Counts an interaction; throws HostCrashed from the crash point on.
    void step();

    Host& inner_;
    std::uint64_t crash_at_;
    std::uint64_t count_ = 0;
    bool crashed_ = false;
};

}  // namespace brick::sim::check
