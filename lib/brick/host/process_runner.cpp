#include "brick/host/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>
#include <vector>

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX's name

namespace brick {
namespace {

using Steady = std::chrono::steady_clock;

// A program that exits without reading its input must not kill the caller
// with SIGPIPE: the write then fails with EPIPE instead. Only a default
// disposition is changed; a handler the application installed stays. (The
// program itself starts with every signal at its default.)
void ignore_broken_pipes() {
    static const bool done = [] {
        struct sigaction current {};
        if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
            ::signal(SIGPIPE, SIG_IGN);
        }
        return true;
    }();
    (void)done;
}

// A descriptor closed when its owner goes.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = other.fd_;
            other.fd_ = -1;
        }
        return *this;
    }
    int get() const { return fd_; }
    bool open() const { return fd_ >= 0; }
    void reset() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

  private:
    int fd_ = -1;
};

struct Pipe {
    Fd read;
    Fd write;
};

// Both ends close at exec: the program gets its end through a dup2 to 0, 1
// or 2, which clears the flag.
bool make_pipe(Pipe& pipe) {
    std::array<int, 2> ends{-1, -1};
    if (::pipe2(ends.data(), O_CLOEXEC) != 0) {
        return false;
    }
    pipe.read = Fd(ends[0]);
    pipe.write = Fd(ends[1]);
    return true;
}

// The caller's environment with LC_ALL=C: programs answer in the words and
// number formats the parsers expect.
std::vector<std::string> program_environment() {
    std::vector<std::string> out;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        if (std::strncmp(*entry, "LC_ALL=", 7) != 0) {
            out.emplace_back(*entry);
        }
    }
    out.emplace_back("LC_ALL=C");
    return out;
}

std::vector<char*> pointers(std::vector<std::string>& words) {
    std::vector<char*> out;
    out.reserve(words.size() + 1);
    for (auto& word : words) {
        out.push_back(word.data());
    }
    out.push_back(nullptr);
    return out;
}

// The program is started with posix_spawn: glibc makes the child with
// clone(CLONE_VM | CLONE_VFORK), so starting a program copies no page
// tables and costs the caller no copy-on-write faults afterwards. fork()
// from a large multithreaded caller (a Python service embedding libbrick,
// 32 attaches at once) made every thread fault on its next writes: from one
// process, 32 attaches took 2.1 s with fork and 1.0 s without it.
// In the child:
// - stdin, stdout and stderr are pipes to the caller;
// - every other descriptor is closed. Without it, a program inherits the pipes
//   of every program that other threads of the caller are running at that
//   moment, and holds them open: their output then ends only when this program
//   exits, so a command that finished waits for the slowest command started
//   after it (four parallel logins all returned when the two to dead portals
//   gave up);
// - it leads a process group of its own, killed whole at the deadline;
// - every signal is at its default and none is blocked, whatever the caller set.
class Spawn {
  public:
    Spawn() {
        ::posix_spawn_file_actions_init(&actions_);
        ::posix_spawnattr_init(&attributes_);
    }
    ~Spawn() {
        ::posix_spawn_file_actions_destroy(&actions_);
        ::posix_spawnattr_destroy(&attributes_);
    }
    Spawn(const Spawn&) = delete;
    Spawn& operator=(const Spawn&) = delete;
    Spawn(Spawn&&) = delete;
    Spawn& operator=(Spawn&&) = delete;

