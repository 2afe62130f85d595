#include "brick/nvmeof/connector.hpp"

#include <algorithm>
#include <set>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/host/udev.hpp"
#include "brick/host/wait.hpp"
#include "brick/initiator/connector_properties.hpp"
#include "brick/nvmeof/controller.hpp"
#include "brick/nvmeof/fabrics.hpp"
#include "brick/nvmeof/raid.hpp"
#include "brick/scsi/disk.hpp"

namespace brick::nvmeof {
namespace {

Duration remaining(Host& host, Clock::time_point deadline) {
    return std::max(Duration(0), std::chrono::duration_cast<Duration>(deadline - host.now()));
}

std::string describe(const Target& target) {
    std::string id = !target.uuid.empty()    ? "UUID " + target.uuid
                     : !target.nguid.empty() ? "NGUID " + target.nguid
                                             : "NSID " + std::to_string(target.ns_id.value_or(0));
    return "namespace " + id + " of " + target.nqn;
}

// The namespace's size as the target reports it now (Identify Namespace: nsze
// blocks of the LBA format in use), or nullopt when nvme-cli cannot tell.
std::optional<std::uint64_t> reported_size(Host& host, const std::string& device,
                                           Duration timeout) {
    const auto result = host.run(Command{{"nvme", "id-ns", device, "-o", "json"}, {}, timeout});
    if (!result.ok()) {
        return std::nullopt;
    }
    try {
        const auto identify = nlohmann::json::parse(result.out);
        const auto blocks = identify.at("nsze").get<std::uint64_t>();
        const auto format = identify.at("flbas").get<unsigned>() & 0xFU;
        const auto shift = identify.at("lbafs").at(format).at("ds").get<unsigned>();
        if (shift < 9 || shift > 16) {
            return std::nullopt;
        }
        return blocks << shift;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

std::string portal_text(const TargetPortal& portal) {
    return std::string(transport_name(portal.transport)) + ":" + portal.address + ":" +
           std::to_string(portal.port);
}

// Namespaces in use on this host, one empty file each:
// /run/brick/nvmeof/<subsystem NQN>/<NSID>, written after an attach and
// removed by its detach. A controller is deleted only when no other
// namespace of its subsystem is in use (recorded, or held by md or dm):
// the other namespaces of a subsystem stay exported, so their mere presence
// says nothing. /run is a tmpfs: the records go with a reboot, as the
// controllers do.
std::string in_use_dir(const std::string& nqn) {
    return std::string("/run/brick/nvmeof/").append(nqn);
}

std::string in_use_record(const std::string& nqn, std::uint32_t nsid) {
    return in_use_dir(nqn) + "/" + std::to_string(nsid);
}

void record_in_use(Host& host, const std::string& nqn, std::uint32_t nsid) {
    const auto dir = in_use_dir(nqn);
    if (!host.make_dirs(dir).ok() ||
        !host.write_file(in_use_record(nqn, nsid), "", Duration(5000)).ok()) {
        log::warning("cannot record namespace " + std::to_string(nsid) + " as in use under " + dir +
                     ": the controllers of " + nqn + " may be deleted by another detach");
    }
}

bool held(Host& host, const Namespace& ns) {
    std::vector<std::string> holders;
    return host.list_dir("/sys/block/" + ns.name + "/holders", holders).ok() && !holders.empty();
}

// Why the controllers of a subsystem must stay, or empty: a namespace of it
// recorded in use (its device need not show on them yet: its attach may still
// wait for it), or one of `others` held by md or dm. Every controller carries
// all the subsystem's namespaces.
std::string kept_by(Host& host, const std::string& nqn, const std::vector<Namespace>& others) {
    std::vector<std::string> records;
    if (host.list_dir(in_use_dir(nqn), records).ok() && !records.empty()) {
        return "namespace " + records.front() + " is recorded in use";
    }
    for (const auto& ns : others) {
        if (held(host, ns)) {
            return "namespace " + std::to_string(ns.nsid) + " (" + ns.device_path() + ") is held";
        }
    }
    return {};
}

class NvmeofConnector final : public Connector {
  public:
    NvmeofConnector(Host& host, ConnectorOptions options)
        : host_(host), options_(std::move(options)) {}

    DeviceInfo connect(const nlohmann::json& data) override;
    void disconnect(const nlohmann::json& data, const DeviceInfo& device,
                    const DisconnectOptions& options) override;
    std::uint64_t extend(const nlohmann::json& data) override;
    std::vector<std::string> paths(const nlohmann::json& data) override;
    // Its in-use record (or its array) exists: a namespace device alone does
    // not tell, every controller of a subsystem carries all its namespaces.
    std::optional<bool> attached(const nlohmann::json& data) override;

  private:
    HostIdentity identity_for(const Target& target);
    std::vector<Controller> controllers_of(const Target& target, const std::string& host_nqn);
    Namespace attach(const Target& target, Clock::time_point deadline);
    std::optional<Namespace> find_namespace(const Target& target, const std::string& host_nqn);
    void remove_stale_links(const std::string& device_name);
    void detach(const Target& target, bool flush, std::vector<std::string>& problems,
                const DisconnectOptions& options);

    Host& host_;
    ConnectorOptions options_;
};

HostIdentity NvmeofConnector::identity_for(const Target& target) {
    HostIdentity identity;
    identity.nqn = !target.host_nqn.empty() ? target.host_nqn : read_host_nqn(host_).value_or("");
    identity.id = read_host_id(host_).value_or("");
    return identity;
}

std::vector<Controller> NvmeofConnector::controllers_of(const Target& target,
                                                        const std::string& host_nqn) {
    std::vector<Controller> mine;
    for (auto& controller : read_controllers(host_, target.nqn)) {
        if (std::any_of(target.portals.begin(), target.portals.end(), [&](const TargetPortal& p) {
                return controller.matches(target.nqn, p, host_nqn);
            })) {
            mine.push_back(std::move(controller));
        }
    }
    return mine;
}

std::optional<Namespace> NvmeofConnector::find_namespace(const Target& target,
                                                         const std::string& host_nqn) {
    for (const auto& controller : controllers_of(target, host_nqn)) {
        if (controller.state != "live") {
            continue;
        }
        for (const auto& ns : namespaces_of(host_, controller)) {
            if (namespace_matches(ns, target) && ns.has_device_node && ns.size_bytes > 0) {
                return ns;
            }
        }
    }
    return std::nullopt;
}

Namespace NvmeofConnector::attach(const Target& target, Clock::time_point deadline) {
    const auto identity = identity_for(target);
    const auto lock = host_.lock("nvme-subsystem:" + target.nqn);
    const bool all_portals = native_multipath(host_) && options_.use_multipath;
    std::set<std::string> before;
    for (const auto& c : read_controllers(host_, target.nqn)) {
        before.insert(c.name);
    }
    // Portals that have a controller already (live, or connecting: a path in
    // progress, not a failure) are not connected again.
    std::vector<TargetPortal> missing;
    const auto existing = controllers_of(target, identity.nqn);
    for (const auto& portal : target.portals) {
        if (std::none_of(existing.begin(), existing.end(), [&](const Controller& c) {
                return c.matches(target.nqn, portal, identity.nqn);
            })) {
            missing.push_back(portal);
        }
    }
    if (!all_portals && !existing.empty()) {
        missing.clear();
    }
    std::vector<std::string> failures;
    std::optional<ErrorCategory> category;
    if (all_portals) {
        std::vector<std::optional<Error>> errors(missing.size());
        std::vector<std::unique_ptr<Task>> tasks;
        for (std::size_t i = 0; i < missing.size(); ++i) {
            tasks.push_back(host_.start_task("connect-" + portal_text(missing[i]), [&, i] {
                try {
                    connect_portal(host_, target.nqn, missing[i], identity, options_);
                } catch (const Error& e) {
                    errors[i] = e;
                }
            }));
        }
        for (auto& task : tasks) {
            task->join();
        }
        for (const auto& error : errors) {
            if (error) {
                failures.push_back(error->message());
                category = category ? category : error->category();
            }
        }
    } else {
        for (const auto& portal : missing) {
            try {
                connect_portal(host_, target.nqn, portal, identity, options_);
                break;
            } catch (const Error& e) {
                failures.push_back(e.message());
                category = category ? category : e.category();
            }
        }
    }
    for (const auto& failure : failures) {
        log::warning("NVMe-oF path failed: " + failure);
    }
    try {
        if (controllers_of(target, identity.nqn).empty()) {
            throw Error(category.value_or(ErrorCategory::target_unreachable),
                        "no portal of " + target.nqn + " could be connected: " +
                            (failures.empty() ? std::string("no portal") : failures.front()));
        }
        WaitHints hints;
        hints.watch_paths = {"/dev"};
        auto ns = wait_for<Namespace>(
            host_, describe(target) + " as a ready block device", remaining(host_, deadline),
            [&] { return find_namespace(target, identity.nqn); }, hints,
            ErrorCategory::device_not_found);
        // Recorded while the subsystem lock is held: a detach of another
        // namespace waiting for the lock must see this one in use, or it
        // deletes the controllers under the device just returned.
        record_in_use(host_, target.nqn, ns.nsid);
        return ns;
    } catch (const Error&) {
        // Remove the controllers this attach created, also those still
        // connecting, unless another namespace of the subsystem is in use
        // meanwhile: every controller carries all of them.
        const auto current = controllers_of(target, identity.nqn);
        std::vector<Namespace> others;
        for (const auto& controller : current) {
            for (const auto& ns : namespaces_of(host_, controller)) {
                if (!namespace_matches(ns, target)) {
                    others.push_back(ns);
                }
            }
        }
        if (const auto why = kept_by(host_, target.nqn, others); !why.empty()) {
            log::info("keeping the controllers of " + target.nqn + ": " + why);
            throw;
        }
        for (const auto& controller : current) {
            if (before.count(controller.name) == 0) {
                try {
                    delete_controller(host_, controller, options_.command_timeout);
                } catch (const Error& e) {
                    log::warning("cleanup: " + std::string(e.what()));
                }
            }
        }
        throw;
    }
}

DeviceInfo NvmeofConnector::connect(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    const auto deadline = host_.now() + options_.device_timeout;
    if (!native_multipath(host_) && options_.enforce_multipath &&
        props.targets.front().portals.size() > 1) {
        throw Error(ErrorCategory::not_supported,
                    "multipath is enforced but native NVMe multipath is off "
                    "(nvme_core.multipath=N); dm-multipath over NVMe is not supported");
    }
    DeviceInfo info;
    if (!props.replicated()) {
        const auto& target = props.targets.front();
        const auto ns = attach(target, deadline);
        info.path = ns.device_path();
        return info;
    }
    std::vector<std::string> legs;
    std::vector<const Target*> attached;
    std::vector<std::string> failures;
    std::vector<const Target*> missing;
    for (const auto& target : props.targets) {
        try {
            const auto ns = attach(target, deadline);
            legs.push_back(ns.device_path());
            attached.push_back(&target);
        } catch (const Error& e) {
            failures.push_back(e.message());
            missing.push_back(&target);
        }
    }
    if (legs.empty()) {
        throw Error(ErrorCategory::device_not_found,
                    "no replica of the volume could be attached: " + failures.front());
    }
    // A replica that did not attach is still this volume's: its namespace
    // is recorded as in use, so another volume's detach keeps the
    // controllers that come to carry it (it can rejoin the array) and this
    // volume's detach removes them.
    for (const auto* target : missing) {
        if (target->ns_id) {
            record_in_use(host_, target->nqn, *target->ns_id);
        }
    }
    if (!failures.empty()) {
        log::warning("the RAID1 of " + props.alias + " is degraded: " +
                     std::to_string(legs.size()) + " of " + std::to_string(props.replica_count) +
                     " replicas attached (" + failures.front() + ")");
    }
    try {
        info.path = assemble_raid(host_, props.alias, legs, props.replica_count,
                                  remaining(host_, deadline), options_.command_timeout);
    } catch (const Error&) {
        // The legs attached for an array that did not come up go again: their
        // in-use records would keep their subsystems' controllers forever.
        std::vector<std::string> problems;
        for (const auto* target : attached) {
            try {
                detach(*target, false, problems, {true, true});
            } catch (const Error& e) {
                problems.emplace_back(e.message());
            }
        }
        for (const auto& problem : problems) {
            log::warning("cleanup: " + problem);
        }
        throw;
    }
    return info;
}

void NvmeofConnector::detach(const Target& target, bool flush, std::vector<std::string>& problems,
                             const DisconnectOptions& options) {
    const auto identity = identity_for(target);
    const auto lock = host_.lock("nvme-subsystem:" + target.nqn);
    // Every controller of the subsystem for this host, not only those of the
    // target's portals: another volume's connect may have reached the same
    // namespaces through another portal, and all of them carry every namespace.
    std::vector<Controller> controllers;
    for (auto& controller : read_controllers(host_, target.nqn)) {
        if (controller.subsystem_nqn == target.nqn && controller.state != "deleting" &&
            controller.state != "dead" &&
            (identity.nqn.empty() || controller.host_nqn.empty() ||
             controller.host_nqn == identity.nqn)) {
            controllers.push_back(std::move(controller));
        }
    }
    // Ours: one head with native multipath, else one device per controller.
    std::vector<Namespace> ours;
    std::vector<Namespace> others;
    for (const auto& controller : controllers) {
        for (const auto& ns : namespaces_of(host_, controller)) {
            auto& into = namespace_matches(ns, target) ? ours : others;
            if (std::none_of(into.begin(), into.end(),
                             [&](const Namespace& seen) { return seen.name == ns.name; })) {
                into.push_back(ns);
            }
        }
    }
    for (const auto& ns : ours) {
        if (!flush || !ns.has_device_node) {
            continue;
        }
        try {
            scsi::flush_buffers(host_, ns.device_path(), options_.command_timeout);
        } catch (const Error& e) {
            if (!options.force) {
                throw Error(
                    ErrorCategory::would_lose_data,
                    "flushing " + ns.device_path() +
                        " failed; not disconnecting (use force to drop it): " + e.message());
            }
            problems.push_back(e.message());
        }
    }
    // The in-use record goes first (a crash after it leaves controllers the
    // next detach finds and deletes), and comes back when the detach stops on
    // an error: the volume is still attached then, and its record must keep
    // the controllers from another volume's detach.
    std::optional<std::uint32_t> recorded;
    if (!ours.empty()) {
        recorded = ours.front().nsid;
    } else if (target.ns_id) {
        recorded = *target.ns_id;
    }
    if (recorded) {
        host_.remove(in_use_record(target.nqn, *recorded));
    }
    // Another namespace of the subsystem in use keeps the controllers.
    if (const auto why = kept_by(host_, target.nqn, others); !why.empty()) {
        log::info("keeping the controllers of " + target.nqn + ": " + why);
        return;
    }
    std::vector<std::string> numbers;
    for (const auto& ns : ours) {
        if (auto number = udev::device_number(host_, ns.name)) {
            numbers.push_back(std::move(*number));
        }
    }
    for (const auto& controller : controllers) {
        try {
            delete_controller(host_, controller, options_.command_timeout);
        } catch (const Error& e) {
            if (!options.force) {
                if (recorded) {
                    record_in_use(host_, target.nqn, *recorded);
                }
                throw;
            }
            problems.push_back(e.message());
        }
    }
    // A controller the kernel is still deleting (a delete that did not finish
    // in time, now or earlier) still carries the namespace: the detach is done
    // once it went.
    const auto deleting = [&] {
        const auto all = read_controllers(host_, target.nqn);
        return std::any_of(all.begin(), all.end(), [&](const Controller& c) {
            return c.subsystem_nqn == target.nqn && c.state == "deleting" &&
                   (identity.nqn.empty() || c.host_nqn.empty() || c.host_nqn == identity.nqn);
        });
    };
    WaitHints hints;
    hints.watch_paths = {"/sys/class/nvme"};
    if (!wait_until(
            host_, options_.command_timeout, [&] { return !deleting(); }, hints)) {
        const auto still = "a controller of " + target.nqn +
                           " is still being deleted by the kernel after " +
                           std::to_string(options_.command_timeout.count()) + " ms";
        if (!options.force) {
            throw Error(ErrorCategory::timeout, still);
        }
        problems.push_back(still);
    }
    udev::wait_forgotten(host_, numbers, udev::grace);
    for (const auto& ns : ours) {
        remove_stale_links(ns.name);
    }
}

// udev removes a namespace's /dev/disk/by-id links when it handles the
// remove event (waited for above, within a bound); links of this namespace
// that still dangle are removed, so the host shows nothing of the volume
// once disconnect returns.
void NvmeofConnector::remove_stale_links(const std::string& device_name) {
    std::vector<std::string> links;
    host_.list_dir("/dev/disk/by-id", links);
    for (const auto& name : links) {
        const auto link = "/dev/disk/by-id/" + name;
        std::string target;
        if (host_.read_link(link, target).ok() &&
            target.substr(target.rfind('/') + 1) == device_name && !host_.exists(link)) {
            host_.remove(link);
        }
    }
}

void NvmeofConnector::disconnect(const nlohmann::json& data, const DeviceInfo& /*device*/,
                                 const DisconnectOptions& options) {
    const auto props = parse_properties(data);
    std::vector<std::string> problems;
    bool flush_legs = true;
    if (props.replicated()) {
        try {
            stop_raid(host_, props.alias, options_.command_timeout);
            // Stopping the array flushed it. (A leg's flush that failed after
            // another leg went would leave the volume half detached.)
            flush_legs = false;
        } catch (const Error& e) {
            if (!options.force) {
                throw;
            }
            problems.push_back(e.message());
        }
    }
    for (const auto& target : props.targets) {
        detach(target, flush_legs, problems, options);
    }
    if (!problems.empty() && !options.ignore_errors) {
        std::string text;
        for (const auto& p : problems) {
            text += (text.empty() ? "" : "; ") + p;
        }
        throw Error(ErrorCategory::command_failed, "disconnect finished with errors: " + text);
    }
}

std::uint64_t NvmeofConnector::extend(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    std::uint64_t size = 0;
    for (const auto& target : props.targets) {
        const auto identity = identity_for(target);
        for (const auto& controller : controllers_of(target, identity.nqn)) {
            host_.write_file("/sys/class/nvme/" + controller.name + "/rescan_controller", "1",
                             options_.command_timeout);
        }
        auto ns = find_namespace(target, identity.nqn);
        if (!ns) {
            continue;
        }
        // rescan_controller only queues the kernel's scan: the block device can
        // still show the old size. Wait until it shows what the target reports.
        const auto reported = reported_size(host_, ns->device_path(), options_.command_timeout);
        if (reported && *reported != ns->size_bytes) {
            ns = wait_for<Namespace>(
                host_, ns->device_path() + " growing to " + std::to_string(*reported) + " bytes",
                options_.command_timeout, [&]() -> std::optional<Namespace> {
                    auto now = find_namespace(target, identity.nqn);
                    return now && now->size_bytes == *reported ? now : std::nullopt;
                });
        }
        size = std::max(size, ns->size_bytes);
    }
    if (size == 0) {
        throw Error(ErrorCategory::device_not_found, "the volume is not attached on this host");
    }
    if (props.replicated()) {
        return grow_raid(host_, props.alias, options_.command_timeout);
    }
    return size;
}

std::optional<bool> NvmeofConnector::attached(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    if (props.replicated()) {
        return host_.exists("/dev/md/" + props.alias);
    }
    const auto& target = props.targets.front();
    if (!target.ns_id) {
        const auto ns = find_namespace(target, identity_for(target).nqn);
        return ns && host_.exists(in_use_record(target.nqn, ns->nsid));
    }
    return host_.exists(in_use_record(target.nqn, *target.ns_id));
}

std::vector<std::string> NvmeofConnector::paths(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    if (props.replicated()) {
        return {"/dev/md/" + props.alias};
    }
    const auto& target = props.targets.front();
    if (auto ns = find_namespace(target, identity_for(target).nqn)) {
        return {ns->device_path()};
    }
    if (!target.uuid.empty()) {
        return {"/dev/disk/by-id/nvme-uuid." + target.uuid};
    }
    return {};
}

}  // namespace

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options) {
    check_timeouts(options);
    return std::make_unique<NvmeofConnector>(host, options);
}

}  // namespace brick::nvmeof
