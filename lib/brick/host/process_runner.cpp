// Boost.Process starts a program with vfork() only where the POSIX level in
// force still names it; glibc has it at every level. Set before any Boost
// header: a child made by vfork shares the caller's memory until it execs, so
// starting a program copies no page tables and costs the caller no
// copy-on-write faults afterwards. fork() from a large multithreaded caller
// (a Python service embedding libbrick) made every thread fault on its next
// writes: 32 attaches at once from one process took longer than from 32.
#define BOOST_POSIX_HAS_VFORK 1  // NOLINT(cppcoreguidelines-macro-usage)

#include "brick/host/process_runner.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/posix.hpp>
#include <chrono>
#include <csignal>
#include <optional>
#include <thread>

namespace brick {
namespace bp = boost::process;

namespace {

// A program that exits without reading its input must not kill the caller
// with SIGPIPE: the write then fails with EPIPE instead. Only a default
// disposition is changed; a handler the application installed stays.
// Returns whether it made SIGPIPE ignored (a program it starts gets the default back).
bool ignore_broken_pipes() {
    static const bool changed = [] {
        struct sigaction current {};
        if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
            ::signal(SIGPIPE, SIG_IGN);
            return true;
        }
        return false;
    }();
    return changed;
}

// In the child, before exec: a vfork child shares the caller's memory, so
// none of the caller's signal handlers may run in it. Signals are blocked
// around the start (signal_block below); every caught signal goes back to
// its default here, in the child's own handler table, before the caller's
// mask is restored, as posix_spawn does. Only async-signal-safe calls.
void default_signal_handlers(bool sigpipe_was_default) {
    for (int signal = 1; signal < NSIG; ++signal) {
        struct sigaction current {};
        if (::sigaction(signal, nullptr, &current) != 0) {
            continue;
        }
        const bool ignored_by_us = signal == SIGPIPE && sigpipe_was_default;
        if (current.sa_handler == SIG_DFL || (current.sa_handler == SIG_IGN && !ignored_by_us)) {
            continue;
        }
        struct sigaction reset {};
        reset.sa_handler = SIG_DFL;
        ::sigemptyset(&reset.sa_mask);
        ::sigaction(signal, &reset, nullptr);
    }
}

// Blocks every signal in the calling thread while it lives (the child starts
// with that mask and restores the caller's before exec).
class SignalBlock {
  public:
    SignalBlock() {
        sigset_t all;
        ::sigfillset(&all);
        ::pthread_sigmask(SIG_SETMASK, &all, &previous_);
    }
    ~SignalBlock() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
    SignalBlock(const SignalBlock&) = delete;
    SignalBlock& operator=(const SignalBlock&) = delete;
    SignalBlock(SignalBlock&&) = delete;
    SignalBlock& operator=(SignalBlock&&) = delete;

    const sigset_t& previous() const { return previous_; }

  private:
    sigset_t previous_{};
};

// In the child, before exec: every descriptor above stderr closes
// at exec. Without it a program inherits the pipes of every other program
// that other threads of the caller are running at that moment, and holds
// them open: their output then ends only when this program exits, so a
// command that finished waits for the slowest command started after it
// (four parallel logins all returned when the two to dead portals gave up).
// Only async-signal-safe calls here. Boost's own exec-error pipe is
// close-on-exec already and keeps working.
void close_inherited_descriptors() {
    if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
        return;
    }
    // Kernels before 5.11: mark each possible descriptor, up to a bound.
    struct rlimit limit {};
    rlim_t top = 65536;
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < top) {
        top = limit.rlim_cur;
    }
    for (rlim_t fd = 3; fd < top; ++fd) {
        ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    }
}

}  // namespace

CommandResult run_process(const std::string& program, const Command& command) {
    const bool sigpipe_was_default = ignore_broken_pipes();
    CommandResult result;
    boost::asio::io_context context;
    bp::async_pipe stdin_pipe(context);
    std::future<std::string> out;
    std::future<std::string> err;
    std::vector<std::string> args(command.argv.begin() + 1, command.argv.end());
    auto environment = boost::this_process::environment();
    environment["LC_ALL"] = "C";
    bp::group group;
    std::error_code launch_error;
    std::optional<bp::child> started;
    {
        const SignalBlock blocked;
        const sigset_t* restore = &blocked.previous();
        started.emplace(
            bp::exe = program, bp::args = args, bp::std_in<stdin_pipe, bp::std_out> out,
            bp::std_err > err, environment, group, context, launch_error, bp::posix::use_vfork,
            bp::extend::on_exec_setup = [restore, sigpipe_was_default](auto&) {
                default_signal_handlers(sigpipe_was_default);
                ::pthread_sigmask(SIG_SETMASK, restore, nullptr);
                close_inherited_descriptors();
            });
    }
    bp::child& child = *started;
    if (launch_error) {
        result.not_found = true;
        result.exit_status = 127;
        result.err = program + ": " + launch_error.message();
        return result;
    }
    boost::asio::async_write(
        stdin_pipe, boost::asio::buffer(command.input),
        [&](const boost::system::error_code&, std::size_t) { stdin_pipe.close(); });
    const auto deadline = std::chrono::steady_clock::now() + command.deadline;
    boost::asio::steady_timer timer(context, command.deadline);
    bool expired = false;
    timer.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) {
            expired = true;
            std::error_code ignored;
            group.terminate(ignored);
        }
    });
    const auto ready = [](std::future<std::string>& f) {
        return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    };
    // Run until the program closed its output (normally by exiting) or the
    // deadline passed.
    while (!context.stopped() && !expired && !(ready(out) && ready(err))) {
        context.run_one();
    }
    // Its exit is polled, not awaited through SIGCHLD: with programs run from
    // several threads at once, one thread's io_context can miss the signal of
    // another's child and sleep until the deadline.
    std::error_code running_error;
    while (!expired && child.running(running_error)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            expired = true;
            std::error_code ignored;
            group.terminate(ignored);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    timer.cancel();
    // The rest of its output: the program has exited or was killed, so its
    // pipes are closed unless something it started outside its group holds
    // them; that is given a short grace, then what it holds is left unread.
    const auto drained_by = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!context.stopped() && !(ready(out) && ready(err)) &&
           std::chrono::steady_clock::now() < drained_by) {
        context.run_one_for(std::chrono::milliseconds(50));
    }
    std::error_code wait_error;
    child.wait(wait_error);
    result.timed_out = expired;
    const int native = child.native_exit_code();
    if (WIFSIGNALED(native)) {
        result.exit_status = 128 + WTERMSIG(native);
    } else {
        result.exit_status = child.exit_code();
    }
    result.out = ready(out) ? out.get() : std::string();
    result.err = ready(err) ? err.get() : std::string();
    return result;
}

}  // namespace brick
