// udev's database as the library reads it (brick/host/udev.hpp), on a real
// host rooted in a temporary directory: udev's work is done by a thread that
// makes and removes the entries as udev would.

#include "brick/host/udev.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "rooted_host.hpp"

using brick::Duration;
using brick::testing::host_at;
using brick::testing::TempDir;

namespace {

// A disk as the kernel shows it: /sys/class/block/<name>/dev and /sys/dev/block/<number>.
void add_disk(const TempDir& dir, const std::string& name, const std::string& number) {
    dir.write("sys/class/block/" + name + "/dev", number + "\n");
    dir.write("sys/dev/block/" + number + "/dev", number + "\n");
}

void remove_disk(const TempDir& dir, const std::string& name, const std::string& number) {
    std::filesystem::remove_all(dir.path() / ("sys/class/block/" + name));
    std::filesystem::remove_all(dir.path() / ("sys/dev/block/" + number));
}

// udev handles an event after `delay`: the entry is made (add) or removed.
std::thread udev_after(const TempDir& dir, const std::string& number, bool add,
                       std::chrono::milliseconds delay) {
    return std::thread([&dir, number, add, delay] {
        std::this_thread::sleep_for(delay);
        if (add) {
            dir.write("run/udev/data/b" + number, "E:ID_SERIAL=x\n");
        } else {
            std::filesystem::remove(dir.path() / ("run/udev/data/b" + number));
        }
    });
}

}  // namespace

TEST_CASE("a device's number is read from sysfs", "[udev]") {
    TempDir dir;
    add_disk(dir, "sdb", "8:16");
    auto host = host_at(dir);
    CHECK(brick::udev::device_number(host, "sdb") == "8:16");
    CHECK_FALSE(brick::udev::device_number(host, "sdc"));
}

TEST_CASE("a new device is returned once udev has handled its add event", "[udev]") {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "run/udev/data");
    add_disk(dir, "sdb", "8:16");
    auto host = host_at(dir);
    auto udev = udev_after(dir, "8:16", true, std::chrono::milliseconds(300));
    const bool handled = brick::udev::wait_handled(host, "sdb", Duration(20000));
    const bool entry = std::filesystem::exists(dir.path() / "run/udev/data/b8:16");
    udev.join();
    CHECK(handled);
    CHECK(entry);
}

TEST_CASE("a device udev never handles is given up on after the bound", "[udev]") {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "run/udev/data");
    add_disk(dir, "sdb", "8:16");
    auto host = host_at(dir);
    CHECK_FALSE(brick::udev::wait_handled(host, "sdb", Duration(200)));
}

TEST_CASE("a removal waits until udev has handled the remove events", "[udev]") {
    TempDir dir;
    add_disk(dir, "sdb", "8:16");
    add_disk(dir, "dm-0", "254:0");
    dir.write("run/udev/data/b8:16", "E:ID_SERIAL=x\n");
    dir.write("run/udev/data/b254:0", "E:DM_NAME=mpatha\n");
    auto host = host_at(dir);
    const std::vector<std::string> numbers{*brick::udev::device_number(host, "sdb"),
                                           *brick::udev::device_number(host, "dm-0")};
    remove_disk(dir, "sdb", "8:16");
    remove_disk(dir, "dm-0", "254:0");
    auto disk = udev_after(dir, "8:16", false, std::chrono::milliseconds(200));
    auto map = udev_after(dir, "254:0", false, std::chrono::milliseconds(400));
    brick::udev::wait_forgotten(host, numbers, Duration(20000));
    const bool left = std::filesystem::exists(dir.path() / "run/udev/data/b8:16") ||
                      std::filesystem::exists(dir.path() / "run/udev/data/b254:0");
    disk.join();
    map.join();
    CHECK_FALSE(left);
}

TEST_CASE("a removal does not wait for a number a new device took", "[udev]") {
    TempDir dir;
    add_disk(dir, "sdb", "8:16");
    dir.write("run/udev/data/b8:16", "E:ID_SERIAL=x\n");
    auto host = host_at(dir);
    const std::vector<std::string> numbers{*brick::udev::device_number(host, "sdb")};
    // sdb went and another disk got its number at once (udev handled both).
    remove_disk(dir, "sdb", "8:16");
    add_disk(dir, "sdc", "8:16");
    const auto start = std::chrono::steady_clock::now();
    brick::udev::wait_forgotten(host, numbers, Duration(30000));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
    CHECK(std::filesystem::exists(dir.path() / "run/udev/data/b8:16"));
}

TEST_CASE("a host without udev's database has nothing to wait for", "[udev]") {
    TempDir dir;
    add_disk(dir, "sdb", "8:16");
    auto host = host_at(dir);
    CHECK(brick::udev::wait_handled(host, "sdb", Duration(30000)));
    const auto start = std::chrono::steady_clock::now();
    brick::udev::wait_forgotten(host, {"8:16"}, Duration(30000));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
}
