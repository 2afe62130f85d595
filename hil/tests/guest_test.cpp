// Unit tests of the guest runner's pure parts (no QEMU is started).

#include "brick/hil/guest.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

namespace {

bool has(const std::vector<std::string>& argv, const std::string& value) {
    return std::find(argv.begin(), argv.end(), value) != argv.end();
}

std::string after(const std::vector<std::string>& argv, const std::string& flag) {
    const auto it = std::find(argv.begin(), argv.end(), flag);
    return it == argv.end() || it + 1 == argv.end() ? std::string() : *(it + 1);
}

}  // namespace

TEST_CASE("kernel warnings and oopses and BUGs are problems but ordinary lines are not") {
    const std::string log =
        "[    1.0] scsi host0: iSCSI Initiator over TCP/IP\n"
        "[    2.0] WARNING: CPU: 1 PID: 42 at drivers/scsi/scsi_lib.c:123 foo+0x1/0x2\n"
        "[    3.0] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
        "[    4.0] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
        "[    5.0] sd 0:0:0:0: [sda] Synchronizing SCSI cache\n";
    const auto problems = brick::hil::find_kernel_problems(log);
    REQUIRE(problems.size() == 3);
    CHECK(problems[0].find("WARNING:") != std::string::npos);
    CHECK(brick::hil::find_kernel_problems("[ 1.0] nvme nvme0: new ctrl: NQN\n").empty());
}

TEST_CASE("the QEMU command has no network and a captured console and the shares") {
    brick::hil::Image image;
    image.dir = "/cache/images/abc";
    brick::hil::GuestOptions options;
    options.run_dir = "/runs/one";
    options.source_dir = "/src,with comma";
    options.build_dir = "/src/build";
    options.timeout = std::chrono::seconds(300);
    const auto argv = brick::hil::qemu_command(image, options, brick::hil::Accel::tcg);

    CHECK(argv.front() == "qemu-system-x86_64");  // started under setpriv by Processes
    CHECK(after(argv, "-nic") == "none");
    CHECK(!has(argv, "-netdev"));
    CHECK(after(argv, "-accel") == "tcg");
    CHECK(after(argv, "-serial") == "file:/runs/one/console.log");
    CHECK(after(argv, "-kernel") == "/cache/images/abc/vmlinuz");
    CHECK(has(argv, "-no-reboot"));
    const auto append = after(argv, "-append");
    CHECK(append.find("brick.timeout=280") != std::string::npos);
    CHECK(append.find("brick.build_path=/src/build") != std::string::npos);
    // A blank would split the kernel command line: that path is shared but not bound.
    CHECK(append.find("brick.src_path") == std::string::npos);
    bool escaped = false;
    for (const auto& arg : argv) {
        if (arg.find("path=/src,,with comma,mount_tag=brick_src") != std::string::npos) {
            escaped = true;
        }
        CHECK(arg.find("user,") == std::string::npos);  // never user networking
    }
    CHECK(escaped);
}

TEST_CASE("status names are stable") {
    CHECK(brick::hil::status_name(brick::hil::GuestStatus::passed) == "passed");
    CHECK(brick::hil::status_name(brick::hil::GuestStatus::kernel_problem) == "kernel_problem");
    CHECK(brick::hil::status_name(brick::hil::GuestStatus::timed_out) == "timed_out");
}
