#include "runner.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <type_traits>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/core/strings.hpp"
#include "brick/core/sysfs_name.hpp"
#include "leftovers.hpp"
#include "map_check.hpp"
#include "session_check.hpp"

namespace brick::lab {
namespace {

std::int64_t elapsed_ms(Host& host, Clock::time_point since) {
    return std::chrono::duration_cast<Duration>(host.now() - since).count();
}

class ScenarioRun {
  public:
    ScenarioRun(Backend& backend, const Scenario& scenario)
        : backend_(backend), scenario_(scenario) {}

    void run_steps(const std::vector<Step>& steps, std::vector<StepResult>& results) {
        for (const auto& step : steps) {
            results.push_back(run_step(step));
            if (!results.back().passed) {
                return;
            }
        }
    }

  private:
    StepResult run_step(const Step& step) {
        StepResult result;
        result.description = step.op + (step.subject.empty() ? "" : " " + step.subject);
        if (step.op == "wait_ms") {
            result.description += " " + std::to_string(step.wait_ms);
        }
        if (step.op == "restart" && step.down_ms > 0) {
            result.description += " (down " + std::to_string(step.down_ms) + " ms)";
        }
        result.expected = step.expect;
        Host& host = backend_.host();
        const auto start = host.now();
        try {
            result.message = execute(step);
            result.actual = "ok";
        } catch (const Error& e) {
            result.actual = std::string(category_name(e.category()));
            result.message = e.message();
        } catch (const std::exception& e) {
            result.actual = "internal";
            result.message = e.what();
        }
        result.duration_ms = elapsed_ms(host, start);
        // "any": the invariants decide, only an internal error fails the step.
        result.passed =
            step.expect == "any" ? result.actual != "internal" : result.actual == result.expected;
        if (result.passed && step.within_ms && result.duration_ms > *step.within_ms) {
            result.passed = false;
            result.message = "took " + std::to_string(result.duration_ms) + " ms, limit " +
                             std::to_string(*step.within_ms) + " ms";
        }
        result.violations = backend_.take_violations();
        result.violations.insert(result.violations.end(), nested_violations_.begin(),
                                 nested_violations_.end());
        nested_violations_.clear();
        if (!result.violations.empty()) {
            result.passed = false;
            std::string text;
            for (const auto& v : result.violations) {
                text += (text.empty() ? "" : "; ") + v.value("rule", std::string()) + ": " +
                        v.value("operation", std::string()) + ": " +
                        v.value("evidence", std::string());
            }
            result.message = "invariant violated: " + text +
                             (result.message.empty() ? "" : " (" + result.message + ")");
        }
        return result;
    }

    // Runs a library operation, telling the backend when it begins and how it ends.
    template <typename Body>
    auto watched(const Step& step, const ConnectorOptions& options, Body body) {
        const int id =
            backend_.operation_begins({step.op, step.subject, step.force, step.ignore_errors,
                                       operation_deadline_ms(step.op, options)});
        try {
            auto value = body();
            OperationEnd end;
            if constexpr (std::is_same_v<decltype(value), DeviceInfo>) {
                end.device = value;
            }
            backend_.operation_ends(id, end);
            return value;
        } catch (const Error& e) {
            backend_.operation_ends(id, {e.category(), e.message(), std::nullopt});
            throw;
        } catch (const std::exception& e) {
            backend_.operation_ends(id, {ErrorCategory::internal, e.what(), std::nullopt});
            throw;
        }
    }

    ConnectorOptions options_for(const VolumeSpec& volume, const Step& step) const {
        ConnectorOptions options;
        options.use_multipath = volume.multipath;
        options.enforce_multipath = volume.enforce_multipath;
        if (step.link == "by-path") {
            options.link = LinkPreference::by_path;
        } else if (step.link == "by-id") {
            options.link = LinkPreference::by_id;
        }
        options.encryption_passphrase = volume.passphrase;
        options.luks_format = volume.luks_format;
        options.luks_iter_time = Duration(volume.luks_iter_time_ms);
        if (step.params.contains("device_timeout_ms")) {
            options.device_timeout = Duration(step.params["device_timeout_ms"].get<std::int64_t>());
        }
        return options;
    }

    std::shared_ptr<Connector> kept(const std::string& volume) {
        const std::lock_guard lock(mutex_);
        const auto it = connectors_.find(volume);
        return it == connectors_.end() ? nullptr : it->second;
    }

