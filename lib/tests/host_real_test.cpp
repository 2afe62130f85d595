// RealHost against a temporary directory used as the root prefix, and real
// programs for run(): the seam's contracts on a real Linux host.

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "brick/host/wait.hpp"
#include "rooted_host.hpp"

using brick::Clock;
using brick::Command;
using brick::Duration;
using brick::RealHost;
using brick::RealHostOptions;
using brick::testing::host_at;
using brick::testing::TempDir;

TEST_CASE("root prefix relocates every path the library uses", "[host]") {
    TempDir dir;
    dir.write("sys/block/sdb/device/wwid", "naa.6001405abcdef\n");
    std::filesystem::create_directories(dir.path() / "dev/disk/by-id");
    std::filesystem::create_symlink("../../sdb", dir.path() / "dev/disk/by-id/wwn-0x6001405abcdef");
    auto host = host_at(dir);

    CHECK(host.read_attribute("/sys/block/sdb/device/wwid") == "naa.6001405abcdef");
    std::string target;
    REQUIRE(host.read_link("/dev/disk/by-id/wwn-0x6001405abcdef", target).ok());
    CHECK(target == "../../sdb");
    std::vector<std::string> names;
    REQUIRE(host.list_dir("/sys/block", names).ok());
    CHECK(names == std::vector<std::string>{"sdb"});
    CHECK(host.glob("/sys/block/sd*/device/wwid") ==
          std::vector<std::string>{"/sys/block/sdb/device/wwid"});
    CHECK(host.glob("/sys/block/nvme*").empty());

    REQUIRE(host.make_dirs("/etc/nvme").ok());
    REQUIRE(host.write_file("/etc/nvme/hostid", "abc\n", Duration(1000), true).ok());
    CHECK(std::filesystem::exists(dir.path() / "etc/nvme/hostid"));
    struct ::stat st {};
    REQUIRE(::stat((dir.path() / "etc/nvme/hostid").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(host.remove("/etc/nvme/hostid").ok());
    CHECK_FALSE(host.exists("/etc/nvme/hostid"));

    std::string content;
    CHECK(host.read_file("/does/not/exist", content).error == ENOENT);
}

TEST_CASE("kernel_name follows a device's links to the kernel's name", "[host]") {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "dev/disk/by-path");
    std::filesystem::create_directories(dir.path() / "dev/disk/by-id");
    std::filesystem::create_directories(dir.path() / "dev/mapper");
    std::filesystem::create_directories(dir.path() / "dev/vg0");
    dir.write("dev/sdb", "");
    std::filesystem::create_symlink("../../sdb", dir.path() / "dev/disk/by-path/pci-0-lun-1");
    std::filesystem::create_symlink("../by-path/pci-0-lun-1", dir.path() / "dev/disk/by-id/wwn-1");
    std::filesystem::create_symlink("/dev/dm-4", dir.path() / "dev/mapper/crypt-sdb");
    std::filesystem::create_symlink("../dm-3", dir.path() / "dev/vg0/volume");
    std::filesystem::create_symlink("loop", dir.path() / "dev/loop");
    auto host = host_at(dir);

    CHECK(host.kernel_name("/dev/disk/by-path/pci-0-lun-1") == "sdb");
    CHECK(host.kernel_name("/dev/disk/by-id/wwn-1") == "sdb");
    CHECK(host.kernel_name("/dev/mapper/crypt-sdb") == "dm-4");
    CHECK(host.kernel_name("/dev/vg0/volume") == "dm-3");
    CHECK(host.kernel_name("/dev/sdb") == "sdb");
    CHECK(host.kernel_name("/dev/sdz") == "sdz");
    // A link to itself ends after a bounded number of hops.
    CHECK(host.kernel_name("/dev/loop") == "loop");
}

TEST_CASE("named locks: shared holders together, an exclusive holder alone, across hosts",
          "[host]") {
    TempDir dir;
    // Two hosts on one root stand for two processes: their locks meet in the
    // lock folder's flock()s as well as in each host's own mutexes.
    auto one = host_at(dir);
    auto other = host_at(dir);
    const auto soon = [] { return Clock::now() + std::chrono::milliseconds(100); };

    auto shared_one = one.lock_shared_until("iscsi-node-records", soon());
    REQUIRE(shared_one != nullptr);
    auto shared_other = other.lock_shared_until("iscsi-node-records", soon());
    REQUIRE(shared_other != nullptr);
    auto shared_same_host = one.lock_shared_until("iscsi-node-records", soon());
    REQUIRE(shared_same_host != nullptr);
    CHECK(other.lock_until("iscsi-node-records", soon()) == nullptr);
    CHECK(one.lock_until("iscsi-node-records", soon()) == nullptr);
    CHECK(one.lock_until("another-name", soon()) != nullptr);

    shared_one.reset();
    shared_same_host.reset();
    CHECK(one.lock_until("iscsi-node-records", soon()) == nullptr);  // other still shares it
    shared_other.reset();
    auto alone = one.lock_until("iscsi-node-records", soon());
    REQUIRE(alone != nullptr);
    CHECK(other.lock_shared_until("iscsi-node-records", soon()) == nullptr);
    CHECK(one.lock_shared_until("iscsi-node-records", soon()) == nullptr);

    // A waiter gets it once the holder lets go, well before its deadline.
    std::thread release([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        alone.reset();
    });
    const auto asked = Clock::now();
    auto next = other.lock_shared_until("iscsi-node-records", asked + std::chrono::seconds(5));
    release.join();
    CHECK(next != nullptr);
    CHECK(Clock::now() - asked < std::chrono::seconds(2));
}

TEST_CASE("a write that blocks in the kernel is bounded by its deadline", "[host]") {
    TempDir dir;
    REQUIRE(::mkfifo((dir.path() / "scan").c_str(), 0600) == 0);  // blocks until a reader comes
    auto host = host_at(dir);
    const auto start = std::chrono::steady_clock::now();
    const auto status = host.write_file("/scan", "0 0 1", Duration(200), false);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(status.error == ETIMEDOUT);
    CHECK(elapsed < std::chrono::seconds(2));
    // Unblock the detached writer so it can finish.
    const int fd = ::open((dir.path() / "scan").c_str(), O_RDONLY | O_NONBLOCK);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::close(fd);
}

TEST_CASE("programs run from an argument vector with stdin, output and exit status", "[host]") {
    RealHost host;
    auto result = host.run(Command{{"cat"}, "hello; $(rm -rf /)\n", Duration(5000)});
    CHECK(result.ok());
    CHECK(result.out == "hello; $(rm -rf /)\n");

    result = host.run(Command{{"ls", "/does-not-exist-anywhere"}, {}, Duration(5000)});
    CHECK(result.exit_status == 2);
    CHECK_FALSE(result.err.empty());

    result = host.run(Command{{"no-such-program-brick"}, {}, Duration(5000)});
    CHECK(result.not_found);
    CHECK_FALSE(result.ok());
}

TEST_CASE("a program inherits no descriptor of its caller beyond stdin, stdout, stderr", "[host]") {
    // What another thread's program holds at that moment (its pipes) is such
    // a descriptor: inherited, it kept that program's output open until this
    // one exited.
    std::array<int, 2> ends{-1, -1};
    REQUIRE(::pipe(ends.data()) == 0);  // NOLINT(android-cloexec-pipe): inheritable on purpose
    const int held = ::fcntl(ends[1], F_DUPFD, 200);
    REQUIRE(held >= 200);
    RealHost host;
    const auto result = host.run(Command{{"ls", "/proc/self/fd"}, {}, Duration(5000)});
    ::close(held);
    ::close(ends[0]);
    ::close(ends[1]);
    REQUIRE(result.ok());
    std::istringstream names(result.out);
    std::vector<std::string> open;
    for (std::string name; names >> name;) {
        open.push_back(name);
    }
    // 0-2, and the one ls opened to read the directory.
    CHECK(open.size() <= 4);
    CHECK(std::find(open.begin(), open.end(), std::to_string(held)) == open.end());
    CHECK(std::find(open.begin(), open.end(), std::to_string(ends[1])) == open.end());
}

TEST_CASE("a program that runs past its deadline is killed", "[host]") {
    RealHost host;
    const auto start = std::chrono::steady_clock::now();
    const auto result = host.run(Command{{"sleep", "30"}, {}, Duration(300)});
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(result.timed_out);
    CHECK_FALSE(result.ok());
    CHECK(elapsed < std::chrono::seconds(5));
}

TEST_CASE("a program killed at its deadline takes the programs it started with it", "[host]") {
    TempDir dir;
    const auto marker = dir.path() / "child-pid";
    RealHost host;
    // The shell stands for a tool that starts helpers of its own (tests only:
    // the library never runs a shell).
    const auto result = host.run(Command{
        {"sh", "-c", "sleep 30 & echo $! > " + marker.string() + "; wait"}, {}, Duration(300)});
    CHECK(result.timed_out);
    std::string pid;
    REQUIRE(std::filesystem::exists(marker));
    std::ifstream(marker) >> pid;
    REQUIRE_FALSE(pid.empty());
    // The helper was in the tool's process group: killed with it (a zombie
    // until init reaps it at most).
    const auto gone = [&] {
        std::ifstream status("/proc/" + pid + "/status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.rfind("State:", 0) == 0) {
                return line.find('Z') != std::string::npos;
            }
        }
        return true;
    };
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!gone() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(gone());
}

