#include "sim/fuse/control.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "brick/core/error.hpp"
#include "sim/fuse/daemon.hpp"
#include "sim/fuse/fuse_fs.hpp"
#include "sim/fuse/protocol.hpp"
#include "sim/fuse/server.hpp"
#include "sim/model/fabric.hpp"
#include "sim/tools/tool.hpp"

namespace fs = std::filesystem;

namespace brick::sim {
namespace {

constexpr std::array<std::string_view, 4> top_views = {"sys", "dev", "etc", "proc"};

[[noreturn]] void fail(const std::string& message) {
    throw Error(ErrorCategory::host_error, message);
}

std::string errno_text() {
    return std::strerror(errno);
}

// Field 22 of /proc/PID/stat (start time in clock ticks); 0 when gone or a zombie.
std::uint64_t start_time_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(in, text)) {
        return 0;
    }
    const auto close = text.rfind(')');
    if (close == std::string::npos) {
        return 0;
    }
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    std::vector<std::string> values;
    while (fields >> field) {
        values.push_back(field);
    }
    // values[0] is field 3 (state); field 22 is values[19].
    if (values.size() < 20 || values[0] == "Z" || values[0] == "X") {
        return 0;
    }
    try {
        return std::stoull(values[19]);
    } catch (const std::exception&) {
        return 0;
    }
}

struct PidRecord {
    pid_t pid = 0;
    std::uint64_t start = 0;
};

PidRecord read_pid_file(const SimLayout& layout) {
    std::ifstream in(layout.pid_file());
    PidRecord record;
    long long pid = 0;
    if (in >> pid >> record.start) {
        record.pid = static_cast<pid_t>(pid);
    }
    return record;
}

bool alive(const PidRecord& record) {
    return record.pid > 0 && start_time_of(record.pid) == record.start && record.start != 0;
}

bool wait_gone(const PidRecord& record, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 20) {
        if (!alive(record)) {
            return true;
        }
        ::usleep(20000);
    }
    return !alive(record);
}

std::string unescape_mount_path(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size() + 0 && std::isdigit(text[i + 1]) != 0) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += text[i];
        }
    }
    return out;
}

fs::path canonical_root(const fs::path& dir) {
    std::error_code ec;
    auto path = fs::weakly_canonical(fs::absolute(dir), ec);
    if (ec) {
        path = fs::absolute(dir).lexically_normal();
    }
    auto text = path.string();
    while (text.size() > 1 && text.back() == '/') {
        text.pop_back();
    }
    return text;
}

fs::path find_tool_binary(const fs::path& requested) {
    if (!requested.empty()) {
        return requested;
    }
    std::error_code ec;
    const auto self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        auto beside = self.parent_path() / "brick-sim-tool";
        if (::access(beside.c_str(), X_OK) == 0) {
            return beside;
        }
    }
#ifdef BRICK_SIM_TOOL_PATH
    if (::access(BRICK_SIM_TOOL_PATH, X_OK) == 0) {
        return BRICK_SIM_TOOL_PATH;
    }
#endif
    fail("cannot find the brick-sim-tool executable (next to brick-lab); pass --tool");
}

void install_tools(const SimLayout& layout, const fs::path& tool) {
    fs::create_directories(layout.bin_dir());
    const auto binary = layout.tool_binary();
    std::error_code ec;
    fs::remove(binary, ec);
    fs::copy_file(tool, binary, fs::copy_options::overwrite_existing, ec);
    if (ec) {
        fail("cannot copy " + tool.string() + " to " + binary.string() + ": " + ec.message());
    }
    if (!wire::append_trailer(binary.string(), layout.socket().string())) {
        fail("cannot write " + binary.string() + ": " + errno_text());
    }
    fs::permissions(binary, fs::perms(0755), ec);
    for (const auto& name : tool_names()) {
        const auto link = layout.bin_dir() / name;
        fs::remove(link, ec);
        fs::create_hard_link(binary, link, ec);
        if (ec) {
            fail("cannot link " + link.string() + ": " + ec.message());
        }
    }
}