    // Keeps (or with nullptr, lets go of) the connector of a volume. One let
    // go of waits for what it still runs, outside the lock.
    void keep(const std::string& volume, std::shared_ptr<Connector> connector) {
        std::shared_ptr<Connector> old;
        const std::lock_guard lock(mutex_);
        auto& slot = connectors_[volume];
        old = std::exchange(slot, std::move(connector));
        if (!slot) {
            connectors_.erase(volume);
        }
        // old goes after the lock is released (declared before the guard).
    }

    DeviceInfo attached(const std::string& volume) {
        const std::lock_guard lock(mutex_);
        const auto it = devices_.find(volume);
        if (it == devices_.end()) {
            throw Error(ErrorCategory::device_not_found,
                        "volume " + volume + " is not attached (no connect of it succeeded)");
        }
        return it->second;
    }

    static std::string without_dashes(std::string id) {
        id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
        return id;
    }

    // The UUID (else NGUID) the kernel reports for a block device, through the
    // host, without dashes: 6.1 shows the NGUID in uuid when there is no UUID.
    std::string namespace_identity(const std::string& name) {
        Host& host = backend_.host();
        auto id = host.read_attribute("/sys/block/" + name + "/uuid").value_or("");
        if (id.empty() || id == "00000000-0000-0000-0000-000000000000") {
            id = host.read_attribute("/sys/block/" + name + "/nguid").value_or("");
        }
        return without_dashes(id);
    }

    // The device connect returned is the volume's namespace (or an md array
    // over the volume's replicas and nothing else).
    void check_nvme_identity(const VolumeSpec& volume, const DeviceInfo& device) {
        Host& host = backend_.host();
        std::set<std::string> expected;
        for (const auto& ref : volume.nvme_namespaces()) {
            const auto& ns =
                *scenario_.fabric.find_nvme_subsystem(ref.subsystem)->find_namespace(ref.nsid);
            expected.insert(without_dashes(!ns.uuid.empty() ? ns.uuid : ns.nguid));
        }
        std::string target;
        auto name = device.path.substr(device.path.rfind('/') + 1);
        if (host.read_link(device.path, target).ok()) {
            name = target.substr(target.rfind('/') + 1);
        }
        std::vector<std::string> legs{name};
        if (!volume.replicas.empty()) {
            legs.clear();
            host.list_dir("/sys/block/" + name + "/slaves", legs);
            if (legs.empty()) {
                throw Error(ErrorCategory::wrong_device,
                            "connect returned " + device.path + ", which has no RAID1 legs");
            }
        }
        for (const auto& leg : legs) {
            const auto id = namespace_identity(leg);
            if (expected.count(id) == 0) {
                throw Error(ErrorCategory::wrong_device,
                            "connect returned " + device.path + " (" + leg + ") with identity " +
                                (id.empty() ? std::string("(none)") : id) +
                                ", not a namespace of the volume");
            }
        }
    }

    // An encrypted volume's device is a dm-crypt mapping (CRYPT- uuid) with
    // one device under it; returns that device's path for the identity checks.
    DeviceInfo check_crypt_mapping(const VolumeSpec& volume, DeviceInfo device) {
        if (!volume.encrypted) {
            return device;
        }
        Host& host = backend_.host();
        const auto dm = backend_.host().kernel_name(device.path);
        const auto uuid = host.read_attribute("/sys/block/" + dm + "/dm/uuid").value_or("");
        std::vector<std::string> slaves;
        host.list_dir("/sys/block/" + dm + "/slaves", slaves);
        if (device.path.rfind("/dev/mapper/crypt-", 0) != 0 || uuid.rfind("CRYPT-LUKS", 0) != 0 ||
            slaves.size() != 1) {
            throw Error(ErrorCategory::wrong_device,
                        "connect returned " + device.path + " (" + dm + ", uuid \"" + uuid +
                            "\") for an encrypted volume, not a LUKS mapping over one device");
        }
        device.path = "/dev/" + slaves.front();
        return device;
    }

