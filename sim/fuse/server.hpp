#pragma once
// The daemon's unix socket: serves the fake tools and control requests
// (protocol.hpp), one thread per connection.

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "sim/fuse/daemon.hpp"

namespace brick::sim {

class ToolServer {
  public:
    // on_stop runs when a client asks the daemon to stop.
    ToolServer(SimDaemon& daemon, std::string socket_path, std::function<void()> on_stop);
    ~ToolServer();
    ToolServer(const ToolServer&) = delete;
    ToolServer& operator=(const ToolServer&) = delete;
    ToolServer(ToolServer&&) = delete;
    ToolServer& operator=(ToolServer&&) = delete;

    // Binds and listens (replacing a stale socket file); throws on error.
    void start();
    void stop();

  private:
    void accept_loop();
    void serve(int fd);

    SimDaemon& daemon_;
    std::string socket_path_;
    std::function<void()> on_stop_;
    int listen_fd_ = -1;
    std::atomic<bool> stopping_{false};
    std::atomic<int> active_{0};
    std::thread acceptor_;
};

}  // namespace brick::sim
