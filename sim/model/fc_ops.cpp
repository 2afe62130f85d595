// The Fibre Channel part of the model: HBA ports (one SCSI host each), the
// remote ports the zoning lets them see, targeted scans through the FC
// transport, and link loss.
//
// Kernel behaviour modelled (drivers/scsi/scsi_transport_fc.c):
//   - a target port that logs in gets an rport and, by consistent binding on
//     its WWPN, the same SCSI target id every time on that host;
//   - a write of "C T L" to scsi_host/hostN/scan reaches only rports that are
//     Online and bound to a target id (fc_user_scan); "-" matches any
//     channel, target or LUN;
//   - the SCSI target (fc_transport/targetH:C:T) exists while it has devices;
//   - a link going down blocks the rports and their devices; after
//     dev_loss_tmo the rports are Not Present and their devices removed;
//   - the host booted before the arrays mapped their LUNs to it, and rports
//     that log in again scan nothing (as with scsi_mod.scan=manual): devices
//     appear only through targeted scans.
#include <algorithm>

#include "sim/model/model.hpp"

namespace brick::sim {
namespace {

constexpr std::uint32_t initiator_port_ids = 0x010000;
constexpr std::uint32_t target_port_ids = 0x020000;

}  // namespace

void Model::add_fc_hosts() {
    for (std::size_t i = 0; i < fabric_.fc.hbas.size(); ++i) {
        const auto& hba = fabric_.fc.hbas[i];
        const unsigned number = state_.next_scsi_host++;
        state_.scsi_hosts[number] = ScsiHost{number, std::nullopt, hba.driver, true};
        FcHostPort port;
        port.scsi_host = number;
        port.wwpn = hba.wwpn;
        port.wwnn = hba.wwnn;
        port.pci_address = hba.pci_address;
        port.port_id = initiator_port_ids | static_cast<std::uint32_t>((i + 1) << 8U);
        port.port_state = hba.port_state;
        state_.fc_hosts.emplace(number, std::move(port));
        if (hba.port_state == "Online") {
            fc_login(number);
        }
    }
}

// The zoned target ports log in to an Online initiator port: new rports, or
// known ones Online again (their blocked devices resume).
void Model::fc_login(unsigned scsi_host) {
    auto& port = state_.fc_hosts.at(scsi_host);
    if (port.port_state != "Online") {
        return;
    }
    std::uint32_t index = 0;
    for (const auto& target : fabric_.fc.targets) {
        for (const auto& wwpn : target.ports) {
            ++index;
            if (!fabric_.fc.zoned(port.wwpn, wwpn)) {
                continue;
            }
            auto rport = std::find_if(
                state_.fc_rports.begin(), state_.fc_rports.end(),
                [&](const FcRemotePort& r) { return r.scsi_host == scsi_host && r.wwpn == wwpn; });
            if (rport == state_.fc_rports.end()) {
                FcRemotePort fresh;
                fresh.scsi_host = scsi_host;
                fresh.number = port.next_rport++;
                fresh.wwpn = wwpn;
                const auto bound = port.target_ids.try_emplace(
                    wwpn, static_cast<unsigned>(port.target_ids.size()));
                fresh.scsi_target_id = bound.first->second;
                state_.fc_rports.push_back(fresh);
                rport = std::prev(state_.fc_rports.end());
            }
            rport->wwnn = target.wwnn;
            rport->port_id = target_port_ids | (index << 8U);
            rport->port_state = "Online";
            for (auto& [address, device] : state_.devices) {
                if (address.host == scsi_host && address.target == rport->scsi_target_id &&
                    device.state == "blocked") {
                    device.state = "running";
                }
            }
            note({{"what", "fc remote port online"},
                  {"rport", rport->name()},
                  {"wwpn", wwpn},
                  {"scsi_target_id", rport->scsi_target_id}});
        }
    }
}

unsigned Model::fc_set_link(const std::string& hba, bool up) {
    unsigned changed = 0;
    for (auto& [number, port] : state_.fc_hosts) {
        if (!hba.empty() && !fault_matches({{"hba", hba}}, {{"hba", port.wwpn}})) {
            continue;
        }
        const bool online = port.port_state == "Online";
        if (online == up) {
            continue;
        }
        ++changed;
        ++port.link_generation;
        if (!up) {
            fc_link_down(number);
            continue;
        }
        port.port_state = "Online";
        note({{"what", "fc link up"}, {"host", number}, {"wwpn", port.wwpn}});
        const unsigned generation = port.link_generation;
        const unsigned host = number;
        schedule(jittered(fabric_.timing.fc_login_ms), "fc login", [this, host, generation] {
            const auto it = state_.fc_hosts.find(host);
            if (it != state_.fc_hosts.end() && it->second.link_generation == generation) {
                fc_login(host);
            }
        });
    }
    return changed;
}

void Model::fc_link_down(unsigned scsi_host) {
    auto& port = state_.fc_hosts.at(scsi_host);
    port.port_state = "Linkdown";
    note({{"what", "fc link down"}, {"host", scsi_host}, {"wwpn", port.wwpn}});
    for (auto& rport : state_.fc_rports) {
        if (rport.scsi_host == scsi_host && rport.port_state == "Online") {
            rport.port_state = "Blocked";
        }
    }
    for (auto& [address, device] : state_.devices) {
        if (address.host == scsi_host && device.state == "running") {
            device.state = "blocked";
        }
    }
    const unsigned generation = port.link_generation;
    schedule(static_cast<std::int64_t>(fabric_.fc.dev_loss_tmo_s) * 1000, "fc dev_loss_tmo",
             [this, scsi_host, generation] { fc_dev_loss(scsi_host, generation); });
}

void Model::fc_dev_loss(unsigned scsi_host, unsigned link_generation) {
    const auto it = state_.fc_hosts.find(scsi_host);
    if (it == state_.fc_hosts.end() || it->second.link_generation != link_generation ||
        it->second.port_state == "Online") {
        return;
    }
    for (auto& rport : state_.fc_rports) {
        if (rport.scsi_host == scsi_host && rport.port_state == "Blocked") {
            rport.port_state = "Not Present";
            note({{"what", "fc remote port lost"}, {"rport", rport.name()}});
        }
    }
    std::vector<ScsiAddress> gone;
    for (const auto& [address, device] : state_.devices) {
        if (address.host == scsi_host) {
            gone.push_back(address);
        }
    }
    for (const auto& address : gone) {
        remove_device(address, "dev_loss_tmo: the remote port is gone");
    }
}

WriteEffect Model::fc_scan(unsigned scsi_host, std::optional<unsigned> channel,
                           std::optional<unsigned> target, std::optional<std::uint64_t> lun) {
    WriteEffect effect;
    effect.duration_ms = fabric_.timing.scan_ms;
    effect.apply = [this, scsi_host, channel, target, lun] {
        if (!channel || !target || !lun) {
            // "- - L" scans LUN L of every array zoned with this port.
            ++state_.wildcard_scans;
            note({{"what", "wildcard scan"}, {"scsi_host", scsi_host}});
        }
        const auto hba = state_.fc_hosts.at(scsi_host).wwpn;
        for (const auto& rport : state_.fc_rports) {
            if (rport.scsi_host != scsi_host || rport.port_state != "Online" ||
                (channel && *channel != rport.channel) ||
                (target && *target != rport.scsi_target_id)) {
                continue;
            }
            const auto* array = fabric_.fc.target_with_port(rport.wwpn);
            if (array == nullptr) {
                continue;
            }
            for (const auto& l : array->luns) {
                if (lun && l.number != *lun) {
                    continue;
                }
                const ScsiAddress address{scsi_host, rport.channel, rport.scsi_target_id, l.number};
                const auto volume = fabric_.volumes.find(l.volume_id);
                if (state_.devices.contains(address) || volume == fabric_.volumes.end()) {
                    continue;
                }
                auto device = make_device(address, std::nullopt, volume->second);
                device.fc_port = rport.wwpn;
                const nlohmann::json context{{"hba", hba},
                                             {"wwpn", rport.wwpn},
                                             {"wwnn", array->wwnn},
                                             {"lun", l.number},
                                             {"volume", l.volume_id}};
                add_scanned_device(std::move(device), context);
            }
        }
    };
    return effect;
}

nlohmann::json Model::fc_context(const ScsiDevice& device) const {
    if (device.fc_port.empty()) {
        return nlohmann::json::object();
    }
    nlohmann::json context{{"wwpn", device.fc_port}};
    if (const auto it = state_.fc_hosts.find(device.address.host); it != state_.fc_hosts.end()) {
        context["hba"] = it->second.wwpn;
    }
    if (const auto* array = fabric_.fc.target_with_port(device.fc_port)) {
        context["wwnn"] = array->wwnn;
    }
    return context;
}

const FcRemotePort* Model::fc_rport_of(unsigned scsi_host, unsigned channel,
                                       unsigned target) const {
    for (const auto& rport : state_.fc_rports) {
        if (rport.scsi_host == scsi_host && rport.channel == channel &&
            rport.scsi_target_id == target) {
            return &rport;
        }
    }
    return nullptr;
}

std::string Model::fc_pci_address(unsigned scsi_host) const {
    const auto it = state_.fc_hosts.find(scsi_host);
    return it == state_.fc_hosts.end() ? std::string() : it->second.pci_address;
}

}  // namespace brick::sim