    // "returns": the device connect gave is a dm-multipath map (dm uuid
    // mpath-<wwid>), or one SCSI disk (sdX with a SCSI device under it).
    void check_returned(const Step& step, const DeviceInfo& device) {
        if (step.returns.empty()) {
            return;
        }
        Host& host = backend_.host();
        const auto name = host.kernel_name(device.path);
        const auto uuid = host.read_attribute("/sys/block/" + name + "/dm/uuid").value_or("");
        const bool map = uuid.rfind("mpath-", 0) == 0;
        const bool disk = name.rfind("sd", 0) == 0 && host.exists("/sys/block/" + name + "/device");
        if ((step.returns == "multipath_map" && !map) || (step.returns == "single_path" && !disk)) {
            throw Error(ErrorCategory::wrong_device, "connect returned " + device.path + " (" +
                                                         name + "), not a " + step.returns);
        }
    }

    // NFS, RBD and local volumes: the path is the volume's file or device.
    void check_storage_identity(const VolumeSpec& volume, const DeviceInfo& device) {
        Host& host = backend_.host();
        if (!volume.nfs_export.empty()) {
            const auto suffix = "/" + volume.nfs_file;
            if (device.path.size() < suffix.size() ||
                device.path.compare(device.path.size() - suffix.size(), suffix.size(), suffix) !=
                    0) {
                throw Error(ErrorCategory::wrong_device, "connect returned " + device.path +
                                                             ", not the file " + volume.nfs_file);
            }
            return;
        }
        const auto name = backend_.host().kernel_name(device.path);
        if (!volume.rbd_image.empty()) {
            const auto id = name.rfind("rbd", 0) == 0 ? name.substr(3) : std::string();
            const auto dir = "/sys/bus/rbd/devices/" + id;
            if (id.empty() || host.read_attribute(dir + "/pool").value_or("") != volume.rbd_pool ||
                host.read_attribute(dir + "/name").value_or("") != volume.rbd_image) {
                throw Error(ErrorCategory::wrong_device, "connect returned " + device.path + " (" +
                                                             name + "), not " + volume.rbd_pool +
                                                             "/" + volume.rbd_image);
            }
            return;
        }
        if (!volume.device_path.empty() &&
            name != backend_.host().kernel_name(volume.device_path)) {
            throw Error(ErrorCategory::wrong_device,
                        "connect returned " + device.path + ", not " + volume.device_path);
        }
    }

