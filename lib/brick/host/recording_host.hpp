#pragma once
// RecordingHost: forwards every call to another Host and writes each
// interaction to a trace (format: brick/host/trace.hpp), secrets masked.

#include "brick/host/host.hpp"
#include "brick/host/trace.hpp"

namespace brick {

class RecordingHost final : public Host {
  public:
    RecordingHost(Host& inner, TraceWriter& trace);

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
    void record(nlohmann::json fields);
    std::unique_ptr<LockGuard> record_lock(std::unique_ptr<LockGuard> guard,
                                           const std::string& name, bool shared);
    Host& inner_;
    TraceWriter& trace_;
    Clock::time_point start_;
};

}  // namespace brick
