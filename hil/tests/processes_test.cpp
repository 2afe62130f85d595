// The run's process supervision with real (small) programs: groups killed,
// exit statuses read, descriptors passed to one program only, host scripts
// isolated and their leftovers found.

#include "brick/hil/processes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "brick/core/error.hpp"
#include "brick/hil/host_side.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct Scratch {
    fs::path dir;
    Scratch() : dir(fs::temp_directory_path() / ("brick-hil-proc-" + std::to_string(::getpid()))) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    Scratch(Scratch&&) = delete;
    Scratch& operator=(Scratch&&) = delete;
    ~Scratch() { fs::remove_all(dir); }
};

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Running, not a zombie waiting for whoever adopted it.
bool alive(pid_t pid) {
    const auto stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    const auto end = stat.rfind(')');
    return end != std::string::npos && end + 2 < stat.size() && stat[end + 2] != 'Z';
}

}  // namespace

TEST_CASE("a process's exit status and output are kept") {
    Scratch scratch;
    brick::hil::Processes processes;
    const auto index = processes.start({.argv = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3"},
                                        .output = scratch.dir / "log",
                                        .inherit = {}});
    REQUIRE(
        processes.wait_until(brick::Clock::now() + 20s, [&] { return !processes.running(index); }));
    CHECK(processes.exit_status(index) == 3);
    CHECK(read_text(scratch.dir / "log") == "out\nerr\n");
}

TEST_CASE("killing a group takes its children too, and a deadline is a deadline") {
    Scratch scratch;
    brick::hil::Processes processes;
    const auto pid_file = scratch.dir / "child.pid";
    const auto index = processes.start(
        {.argv = {"/bin/sh", "-c", "sleep 300 & echo $! >" + pid_file.string() + "; wait"},
         .output = scratch.dir / "log",
         .inherit = {}});
    REQUIRE(processes.wait_until(brick::Clock::now() + 20s, [&] {
        return fs::exists(pid_file) && !read_text(pid_file).empty();
    }));
    const pid_t child = std::stoi(read_text(pid_file));
    const auto started = brick::Clock::now();
    CHECK_FALSE(processes.wait_until(started + 300ms, [] { return false; }));
    CHECK(brick::Clock::now() - started >= 300ms);
    CHECK(processes.running(index));
    processes.kill_group(index);
    CHECK_FALSE(processes.running(index));
    CHECK(processes.exit_status(index) == 128 + SIGKILL);
    // The orphaned sleep was in the group: reaped by init shortly after the kill.
    CHECK(processes.wait_until(brick::Clock::now() + 10s, [&] { return !alive(child); }));
}

TEST_CASE("the destructor leaves nothing running") {
    Scratch scratch;
    pid_t pid = 0;
    {
        brick::hil::Processes processes;
        pid = processes.pid(processes.start(
            {.argv = {"sleep", "300"}, .output = scratch.dir / "log", .inherit = {}}));
        CHECK(alive(pid));
    }
    CHECK_FALSE(alive(pid));
}

TEST_CASE("an inherited descriptor reaches its one program only") {
    Scratch scratch;
    const int fd = ::open((scratch.dir / "shared").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    const auto probe =
        "test -e /proc/self/fd/" + std::to_string(fd) + " && echo open || echo closed";
    brick::hil::Processes processes;
    const auto with = processes.start(
        {.argv = {"/bin/sh", "-c", probe}, .output = scratch.dir / "with", .inherit = {fd}});
    const auto without = processes.start(
        {.argv = {"/bin/sh", "-c", probe}, .output = scratch.dir / "without", .inherit = {}});
    REQUIRE(processes.wait_until(brick::Clock::now() + 20s, [&] {
        return !processes.running(with) && !processes.running(without);
    }));
    CHECK(read_text(scratch.dir / "with") == "open\n");
    CHECK(read_text(scratch.dir / "without") == "closed\n");
    CHECK(::fcntl(fd, F_GETFD) == FD_CLOEXEC);  // still close-on-exec in the runner
    ::close(fd);
}

TEST_CASE("a failing program is reported, not hidden") {
    Scratch scratch;
    brick::hil::Processes processes;
    const auto index = processes.start({.argv = {"/nonexistent/qemu-system-x86_64"},
                                        .output = scratch.dir / "log",
                                        .inherit = {}});
    REQUIRE(
        processes.wait_until(brick::Clock::now() + 20s, [&] { return !processes.running(index); }));
    CHECK(processes.exit_status(index) != 0);
    CHECK(read_text(scratch.dir / "log").find("qemu-system-x86_64") != std::string::npos);
}

TEST_CASE("processes of a namespace are found by the namespace, not by name") {
    const int own = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    REQUIRE(own >= 0);
    const auto found = brick::hil::processes_in_namespace(own);
    CHECK(std::find(found.begin(), found.end(), ::getpid()) != found.end());
    ::close(own);
}

TEST_CASE("a host script runs in its own network namespace and what it leaves is found") {
    if (::geteuid() != 0) {
        WARN("not root: brick-isolate cannot make a network namespace; not run");
        return;
    }
    Scratch scratch;
    const auto script = scratch.dir / "host.sh";
    // Ready at once; on SIGTERM it exits 0 but leaves a process in another
    // session (out of its process group), which only the namespace betrays.
    std::ofstream(script) << "trap 'exit 0' TERM\n"
                             "setsid sleep 300 </dev/null >/dev/null 2>&1 &\n"
                             "ip -o link | wc -l >\"$1/host/links\"\n"
                             ": >\"$1/host/ready\"\n"
                             "while :; do sleep 1 & wait $!; done\n";
    brick::hil::Processes processes;
    std::vector<std::string> problems;
    {
        brick::hil::HostSide host(processes, script, scratch.dir, BRICK_ISOLATE_PROGRAM,
                                  brick::Clock::now() + 30s);
        CHECK(read_text(scratch.dir / "host" / "links") == "1\n");  // loopback only
        CHECK(host.net_namespace().rfind("/proc/", 0) == 0);
        problems = host.stop(20s);
    }
    REQUIRE(problems.size() == 1);
    CHECK(problems.front().find("sleep") != std::string::npos);
    CHECK(problems.front().find("killed") != std::string::npos);
}

TEST_CASE("a host script that fails before it is ready is an error") {
    if (::geteuid() != 0) {
        WARN("not root: brick-isolate cannot make a network namespace; not run");
        return;
    }
    Scratch scratch;
    const auto script = scratch.dir / "host.sh";
    std::ofstream(script) << "echo cannot start tgtd; exit 4\n";
    brick::hil::Processes processes;
    try {
        brick::hil::HostSide host(processes, script, scratch.dir, BRICK_ISOLATE_PROGRAM,
                                  brick::Clock::now() + 30s);
        FAIL("a host script that exited was taken as ready");
    } catch (const brick::Error& error) {
        CHECK(std::string(error.what()).find("exit 4") != std::string::npos);
    }
    CHECK(read_text(scratch.dir / "host.log") == "cannot start tgtd\n");
}