    // Runs a step; returns a note for the report, throws brick::Error on failure.
    std::string execute(const Step& step) {
        Host& host = backend_.host();
        if (step.op == "connect" || step.op == "disconnect" || step.op == "extend") {
            const auto& volume = scenario_.volumes.at(step.subject);
            const auto info = scenario_.connection_info(step.subject);
            const auto protocol = *parse_protocol(scenario_.protocol);
            const auto options = options_for(volume, step);
            // A volume's connect, disconnect and extend go through one
            // connector, as a compute host keeps its connector: a multipath
            // path still coming when the connect returned joins the volume
            // later, and the disconnect waits for it.
            std::shared_ptr<Connector> connector;
            if (step.op != "connect") {
                connector = kept(step.subject);
            }
            if (!connector) {
                connector = make_connector(protocol, host, options);
            }
            const auto data = unwrap_connection_info(info, protocol).data;
            if (step.op == "connect") {
                DeviceInfo device;
                try {
                    device = watched(step, options, [&] { return connector->connect(data); });
                    keep(step.subject, connector);
                } catch (...) {
                    // A failed connect leaves the volume detached: the device
                    // an earlier connect returned is not the volume's to write
                    // any more (its name may be another volume's by now).
                    const std::lock_guard lock(mutex_);
                    devices_.erase(step.subject);
                    throw;
                }
                const auto under = check_crypt_mapping(volume, device);
                if (!volume.nfs_export.empty() || !volume.rbd_image.empty() ||
                    !volume.device_path.empty()) {
                    check_storage_identity(volume, under);
                    const std::lock_guard lock(mutex_);
                    devices_[step.subject] = device;
                    return device.to_json().dump();
                }
                if (!volume.nvme_namespaces().empty()) {
                    check_nvme_identity(volume, under);
                    const std::lock_guard lock(mutex_);
                    devices_[step.subject] = device;
                    return device.to_json().dump();
                }
                if (const auto* lun = scenario_.lun_of(step.subject);
                    lun != nullptr && device.scsi_wwn != lun->scsi_id()) {
                    throw Error(ErrorCategory::wrong_device,
                                "connect returned " + device.path + " with WWID " +
                                    device.scsi_wwn.value_or("(none)") + ", the volume is " +
                                    lun->scsi_id());
                }
                check_returned(step, device);
                const std::lock_guard lock(mutex_);
                devices_[step.subject] = device;
                return device.to_json().dump();
            }
            if (step.op == "disconnect") {
                DeviceInfo device;
                {
                    const std::lock_guard lock(mutex_);
                    if (auto it = devices_.find(step.subject); it != devices_.end()) {
                        device = it->second;
                    }
                }
                watched(step, options, [&] {
                    connector->disconnect(data, device, {step.force, step.ignore_errors});
                    return true;
                });
                keep(step.subject, nullptr);
                const std::lock_guard lock(mutex_);
                devices_.erase(step.subject);
                return {};
            }
            const auto namespaces = volume.nvme_namespaces();
            if (step.size_mib > 0 && !namespaces.empty()) {
                for (const auto& ns : namespaces) {
                    backend_.resize_namespace(ns.subsystem, ns.nsid, step.size_mib);
                }
            } else if (step.size_mib > 0) {
                backend_.resize_lun(scenario_.target_of(step.subject), volume.lun, step.size_mib);
            }
            const auto size = watched(step, options, [&] { return connector->extend(data); });
            // An md RAID1 over grown replicas is smaller than its legs by its
            // metadata (mdadm's 1 MiB data offset, a bitmap): up to 2 MiB less.
            const std::uint64_t wanted = step.size_mib * 1024 * 1024;
            const std::uint64_t slack = volume.replicas.empty() ? 0 : 2U << 20U;
            if (step.size_mib > 0 && (size > wanted || size + slack < wanted)) {
                throw Error(ErrorCategory::device_not_found,
                            "extend returned " + std::to_string(size) + " bytes, expected " +
                                std::to_string(step.size_mib * 1024 * 1024));
            }
            // The device connect returned (the map of a multipath volume) shows
            // that size too: an extend that grew the paths but not the map has
            // not grown the volume.
            if (step.size_mib > 0 && volume.replicas.empty() && !volume.encrypted) {
                const auto name = host.kernel_name(attached(step.subject).path);
                const auto sectors = host.read_attribute("/sys/block/" + name + "/size");
                const auto shown = sectors ? sectors_in_bytes(*sectors) : std::nullopt;
                if (shown != size) {
                    throw Error(ErrorCategory::device_not_found,
                                "extend returned " + std::to_string(size) + " bytes but " + name +
                                    " shows " +
                                    (shown ? std::to_string(*shown) + " bytes" : "no size"));
                }
            }
            return std::to_string(size);
        }
        if (step.op == "write") {
            try {
                backend_.write_pattern(attached(step.subject).path, step.pattern, step.mib << 20U);
            } catch (const Error&) {
                backend_.data_written(step.subject, step.pattern, step.mib << 20U, false);
                throw;
            }
            backend_.data_written(step.subject, step.pattern, step.mib << 20U, true);
            return {};
        }
        if (step.op == "verify") {
            if (!backend_.verify_pattern(attached(step.subject).path, step.pattern,
                                         step.mib << 20U)) {
                throw Error(ErrorCategory::wrong_device, "the data read back from " + step.subject +
                                                             " differs from pattern " +
                                                             std::to_string(step.pattern));
            }
            return {};
        }
        if (step.op == "fault") {
            backend_.inject_fault(step.subject, step.params);
            return {};
        }
        if (step.op == "heal") {
            backend_.heal_fault(step.subject);
            return {};
        }
        if (step.op == "wait_ms") {
            host.sleep_for(Duration(step.wait_ms));
            return {};
        }
        if (step.op == "restart" || step.op == "stop") {
            backend_.stop_daemon(step.subject);
            if (step.op == "stop") {
                return {};
            }
            host.sleep_for(Duration(step.down_ms));
        }
        if (step.op == "restart" || step.op == "start") {
            const auto since = host.now();
            backend_.start_daemon(step.subject);
            return step.subject + " answered after " + std::to_string(elapsed_ms(host, since)) +
                   " ms";
        }
        if (step.op == "reboot") {
            const auto since = host.now();
            backend_.reboot_host();
            return "booted after " + std::to_string(elapsed_ms(host, since)) + " ms";
        }
        if (step.op == "check") {
            if (step.subject == "sessions") {
                const auto problems = check_sessions(host, scenario_, step.params);
                if (!problems.empty()) {
                    throw Error(ErrorCategory::host_error, "sessions: " + join(problems, "; "));
                }
                return "sessions as expected";
            }
            if (step.subject == "map") {
                const auto volume = step.params.value("volume", std::string());
                const auto problems = check_map(host, attached(volume), step.params);
                if (!problems.empty()) {
                    throw Error(ErrorCategory::host_error, "map: " + join(problems, "; "));
                }
                return "map as expected";
            }
            if (step.subject == "no_leftovers") {
                backend_.check_clean("check no_leftovers");
                const auto leftovers = find_leftovers(host, scenario_);
                if (!leftovers.empty()) {
                    throw Error(ErrorCategory::host_error, "left behind: " + join(leftovers, "; "));
                }
                return "nothing left";
            }
            // "attached": every volume attached so far still has its device.
            const std::lock_guard lock(mutex_);
            for (const auto& [volume, device] : devices_) {
                if (!host.exists(device.path)) {
                    throw Error(ErrorCategory::device_not_found,
                                volume + "'s device " + device.path + " is gone");
                }
            }
            return std::to_string(devices_.size()) + " attached";
        }
        if (step.op == "concurrent") {
            std::vector<std::vector<StepResult>> results(step.concurrent.size());
            std::vector<std::unique_ptr<Task>> tasks;
            for (std::size_t i = 0; i < step.concurrent.size(); ++i) {
                tasks.push_back(host.start_task("step-" + std::to_string(i), [&, i] {
                    results[i].push_back(run_step(step.concurrent[i]));
                }));
            }
            for (auto& task : tasks) {
                task->join();
            }
            for (const auto& list : results) {
                for (const auto& r : list) {
                    if (!r.violations.empty()) {
                        nested_violations_.insert(nested_violations_.end(), r.violations.begin(),
                                                  r.violations.end());
                        continue;
                    }
                    if (!r.passed) {
                        throw Error(ErrorCategory::internal, r.description + ": expected " +
                                                                 r.expected + ", got " + r.actual +
                                                                 " (" + r.message + ")");
                    }
                }
            }
            return std::to_string(step.concurrent.size()) + " steps passed";
        }
        throw Error(ErrorCategory::internal, "unknown step " + step.op);
    }

