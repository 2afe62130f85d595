// The fake /lib/udev/scsi_id (systemd 252): --page 0x83 --whitelisted DEVICE
// prints the identifier (exit 0) or nothing (exit 1).
#include "sim/tools/tool.hpp"

namespace brick::sim {

ToolResult run_scsi_id(ToolContext& context, const std::vector<std::string>& args) {
    ToolResult r;
    std::string device_path;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        if (arg.rfind("--device=", 0) == 0) {
            device_path = arg.substr(9);
        } else if (arg == "-d" || arg == "--device") {
            device_path = i + 1 < args.size() ? args[++i] : "";
        } else if (arg == "-p" || arg == "--page") {
            ++i;
        } else if (!arg.empty() && arg.front() != '-') {
            device_path = arg;
        }
    }
    const auto name = device_name_of(context, device_path);
    const auto* device = name.empty() ? nullptr : context.model.device_by_disk(name);
    if (device == nullptr) {
        r.exit_status = 1;
        return r;
    }
    const auto id = context.model.scsi_id_of(*device);
    if (id.empty()) {
        r.exit_status = 1;
        return r;
    }
    r.out = id + "\n";
    return r;
}

}  // namespace brick::sim
