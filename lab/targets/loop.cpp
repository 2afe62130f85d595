#include "targets/loop.hpp"

#include <fstream>

#include "brick/core/error.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

const Duration tool_timeout{60000};

std::string doubled_dashes(const std::string& name) {
    std::string out;
    for (const char c : name) {
        out += c;
        if (c == '-') {
            out += '-';
        }
    }
    return out;
}

}  // namespace

LoopDevices::LoopDevices(Host& host, fs::path work_dir)
    : host_(host), work_dir_(std::move(work_dir)) {}

void LoopDevices::configure(const Fabric& fabric) {
    fs::create_directories(work_dir_);
    for (const auto& spec : fabric.local_devices) {
        const auto slash = spec.path.rfind('/');
        const auto group = spec.path.substr(5, slash - 5);
        const auto volume = spec.path.substr(slash + 1);
        const auto file = work_dir_ / (group + "-" + volume + ".img");
        std::ofstream(file, std::ios::binary | std::ios::trunc).close();
        fs::resize_file(file, spec.size_mib * 1024 * 1024);
        const auto loop =
            host_.run(Command{{"losetup", "--find", "--show", file.string()}, {}, tool_timeout});
        if (!loop.ok()) {
            throw Error(ErrorCategory::command_failed, "losetup failed: " + loop.err);
        }
        Device device{spec.path, doubled_dashes(group) + "-" + doubled_dashes(volume),
                      loop.out.substr(0, loop.out.find('\n'))};
        const auto table =
            "0 " + std::to_string(spec.size_mib * 2048) + " linear " + device.loop + " 0";
        const auto created = host_.run(
            Command{{"dmsetup", "create", device.dm_name, "--table", table}, {}, tool_timeout});
        if (!created.ok()) {
            host_.run(Command{{"losetup", "-d", device.loop}, {}, tool_timeout});
            throw Error(ErrorCategory::command_failed, "dmsetup create failed: " + created.err);
        }
        // dmsetup waits for udev; LVM's rule would add /dev/<vg>/<lv>.
        std::string dm;
        for (const auto& entry : fs::directory_iterator("/sys/block")) {
            const auto name = entry.path().filename().string();
            if (name.rfind("dm-", 0) == 0 &&
                host_.read_attribute("/sys/block/" + name + "/dm/name").value_or("") ==
                    device.dm_name) {
                dm = name;
            }
        }
        fs::create_directories("/dev/" + group);
        fs::remove(device.link);
        fs::create_symlink("../" + dm, device.link);
        devices_.push_back(std::move(device));
    }
}

void LoopDevices::clear() {
    for (const auto& device : devices_) {
        fs::remove(device.link);
        host_.run(Command{{"dmsetup", "remove", "--retry", device.dm_name}, {}, tool_timeout});
        host_.run(Command{{"losetup", "-d", device.loop}, {}, tool_timeout});
    }
    devices_.clear();
}

}  // namespace brick::lab
