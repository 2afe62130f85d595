#include "brick/fc/connector.hpp"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/fc/ports.hpp"
#include "brick/fc/properties.hpp"
#include "brick/host/wait.hpp"
#include "brick/scsi/disk.hpp"
#include "brick/scsi/volume.hpp"
#include "brick/scsi/vpd83.hpp"
#include "brick/scsi/writable.hpp"

namespace brick::fc {
namespace {

constexpr Duration sysfs_write_timeout{10000};
constexpr Duration delete_timeout{30000};

Duration remaining(Host& host, Clock::time_point deadline) {
    return std::max(Duration(0), std::chrono::duration_cast<Duration>(deadline - host.now()));
}

// One way to the volume: an initiator port of this host, a target port the
// properties allow it to use, and the LUN behind that target port.
struct Route {
    HostPort port;
    Target target;

    std::string describe() const {
        return "LUN " + std::to_string(target.lun) + " of target port 0x" + target.wwpn +
               " through host" + std::to_string(port.scsi_host) + " (0x" + port.wwpn + ")";
    }
    // udev's name: /dev/disk/by-path/pci-<address>-fc-0x<wwpn>-lun-<lun>.
    std::string by_path_link() const {
        if (port.by_path_prefix.empty()) {
            return {};
        }
        return "/dev/disk/by-path/" + port.by_path_prefix + "-fc-0x" + target.wwpn + "-lun-" +
               scsi::by_path_lun(target.lun);
    }
};

// The routes the properties allow through the given ports: with an
// initiator_target_map only the ports it names, each to the target ports
// listed for it (os-brick's initiator_target_lun_map); without one, every
// port to every target.
std::vector<Route> routes_for(const Properties& props, const std::vector<HostPort>& ports) {
    std::vector<Route> routes;
    std::set<std::tuple<unsigned, std::string, std::uint64_t>> seen;
    for (const auto& port : ports) {
        const std::vector<std::string>* allowed = nullptr;
        if (!props.initiator_target_map.empty()) {
            const auto it = props.initiator_target_map.find(port.wwpn);
            if (it == props.initiator_target_map.end()) {
                continue;
            }
            allowed = &it->second;
        }
        for (const auto& target : props.targets) {
            if (allowed != nullptr &&
                std::find(allowed->begin(), allowed->end(), target.wwpn) == allowed->end()) {
                continue;
            }
            if (seen.emplace(port.scsi_host, target.wwpn, target.lun).second) {
                routes.push_back(Route{port, target});
            }
        }
    }
    return routes;
}

const RemotePort* remote_port_of(const std::vector<RemotePort>& rports, const Route& route) {
    for (const auto& rport : rports) {
        if (rport.scsi_host == route.port.scsi_host && rport.wwpn == route.target.wwpn) {
            return &rport;
        }
    }
    return nullptr;
}

std::optional<scsi::Address> address_of(const RemotePort& rport, const Route& route) {
    if (!rport.scsi_target_id) {
        return std::nullopt;
    }
    return scsi::Address{rport.scsi_host, rport.channel, *rport.scsi_target_id, route.target.lun};
}

bool device_exists(Host& host, const scsi::Address& address) {
    return host.exists("/sys/class/scsi_device/" + address.to_string());
}

std::string join(const std::vector<std::string>& parts) {
    std::string text;
    for (const auto& part : parts) {
        text += (text.empty() ? "" : "; ") + part;
    }
    return text;
}

// The state of one route during an attach.
struct PathAttempt {
    Route route;
    std::optional<scsi::Address> address;  // set once it was scanned
    bool created = false;                  // no SCSI device was at the address before the scan
    std::optional<scsi::Disk> disk;        // the ready disk
    std::optional<Error> error;            // the scan failed: not retried
    std::string waiting_for;               // why there is no disk yet
};

class FibreChannelConnector final : public Connector {
  public:
    FibreChannelConnector(Host& host, ConnectorOptions options)
        : host_(host), options_(std::move(options)) {}

