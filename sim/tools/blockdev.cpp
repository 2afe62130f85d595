// The fake blockdev (util-linux 2.38): --flushbufs, --getsize64, --getsz, --rereadpt.
#include <cerrno>
#include <cstring>

#include "sim/tools/tool.hpp"

namespace brick::sim {

ToolResult run_blockdev(ToolContext& context, const std::vector<std::string>& args) {
    ToolResult r;
    if (args.size() < 2) {
        r.exit_status = 1;
        r.err = "blockdev: no device specified\nTry 'blockdev --help' for more information.\n";
        return r;
    }
    const auto& command = args[0];
    for (std::size_t i = 1; i < args.size(); ++i) {
        const auto& path = args[i];
        const auto name = device_name_of(context, path);
        if (name.empty()) {
            r.exit_status = 1;
            r.err += "blockdev: cannot open " + path + ": No such file or directory\n";
            continue;
        }
        auto& model = context.model;
        if (command == "--flushbufs") {
            const int error = model.flush_device(name);
            r.duration_ms += model.fabric().timing.flush_ms;
            if (error == ETIMEDOUT) {
                r.duration_ms += 3600U * 1000U;  // queued I/O with no path: hangs
                continue;
            }
            if (error != 0) {
                r.exit_status = 1;
                r.err +=
                    "blockdev: ioctl error on BLKFLSBUF: " + std::string(std::strerror(error)) +
                    "\n";
            }
        } else if (command == "--getsize64" || command == "--getsz") {
            std::uint64_t bytes = 0;
            if (const auto* device = model.device_by_disk(name)) {
                bytes = device->size_bytes;
            } else if (const auto* map = model.find_map(name)) {
                bytes = map->size_bytes;
            } else if (const auto size = model.block_device_size(name)) {
                bytes = *size;
            }
            r.out += std::to_string(command == "--getsz" ? bytes / 512 : bytes) + "\n";
        } else if (command == "--rereadpt") {
            continue;
        } else {
            r.exit_status = 1;
            r.err = "blockdev: Unknown command: " + command + "\n";
            return r;
        }
    }
    return r;
}

}  // namespace brick::sim
