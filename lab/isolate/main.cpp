// brick-isolate: runs a command in a fresh network namespace that has only a
// loopback interface (brought up), so an address in a test fixture can never
// be contacted and parallel runs cannot clash on ports.
//
//   brick-isolate [--mount] -- COMMAND [ARGS...]
//
// --mount also gives the command a private mount namespace (mounts it makes
// vanish with it). Needs CAP_SYS_ADMIN (root).

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string_view>
#include <vector>

namespace {

bool bring_loopback_up() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    bool ok = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
    if (ok) {
        request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
        ok = ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
    }
    ::close(fd);
    return ok;
}

int usage() {
    std::cerr << "usage: brick-isolate [--mount] -- COMMAND [ARGS...]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    bool mount_namespace = false;
    int first = 1;
    for (; first < argc; ++first) {
        const std::string_view arg = argv[first];
        if (arg == "--") {
            ++first;
            break;
        }
        if (arg == "--mount") {
            mount_namespace = true;
        } else {
            return usage();
        }
    }
    if (first >= argc) {
        return usage();
    }
    const int flags = CLONE_NEWNET | (mount_namespace ? CLONE_NEWNS : 0);
    if (::unshare(flags) != 0) {
        std::cerr << "brick-isolate: unshare: " << std::strerror(errno) << '\n';
        return 125;
    }
    if (mount_namespace && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        std::cerr << "brick-isolate: making mounts private: " << std::strerror(errno) << '\n';
        return 125;
    }
    if (!bring_loopback_up()) {
        std::cerr << "brick-isolate: cannot bring up lo: " << std::strerror(errno) << '\n';
        return 125;
    }
    std::vector<char*> args(argv + first, argv + argc);
    args.push_back(nullptr);
    ::execvp(args.front(), args.data());
    std::cerr << "brick-isolate: " << args.front() << ": " << std::strerror(errno) << '\n';
    return 127;
}
