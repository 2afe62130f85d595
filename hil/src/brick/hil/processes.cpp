#include "brick/hil/processes.hpp"

#include <fcntl.h>
#include <sys/wait.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <csignal>
#include <thread>

#include "brick/core/error.hpp"

namespace brick::hil {
namespace bp = boost::process;

struct Processes::Child {
    bp::group group;
    bp::child child;
    int status = -1;
    bool ended = false;
};

Processes::Processes() = default;

Processes::~Processes() {
    for (std::size_t index = 0; index < children_.size(); ++index) {
        kill_group(index);
    }
}

std::size_t Processes::start(const ProcessSpec& spec) {
    if (spec.argv.empty()) {
        throw Error(ErrorCategory::internal, "a HIL process without a program");
    }
    // The parent-death signal takes the process down with the runner.
    std::vector<std::string> args = {"--pdeathsig", "KILL", "--"};
    args.insert(args.end(), spec.argv.begin(), spec.argv.end());
    auto child = std::make_unique<Child>();
    const std::vector<int> inherit = spec.inherit;
    std::error_code error;
    child->child = bp::child(
        bp::exe = "/usr/bin/setpriv", bp::args = args,
        bp::std_in<bp::null, (bp::std_out & bp::std_err)> spec.output.string(), child->group,
        bp::extend::on_exec_setup =
            [inherit](auto&) {
                for (const int fd : inherit) {
                    ::fcntl(fd, F_SETFD, 0);  // in the child only: the parent's copy stays CLOEXEC
                }
            },
        error);
    if (error) {
        throw Error(ErrorCategory::command_failed,
                    "cannot start " + spec.argv.front() + ": " + error.message());
    }
    children_.push_back(std::move(child));
    return children_.size() - 1;
}

bool Processes::running(std::size_t index) {
    auto& child = *children_.at(index);
    if (child.ended) {
        return false;
    }
    std::error_code error;
    if (child.child.running(error)) {
        return true;
    }
    child.child.wait(error);
    const int native = child.child.native_exit_code();
    child.status = WIFSIGNALED(native) ? 128 + WTERMSIG(native) : child.child.exit_code();
    child.ended = true;
    return false;
}

int Processes::exit_status(std::size_t index) {
    return running(index) ? -1 : children_.at(index)->status;
}

pid_t Processes::pid(std::size_t index) const {
    return children_.at(index)->child.id();
}

void Processes::signal(std::size_t index, int signal_number) {
    if (running(index)) {
        ::kill(pid(index), signal_number);
    }
}

void Processes::kill_group(std::size_t index) {
    auto& child = *children_.at(index);
    std::error_code error;
    // The group may hold processes the leader left behind even after it ended.
    if (child.group.valid()) {
        child.group.terminate(error);
    }
    if (!child.ended) {
        child.child.wait(error);
        running(index);
    }
}

bool Processes::wait_until(Clock::time_point deadline, const std::function<bool()>& done) {
    while (!done()) {
        if (Clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

}  // namespace brick::hil