    Backend& backend_;
    const Scenario& scenario_;
    std::mutex mutex_;
    std::map<std::string, DeviceInfo> devices_;
    std::map<std::string, std::shared_ptr<Connector>> connectors_;
    // Violations of the steps of a concurrent step, reported with it.
    std::vector<nlohmann::json> nested_violations_;
};

}  // namespace

std::int64_t operation_deadline_ms(const std::string& op, const ConnectorOptions& options) {
    (void)op;
    (void)options;
    return 600000;
}

std::string_view status_name(Status status) {
    switch (status) {
        case Status::passed:
            return "passed";
        case Status::failed:
            return "failed";
        case Status::skipped:
            return "skipped";
    }
    return "failed";
}

ScenarioResult run_scenario(Backend& backend, const Scenario& scenario, std::uint64_t seed,
                            const std::string& trace_file) {
    ScenarioResult result;
    result.scenario = scenario.name;
    result.file = scenario.file.string();
    result.backend = backend.name();
    result.seed = seed;
    result.trace_file = trace_file;
    const auto wall_start = std::chrono::steady_clock::now();
    if (auto reason = backend.skip_reason(scenario)) {
        result.status = Status::skipped;
        result.reason = *reason;
        return result;
    }
    try {
        backend.start(scenario, seed, trace_file);
        const auto start = backend.host().now();
        ScenarioRun run(backend, scenario);
        run.run_steps(scenario.steps, result.steps);
        result.duration_ms = elapsed_ms(backend.host(), start);
    } catch (const std::exception& e) {
        result.status = Status::failed;
        result.reason = std::string("setup: ") + e.what();
    }
    try {
        backend.stop();
    } catch (const std::exception& e) {
        if (result.status != Status::failed) {
            result.status = Status::failed;
            result.reason = std::string("teardown: ") + e.what();
        }
    }
    for (const auto& step : result.steps) {
        if (!step.passed && result.status != Status::failed) {
            result.status = Status::failed;
            result.reason = step.description + ": expected " + step.expected + ", got " +
                            step.actual + (step.message.empty() ? "" : " (" + step.message + ")");
        }
    }
    result.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    return result;
}

}  // namespace brick::lab
