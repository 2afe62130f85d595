// brick-sim-tool: the fake host programs of the out-of-process simulator, one
// multi-call client. Installed in DIR/bin as hard links named iscsiadm,
// multipath, scsi_id, ... (the name it is run as picks the tool), it forwards
// its arguments (and, for tee, its standard input) to the simulator daemon
// over the unix socket and reproduces the tool's output and exit status.
//
// The socket is $BRICK_SIM_SOCKET, else the path `brick-lab sim up` appended
// to this copy of the executable (which works through sudo, which clears the
// environment, and through bind mounts over /usr/sbin/iscsiadm).
//
//   brick-sim-tool iscsiadm -m session      (same as running DIR/bin/iscsiadm)

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "sim/fuse/protocol.hpp"

namespace {

std::string base_name(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    if (args.empty()) {
        return 127;
    }
    if (base_name(args[0]) == "brick-sim-tool") {
        if (args.size() < 2) {
            std::cerr << "usage: brick-sim-tool TOOL [ARGS...]\n";
            return 2;
        }
        args.erase(args.begin());
    }
    const auto name = base_name(args[0]);
    std::string socket;
    if (const char* env = std::getenv("BRICK_SIM_SOCKET"); env != nullptr && *env != '\0') {
        socket = env;
    } else if (auto carried = brick::sim::wire::read_trailer("/proc/self/exe")) {
        socket = *carried;
    } else {
        std::cerr << name << ": brick-sim-tool: no simulator socket (set BRICK_SIM_SOCKET)\n";
        return 127;
    }
    std::string input;
    if (name == "tee" || name == "cryptsetup") {  // cryptsetup: the key on stdin
        input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
    const int fd = brick::sim::wire::connect_unix(socket);
    if (fd < 0) {
        std::cerr << name << ": brick-sim-tool: no simulator at " << socket << ": "
                  << std::strerror(errno) << '\n';
        return 127;
    }
    nlohmann::json request{{"op", "run"}, {"argv", args}, {"input", input}};
    if (!brick::sim::wire::send_frame(fd, request)) {
        std::cerr << name << ": brick-sim-tool: cannot send the request\n";
        ::close(fd);
        return 127;
    }
    const auto reply = brick::sim::wire::receive_frame(fd);
    ::close(fd);
    if (!reply || !reply->is_object()) {
        std::cerr << name << ": brick-sim-tool: the simulator closed the connection\n";
        return 127;
    }
    if (reply->contains("error")) {
        std::cerr << name << ": brick-sim-tool: " << reply->value("error", std::string()) << '\n';
        return 127;
    }
    write_all(STDOUT_FILENO, reply->value("out", std::string()));
    write_all(STDERR_FILENO, reply->value("err", std::string()));
    if (reply->value("not_found", false)) {
        return 127;
    }
    return reply->value("exit", 1) & 0xff;
}
