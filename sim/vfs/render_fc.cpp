// The Fibre Channel files of the simulated host, laid out as Linux 6.1 has them:
//   /sys/devices/pci0000:00/0000:00:03.0/<pci>/hostH                  the HBA port's SCSI host
//       fc_host/hostH/{port_name,node_name,port_state,port_id,...}     the initiator port
//       rport-H:C-N/fc_remote_ports/rport-H:C-N/{port_name,...}      a remote port
//       rport-H:C-N/targetH:C:T/fc_transport/targetH:C:T/{port_name,node_name,port_id}
//       rport-H:C-N/targetH:C:T/H:C:T:L                               a SCSI device (render.cpp)
//   /sys/class/{fc_host,fc_remote_ports,fc_transport}: links
// The transport class directories exist only when the host has FC ports
// (scsi_transport_fc is loaded by the HBA driver).
#include <array>
#include <cstdio>
#include <set>
#include <tuple>

#include "sim/vfs/render.hpp"

namespace brick::sim {
namespace {

std::string wwn_text(const std::string& wwn) {
    return "0x" + wwn + "\n";
}

std::string port_id_text(std::uint32_t id) {
    std::array<char, 16> text{};
    std::snprintf(text.data(), text.size(), "0x%06x\n", id);
    return text.data();
}

std::string symbolic_name(const std::string& driver) {
    return driver == "lpfc" ? "Emulex LPe32002-M2 FV12.8.340.8 DV14.0.0.4\n"
                            : "QLE2742 FW:v9.06.02 DVR:v10.02.07.900-k\n";
}

void render_host_port(Tree& tree, const Model& model, const FcHostPort& port) {
    const auto& state = model.state();
    const auto name = "host" + std::to_string(port.scsi_host);
    const auto dir = scsi_host_dir(state, port.scsi_host) + "/fc_host/" + name;
    const bool online = port.port_state == "Online";
    const auto& driver = state.scsi_hosts.at(port.scsi_host).proc_name;
    tree.file(dir + "/port_name", wwn_text(port.wwpn));
    tree.file(dir + "/node_name", wwn_text(port.wwnn));
    tree.file(dir + "/port_state", port.port_state + "\n");
    tree.file(dir + "/port_id", port_id_text(online ? port.port_id : 0));
    tree.file(dir + "/port_type", online ? "NPort (fabric via point-to-point)\n" : "Unknown\n");
    tree.file(dir + "/speed", online ? "16 Gbit\n" : "unknown\n");
    tree.file(dir + "/supported_speeds", "4 Gbit, 8 Gbit, 16 Gbit\n");
    tree.file(dir + "/supported_classes", "Class 3\n");
    tree.file(dir + "/fabric_name", online ? "0x100000051e0a1b2c\n" : "0x0\n");
    tree.file(dir + "/symbolic_name", symbolic_name(driver));
    tree.file(dir + "/tgtid_bind_type", "wwpn (World Wide Port Name)\n");
    tree.file(dir + "/dev_loss_tmo", std::to_string(model.fabric().fc.dev_loss_tmo_s) + "\n");
    tree.link(dir + "/device", scsi_host_dir(state, port.scsi_host));
    tree.link("/sys/class/fc_host/" + name, dir);
}

void render_remote_port(Tree& tree, const Model& model, const FcRemotePort& rport) {
    const auto& state = model.state();
    const auto dir = fc_rport_dir(state, rport);
    const auto attributes = dir + "/fc_remote_ports/" + rport.name();
    const bool present = rport.port_state != "Not Present";
    // A port gone past dev_loss_tmo keeps only what the WWPN binding needs.
    tree.file(attributes + "/port_name", wwn_text(rport.wwpn));
    tree.file(attributes + "/node_name",
              present ? wwn_text(rport.wwnn) : std::string("0xffffffffffffffff\n"));
    tree.file(attributes + "/port_id", present ? port_id_text(rport.port_id) : "0xffffff\n");
    tree.file(attributes + "/port_state", rport.port_state + "\n");
    tree.file(attributes + "/roles", present ? "FCP Target\n" : "unknown\n");
    tree.file(attributes + "/scsi_target_id", std::to_string(rport.scsi_target_id) + "\n");
    tree.file(attributes + "/supported_classes", "Class 3\n");
    tree.file(attributes + "/dev_loss_tmo",
              std::to_string(model.fabric().fc.dev_loss_tmo_s) + "\n");
    tree.file(attributes + "/fast_io_fail_tmo", "5\n");
    tree.link(attributes + "/device", dir);
    tree.link("/sys/class/fc_remote_ports/" + rport.name(), attributes);
}

// The SCSI target of a remote port, while it has devices (an empty target
// is reaped right after the scan that found nothing).
void render_transport_target(Tree& tree, const Model& model, const FcRemotePort& rport) {
    const auto dir = fc_rport_dir(model.state(), rport) + "/" + rport.target_name();
    const auto attributes = dir + "/fc_transport/" + rport.target_name();
    tree.file(attributes + "/port_name", wwn_text(rport.wwpn));
    tree.file(attributes + "/node_name", wwn_text(rport.wwnn));
    tree.file(attributes + "/port_id", port_id_text(rport.port_id));
    tree.link(attributes + "/device", dir);
    tree.link("/sys/class/fc_transport/" + rport.target_name(), attributes);
}

}  // namespace

void render_fc(Tree& tree, const Model& model) {
    const auto& state = model.state();
    if (state.fc_hosts.empty()) {
        return;
    }
    for (const auto* dir : {"/sys/class/fc_host", "/sys/class/fc_remote_ports",
                            "/sys/class/fc_transport", "/sys/class/fc_vports"}) {
        tree.dir(dir);
    }
    for (const auto& [number, port] : state.fc_hosts) {
        render_host_port(tree, model, port);
    }
    std::set<std::tuple<unsigned, unsigned, unsigned>> targets;
    for (const auto& [address, device] : state.devices) {
        if (!device.fc_port.empty()) {
            targets.emplace(address.host, address.channel, address.target);
        }
    }
    for (const auto& rport : state.fc_rports) {
        render_remote_port(tree, model, rport);
        if (targets.contains({rport.scsi_host, rport.channel, rport.scsi_target_id})) {
            render_transport_target(tree, model, rport);
        }
    }
}

}  // namespace brick::sim