void make_view_links(const SimLayout& layout) {
    for (const auto view : top_views) {
        const auto path = layout.root / std::string(view);
        std::error_code ec;
        const auto status = fs::symlink_status(path, ec);
        if (fs::is_symlink(status)) {
            fs::remove(path, ec);
        } else if (fs::exists(status)) {
            if (!fs::is_directory(status) || !fs::is_empty(path, ec) || !fs::remove(path, ec)) {
                fail(path.string() + " exists and is not the simulator's: use an empty --root");
            }
        }
        fs::create_directory_symlink(fs::path(".fs") / std::string(view), path, ec);
        if (ec) {
            fail("cannot link " + path.string() + ": " + ec.message());
        }
    }
}

void write_pid_file(const SimLayout& layout) {
    const auto start = start_time_of(::getpid());
    const auto temporary = layout.pid_file().string() + ".new";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << ::getpid() << ' ' << start << '\n';
    }
    fs::rename(temporary, layout.pid_file());
}

// The daemon process: model, socket and FUSE until told to stop.
int run_daemon(const SimLayout& layout, Fabric fabric, const UpOptions& options, int ready_fd) {
    std::signal(SIGPIPE, SIG_IGN);
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    for (const int sig : {SIGTERM, SIGINT, SIGHUP}) {
        sigaddset(&stop_signals, sig);
    }
    // Helper threads never take the stop signals: the FUSE loop on this thread does.
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    DaemonOptions daemon_options;
    daemon_options.seed = options.seed;
    daemon_options.hostname = options.hostname;
    daemon_options.host_dev_dir = layout.host_dev().string();
    daemon_options.trace_file = layout.trace_file();
    SimDaemon daemon(std::move(fabric), daemon_options);
    daemon.start();
    ToolServer server(daemon, layout.socket().string(), [] { ::kill(::getpid(), SIGTERM); });
    server.start();
    pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
    const int code = serve_fuse(daemon, layout.mountpoint().string(), [&] {
        write_pid_file(layout);
        const char ready = 'R';
        (void)!::write(ready_fd, &ready, 1);
        ::close(ready_fd);
    });
    server.stop();
    daemon.stop();
    if (read_pid_file(layout).pid == ::getpid()) {
        std::error_code ec;
        fs::remove(layout.pid_file(), ec);
    }
    std::cerr << "brick-sim: stopped\n";
    return code;
}

std::string log_tail(const SimLayout& layout) {
    std::ifstream in(layout.log_file());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > 2000) {
        text = text.substr(text.size() - 2000);
    }
    return text;
}

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

void bind_mount(const fs::path& source, const fs::path& target, bool recursive = false) {
    const unsigned long flags = recursive ? static_cast<unsigned long>(MS_BIND | MS_REC)
                                          : static_cast<unsigned long>(MS_BIND);
    if (::mount(source.c_str(), target.c_str(), nullptr, flags, nullptr) != 0) {
        fail("sim exec: cannot bind " + source.string() + " on " + target.string() + ": " +
             errno_text());
    }
}

}  // namespace

SimLayout::SimLayout(const fs::path& dir) : root(canonical_root(dir)) {}

std::vector<std::string> mounts_under(const fs::path& dir) {
    const auto root = canonical_root(dir).string();
    std::vector<std::string> found;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id;
        std::string parent;
        std::string device;
        std::string source_root;
        std::string mount_point;
        if (!(fields >> id >> parent >> device >> source_root >> mount_point)) {
            continue;
        }
        const auto path = unescape_mount_path(mount_point);
        if (path == root || path.rfind(root + "/", 0) == 0) {
            found.push_back(path);
        }
    }
    std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() > b.size() : a > b;
    });
    return found;
}

