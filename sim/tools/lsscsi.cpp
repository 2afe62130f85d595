// The fake lsscsi (0.31): one line per SCSI device, "[H:C:T:L]  disk  vendor model rev  /dev/sdX".
#include "sim/tools/tool.hpp"

namespace brick::sim {

ToolResult run_lsscsi(ToolContext& context, const std::vector<std::string>& args) {
    (void)args;
    ToolResult r;
    for (const auto& [address, device] : context.model.state().devices) {
        r.out += pad("[" + address.to_string() + "]", 13) + "disk    " +
                 pad(device.vendor, 8).substr(0, 8) + " " + pad(device.model, 16).substr(0, 16) +
                 " " + pad(device.revision, 4).substr(0, 4) + "  " +
                 (device.disk_visible ? "/dev/" + device.disk_name() : std::string("-")) + " \n";
    }
    return r;
}

}  // namespace brick::sim