TEST_CASE("a program starts with default signal handling and nothing blocked", "[host]") {
    // The caller blocks and ignores signals of its own; the program must not
    // inherit either (SIGPIPE is ignored by the library itself).
    sigset_t blocked;
    sigset_t previous;
    ::sigemptyset(&blocked);
    ::sigaddset(&blocked, SIGUSR1);
    REQUIRE(::pthread_sigmask(SIG_BLOCK, &blocked, &previous) == 0);
    RealHost host;
    const auto result =
        host.run(Command{{"grep", "^Sig", "/proc/self/status"}, {}, Duration(5000)});
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    REQUIRE(result.ok());
    const auto mask = [&](const std::string& name) {
        const auto at = result.out.find(name + ":\t");
        REQUIRE(at != std::string::npos);
        return std::stoull(result.out.substr(at + name.size() + 2, 16), nullptr, 16);
    };
    CHECK(mask("SigBlk") == 0);
    // Signals 1-31 at their default: none ignored. (glibc's posix_spawn
    // leaves its own two internal signals, 32 and 33, ignored.)
    CHECK((mask("SigIgn") & 0x7fffffffULL) == 0);
}

TEST_CASE("a program that cannot be executed is reported as not found", "[host]") {
    TempDir dir;
    const auto tool = dir.path() / "iscsiadm";
    dir.write("iscsiadm", "not a program\n");
    std::filesystem::permissions(tool, std::filesystem::perms::owner_all);
    RealHostOptions options;
    options.tools_dir = dir.path();
    RealHost host(options);
    const auto result = host.run(Command{{"iscsiadm", "-m", "session"}, {}, Duration(5000)});
    CHECK(result.not_found);
    CHECK(result.exit_status == 127);
    CHECK_FALSE(result.ok());
}

