#include "leftovers.hpp"

#include <algorithm>
#include <set>

#include "brick/iscsi/session.hpp"
#include "brick/multipath/map.hpp"
#include "brick/nvmeof/controller.hpp"
#include "brick/properties/parse.hpp"
#include "brick/scsi/disk.hpp"
#include "runner/leftovers.hpp"

namespace brick::lab::certify {

namespace {

bool contains_any(const std::string& text, const std::set<std::string>& needles) {
    return std::any_of(needles.begin(), needles.end(), [&](const std::string& needle) {
        return !needle.empty() && text.find(needle) != std::string::npos;
    });
}

void iscsi_leftovers(Host& host, const iscsi::Properties& properties, const DeviceInfo& device,
                     std::vector<std::string>& found) {
    std::set<std::string> iqns;
    for (const auto& target : properties.targets) {
        iqns.insert(target.iqn);
    }
    std::set<std::string> wwids;
    if (device.scsi_wwn) {
        wwids.insert(*device.scsi_wwn);
    }
    if (device.multipath_id) {
        wwids.insert(*device.multipath_id);
    }
    for (const auto& session : iscsi::read_sessions(host)) {
        if (iqns.count(session.target_iqn) != 0) {
            found.push_back("iSCSI session " + std::to_string(session.id) + " to " +
                            session.target_iqn + " at " + session.portal.to_string());
        }
    }
    const auto nodes = host.run(Command{{"iscsiadm", "-m", "node"}, {}, Duration(30000)});
    std::size_t start = 0;
    while (nodes.ok() && start < nodes.out.size()) {
        auto end = nodes.out.find('\n', start);
        end = end == std::string::npos ? nodes.out.size() : end;
        const auto line = nodes.out.substr(start, end - start);
        start = end + 1;
        const auto space = line.rfind(' ');
        if (space != std::string::npos && iqns.count(line.substr(space + 1)) != 0) {
            found.push_back("iSCSI node record " + line);
        }
    }
    std::vector<std::string> blocks;
    host.list_dir("/sys/block", blocks);
    for (const auto& name : blocks) {
        if (name.rfind("sd", 0) == 0) {
            if (auto disk = scsi::read_disk(host, name); disk && wwids.count(disk->scsi_id) != 0) {
                found.push_back("SCSI disk " + name + " (" + disk->scsi_id + ")");
            }
        } else if (name.rfind("dm-", 0) == 0) {
            if (auto map = multipath::read_map(host, name); map && wwids.count(map->wwid) != 0) {
                found.push_back("multipath map " + map->name + " (" + name + ")");
            }
        }
    }
    std::vector<std::string> links;
    host.list_dir("/dev/disk/by-path", links);
    for (const auto& link : links) {
        if (contains_any(link, iqns)) {
            found.push_back("udev link /dev/disk/by-path/" + link);
        }
    }
    links.clear();
    host.list_dir("/dev/disk/by-id", links);
    std::set<std::string> short_ids;
    for (const auto& wwid : wwids) {
        short_ids.insert(wwid.size() > 1 ? wwid.substr(1) : wwid);
    }
    for (const auto& link : links) {
        if (contains_any(link, short_ids)) {
            found.push_back("udev link /dev/disk/by-id/" + link);
        }
    }
}

void nvme_leftovers(Host& host, const nvmeof::Properties& properties,
                    std::vector<std::string>& found) {
    std::set<std::string> nqns;
    std::set<std::string> ids;
    for (const auto& target : properties.targets) {
        nqns.insert(target.nqn);
        ids.insert(target.uuid);
        ids.insert(target.nguid);
    }
    ids.erase("");
    find_nvme_leftovers(host, nqns, ids, found);
}

}  // namespace

std::vector<std::string> volume_leftovers(Host& host, const nlohmann::json& connection_info,
                                          const DeviceInfo& device) {
    std::vector<std::string> found;
    const auto protocol =
        parse_protocol(connection_info.value("driver_volume_type", std::string()));
    if (!protocol) {
        return found;
    }
    const auto properties = parse_any_properties(*protocol, connection_info);
    if (const auto* iscsi = std::get_if<iscsi::Properties>(&properties)) {
        iscsi_leftovers(host, *iscsi, device, found);
    } else if (const auto* nvme = std::get_if<nvmeof::Properties>(&properties)) {
        nvme_leftovers(host, *nvme, found);
    }
    return found;
}

}  // namespace brick::lab::certify
