// The fake dmsetup (lvm2 2.03.16): ls, info, table, status, remove.
#include <cerrno>

#include "sim/tools/tool.hpp"

namespace brick::sim {

ToolResult run_dmsetup(ToolContext& context, const std::vector<std::string>& args) {
    ToolResult r;
    auto& model = context.model;
    if (args.empty()) {
        r.exit_status = 1;
        r.err = "Command not recognised.\n";
        return r;
    }
    const auto& command = args[0];
    const std::string operand = args.size() > 1 ? args.back() : std::string();
    const auto& maps = model.state().maps;
    if (command == "ls") {
        if (maps.empty()) {
            r.out = "No devices found\n";
        }
        for (const auto& [wwid, map] : maps) {
            r.out += map.name + "\t(" + std::to_string(dm_major) + ":" +
                     std::to_string(map.dm_index) + ")\n";
        }
        return r;
    }
    const bool all = args.size() == 1;
    auto selected = [&](const MultipathMap& map) { return all || map.name == operand; };
    if (command == "info" || command == "table" || command == "status") {
        bool found = false;
        for (const auto& [wwid, map] : maps) {
            if (!selected(map)) {
                continue;
            }
            found = true;
            const auto sectors = std::to_string(map.size_bytes / 512);
            if (command == "info") {
                r.out += "Name:              " + map.name +
                         "\nState:             ACTIVE\nRead Ahead:        256\n"
                         "Tables present:    LIVE\nOpen count:        0\nEvent number:      0\n"
                         "Major, minor:      " +
                         std::to_string(dm_major) + ", " + std::to_string(map.dm_index) +
                         "\nNumber of targets: 1\nUUID: mpath-" + wwid + "\n\n";
            } else {
                r.out += (all ? map.name + ": " : std::string()) + "0 " + sectors + " multipath\n";
            }
        }
        if (!found && !all) {
            r.exit_status = 1;
            r.err = "Device " + operand + " not found\nCommand failed.\n";
        }
        return r;
    }
    if (command == "remove") {
        const int error = model.flush_map(operand);
        if (error == EBUSY) {
            r.exit_status = 1;
            r.err = "device-mapper: remove ioctl on " + operand +
                    "  failed: Device or resource busy\nCommand failed.\n";
        } else if (error == ENOENT) {
            r.exit_status = 1;
            r.err = "Device " + operand + " not found\nCommand failed.\n";
        }
        return r;
    }
    r.exit_status = 1;
    r.err = "Unknown command: " + command + "\n";
    return r;
}

}  // namespace brick::sim
