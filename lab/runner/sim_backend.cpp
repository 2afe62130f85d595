#include "sim_backend.hpp"

#include <algorithm>

#include "brick/core/error.hpp"
#include "sim/model/daemons.hpp"

namespace brick::lab {

namespace {

// Data I/O through the simulated device in chunks, as a workload would.
constexpr std::uint64_t chunk = std::uint64_t{64} * 1024;

// The identity LIO gives a LU with this unit serial: an NAA 6 designator
// with LIO's OUI, and a T10 vendor designator.
sim::Volume volume_of(const LunSpec& lun) {
    sim::Volume volume;
    volume.id = "lu-" + lun.serial;
    volume.size_bytes = lun.size_mib * 1024 * 1024;
    volume.serial = lun.serial;
    volume.model = "bw" + lun.serial.substr(0, 12);
    volume.write_protected = lun.read_only;
    volume.designators = {
        {sim::DesignatorType::naa, lun.scsi_id().substr(1)},
        {sim::DesignatorType::t10, "LIO-ORG " + lun.serial},
    };
    return volume;
}

// FC: the HBA ports (functions 0 and 1 of one card, then the next card) and
// the arrays with the same LUN identities as the iSCSI targets.
void add_fc(const FcFabricSpec& spec, sim::Fabric& fabric) {
    for (std::size_t i = 0; i < spec.hbas.size(); ++i) {
        sim::FcHba hba;
        hba.wwpn = spec.hbas[i].wwpn;
        hba.wwnn = "2" + hba.wwpn.substr(1);
        hba.pci_address = "0000:0" + std::to_string(5 + i / 2) + ":00." + std::to_string(i % 2);
        hba.port_state = spec.hbas[i].port_state;
        fabric.fc.hbas.push_back(std::move(hba));
    }
    for (const auto& target_spec : spec.targets) {
        sim::FcTarget target;
        target.wwnn = target_spec.wwnn;
        target.ports = target_spec.ports;
        for (const auto& lun : target_spec.luns) {
            auto volume = volume_of(lun);
            target.luns.push_back(sim::Lun{lun.lun, volume.id});
            fabric.volumes.emplace(volume.id, std::move(volume));
        }
        fabric.fc.targets.push_back(std::move(target));
    }
    if (spec.zones) {
        fabric.fc.zones.emplace();
        for (const auto& zone : *spec.zones) {
            fabric.fc.zones->push_back(sim::FcZone{zone.name, zone.members});
        }
    }
}

}  // namespace

std::optional<std::string> SimBackend::skip_reason(const Scenario& scenario) const {
    if (!scenario.backends.empty() && std::find(scenario.backends.begin(), scenario.backends.end(),
                                                "sim") == scenario.backends.end()) {
        return "the scenario runs on real kernels only";
    }
    if (scenario.protocol != "iscsi" && scenario.protocol != "iser" &&
        scenario.protocol != "nvmeof" && scenario.protocol != "fibre_channel" &&
        scenario.protocol != "nfs" && scenario.protocol != "rbd" && scenario.protocol != "local") {
        return "the simulator does not model " + scenario.protocol + " yet";
    }
    return std::nullopt;
}

sim::Fabric SimBackend::fabric_for(const Scenario& scenario) {
    sim::Fabric fabric;
    fabric.host.local_disks = 1;
    if (scenario.nvme_native_multipath) {
        fabric.host.nvme_core_multipath = *scenario.nvme_native_multipath ? "Y" : "N";
    }
    for (const auto& spec : scenario.fabric.iscsi_targets) {
        sim::IscsiTarget target;
        target.iqn = spec.iqn;
        // Each portal in its portal group (the scenario's portal_groups; else all in 1).
        for (std::size_t i = 0; i < spec.portals.size(); ++i) {
            const sim::Portal portal{spec.portals[i].host, spec.portals[i].port};
            target.portals.push_back(portal);
            target.portal_tags[portal] =
                static_cast<int>(i < spec.portal_tags.size() ? spec.portal_tags[i] : 1);
        }
        if (!target.portals.empty()) {
            target.tpgt = target.portal_tags.at(target.portals.front());
        }
        target.iser = spec.iser;
        if (spec.chap) {
            target.chap = sim::Chap{spec.chap->username, spec.chap->password};
            if (!spec.chap->username_in.empty()) {
                target.mutual_chap = sim::Chap{spec.chap->username_in, spec.chap->password_in};
            }
        }
        if (spec.discovery_chap) {
            fabric.discovery_chap =
                sim::Chap{spec.discovery_chap->username, spec.discovery_chap->password};
        }
        for (const auto& lun : spec.luns) {
            auto volume = volume_of(lun);
            target.luns.push_back(sim::Lun{lun.lun, volume.id});
            fabric.volumes.emplace(volume.id, std::move(volume));
        }
        fabric.iscsi_targets.push_back(std::move(target));
    }
    for (const auto& spec : scenario.fabric.nvme_subsystems) {
        // As nvmet shows a subsystem: model "Linux", the kernel's version as
        // firmware, a file namespace with 4 KiB blocks.
        sim::NvmeSubsystem subsystem;
        subsystem.nqn = spec.nqn;
        subsystem.serial = spec.serial.empty() ? nvme_serial(spec.nqn) : spec.serial;
        subsystem.allow_any_host = spec.allow_any_host;
        subsystem.allowed_hosts = spec.allowed_hosts;
        unsigned id = 1;
        for (const auto& port : spec.ports) {
            sim::NvmePort p;
            p.id = id++;
            p.transport = port.transport;
            p.address = port.portal.host;
            p.service_id = port.portal.port;
            subsystem.ports.push_back(std::move(p));
        }
        for (const auto& ns : spec.namespaces) {
            sim::Volume volume;
            volume.id = spec.nqn + ":ns" + std::to_string(ns.nsid);
            volume.size_bytes = ns.size_mib * 1024 * 1024;
            volume.serial = subsystem.serial;
            volume.vendor = "NVMe";
            volume.model = subsystem.model;
            fabric.volumes.emplace(volume.id, volume);
            subsystem.namespaces.push_back(
                sim::NvmeNamespace{ns.nsid, volume.id, ns.uuid, ns.nguid, ns.ana_group, 4096});
        }
        fabric.nvme_subsystems.push_back(std::move(subsystem));
    }
    add_fc(scenario.fabric.fc, fabric);
    const auto add_volume = [&](const std::string& id, std::uint64_t size_mib) {
        sim::Volume volume;
        volume.id = id;
        volume.size_bytes = size_mib * 1024 * 1024;
        fabric.volumes.emplace(id, volume);
        return id;
    };
    for (const auto& spec : scenario.fabric.nfs_exports) {
        sim::NfsExport share;
        share.server = spec.server;
        share.path = spec.path;
        if (!spec.versions.empty()) {
            share.versions = spec.versions;
        }
        for (const auto& file : spec.files) {
            share.files[file.name] = add_volume(spec.spec() + "/" + file.name, file.size_mib);
        }
        fabric.nfs_exports.push_back(std::move(share));
    }
    if (scenario.fabric.rbd) {
        sim::RbdCluster cluster;
        for (const auto& monitor : scenario.fabric.rbd->monitors) {
            cluster.monitors.push_back(sim::Portal{monitor.host, monitor.port});
        }
        cluster.users = scenario.fabric.rbd->users;
        for (const auto& image : scenario.fabric.rbd->images) {
            cluster.images.push_back(
                {image.pool, image.image,
                 add_volume("rbd:" + image.pool + "/" + image.image, image.size_mib)});
        }
        fabric.rbd = std::move(cluster);
    }
    for (const auto& device : scenario.fabric.local_devices) {
        const auto slash = device.path.rfind('/');
        fabric.local_devices.push_back({device.path.substr(5, slash - 5),
                                        device.path.substr(slash + 1),
                                        add_volume("local:" + device.path, device.size_mib)});
    }
    return fabric;
}

std::vector<sim::check::VolumeRef> SimBackend::volumes_for(const Scenario& scenario) {
    std::vector<sim::check::VolumeRef> refs;
    for (const auto& [name, volume] : scenario.volumes) {
        sim::check::VolumeRef ref;
        ref.name = name;
        ref.follow_data = !volume.encrypted;
        if (const auto namespaces = volume.nvme_namespaces(); !namespaces.empty()) {
            for (const auto& ns : namespaces) {
                ref.backing.insert(ns.subsystem + ":ns" + std::to_string(ns.nsid));
                const auto& subsystem = *scenario.fabric.find_nvme_subsystem(ns.subsystem);
                for (const auto& port : subsystem.ports) {
                    const bool named = volume.portals.empty() ||
                                       std::find(volume.portals.begin(), volume.portals.end(),
                                                 port.portal) != volume.portals.end();
                    if (named) {
                        ref.paths.push_back(
                            {subsystem.nqn, sim::Portal{port.portal.host, port.portal.port}});
                    }
                    if (named && !volume.multipath && volume.portals.empty()) {
                        break;
                    }
                }
            }
            if (!volume.replicas.empty()) {
                ref.md_alias = name;
            }
            refs.push_back(std::move(ref));
            continue;
        }
        if (const auto* fc_target = scenario.fabric.fc.find_target(volume.fc_target)) {
            // FC: the LU's identity. Its SCSI devices belong to no session (the
            // model names no target for them), so its one path is that.
            for (const auto& lun : fc_target->luns) {
                if (lun.lun == volume.lun) {
                    ref.backing.insert("lu-" + lun.serial);
                    ref.wwid = lun.scsi_id();
                }
            }
            ref.lun = volume.lun;
            ref.paths.push_back({"", sim::Portal{}});
            refs.push_back(std::move(ref));
            continue;
        }
        const auto* iscsi_target = scenario.fabric.find_iscsi_target(volume.target);
        if (iscsi_target == nullptr) {
            // NFS, RBD and local volumes: known by name only; the checker
            // follows SCSI and NVMe objects (sim/README.md).
            refs.push_back(std::move(ref));
            continue;
        }
        const auto& target = *iscsi_target;
        for (const auto& lun : target.luns) {
            if (lun.lun == volume.lun) {
                ref.backing.insert("lu-" + lun.serial);
                ref.wwid = lun.scsi_id();
            }
        }
        ref.lun = volume.lun;
        // With multipath, discovery may find every portal of the target.
        auto portals = volume.multipath ? target.portals : volume.portals;
        if (portals.empty()) {
            portals = {target.portals.front()};
        }
        for (const auto& portal : portals) {
            ref.paths.push_back({target.iqn, sim::Portal{portal.host, portal.port}});
        }
        refs.push_back(std::move(ref));
    }
    return refs;
}

void SimBackend::start(const Scenario& scenario, std::uint64_t seed,
                       const std::string& trace_file) {
    checker_.reset();
    host_.reset();
    armed_.clear();
    if (tracing_) {
        trace_stream_ = std::ofstream(trace_file, std::ios::out | std::ios::trunc);
    }
    sim::SimOptions options;
    options.seed = seed;
    options.trace = &trace_stream_;
    options.keep_trace = tracing_;
    host_ = std::make_unique<sim::SimHost>(fabric_for(scenario), options);
    checker_ = std::make_unique<sim::check::Checker>(*host_, volumes_for(scenario));
}

Host& SimBackend::host() {
    if (!host_) {
        throw Error(ErrorCategory::internal, "the simulator is not started");
    }
    return *host_;
}

void SimBackend::inject_fault(const std::string& fault, const nlohmann::json& params) {
    nlohmann::json spec = params;
    spec["fault"] = fault;
    // "after_steps": armed that many interactions from now; "for_steps": for
    // that many interactions (a sweep lands a fault inside an operation).
    const auto after = spec.value("after_steps", std::uint64_t{0});
    spec["at_step"] = host_->steps() + after;
    if (spec.contains("for_steps")) {
        spec["until_step"] = host_->steps() + after + spec["for_steps"].get<std::uint64_t>();
    }
    spec.erase("after_steps");
    spec.erase("for_steps");
    try {
        host_->inject(spec);
    } catch (const std::invalid_argument& e) {
        throw Error(ErrorCategory::invalid_properties, "fault " + fault + ": " + e.what(),
                    "params");
    }
    armed_[fault].push_back(spec);
}

void SimBackend::heal_fault(const std::string& fault) {
    armed_.erase(fault);
    host_->model().clear_faults();
    for (const auto& [name, specs] : armed_) {
        for (const auto& spec : specs) {
            host_->inject(spec);
        }
    }
    if (fault == "multipathd_down") {
        host_->model().set_multipathd_running(true);
    } else if (fault == "iscsid_down") {
        host_->model().set_iscsid_running(true);
    } else if (fault == "fc_link_down") {
        host_->model().fc_set_link("", true);
    } else if (fault == "controller_connecting" || fault == "ana_inaccessible") {
        host_->model().nvme_heal(*sim::fault_from_name(fault), nlohmann::json::object());
    }
}

void SimBackend::write_pattern(const std::string& device, std::uint64_t pattern,
                               std::uint64_t bytes) {
    std::string data;
    for (std::uint64_t offset = 0; offset < bytes; offset += chunk) {
        data.resize(static_cast<std::size_t>(std::min(chunk, bytes - offset)));
        fill_pattern(pattern, offset, data.data(), data.size());
        if (const int error = host_->write_through(device, offset, data); error != 0) {
            throw Error(ErrorCategory::host_error,
                        "writing to " + device + " failed: errno " + std::to_string(error));
        }
    }
}

bool SimBackend::verify_pattern(const std::string& device, std::uint64_t pattern,
                                std::uint64_t bytes) {
    std::string expected;
    std::string actual;
    for (std::uint64_t offset = 0; offset < bytes; offset += chunk) {
        expected.resize(static_cast<std::size_t>(std::min(chunk, bytes - offset)));
        fill_pattern(pattern, offset, expected.data(), expected.size());
        if (host_->read_through(device, offset, expected.size(), actual) != 0 ||
            actual != expected) {
            return false;
        }
    }
    return true;
}

void SimBackend::resize_lun(const std::string& target, std::uint64_t lun, std::uint64_t size_mib) {
    auto& model = host_->model();
    if (const auto* luns = model.luns_of(target)) {
        for (const auto& l : *luns) {
            const auto volume = model.fabric().volumes.find(l.volume_id);
            if (l.number == lun && volume != model.fabric().volumes.end()) {
                volume->second.size_bytes = size_mib * 1024 * 1024;
                model.touch();
                return;
            }
        }
    }
    // The target dropped it (lun_removed): nothing to grow.
    throw Error(ErrorCategory::device_not_found,
                "the target " + target + " has no LUN " + std::to_string(lun));
}

void SimBackend::resize_namespace(const std::string& nqn, std::uint32_t nsid,
                                  std::uint64_t size_mib) {
    auto& model = host_->model();
    // The runner names the namespace's volume as the fabric was built (start()).
    const auto volume = model.fabric().volumes.find(nqn + ":ns" + std::to_string(nsid));
    if (volume == model.fabric().volumes.end()) {
        throw Error(ErrorCategory::device_not_found,
                    "the subsystem " + nqn + " has no namespace " + std::to_string(nsid));
    }
    volume->second.size_bytes = size_mib * 1024 * 1024;
    model.touch();
}

namespace {

sim::Daemon daemon_named(const std::string& name) {
    const auto daemon = sim::daemon_from_name(name);
    if (!daemon) {
        throw Error(ErrorCategory::invalid_properties, "no daemon " + name + " on the simulator");
    }
    return *daemon;
}

// How long a started daemon may take to answer (the real backend's bound).
constexpr Duration daemon_answer_timeout{20000};

}  // namespace

void SimBackend::stop_daemon(const std::string& daemon) {
    sim::kill_daemon(host_->model(), daemon_named(daemon));
}

void SimBackend::start_daemon(const std::string& daemon) {
    const auto which = daemon_named(daemon);
    auto& model = host_->model();
    sim::start_daemon(model, which);
    // Waits in virtual time, as the real backend polls the daemon.
    WaitHints hints;
    hints.block_events = false;
    // iscsid counts as up once it has taken every session over, as the real
    // backend waits for it.
    const auto answers = [&] {
        return sim::daemon_running(model, which) &&
               (which != sim::Daemon::iscsid || sim::iscsid_has_every_session(model));
    };
    if (!host_->wait_until(answers, host_->now() + daemon_answer_timeout, hints)) {
        throw Error(ErrorCategory::timeout, daemon + " did not answer within " +
                                                std::to_string(daemon_answer_timeout.count()) +
                                                " ms of its start");
    }
}

void SimBackend::reboot_host() {
    // The boot's logins to portals that do not answer take unreachable_ms.
    const auto& timing = host_->model().fabric().timing;
    const Duration budget(std::int64_t{timing.boot_ms} * 2 +
                          std::int64_t{timing.daemon_start_ms} * 4 +
                          std::int64_t{timing.unreachable_ms} * 2 + daemon_answer_timeout.count());
    if (!host_->reboot(budget)) {
        throw Error(ErrorCategory::timeout,
                    "the host did not boot within " + std::to_string(budget.count()) + " ms");
    }
}

void SimBackend::stop() {
    checker_.reset();
    host_.reset();
    trace_stream_.close();
}

int SimBackend::operation_begins(const OperationStart& operation) {
    sim::check::Operation op;
    op.kind = operation.op == "connect"      ? sim::check::OperationKind::connect
              : operation.op == "disconnect" ? sim::check::OperationKind::disconnect
                                             : sim::check::OperationKind::extend;
    op.volume = operation.volume;
    op.force = operation.force;
    op.ignore_errors = operation.ignore_errors;
    op.budget_ms = operation.deadline_ms;
    return checker_->begin(op);
}

void SimBackend::operation_ends(int id, const OperationEnd& outcome) {
    checker_->end(id, {outcome.error, outcome.message, outcome.device});
}

void SimBackend::data_written(const std::string& volume, std::uint64_t pattern, std::uint64_t bytes,
                              bool complete) {
    if (!complete) {
        checker_->write_failed(volume);
        return;
    }
    std::string data(static_cast<std::size_t>(bytes), '\0');
    fill_pattern(pattern, 0, data.data(), data.size());
    checker_->wrote(volume, std::move(data));
}

void SimBackend::check_clean(const std::string& why) {
    checker_->check_clean(why);
}

std::vector<nlohmann::json> SimBackend::take_violations() {
    std::vector<nlohmann::json> found;
    if (checker_) {
        for (const auto& finding : checker_->new_findings()) {
            found.push_back(finding.to_json());
        }
    }
    return found;
}

}  // namespace brick::lab