TEST_CASE("the tools directory overrides PATH and absolute tool paths", "[host]") {
    TempDir dir;
    const auto tool = dir.path() / "scsi_id";
    std::filesystem::copy_file("/bin/echo", tool);
    RealHostOptions options;
    options.tools_dir = dir.path();
    RealHost host(options);
    CHECK(host.resolve_program("/lib/udev/scsi_id") == tool.string());
    CHECK(host.resolve_program("scsi_id") == tool.string());
    CHECK(host.resolve_program("./scsi_id").empty());
    const auto result = host.run(Command{{"/lib/udev/scsi_id", "-g"}, {}, Duration(5000)});
    CHECK(result.out == "-g\n");
}

TEST_CASE("waiting wakes up when a watched directory changes", "[host][wait]") {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "dev");
    auto host = host_at(dir);
    auto task = host.start_task("udev", [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        dir.write("dev/sdc", "");
    });
    brick::WaitHints hints;
    hints.watch_paths = {"/dev"};
    hints.poll_interval = Duration(5000);  // the inotify event, not the poll, must wake us
    const auto start = std::chrono::steady_clock::now();
    const auto path = brick::wait_for<std::string>(
        host, "/dev/sdc", Duration(3000),
        [&]() -> std::optional<std::string> {
            return host.exists("/dev/sdc") ? std::optional<std::string>("/dev/sdc") : std::nullopt;
        },
        hints);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    task->join();
    CHECK(path == "/dev/sdc");
    CHECK(elapsed < std::chrono::milliseconds(2000));
}

