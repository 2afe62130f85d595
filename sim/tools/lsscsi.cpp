// The fake lsscsi (0.32): one line per SCSI device,
// "[H:C:T:L]  disk  vendor model rev  /dev/sdX"; with -t (--transport) the
// transport in place of vendor, model and revision ("IQN,t,0xTPGT" for iSCSI).
#include <array>
#include <cstdio>

#include "sim/tools/tool.hpp"

namespace brick::sim {
namespace {

std::string transport_of(const Model& model, const ScsiDevice& device) {
    if (device.sid) {
        const auto session = model.state().sessions.find(*device.sid);
        if (session != model.state().sessions.end()) {
            std::array<char, 16> tpgt{};
            std::snprintf(tpgt.data(), tpgt.size(), "%x",
                          static_cast<unsigned>(session->second.tpgt));
            return session->second.iqn + ",t,0x" + tpgt.data();
        }
    }
    for (const auto& rport : model.state().fc_rports) {
        if (!device.fc_port.empty() && rport.wwpn == device.fc_port &&
            rport.scsi_host == device.address.host) {
            std::array<char, 16> port_id{};
            std::snprintf(port_id.data(), port_id.size(), "%06x", rport.port_id);
            return "fc:0x" + rport.wwpn + ",0x" + port_id.data();
        }
    }
    return {};
}

}  // namespace

ToolResult run_lsscsi(ToolContext& context, const std::vector<std::string>& args) {
    bool transport = false;
    for (const auto& arg : args) {
        transport = transport || arg == "-t" || arg == "--transport";
    }
    ToolResult r;
    for (const auto& [address, device] : context.model.state().devices) {
        std::string line = pad("[" + address.to_string() + "]", 13) + "disk    ";
        if (transport) {
            line += pad(transport_of(context.model, device), 30) + "  ";
        } else {
            line += pad(device.vendor, 8).substr(0, 8) + " " + pad(device.model, 16).substr(0, 16) +
                    " " + pad(device.revision, 4).substr(0, 4) + "  ";
        }
        r.out +=
            line + (device.disk_visible ? "/dev/" + device.disk_name() : std::string("-")) + " \n";
    }
    return r;
}

}  // namespace brick::sim
