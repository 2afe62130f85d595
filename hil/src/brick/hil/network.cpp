#include "brick/hil/network.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "brick/core/error.hpp"

namespace brick::hil {

namespace {

[[noreturn]] void socket_error(const std::string& what) {
    throw Error(ErrorCategory::host_error,
                "making a guest link on 127.0.0.1: " + what + ": " + std::strerror(errno));
}

sockaddr_in loopback(in_port_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = port;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// A frame a busy guest has not read yet waits in the socket's buffer rather than
// being dropped: loss on a link is only what a test injects (netem), as far as it can be.
void enlarge_buffers(int fd) {
    const int size = 4 * 1024 * 1024;
    for (const int option : {SO_RCVBUFFORCE, SO_SNDBUFFORCE}) {
        if (::setsockopt(fd, SOL_SOCKET, option, &size, sizeof size) != 0) {
            const int fallback = option == SO_RCVBUFFORCE ? SO_RCVBUF : SO_SNDBUF;
            ::setsockopt(fd, SOL_SOCKET, fallback, &size, sizeof size);  // best effort
        }
    }
}

void check_forward(const Forward& forward, std::size_t index) {
    const std::string field = "forwards[" + std::to_string(index) + "]";
    in_addr guest{};
    if (::inet_pton(AF_INET, forward.guest_address.c_str(), &guest) != 1 ||
        (ntohl(guest.s_addr) & 0xffffff00U) != 0x0a000200U) {
        throw Error(ErrorCategory::invalid_properties,
                    field +
                        ".guest: expected an IPv4 address in QEMU's user network "
                        "10.0.2.0/24, got '" +
                        forward.guest_address + "'",
                    field + ".guest");
    }
    for (const auto& [name, port] :
         {std::pair{"guest port", forward.guest_port}, std::pair{"host port", forward.host_port}}) {
        if (port < 1 || port > 65535) {
            throw Error(ErrorCategory::invalid_properties,
                        field + ": expected a " + std::string(name) + " in 1..65535, got " +
                            std::to_string(port),
                        field);
        }
    }
}

}  // namespace

Link::Link() {
    for (auto& fd : fds_) {
        fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            socket_error("socket");
        }
        enlarge_buffers(fd);
        auto address = loopback(0);  // the kernel picks a free port
        if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            socket_error("bind");
        }
    }
    std::array<sockaddr_in, 2> bound{};
    for (int side = 0; side < 2; ++side) {
        socklen_t length = sizeof bound.at(side);
        if (::getsockname(fds_.at(side), reinterpret_cast<sockaddr*>(&bound.at(side)), &length) !=
            0) {
            socket_error("getsockname");
        }
    }
    // Each end sends to the other and accepts frames from it only.
    for (int side = 0; side < 2; ++side) {
        auto peer = bound.at(1 - side);
        if (::connect(fds_.at(side), reinterpret_cast<sockaddr*>(&peer), sizeof peer) != 0) {
            socket_error("connect");
        }
    }
}

Link::Link(Link&& other) noexcept : fds_(std::exchange(other.fds_, {-1, -1})) {}

Link& Link::operator=(Link&& other) noexcept {
    if (this != &other) {
        for (const int fd : fds_) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
        fds_ = std::exchange(other.fds_, {-1, -1});
    }
    return *this;
}

Link::~Link() {
    for (const int fd : fds_) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

std::string link_mac(int index, int role) {
    std::array<char, 18> text{};
    std::snprintf(text.data(), text.size(), "52:54:00:99:%02x:%02x", index & 0xff, role & 0xff);
    return text.data();
}

std::vector<std::string> nic_arguments(const std::vector<LinkNic>& links,
                                       const std::vector<Forward>& forwards) {
    std::vector<std::string> args;
    for (std::size_t index = 0; index < links.size(); ++index) {
        const auto id = "link" + std::to_string(index);
        args.insert(
            args.end(),
            {"-netdev",
             "dgram,id=" + id + ",local.type=fd,local.str=" + std::to_string(links[index].fd),
             "-device", "virtio-net-pci,netdev=" + id + ",mac=" + links[index].mac});
    }
    if (!forwards.empty()) {
        std::string user = "user,id=user0,restrict=on";
        for (std::size_t index = 0; index < forwards.size(); ++index) {
            const auto& forward = forwards[index];
            check_forward(forward, index);
            // One `nc` per connection (the `tcp:` form of guestfwd takes only one
            // connection); it dies with QEMU, its parent. libslirp splits the command
            // into words and executes it without a shell (so no `exec`). The values
            // hold no comma (checked above), so the option needs no escaping.
            user += ",guestfwd=tcp:" + forward.guest_address + ":" +
                    std::to_string(forward.guest_port) +
                    "-cmd:setpriv --pdeathsig KILL busybox nc 127.0.0.1 " +
                    std::to_string(forward.host_port);
        }
        args.insert(args.end(), {"-netdev", user, "-device",
                                 "virtio-net-pci,netdev=user0,mac=52:54:00:12:34:56"});
    }
    if (args.empty()) {
        args = {"-nic", "none"};
    }
    return args;
}

}  // namespace brick::hil