TEST_CASE("a wait that never succeeds ends at its deadline with a typed error", "[host][wait]") {
    RealHost host;
    const auto start = std::chrono::steady_clock::now();
    try {
        brick::wait_for<int>(
            host, "the device", Duration(150), []() -> std::optional<int> { return std::nullopt; },
            {}, brick::ErrorCategory::device_not_found);
        FAIL("wait_for returned");
    } catch (const brick::Error& e) {
        CHECK(e.category() == brick::ErrorCategory::device_not_found);
        CHECK(std::string(e.what()).find("the device") != std::string::npos);
    }
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("retry stops at the first success and sleeps between attempts", "[host][wait]") {
    RealHost host;
    int calls = 0;
    CHECK(brick::retry(host, {5, Duration(1), 2.0}, [&](int attempt) {
        ++calls;
        return attempt == 3;
    }));
    CHECK(calls == 3);
    calls = 0;
    CHECK_FALSE(brick::retry(host, {2, Duration(1), 2.0}, [&](int) {
        ++calls;
        return false;
    }));
    CHECK(calls == 2);
}

TEST_CASE("retry sleeps the backoff's delays between attempts", "[host][wait]") {
    RealHost host;
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(brick::retry(host, {4, Duration(20), 1.5}, [](int) { return false; }));
    // 20 + 30 + 45 ms between the four attempts, none after the last.
    CHECK(std::chrono::steady_clock::now() - start >= Duration(95));
}

TEST_CASE("a backoff multiplies its first delay up to its cap", "[host][wait][backoff]") {
    using brick::Backoff;
    constexpr Backoff doubling{.first = Duration(1000), .factor = 2.0};
    static_assert(doubling.delay(0) == Duration(1000));
    CHECK(doubling.delay(1) == Duration(2000));
    CHECK(doubling.delay(2) == Duration(4000));
    CHECK(doubling.delay(10) == Duration(1024000));

    constexpr Backoff capped{.first = Duration(1000), .factor = 2.0, .cap = Duration(8000)};
    std::vector<Duration::rep> delays(6);
    for (int n = 0; n < 6; ++n) {
        delays[static_cast<std::size_t>(n)] = capped.delay(n).count();
    }
    CHECK(delays == std::vector<Duration::rep>{1000, 2000, 4000, 8000, 8000, 8000});
    CHECK(capped.delay(1000000) == Duration(8000));

    // Each step is truncated to whole milliseconds before the next one.
    constexpr Backoff slow{.first = Duration(100), .factor = 1.5};
    CHECK(slow.delay(3) == Duration(337));
    CHECK(slow.delay(4) == Duration(505));

    // A first delay above the cap is the cap; no cap never overflows.
    CHECK(Backoff{.first = Duration(500), .factor = 2.0, .cap = Duration(300)}.delay(0) ==
          Duration(300));
    CHECK(doubling.delay(200) == Duration::max());
}

TEST_CASE("named locks serialise holders of the same name only", "[host][lock]") {
    TempDir dir;
    auto host = host_at(dir);
    std::atomic<int> inside{0};
    std::atomic<int> worst{0};
    auto body = [&] {
        for (int i = 0; i < 20; ++i) {
            auto guard = host.lock("iscsi-node:iqn.2004-01.test:a,127.0.0.1:3260");
            const int now_inside = ++inside;
            worst = std::max(worst.load(), now_inside);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            --inside;
        }
    };
    auto a = host.start_task("a", body);
    auto b = host.start_task("b", body);
    a->join();
    b->join();
    CHECK(worst == 1);
    // Different names do not block each other.
    auto first = host.lock("map:1");
    auto second = host.lock("map:2");
    CHECK(std::filesystem::exists(dir.path() / "run/locks"));
}
