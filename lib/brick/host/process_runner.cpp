#include "brick/host/process_runner.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/process.hpp>
#include <csignal>

namespace brick {
namespace bp = boost::process;

namespace {

// A program that exits without reading its input must not kill the caller
// with SIGPIPE: the write then fails with EPIPE instead. Only a default
// disposition is changed; a handler the application installed stays.
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

}  // namespace

CommandResult run_process(const std::string& program, const Command& command) {
    ignore_broken_pipes();
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
    bp::child child(bp::exe = program, bp::args = args, bp::std_in<stdin_pipe, bp::std_out> out,
                    bp::std_err > err, environment, group, context, launch_error);
    if (launch_error) {
        result.not_found = true;
        result.exit_status = 127;
        result.err = program + ": " + launch_error.message();
        return result;
    }
    boost::asio::async_write(
        stdin_pipe, boost::asio::buffer(command.input),
        [&](const boost::system::error_code&, std::size_t) { stdin_pipe.close(); });
    boost::asio::steady_timer timer(context, command.deadline);
    bool expired = false;
    timer.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) {
            expired = true;
            std::error_code ignored;
            group.terminate(ignored);
        }
    });
    // Run until the pipes are drained and the child has exited, then stop the timer.
    while (!context.stopped()) {
        context.run_one();
        if (!child.running() &&
            out.wait_for(std::chrono::seconds(0)) == std::future_status::ready &&
            err.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
            timer.cancel();
        }
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
    result.out = out.get();
    result.err = err.get();
    return result;
}

}  // namespace brick