std::vector<std::pair<std::string, std::string>> tool_bind_targets() {
    std::vector<std::pair<std::string, std::string>> targets;
    std::set<std::string> seen;
    for (const auto& name : tool_names()) {
        if (name == "tee") {
            continue;  // the real tee writes through the mounted /sys as it is
        }
        if (name == "mount" || name == "umount") {
            continue;  // the namespace keeps the real /proc/mounts: NFS is modelled in-process
        }
        for (const auto* dir :
             {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/", "/lib/udev/", "/usr/lib/udev/"}) {
            const fs::path candidate = std::string(dir) + name;
            std::error_code ec;
            if (!fs::is_regular_file(candidate, ec)) {
                continue;
            }
            const auto real = fs::canonical(candidate, ec).string();
            if (!ec && seen.insert(real).second) {
                targets.emplace_back(name, real);
            }
        }
    }
    return targets;
}

nlohmann::json sim_request(const fs::path& root, const nlohmann::json& request) {
    const SimLayout layout(root);
    const int fd = wire::connect_unix(layout.socket().string());
    if (fd < 0) {
        fail("no simulator answers at " + layout.socket().string() + " (" + errno_text() +
             "): start one with brick-lab sim up --root " + layout.root.string());
    }
    const bool sent = wire::send_frame(fd, request);
    auto reply = sent ? wire::receive_frame(fd) : std::nullopt;
    ::close(fd);
    if (!reply) {
        fail("the simulator at " + layout.socket().string() + " gave no answer");
    }
    return *reply;
}

nlohmann::json sim_up(const UpOptions& options) {
    const SimLayout layout(options.root);
    if (const auto record = read_pid_file(layout); alive(record)) {
        fail("a simulator already runs under " + layout.root.string() + " (pid " +
             std::to_string(record.pid) + "); stop it with brick-lab sim down --root " +
             layout.root.string());
    }
    sim_down(layout.root);  // leftovers of a crashed run
    Fabric fabric;
    try {
        fabric = load_fabric(options.fabric.string());
    } catch (const std::exception& e) {
        throw Error(ErrorCategory::invalid_properties,
                    "fabric " + options.fabric.string() + ": " + e.what(), "--fabric");
    }
    const auto tool = find_tool_binary(options.tool);
    std::error_code ec;
    for (const auto& dir : {layout.root, layout.run_dir(), layout.mountpoint(), layout.host_dev(),
                            layout.run_dir() / "brick" / "locks"}) {
        fs::create_directories(dir, ec);
        if (ec) {
            fail("cannot create " + dir.string() + ": " + ec.message());
        }
    }
    install_tools(layout, tool);
    make_view_links(layout);

    std::array<int, 2> pipe_fds = {-1, -1};
    if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
        fail("pipe: " + errno_text());
    }
    std::cout.flush();
    std::cerr.flush();
    const pid_t child = ::fork();
    if (child < 0) {
        fail("fork: " + errno_text());
    }
    if (child == 0) {
        ::close(pipe_fds[0]);
        ::setsid();
        const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        const int log_fd =
            ::open(layout.log_file().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (null_fd >= 0) {
            ::dup2(null_fd, STDIN_FILENO);
        }
        if (log_fd >= 0) {
            ::dup2(log_fd, STDOUT_FILENO);
            ::dup2(log_fd, STDERR_FILENO);
        }
        int code = 1;
        try {
            code = run_daemon(layout, std::move(fabric), options, pipe_fds[1]);
        } catch (const std::exception& e) {
            std::cerr << "brick-sim: " << e.what() << '\n';
        }
        std::cerr.flush();
        ::_exit(code);
    }
    ::close(pipe_fds[1]);
    pollfd entry{pipe_fds[0], POLLIN, 0};
    char ready = 0;
    const bool started = ::poll(&entry, 1, options.ready_timeout_ms) > 0 &&
                         ::read(pipe_fds[0], &ready, 1) == 1 && ready == 'R';
    ::close(pipe_fds[0]);
    if (!started) {
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        sim_down(layout.root);
        fail("the simulator did not start under " + layout.root.string() + ":\n" +
             log_tail(layout));
    }
    // The daemon is reaped by init once we exit; nothing to wait for here.
    return {{"root", layout.root.string()},
            {"pid", child},
            {"socket", layout.socket().string()},
            {"tools", layout.bin_dir().string()},
            {"seed", options.seed}};
}

nlohmann::json sim_down(const fs::path& root) {
    const SimLayout layout(root);
    nlohmann::json report{{"root", layout.root.string()}};
    const auto record = read_pid_file(layout);
    if (alive(record)) {
        ::kill(record.pid, SIGTERM);
        if (wait_gone(record, 5000)) {
            report["daemon"] = "stopped";
        } else {
            ::kill(record.pid, SIGKILL);
            wait_gone(record, 2000);
            report["daemon"] = "killed";
        }
        report["pid"] = record.pid;
    } else {
        report["daemon"] = record.pid > 0 ? "not running (stale pid file)" : "not running";
    }
    // Fake tool clients still waiting on a daemon that is gone.
    nlohmann::json killed = nlohmann::json::array();
    struct stat tool_stat {};
    if (::stat(layout.tool_binary().c_str(), &tool_stat) == 0) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator("/proc", ec)) {
            const auto name = entry.path().filename().string();
            if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) == 0) {
                continue;
            }
            struct stat exe {};
            if (::stat((entry.path() / "exe").c_str(), &exe) == 0 &&
                exe.st_dev == tool_stat.st_dev && exe.st_ino == tool_stat.st_ino) {
                const auto pid = static_cast<pid_t>(std::stol(name));
                if (pid != ::getpid() && ::kill(pid, SIGKILL) == 0) {
                    killed.push_back(pid);
                }
            }
        }
    }
    report["killed_clients"] = killed;
    nlohmann::json unmounted = nlohmann::json::array();
    for (int round = 0; round < 8; ++round) {
        const auto mounts = mounts_under(layout.root);
        if (mounts.empty()) {
            break;
        }
        for (const auto& mount : mounts) {
            if (::umount2(mount.c_str(), MNT_DETACH) == 0) {
                unmounted.push_back(mount);
            }
        }
    }
    report["unmounted"] = unmounted;
    const auto left = mounts_under(layout.root);
    report["mounts_left"] = left;
    std::error_code ec;
    fs::remove(layout.pid_file(), ec);
    fs::remove(layout.socket(), ec);
    return report;
}

