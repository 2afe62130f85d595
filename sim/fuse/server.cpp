#include "sim/fuse/server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "sim/fuse/protocol.hpp"

namespace brick::sim {
namespace {

// Blocks until the peer closed its end (or the server stops).
void wait_for_hangup(int fd, const std::atomic<bool>& stopping) {
    while (!stopping) {
        pollfd entry{fd, POLLIN, 0};
        const int n = ::poll(&entry, 1, 500);
        if (n > 0) {
            char byte = 0;
            if (::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0 && errno != EAGAIN) {
                return;
            }
            if ((entry.revents & (POLLHUP | POLLERR)) != 0) {
                return;
            }
        }
    }
}

}  // namespace

ToolServer::ToolServer(SimDaemon& daemon, std::string socket_path, std::function<void()> on_stop)
    : daemon_(daemon), socket_path_(std::move(socket_path)), on_stop_(std::move(on_stop)) {}

ToolServer::~ToolServer() {
    stop();
}

void ToolServer::start() {
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) {
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path_.size() >= sizeof(address.sun_path)) {
        throw std::runtime_error("socket path too long: " + socket_path_);
    }
    std::memcpy(address.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
    ::unlink(socket_path_.c_str());
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
    if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
        throw std::runtime_error("cannot listen on " + socket_path_ + ": " + std::strerror(errno));
    }
    acceptor_ = std::thread([this] { accept_loop(); });
}

void ToolServer::stop() {
    if (stopping_.exchange(true)) {
        return;
    }
    if (listen_fd_ >= 0) {
        ::shutdown(listen_fd_, SHUT_RDWR);
    }
    if (acceptor_.joinable()) {
        acceptor_.join();
    }
    if (listen_fd_ >= 0) {
        ::close(listen_fd_);
        listen_fd_ = -1;
    }
    ::unlink(socket_path_.c_str());
    // Connections still being served finish on their own threads; give them a moment.
    for (int i = 0; i < 100 && active_ > 0; ++i) {
        ::usleep(20000);
    }
}

void ToolServer::accept_loop() {
    while (!stopping_) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            return;
        }
        ++active_;
        std::thread([this, fd] {
            serve(fd);
            ::close(fd);
            --active_;
        }).detach();
    }
}

void ToolServer::serve(int fd) {
    const auto request = wire::receive_frame(fd);
    if (!request || !request->is_object()) {
        return;
    }
    const auto op = request->value("op", std::string());
    nlohmann::json reply;
    try {
        if (op == "run") {
            const auto argv = request->value("argv", std::vector<std::string>{});
            const auto input = request->value("input", std::string());
            auto run = daemon_.run_tool(argv, input);
            if (run.hangs) {
                wait_for_hangup(fd, stopping_);
                return;
            }
            reply = {{"exit", run.exit_status},
                     {"out", run.out},
                     {"err", run.err},
                     {"not_found", run.not_found}};
        } else if (op == "ping") {
            reply = {{"ok", true}, {"pid", ::getpid()}};
        } else if (op == "status") {
            reply = daemon_.status();
        } else if (op == "floors") {
            reply = daemon_.floors(std::clamp(request->value("parallel", 1U), 1U, 4096U));
        } else if (op == "inject") {
            reply = {{"id", daemon_.inject(request->value("fault", nlohmann::json::object()))}};
        } else if (op == "stop") {
            reply = {{"ok", true}};
            wire::send_frame(fd, reply);
            if (on_stop_) {
                on_stop_();
            }
            return;
        } else {
            reply = {{"error", "unknown op: " + op}};
        }
    } catch (const std::exception& e) {
        reply = {{"error", e.what()}};
    }
    wire::send_frame(fd, reply);
}

}  // namespace brick::sim
