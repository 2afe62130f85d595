// The fake /lib/udev/scsi_id (systemd 252): [--page 0x83|0x80] --whitelisted
// DEVICE prints the identifier (exit 0) or nothing (exit 1). Page 0x83 (the
// default) gives the preferred designator ("3" + NAA, ...); page 0x80 gives
// "S", the vendor and model padded to 8 and 16 and the unit serial number.
#include "sim/tools/tool.hpp"

namespace brick::sim {

ToolResult run_scsi_id(ToolContext& context, const std::vector<std::string>& args) {
    ToolResult r;
    std::string device_path;
    std::string page = "0x83";
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        if (arg.rfind("--device=", 0) == 0) {
            device_path = arg.substr(9);
        } else if (arg.rfind("--page=", 0) == 0) {
            page = arg.substr(7);
        } else if (arg == "-d" || arg == "--device") {
            device_path = i + 1 < args.size() ? args[++i] : "";
        } else if (arg == "-p" || arg == "--page") {
            page = i + 1 < args.size() ? args[++i] : "";
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
    std::string id;
    if (page == "0x80" || page == "80") {
        id = device->serial.empty() || device->identity_hidden
                 ? std::string()
                 : "S" + pad(device->vendor, 8).substr(0, 8) +
                       pad(device->model, 16).substr(0, 16) + device->serial;
    } else {
        id = context.model.scsi_id_of(*device);
    }
    if (id.empty()) {
        r.exit_status = 1;
        return r;
    }
    r.out = id + "\n";
    return r;
}

}  // namespace brick::sim