void sim_exec(const fs::path& root, const std::vector<std::string>& argv) {
    if (argv.empty()) {
        throw Error(ErrorCategory::invalid_properties, "sim exec: no command given");
    }
    const SimLayout layout(root);
    sim_request(layout.root, {{"op", "ping"}});
    const auto views = layout.mountpoint();
    struct stat probe {};
    if (::stat((views / "sys").c_str(), &probe) != 0) {
        fail("the simulator's file system under " + views.string() +
             " does not answer: " + errno_text());
    }
    if (::unshare(CLONE_NEWNS | CLONE_NEWNET) != 0) {
        fail("sim exec: unshare: " + errno_text() + " (needs root)");
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        fail("sim exec: making mounts private: " + errno_text());
    }
    if (!bring_loopback_up()) {
        fail("sim exec: cannot bring up lo: " + errno_text());
    }
    bind_mount(views / "sys", "/sys");
    std::error_code ec;
    for (const auto* name : {"iscsi", "nvme", "multipath", "multipath.conf"}) {
        const fs::path host = fs::path("/etc") / name;
        const auto fake = views / "etc" / name;
        if (fs::exists(host, ec) && fs::exists(fake, ec) &&
            fs::is_directory(host, ec) == fs::is_directory(fake, ec)) {
            bind_mount(fake, host);
        }
    }
    bind_mount("/dev", layout.host_dev(), true);
    bind_mount(views / "nsdev", "/dev");
    for (const auto& [tool, path] : tool_bind_targets()) {
        bind_mount(layout.bin_dir() / tool, path);
    }
    std::vector<char*> args;
    std::vector<std::string> words(argv);
    args.reserve(words.size() + 1);
    for (auto& word : words) {
        args.push_back(word.data());
    }
    args.push_back(nullptr);
    ::execvp(args.front(), args.data());
    const int saved = errno;
    std::cerr << "brick-lab sim exec: " << argv.front() << ": " << std::strerror(saved) << '\n';
    throw Error(ErrorCategory::command_failed, "sim exec: cannot run " + argv.front());
}

}  // namespace brick::sim