    // Returns 0 or an errno (the program could not be executed).
    int start(const std::string& program, const std::vector<std::string>& argv, int in, int out,
              int err, pid_t& pid) {
        ::posix_spawn_file_actions_adddup2(&actions_, in, STDIN_FILENO);
        ::posix_spawn_file_actions_adddup2(&actions_, out, STDOUT_FILENO);
        ::posix_spawn_file_actions_adddup2(&actions_, err, STDERR_FILENO);
        ::posix_spawn_file_actions_addclosefrom_np(&actions_, STDERR_FILENO + 1);
        sigset_t none;
        sigset_t all;
        ::sigemptyset(&none);
        ::sigfillset(&all);
        ::posix_spawnattr_setsigmask(&attributes_, &none);
        ::posix_spawnattr_setsigdefault(&attributes_, &all);
        ::posix_spawnattr_setpgroup(&attributes_, 0);
        ::posix_spawnattr_setflags(
            &attributes_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        auto words = argv;
        auto environment = program_environment();
        auto args = pointers(words);
        auto env = pointers(environment);
        return ::posix_spawn(&pid, program.c_str(), &actions_, &attributes_, args.data(),
                             env.data());
    }

  private:
    posix_spawn_file_actions_t actions_{};
    posix_spawnattr_t attributes_{};
};

// Reads what is there (the descriptor is non-blocking); false at end of file.
bool read_some(Fd& fd, std::string& into) {
    std::array<char, 16384> buffer{};
    for (;;) {
        const auto n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n > 0) {
            into.append(buffer.data(), static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return true;
        }
        fd.reset();  // end of file, or an error: no more to read
        return false;
    }
}

void set_non_blocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int remaining_ms(Steady::time_point until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Steady::now());
    return static_cast<int>(std::max<std::int64_t>(0, std::min<std::int64_t>(left.count(), 1000)));
}

}  // namespace

CommandResult run_process(const std::string& program, const Command& command) {
    ignore_broken_pipes();
    CommandResult result;
    Pipe in;
    Pipe out;
    Pipe err;
    if (!make_pipe(in) || !make_pipe(out) || !make_pipe(err)) {
        result.exit_status = 127;
        result.err = program + ": no pipe: " + std::strerror(errno);
        return result;
    }
    pid_t pid = -1;
    {
        Spawn spawn;
        if (const int error = spawn.start(program, command.argv, in.read.get(), out.write.get(),
                                          err.write.get(), pid);
            error != 0) {
            result.not_found = true;
            result.exit_status = 127;
            result.err = program + ": " + std::strerror(error);
            return result;
        }
    }
    in.read.reset();
    out.write.reset();
    err.write.reset();
    set_non_blocking(in.write.get());
    set_non_blocking(out.read.get());
    set_non_blocking(err.read.get());

    const auto deadline = Steady::now() + command.deadline;
    bool expired = false;
    const auto kill_group = [&] {
        expired = true;
        ::kill(-pid, SIGKILL);
    };
    std::size_t written = 0;
    if (command.input.empty()) {
        in.write.reset();
    }
    // Until the program closed its output (normally by exiting) or the
    // deadline passed: its input written as it takes it, its output read.
    const auto pump = [&](Steady::time_point until) {
        while (out.read.open() || err.read.open()) {
            std::array<pollfd, 3> watched{};
            nfds_t count = 0;
            for (Fd* fd : {&out.read, &err.read}) {
                if (fd->open()) {
                    watched[count++] = {fd->get(), POLLIN, 0};
                }
            }
            if (in.write.open()) {
                watched[count++] = {in.write.get(), POLLOUT, 0};
            }
            const int timeout = remaining_ms(until);
            if (timeout == 0 && Steady::now() >= until) {
                return false;
            }
            if (::poll(watched.data(), count, timeout) < 0 && errno != EINTR) {
                return false;
            }
            if (in.write.open()) {
                const auto n = ::write(in.write.get(), command.input.data() + written,
                                       command.input.size() - written);
                if (n > 0) {
                    written += static_cast<std::size_t>(n);
                }
                if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
                    written == command.input.size()) {
                    in.write.reset();  // all of it, or the program stopped reading (EPIPE)
                }
            }
            if (out.read.open()) {
                read_some(out.read, result.out);
            }
            if (err.read.open()) {
                read_some(err.read, result.err);
            }
        }
        return true;
    };
    if (!pump(deadline)) {
        kill_group();
    }
    in.write.reset();
    // Its exit is polled with a short sleep: the program has closed its
    // output, so it is exiting, or was killed.
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, expired ? 0 : WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) {
            break;
        }
        if (done == 0 && Steady::now() >= deadline) {
            kill_group();
            continue;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // The rest of its output: the program has exited or was killed, so its
    // pipes are closed unless something it started outside its group holds
    // them; that is given a short grace, then what it holds is left unread.
    pump(Steady::now() + std::chrono::seconds(2));
    result.timed_out = expired;
    if (WIFSIGNALED(status)) {
        result.exit_status = 128 + WTERMSIG(status);
    } else {
        result.exit_status = WEXITSTATUS(status);
    }
    return result;
}

}  // namespace brick
