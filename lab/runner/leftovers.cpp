#include "leftovers.hpp"

#include <algorithm>
#include <set>

#include "brick/iscsi/session.hpp"
#include "brick/multipath/map.hpp"
#include "brick/scsi/disk.hpp"

namespace brick::lab {

std::vector<std::string> find_leftovers(Host& host, const Scenario& scenario) {
    std::vector<std::string> found;
    std::set<std::string> iqns;
    std::set<std::string> identities;
    for (const auto& target : scenario.fabric.iscsi_targets) {
        iqns.insert(target.iqn);
        for (const auto& lun : target.luns) {
            identities.insert(lun.scsi_id());
        }
    }
    for (const auto& session : iscsi::read_sessions(host)) {
        if (iqns.count(session.target_iqn) != 0) {
            found.push_back("session " + std::to_string(session.id) + " to " +
                            session.target_iqn + " at " + session.portal.to_string());
        }
    }
    const auto nodes = host.run(Command{{"iscsiadm", "-m", "node"}, {}, Duration(30000)});
    if (nodes.ok()) {
        std::size_t start = 0;
        while (start < nodes.out.size()) {
            auto end = nodes.out.find('\n', start);
            if (end == std::string::npos) {
                end = nodes.out.size();
            }
            const auto line = nodes.out.substr(start, end - start);
            start = end + 1;
            const auto space = line.rfind(' ');
            if (space != std::string::npos && iqns.count(line.substr(space + 1)) != 0) {
                found.push_back("node record " + line);
            }
        }
    }
    std::vector<std::string> blocks;
    host.list_dir("/sys/block", blocks);
    for (const auto& name : blocks) {
        if (name.rfind("sd", 0) == 0) {
            if (auto disk = scsi::read_disk(host, name);
                disk && identities.count(disk->scsi_id) != 0) {
                found.push_back("SCSI disk " + name + " (" + disk->scsi_id + ") at " +
                                disk->address.to_string());
            }
        } else if (name.rfind("dm-", 0) == 0) {
            if (auto map = multipath::read_map(host, name); map && identities.count(map->wwid) != 0) {
                found.push_back("multipath map " + map->name + " (" + name + ")");
            }
        }
    }
    std::vector<std::string> links;
    host.list_dir("/dev/disk/by-path", links);
    for (const auto& link : links) {
        if (std::any_of(iqns.begin(), iqns.end(),
                        [&](const std::string& iqn) { return link.find(iqn) != std::string::npos; })) {
            found.push_back("udev link /dev/disk/by-path/" + link);
        }
    }
    host.list_dir("/dev/disk/by-id", links);
    for (const auto& link : links) {
        if (std::any_of(identities.begin(), identities.end(), [&](const std::string& id) {
                return link.find(id) != std::string::npos || link.find(id.substr(1)) != std::string::npos;
            })) {
            found.push_back("udev link /dev/disk/by-id/" + link);
        }
    }
    return found;
}

}  // namespace brick::lab