    DeviceInfo connect(const nlohmann::json& data) override;
    void disconnect(const nlohmann::json& data, const DeviceInfo& device,
                    const DisconnectOptions& options) override;
    std::uint64_t extend(const nlohmann::json& data) override;
    std::vector<std::string> paths(const nlohmann::json& data) override;

  private:
    std::vector<Route> connect_routes(const Properties& props);
    void reach(PathAttempt& attempt, const std::vector<RemotePort>& rports);
    void probe(PathAttempt& attempt);
    void remove_created(const std::vector<PathAttempt>& attempts,
                        const std::set<std::string>& keep);
    // The disks at the volume's addresses on every port (Online or not)
    // that carry wwid (adopting the first disk's when wwid is empty), and
    // the addresses with a SCSI device but no disk.
    void find_volume(const Properties& props, std::string& wwid, std::vector<std::string>& disks,
                     std::vector<scsi::Address>& bare);

    Host& host_;
    ConnectorOptions options_;
};

std::vector<Route> FibreChannelConnector::connect_routes(const Properties& props) {
    const auto ports = read_host_ports(host_);
    if (ports.empty()) {
        throw Error(ErrorCategory::not_supported,
                    "this host has no Fibre Channel port (/sys/class/fc_host is empty)");
    }
    std::vector<HostPort> online;
    std::string states;
    for (const auto& port : ports) {
        states += std::string(states.empty() ? "" : ", ") + "host" +
                  std::to_string(port.scsi_host) + " (0x" + port.wwpn + "): " + port.port_state;
        if (port.online()) {
            online.push_back(port);
        }
    }
    if (online.empty()) {
        throw Error(ErrorCategory::target_unreachable,
                    "no Fibre Channel port of this host is Online: " + states);
    }
    auto routes = routes_for(props, online);
    if (routes.empty()) {
        throw Error(ErrorCategory::target_unreachable,
                    "initiator_target_map names none of this host's Online ports (" + states + ")",
                    "initiator_target_map");
    }
    return routes;
}

// Finds the route's remote port and scans exactly its channel, target and
// LUN. A disk already at the address may be stale (its volume was unmapped
// and another mapped at the same LUN): it is rescanned so its identity is
// read afresh.
void FibreChannelConnector::reach(PathAttempt& attempt, const std::vector<RemotePort>& rports) {
    const auto& route = attempt.route;
    const auto* rport = remote_port_of(rports, route);
    if (rport == nullptr) {
        attempt.waiting_for = "host" + std::to_string(route.port.scsi_host) +
                              " sees no remote port 0x" + route.target.wwpn +
                              " (not zoned with 0x" + route.port.wwpn + ", or not logged in)";
        return;
    }
    const auto address = address_of(*rport, route);
    if (!rport->online() || !address) {
        attempt.waiting_for = "remote port rport-" + std::to_string(rport->scsi_host) + ":" +
                              std::to_string(rport->channel) + "-" + std::to_string(rport->number) +
                              " (0x" + rport->wwpn + ") is " + rport->port_state +
                              (address ? std::string() : " without a SCSI target id");
        return;
    }
    try {
        attempt.created = !device_exists(host_, *address);
        if (const auto name = scsi::disk_name_at(host_, *address)) {
            scsi::rescan_disk(host_, *name, sysfs_write_timeout);
        }
        scsi::scan_lun(host_, address->host, address->channel, address->target, address->lun,
                       sysfs_write_timeout);
        attempt.address = address;
        attempt.waiting_for =
            route.describe() + " (" + address->to_string() + ") as a ready block device";
    } catch (const Error& e) {
        attempt.error = e;
        log::warning("path failed: " + std::string(e.what()));
    }
}

void FibreChannelConnector::probe(PathAttempt& attempt) {
    if (!attempt.address || attempt.disk || attempt.error) {
        return;
    }
    if (const auto name = scsi::disk_name_at(host_, *attempt.address)) {
        if (auto disk = scsi::read_disk(host_, *name); disk && disk->ready()) {
            attempt.disk = std::move(disk);
        }
    }
}

// Removes the SCSI devices this attach brought in, except the disks in keep.
void FibreChannelConnector::remove_created(const std::vector<PathAttempt>& attempts,
                                           const std::set<std::string>& keep) {
    for (const auto& attempt : attempts) {
        if (!attempt.address || !attempt.created ||
            (attempt.disk && keep.count(attempt.disk->name) != 0)) {
            continue;
        }
        scsi::discard_device(
            host_, *attempt.address,
            {false, options_.use_multipath, options_.command_timeout, delete_timeout});
    }
}

DeviceInfo FibreChannelConnector::connect(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    const auto deadline = host_.now() + options_.device_timeout;
    const bool multipathd = scsi::multipath_available(host_, options_);
    std::vector<PathAttempt> attempts;
    for (auto& route : connect_routes(props)) {
        attempts.push_back(PathAttempt{std::move(route), {}, false, {}, {}, {}});
    }

    // Scan every route whose remote port is there, then wait for the disks.
    // With a multipath map to form, every scanned path is waited for; a
    // route without a usable remote port only until some path is ready.
    WaitHints hints;
    hints.watch_paths = {"/dev", "/sys/class/fc_remote_ports"};
    wait_until(
        host_, remaining(host_, deadline),
        [&] {
            std::optional<std::vector<RemotePort>> rports;
            std::size_t ready = 0;
            std::size_t pending = 0;
            for (auto& attempt : attempts) {
                if (!attempt.address && !attempt.error) {
                    if (!rports) {
                        rports = read_remote_ports(host_);
                    }
                    reach(attempt, *rports);
                }
                probe(attempt);
                ready += attempt.disk ? 1 : 0;
                pending += attempt.address && !attempt.disk && !attempt.error ? 1 : 0;
            }
            return ready > 0 && (!multipathd || pending == 0);
        },
        hints);

    std::vector<scsi::VolumePath> found;
    std::vector<const PathAttempt*> found_attempts;
    std::vector<std::string> reasons;
    for (const auto& attempt : attempts) {
        if (attempt.disk) {
            found.push_back({attempt.route.describe(), *attempt.disk, attempt.created});
            found_attempts.push_back(&attempt);
        } else {
            reasons.push_back(attempt.error ? attempt.error->message() : attempt.waiting_for);
        }
    }
    if (found.empty()) {
        remove_created(attempts, {});
        // Scan failures (sysfs errors) on every path say more than a timeout.
        const bool all_failed =
            std::all_of(attempts.begin(), attempts.end(),
                        [](const PathAttempt& a) { return a.error.has_value(); });
        throw Error(
            all_failed ? attempts.front().error->category() : ErrorCategory::device_not_found,
            "the volume's LUN did not appear within " +
                std::to_string(options_.device_timeout.count()) +
                " ms on any path: " + join(reasons));
    }
    for (const auto& reason : reasons) {
        log::warning("path not used: " + reason);
    }
    scsi::IdentityVerdict verdict;
    try {
        verdict = scsi::check_identity(found, props.expected_wwid);
    } catch (const Error&) {
        remove_created(attempts, {});
        throw;
    }
    std::set<std::string> accepted;
    for (const auto i : verdict.accepted) {
        accepted.insert(found[i].disk.name);
    }
    if (!verdict.refused.empty()) {
        // Another volume's LUN this attach scanned in goes again.
        remove_created(attempts, accepted);
    }
    const auto& first = *found_attempts[verdict.accepted.front()];
    std::vector<std::string> disks;
    std::vector<std::string> reused;
    for (const auto i : verdict.accepted) {
        disks.push_back(found[i].disk.name);
        if (!found[i].fresh) {
            reused.push_back(found[i].disk.name);
        }
    }
    std::optional<multipath::Map> map;
    try {
        map = scsi::volume_map(host_, verdict.wwid, disks, reused, first.disk->name, multipathd,
                               options_,
                               std::min(options_.multipath_timeout, remaining(host_, deadline)));
    } catch (const Error&) {
        // Multipath enforced and no map: the disks this attach brought in
        // leave multipathd and go, with a map it formed of them meanwhile.
        std::vector<std::string> created;
        for (const auto i : verdict.accepted) {
            if (found[i].fresh) {
                created.push_back(found[i].disk.name);
            }
        }
        scsi::withdraw_volume(
            host_, verdict.wwid, created,
            {false, options_.use_multipath, options_.command_timeout, delete_timeout});
        throw;
    }
    auto info = scsi::device_info_for(host_, *first.disk, map, options_.link,
                                      first.route.by_path_link(), options_.device_timeout);
    info.read_only = scsi::settle_access_mode(host_, props.access_mode, *first.disk, map,
                                              {.timeout = options_.read_write_timeout});
    return info;
}

void FibreChannelConnector::find_volume(const Properties& props, std::string& wwid,
                                        std::vector<std::string>& disks,
                                        std::vector<scsi::Address>& bare) {
    const auto rports = read_remote_ports(host_);
    std::set<std::string> seen;
    for (const auto& route : routes_for(props, read_host_ports(host_))) {
        const auto* rport = remote_port_of(rports, route);
        const auto address = rport == nullptr ? std::nullopt : address_of(*rport, route);
        if (!address || !device_exists(host_, *address)) {
            continue;
        }
        const auto name = scsi::disk_name_at(host_, *address);
        if (!name) {
            // remove_volume deletes it unless it reports another identity.
            bare.push_back(*address);
            continue;
        }
        const auto disk = scsi::read_disk(host_, *name);
        if (!disk || !seen.insert(*name).second) {
            continue;
        }
        if (!scsi::removable_with(*disk, wwid)) {
            log::warning("not touching " + *name + " at " + address->to_string() + ": WWID " +
                         disk->scsi_id + " is not the volume's " + wwid);
            continue;
        }
        if (wwid.empty()) {
            wwid = disk->scsi_id;
        }
        disks.push_back(*name);
    }
}

void FibreChannelConnector::disconnect(const nlohmann::json& data, const DeviceInfo& device,
                                       const DisconnectOptions& options) {
    const auto props = parse_properties(data);
    std::string wwid = device.scsi_wwn.value_or(device.multipath_id.value_or(props.expected_wwid));
    std::vector<std::string> disks;
    std::vector<scsi::Address> bare;
    find_volume(props, wwid, disks, bare);
    auto problems = scsi::remove_volume(
        host_, wwid, {disks, bare},
        {options.force, options_.use_multipath, options_.command_timeout, delete_timeout});
    for (const auto& route : routes_for(props, read_host_ports(host_))) {
        scsi::remove_dangling_link(host_, route.by_path_link());
    }
    scsi::report_problems(problems, options.ignore_errors);
}

std::uint64_t FibreChannelConnector::extend(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    std::string wwid = props.expected_wwid;
    std::vector<std::string> disks;
    std::vector<scsi::Address> bare;
    find_volume(props, wwid, disks, bare);
    return scsi::extend_volume(
        host_, disks, wwid, {options_.command_timeout, sysfs_write_timeout, sysfs_write_timeout});
}

// The by-path names of the volume's paths that exist now (os-brick's
// get_volume_paths for FC: the zoning decides which of the possible ones do).
std::vector<std::string> FibreChannelConnector::paths(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    std::vector<std::string> out;
    for (const auto& route : routes_for(props, read_host_ports(host_))) {
        const auto link = route.by_path_link();
        if (!link.empty() && host_.exists(link)) {
            out.push_back(link);
        }
    }
    return out;
}

}  // namespace

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options) {
    return std::make_unique<FibreChannelConnector>(host, options);
}

}  // namespace brick::fc
