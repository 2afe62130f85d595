#pragma once
// RealHost: the running Linux host.
//
// With a root prefix every absolute path the library uses ("/sys/...",
// "/dev/...", "/etc/...") is read and written under that prefix instead, so the
// library can run against a fake tree (the simulator's, or a fixture). With a
// tools directory, programs named by a bare name or whose base name exists
// there are run from it instead of PATH.

#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "brick/host/host.hpp"

namespace brick {

struct RealHostOptions {
    std::filesystem::path root = "/";                     // root prefix
    std::filesystem::path tools_dir;                      // empty: PATH only
    std::filesystem::path lock_dir = "/run/brick/locks";  // under root
};

class RealHost final : public Host {
  public:
    explicit RealHost(RealHostOptions options = {});

    IoStatus read_file(const std::string& path, std::string& content) override;
    IoStatus write_file(const std::string& path, std::string_view data, Duration deadline,
                        bool create_private = false) override;
    IoStatus list_dir(const std::string& path, std::vector<std::string>& names) override;
    IoStatus read_link(const std::string& path, std::string& target) override;
    IoStatus stat(const std::string& path, FileInfo& info, bool no_follow = false) override;
    IoStatus open_check(const std::string& path) override;
    IoStatus make_dirs(const std::string& path) override;
    IoStatus remove(const std::string& path) override;

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

    // The host path as this process opens it (root prefix applied).
    std::string relocate(const std::string& path) const;
    // The program to execute for argv0 (tools dir, then PATH); empty if none.
    std::string resolve_program(const std::string& argv0) const;

  private:
    RealHostOptions options_;
    std::mutex locks_mutex_;
    std::map<std::string, std::shared_ptr<std::shared_timed_mutex>> locks_;

    std::unique_ptr<LockGuard> take_lock(const std::string& name, Clock::time_point deadline,
                                         bool shared);
};

}  // namespace brick
