#include "run.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "brick/core/secrets.hpp"
#include "brick/host/real_host.hpp"
#include "brick/initiator/connector_properties.hpp"
#include "brick/multipath/map.hpp"
#include "brick/nvmeof/controller.hpp"
#include "brick/properties/parse.hpp"
#include "journal.hpp"
#include "latency.hpp"
#include "leftovers.hpp"
#include "provisioner.hpp"
#include "runner/json_schema.hpp"

namespace brick::lab::certify {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t gib = 1ULL << 30U;

// A check that did not hold: the test fails with this reason.
class CheckFailed : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};
[[noreturn]] void fail(const std::string& why) {
    throw CheckFailed(why);
}

// A test that cannot run because an earlier one it builds on failed.
class NotRun : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct Volume {
    std::string id;
    std::uint64_t size_gib = 1;
    nlohmann::json info;  // connection info as the provisioner gave it
    bool exported = false;
    bool multipath = false;
    std::optional<DeviceInfo> device;
};

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : separator) + item;
    }
    return out;
}

std::string describe_call(const ProvisionerCall& call) {
    std::vector<std::string> words;
    for (const auto& arg : call.argv) {
        words.push_back(mask_secrets(arg));
    }
    std::array<char, 32> seconds{};
    std::snprintf(seconds.data(), seconds.size(), "%.2f", call.seconds);
    std::string line =
        "$ " + join(words, " ") + "  -> " +
        (call.timed_out ? std::string("timed out") : "exit " + std::to_string(call.exit_status)) +
        " (" + seconds.data() + " s)";
    if (!call.out.empty()) {
        line += "\n    stdout: " + call.out;
    }
    if (!call.err.empty()) {
        line += "\n    stderr: " + call.err;
    }
    return line;
}

class Run {
  public:
    Run(const BackendFile& backend, Initiator& initiator, const RunOptions& options,
        const std::atomic<bool>& stop, CertificationResult& result)
        : backend_(backend),
          initiator_(initiator),
          options_(options),
          stop_(stop),
          result_(result),
          journal_(options.work / "journal.json"),
          provisioner_(array_host_, backend.provisioner_argv(options.work), backend.timeout,
                       [this](const ProvisionerCall& call) { observe(call); }) {}

    void run() {
        start_log("setup");
        read_baseline();
        if (!journal_.volumes().empty()) {
            clean_journal();
            read_baseline();
        }
        try {
            write_connector_file();
        } catch (const std::exception& e) {
            result_.notes.push_back(std::string("failed: this host's connector properties: ") +
                                    e.what());
        }
        for (const auto& offer : backend_.protocols) {
            for (const auto& spec : group_specs()) {
                run_group(spec, offer);
            }
        }
        sweep();
        result_.latencies = latencies_.to_json();
        result_.interrupted = stop_.load();
        if (!findings_.empty()) {
            result_.notes.emplace_back(
                "finding: a device connect returned could not be opened at once (ENXIO: the "
                "kernel had not finished adding the disk); the runner waited for it, see the "
                "latency 'device usable after connect returned' and the FINDING lines of the logs");
        }
    }

  private:
    // --- logging and timing ----------------------------------------------------
    void start_log(const std::string& name) {
        const std::lock_guard lock(log_mutex_);
        log_ = &setup_log_[name];
    }
    void log(const std::string& line) {
        const std::lock_guard lock(log_mutex_);
        if (log_ != nullptr) {
            log_->push_back(mask_secret_values(line));
        }
    }
    void observe(const ProvisionerCall& call) {
        latencies_.record("provisioner " + call.verb, call.seconds * 1000);
        log(describe_call(call));
    }
    Host& host() { return initiator_.host(); }
    // Calls ready() every 100 ms until it is true or `seconds` passed (in the
    // host's time); ready() may itself use the host (run programs).
    bool poll(int seconds, const std::function<bool()>& ready) {
        const auto deadline = host().now() + Duration(1000LL * seconds);
        while (!ready()) {
            if (host().now() >= deadline) {
                return false;
            }
            host().sleep_for(Duration(100));
        }
        return true;
    }
    template <typename F>
    auto timed(const std::string& operation, F&& body) {
        const auto start = host().now();
        const auto record = [&] {
            latencies_.record(
                operation, std::chrono::duration<double, std::milli>(host().now() - start).count());
        };
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            record();
        } else {
            auto value = body();
            record();
            return value;
        }
    }

    // --- the array ---------------------------------------------------------------
    Volume create(std::uint64_t size_gib) {
        Volume volume;
        volume.size_gib = size_gib;
        volume.id = provisioner_.create(size_gib);
        journal_.created(volume.id);
        initiator_.array_changed();
        log("created " + volume.id);
        return volume;
    }
    void export_to_host(Volume& volume, ExportRequest request) {
        request.protocol = offer_.protocol;
        request.transport = offer_.transport;
        // Marked first: an export that fails half-way is still undone by the cleanup.
        journal_.exported(volume.id, true);
        volume.exported = true;
        volume.info = provisioner_.export_volume(volume.id, connector_file().string(), request);
        initiator_.array_changed();
        log("connection info (validated): " +
            validate_properties(*parse_protocol(offer_.protocol), volume.info).dump());
    }
    // Unexports and deletes; failures are logged and the volume stays in the
    // journal for the final sweep.
    bool drop(Volume& volume) {
        bool ok = true;
        if (volume.exported) {
            try {
                provisioner_.unexport(volume.id);
                journal_.exported(volume.id, false);
                volume.exported = false;
            } catch (const Error& e) {
                log(std::string("cleanup: ") + e.what());
                ok = false;
            }
            initiator_.array_changed();
        }
        try {
            provisioner_.remove(volume.id);
            journal_.deleted(volume.id);
        } catch (const Error& e) {
            log(std::string("cleanup: ") + e.what());
            ok = false;
        }
        initiator_.array_changed();
        return ok;
    }
    fs::path connector_file() const { return options_.work / "connector.json"; }
    // This host's connector properties, in the file every export reads.
    void write_connector_file() {
        ConnectorPropertiesRequest request;
        request.ip = "127.0.0.1";
        request.multipath = backend_.declares("multipath");
        connector_ = timed("connector properties",
                           [&] { return get_connector_properties(host(), request); });
        fs::create_directories(options_.work);
        std::ofstream(connector_file()) << connector_.dump(2) << "\n";
    }

    // --- the host ----------------------------------------------------------------
    nlohmann::json data_of(const Volume& volume) const {
        return unwrap_connection_info(volume.info, *parse_protocol(offer_.protocol)).data;
    }
    std::unique_ptr<Connector> connector(bool multipath) {
        ConnectorOptions options;
        options.use_multipath = multipath;
        options.device_timeout = Duration(1000LL * backend_.device_timeout_seconds);
        options.command_timeout = Duration(1000LL * backend_.command_timeout_seconds);
        options.multipath_timeout = Duration(1000LL * backend_.multipath_timeout_seconds);
        return make_connector(*parse_protocol(offer_.protocol), host(), options);
    }
    DeviceInfo attach(Volume& volume, bool multipath = false) {
        auto device =
            timed("connect", [&] { return connector(multipath)->connect(data_of(volume)); });
        volume.device = device;
        volume.multipath = multipath;
        log("connect " + volume.id + ": " + device.to_json().dump());
        // What a consumer does next is open the device: it must be usable now.
        const auto waited = initiator_.wait_usable(device.path, Duration(10000));
        if (waited.count() > 0) {
            latencies_.record("device usable after connect returned",
                              static_cast<double>(waited.count()));
            log("FINDING: " + device.path + " could not be opened for " +
                std::to_string(waited.count()) + " ms after connect returned it");
            findings_.insert(device.path.substr(0, 7) == "/dev/dm" ? "dm" : "disk");
        }
        return device;
    }
    void detach(Volume& volume) {
        if (!volume.device) {
            return;
        }
        const auto device = *volume.device;
        timed("disconnect",
              [&] { connector(volume.multipath)->disconnect(data_of(volume), device, {}); });
        volume.device.reset();
        log("disconnect " + volume.id + ": done");
        last_device_[volume.id] = device;
    }
    void write(const Volume& volume, std::uint64_t pattern, std::uint64_t mib) {
        timed("write " + std::to_string(mib) + " MiB",
              [&] { initiator_.write(volume.device->path, pattern, mib << 20U); });
        log("wrote " + std::to_string(mib) + " MiB of pattern " + std::to_string(pattern) + " to " +
            volume.device->path);
    }
    void verify(const Volume& volume, std::uint64_t pattern, std::uint64_t mib) {
        const bool same = timed("read " + std::to_string(mib) + " MiB", [&] {
            return initiator_.verify(volume.device->path, pattern, mib << 20U);
        });
        if (!same) {
            fail("the data read back from " + volume.device->path + " differs from pattern " +
                 std::to_string(pattern));
        }
        log("read back " + std::to_string(mib) + " MiB of pattern " + std::to_string(pattern) +
            ": identical");
    }
    // Nothing of the volume is left on the host (udev may need a moment for links).
    void check_clean(const Volume& volume) {
        DeviceInfo device;
        if (auto it = last_device_.find(volume.id); it != last_device_.end()) {
            device = it->second;
        }
        std::vector<std::string> found;
        poll(5, [&] {
            found = volume_leftovers(host(), volume.info, device);
            return found.empty();
        });
        if (!found.empty()) {
            fail("left behind on the host after disconnect: " + join(found, "; "));
        }
        log("no leftovers of " + volume.id + " on the host");
    }
    std::uint64_t io_mib() const { return static_cast<std::uint64_t>(backend_.io_mib); }
    std::uint64_t size_gib() const { return static_cast<std::uint64_t>(backend_.volume_size_gib); }

    // A volume created and exported for a test; the group cleans it up.
    Volume& new_volume(const ExportRequest& request = {}) {
        volumes_.push_back(std::make_unique<Volume>(create(size_gib())));
        auto& volume = *volumes_.back();
        export_to_host(volume, request);
        return volume;
    }
    // Attach, write, read back, detach, nothing left.
    void attach_io_detach(Volume& volume, std::uint64_t pattern, bool multipath = false) {
        attach(volume, multipath);
        write(volume, pattern, io_mib());
        verify(volume, pattern, io_mib());
        detach(volume);
        check_clean(volume);
    }

    // --- groups and tests -----------------------------------------------------------
    void test(const std::string& name, const std::string& description,
              const std::function<void()>& body, const std::vector<std::string>& needs = {}) {
        auto& group = result_.groups.back();
        TestResult result;
        result.name = name;
        result.description = description;
        {
            const std::lock_guard lock(log_mutex_);
            log_ = &result.log;
        }
        const auto start = std::chrono::steady_clock::now();
        try {
            if (stop_.load()) {
                throw NotRun("interrupted (SIGINT/SIGTERM)");
            }
            for (const auto& need : needs) {
                const auto it = std::find_if(group.tests.begin(), group.tests.end(),
                                             [&](const TestResult& t) { return t.name == need; });
                if (it == group.tests.end() || it->status != Status::passed) {
                    throw NotRun("needs " + need + ", which did not pass");
                }
            }
            body();
            result.status = Status::passed;
        } catch (const NotRun& e) {
            result.status = Status::skipped;
            result.reason = e.what();
        } catch (const CheckFailed& e) {
            result.status = Status::failed;
            result.reason = e.what();
        } catch (const Error& e) {
            result.status = Status::failed;
            result.reason =
                mask_secrets(std::string(category_name(e.category())) + ": " + e.message());
        } catch (const std::exception& e) {
            result.status = Status::failed;
            result.reason = std::string("internal: ") + e.what();
        }
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        {
            const std::lock_guard lock(log_mutex_);
            log_ = nullptr;
        }
        group.tests.push_back(std::move(result));
    }

    std::optional<std::string> skip_reason(const GroupSpec& spec) const {
        if (!options_.only.empty() && options_.only != spec.name) {
            return "not selected (--only " + options_.only + ")";
        }
        if (!spec.capability.empty() && !backend_.declares(spec.capability)) {
            return "capability " + spec.capability + " not declared";
        }
        const bool iscsi_only = spec.name == "chap" || spec.name == "lun-256";
        if (iscsi_only && offer_.protocol != "iscsi") {
            return spec.name + " applies to iSCSI only";
        }
        if (spec.name == "ana" && offer_.protocol != "nvmeof") {
            return "ANA applies to NVMe-oF only";
        }
        return std::nullopt;
    }

    void run_group(const GroupSpec& spec, const ProtocolOffer& offer) {
        offer_ = offer;
        GroupResult group;
        group.name = spec.name;
        group.protocol = offer.label();
        group.mandatory = spec.capability.empty();
        group.capability = spec.capability;
        result_.groups.push_back(group);
        if (auto reason = skip_reason(spec)) {
            result_.groups.back().status = Status::skipped;
            result_.groups.back().reason = *reason;
            return;
        }
        const auto start = std::chrono::steady_clock::now();
        try {
            body_of(spec.name);
        } catch (const std::exception& e) {
            test("group", "", [&] { fail(std::string("internal: ") + e.what()); });
        }
        cleanup_group();
        auto& done = result_.groups.back();
        done.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        done.status = Status::skipped;
        for (const auto& t : done.tests) {
            if (t.status == Status::failed) {
                done.status = Status::failed;
                done.reason = t.name + ": " + t.reason;
                break;
            }
            if (t.status == Status::passed) {
                done.status = Status::passed;
            }
        }
        if (done.status == Status::skipped && done.reason.empty()) {
            done.reason = done.tests.empty() ? "no test ran" : done.tests.front().reason;
        }
        if (done.mandatory && done.status == Status::skipped) {
            done.status = Status::failed;  // a mandatory group never passes by not running
        }
    }

    // Detaches and deletes everything the group left; a failure is a test of its own.
    void cleanup_group() {
        std::vector<std::string> problems;
        {
            const std::lock_guard lock(log_mutex_);
            log_ = &cleanup_log_;
            cleanup_log_.clear();
        }
        for (auto& volume : volumes_) {
            if (volume->device) {
                try {
                    const auto device = *volume->device;
                    connector(volume->multipath)
                        ->disconnect(data_of(*volume), device, {true, true});
                    volume->device.reset();
                    last_device_[volume->id] = device;
                } catch (const std::exception& e) {
                    problems.push_back("detaching " + volume->id + ": " + e.what());
                }
            }
            if (!drop(*volume)) {
                problems.push_back("deleting " + volume->id + " failed (see the log)");
            }
        }
        volumes_.clear();
        const auto log = cleanup_log_;
        if (!problems.empty()) {
            test("cleanup", "detach and delete what the group's tests left",
                 [&] { fail(join(problems, "; ")); });
            result_.groups.back().tests.back().log = log;
        }
    }

    void body_of(const std::string& name) {
        if (name == "core") {
            core();
        } else if (name == "extend") {
            extend();
        } else if (name == "multipath") {
            multipath();
        } else if (name == "chap") {
            chap();
        } else if (name == "concurrency") {
            concurrency();
        } else if (name == "lun-256") {
            lun_256();
        } else if (name == "ana") {
            ana();
        }
    }

    void core() {
        Volume* volume = nullptr;
        test("connector-properties",
             "this host's connector properties carry its initiator identity and survive the "
             "file round trip to the provisioner's export",
             [&] {
                 const std::string key = offer_.protocol == "iscsi" ? "initiator" : "nqn";
                 if (!connector_.contains(key) || !connector_[key].is_string() ||
                     connector_[key].get<std::string>().empty()) {
                     fail("the connector properties have no " + key + ": " + connector_.dump());
                 }
                 if (read_json_file(connector_file()) != connector_) {
                     fail("the connector file " + connector_file().string() +
                          " does not read back as written");
                 }
                 log("connector properties: " + connector_.dump());
             });
        test("create-export",
             "create a volume and export it to this host: the connection info is valid for "
             "the protocol (`brick validate`) and the array lists the volume",
             [&] {
                 volume = &new_volume();
                 const auto listed = provisioner_.list();
                 if (std::find(listed.begin(), listed.end(), volume->id) == listed.end()) {
                     fail("list does not show the new volume " + volume->id);
                 }
             },
             {"connector-properties"});
        test("attach",
             "connect: a block device of the volume's size appears (with its SCSI identity on "
             "iSCSI)",
             [&] {
                 const auto device = attach(*volume);
                 FileInfo info;
                 if (!host().stat(device.path, info).ok() || info.type != FileType::block_device) {
                     fail(device.path + " is not a block device");
                 }
                 const auto size = device_size(host(), device.path);
                 if (size < volume->size_gib * gib) {
                     fail(device.path + " has " + std::to_string(size) + " bytes, the volume " +
                          std::to_string(volume->size_gib * gib));
                 }
                 if (offer_.protocol == "iscsi" && !device.scsi_wwn) {
                     fail("connect returned no SCSI WWN for " + device.path);
                 }
             },
             {"create-export"});
        test("io-data-verified", "write a pattern (O_DIRECT, flushed) and read it back identical",
             [&] {
                 write(*volume, 1, io_mib());
                 verify(*volume, 1, io_mib());
             },
             {"attach"});
        test("detach-no-leftovers",
             "disconnect: no session, node record, disk, map, controller or udev link of the "
             "volume is left",
             [&] {
                 detach(*volume);
                 check_clean(*volume);
             },
             {"attach"});
        test("reattach-reads-back",
             "attach again: the data written before the detach reads back from the array",
             [&] {
                 attach(*volume);
                 verify(*volume, 1, io_mib());
                 detach(*volume);
                 check_clean(*volume);
             },
             {"io-data-verified", "detach-no-leftovers"});
        test("repeated-attach-detach",
             std::to_string(backend_.repeat) +
                 " attach/detach cycles with data checks; connect of an attached volume "
                 "returns the same device; disconnect of a detached volume is a no-op",
             [&] {
                 for (int cycle = 1; cycle <= backend_.repeat; ++cycle) {
                     const auto first = attach(*volume);
                     if (cycle == 1) {
                         const auto again = attach(*volume);
                         if (again.path != first.path) {
                             fail("a second connect returned " + again.path + ", the first " +
                                  first.path);
                         }
                     }
                     const auto pattern = 100 + static_cast<std::uint64_t>(cycle);
                     write(*volume, pattern, 1);
                     verify(*volume, pattern, 1);
                     detach(*volume);
                     check_clean(*volume);
                 }
                 volume->device = last_device_[volume->id];
                 detach(*volume);  // once more: nothing to do, no error
                 check_clean(*volume);
             },
             {"detach-no-leftovers"});
        test("unexport-delete", "unexport and delete: the array no longer lists the volume",
             [&] {
                 const auto id = volume->id;
                 const auto before = volumes_.size();
                 if (!drop(*volume)) {
                     fail("unexport or delete failed (see the log)");
                 }
                 volumes_.erase(std::remove_if(volumes_.begin(), volumes_.end(),
                                               [&](const auto& v) { return v->id == id; }),
                                volumes_.end());
                 if (volumes_.size() == before) {
                     fail("internal: the volume was not tracked");
                 }
                 const auto listed = provisioner_.list();
                 if (std::find(listed.begin(), listed.end(), id) != listed.end()) {
                     fail("list still shows " + id + " after delete");
                 }
             },
             {"create-export"});
    }

    void extend() {
        test("extend",
             "grow an attached volume by 1 GiB on the array: the connector's extend reports "
             "the new size, the device has it and the data is intact",
             [&] {
                 auto& volume = new_volume();
                 const auto device = attach(volume);
                 write(volume, 7, io_mib());
                 const auto grown = volume.size_gib + 1;
                 provisioner_.extend(volume.id, grown);
                 initiator_.array_changed();
                 const auto size =
                     timed("extend", [&] { return connector(false)->extend(data_of(volume)); });
                 log("extend returned " + std::to_string(size) + " bytes");
                 if (size != grown * gib) {
                     fail("extend returned " + std::to_string(size) + " bytes, expected " +
                          std::to_string(grown * gib));
                 }
                 if (const auto now = device_size(host(), device.path); now != grown * gib) {
                     fail(device.path + " has " + std::to_string(now) + " bytes after extend");
                 }
                 verify(volume, 7, io_mib());
                 detach(volume);
                 check_clean(volume);
             });
    }

    // The paths the host has to the volume now.
    std::size_t live_paths(const Volume& volume) {
        if (offer_.protocol == "iscsi") {
            const auto name = volume.device->path.substr(volume.device->path.rfind('/') + 1);
            auto map = multipath::read_map(host(), name);
            if (!map && volume.device->multipath_id) {
                map = multipath::map_for_wwid(host(), *volume.device->multipath_id);
            }
            if (!map) {
                return 0;
            }
            std::size_t live = 0;
            for (const auto& path : map->paths) {
                const auto state = host().read_attribute("/sys/block/" + path + "/device/state");
                live += state == "running" ? 1 : 0;
            }
            return live;
        }
        const auto nqn = data_of(volume).value("target_nqn", data_of(volume).value("nqn", ""));
        std::size_t live = 0;
        for (const auto& controller : nvmeof::read_controllers(host())) {
            live += controller.subsystem_nqn == nqn && controller.state == "live" ? 1 : 0;
        }
        return live;
    }
    std::size_t offered_paths(const Volume& volume) {
        const auto properties = parse_any_properties(*parse_protocol(offer_.protocol), volume.info);
        if (const auto* p = std::get_if<iscsi::Properties>(&properties)) {
            return p->targets.size();
        }
        if (const auto* p = std::get_if<nvmeof::Properties>(&properties)) {
            return p->targets.front().portals.size();
        }
        return 0;
    }
    void wait_paths(const Volume& volume, std::size_t want, int seconds) {
        std::size_t live = 0;
        poll(seconds, [&] {
            live = live_paths(volume);
            return live >= want;
        });
        if (live < want) {
            fail(std::to_string(live) + " live path(s) to " + volume.id + " after " +
                 std::to_string(seconds) + " s, expected " + std::to_string(want));
        }
        log(std::to_string(live) + " live path(s)");
    }

    void multipath() {
        Volume* volume = nullptr;
        std::size_t paths = 0;
        test("multipath-attach",
             "the export offers several paths; connect with multipath uses them all (a "
             "dm-multipath map on iSCSI, native multipath on NVMe-oF); I/O verified; detach "
             "leaves nothing",
             [&] {
                 volume = &new_volume();
                 paths = offered_paths(*volume);
                 if (paths < 2) {
                     fail("the export offers " + std::to_string(paths) +
                          " path(s); multipath needs at least 2");
                 }
                 const auto device = attach(*volume, true);
                 if (offer_.protocol == "iscsi" && !device.multipath_id) {
                     fail("connect with multipath returned " + device.path +
                          ", not a multipath map");
                 }
                 wait_paths(*volume, paths, 30);
                 write(*volume, 21, io_mib());
                 verify(*volume, 21, io_mib());
                 detach(*volume);
                 check_clean(*volume);
             });
        if (!backend_.declares("path_failure")) {
            test("path-failure", "", [] { throw NotRun("capability path_failure not declared"); });
            return;
        }
        test("path-failure",
             "fail-path under an attached multipath volume: reads and writes go on through the "
             "other path(s); restore-path: every path is back; detach leaves nothing",
             [&] {
                 attach(*volume, true);
                 wait_paths(*volume, paths, 30);
                 write(*volume, 22, io_mib());
                 provisioner_.fail_path(volume->id);
                 write(*volume, 23, io_mib());
                 verify(*volume, 23, io_mib());
                 provisioner_.restore_path(volume->id);
                 wait_paths(*volume, paths, 60);
                 verify(*volume, 23, io_mib());
                 detach(*volume);
                 check_clean(*volume);
             },
             {"multipath-attach"});
    }

    void chap() {
        Volume* volume = nullptr;
        test("chap",
             "export with CHAP: the connection info carries auth_method CHAP and credentials; "
             "attach, I/O and detach work",
             [&] {
                 ExportRequest request;
                 request.chap = true;
                 volume = &new_volume(request);
                 const auto data = data_of(*volume);
                 if (data.value("auth_method", "") != "CHAP" || !data.contains("auth_username") ||
                     !data.contains("auth_password")) {
                     fail(
                         "the connection info has no CHAP credentials (auth_method, "
                         "auth_username, auth_password)");
                 }
                 attach_io_detach(*volume, 31);
             });
        test("chap-wrong-password",
             "the same volume with a wrong CHAP password: connect fails with "
             "authentication_failed and leaves nothing",
             [&] {
                 Volume wrong = *volume;
                 auto& password = wrong.info["data"]["auth_password"];
                 password = password.get<std::string>() + "-wrong";
                 register_secret(password.get<std::string>());
                 try {
                     attach(wrong);
                 } catch (const Error& e) {
                     log(std::string("connect refused as expected: ") + e.what());
                     last_device_[wrong.id] = DeviceInfo{};
                     check_clean(wrong);
                     if (e.category() != ErrorCategory::authentication_failed) {
                         fail(std::string("connect failed with ") +
                              std::string(category_name(e.category())) +
                              ", expected authentication_failed: " + e.message());
                     }
                     return;
                 }
                 volume->device = wrong.device;
                 fail("connect with a wrong CHAP password succeeded");
             },
             {"chap"});
        if (!backend_.declares("mutual_chap")) {
            test("mutual-chap", "", [] { throw NotRun("capability mutual_chap not declared"); });
            return;
        }
        test("mutual-chap",
             "export with mutual CHAP: the connection info carries the target's credentials "
             "too (auth_username_in, auth_password_in); attach, I/O and detach work",
             [&] {
                 ExportRequest request;
                 request.mutual_chap = true;
                 auto& mutual = new_volume(request);
                 const auto data = data_of(mutual);
                 if (!data.contains("auth_username_in") || !data.contains("auth_password_in")) {
                     fail("the connection info has no mutual CHAP credentials");
                 }
                 attach_io_detach(mutual, 32);
             });
    }

    void concurrency() {
        const auto count = static_cast<std::size_t>(backend_.concurrent_volumes);
        test("concurrent-attach-io-detach",
             std::to_string(count) +
                 " volumes attached at once, each written with its own pattern and read back "
                 "(no cross-talk), detached at once; nothing left",
             [&] {
                 std::vector<Volume*> list;
                 for (std::size_t i = 0; i < count; ++i) {
                     list.push_back(&new_volume());
                 }
                 std::vector<std::string> errors(count);
                 const auto in_parallel = [&](const std::string& what,
                                              const std::function<void(std::size_t)>& body) {
                     std::vector<std::unique_ptr<Task>> tasks;
                     for (std::size_t i = 0; i < count; ++i) {
                         tasks.push_back(host().start_task(what + "-" + std::to_string(i), [&, i] {
                             try {
                                 body(i);
                             } catch (const std::exception& e) {
                                 errors[i] = list[i]->id + ": " + e.what();
                             }
                         }));
                     }
                     for (auto& task : tasks) {
                         task->join();
                     }
                     std::vector<std::string> failed;
                     for (auto& error : errors) {
                         if (!error.empty()) {
                             failed.push_back(error);
                         }
                     }
                     if (!failed.empty()) {
                         fail(what + ": " + join(failed, "; "));
                     }
                 };
                 in_parallel("attach", [&](std::size_t i) {
                     attach(*list[i]);
                     write(*list[i], 40 + i, io_mib());
                 });
                 for (std::size_t i = 0; i < count; ++i) {
                     verify(*list[i], 40 + i, io_mib());
                 }
                 in_parallel("detach", [&](std::size_t i) { detach(*list[i]); });
                 for (auto* volume : list) {
                     check_clean(*volume);
                 }
             });
    }

    void lun_256() {
        test("lun-256",
             "export at LUN 256 or above (SAM flat addressing): attach, I/O and detach work", [&] {
                 ExportRequest request;
                 request.lun = 256;
                 auto& volume = new_volume(request);
                 const auto properties = iscsi::parse_properties(data_of(volume));
                 if (properties.targets.front().lun < 256) {
                     fail("the export used LUN " + std::to_string(properties.targets.front().lun) +
                          ", not 256 or above");
                 }
                 attach_io_detach(volume, 50);
             });
    }

    // ANA state of every path device (nvmeXcYnZ) of the volume's namespace.
    std::vector<std::string> ana_states(const Volume& volume) {
        const auto nqn = data_of(volume).value("target_nqn", data_of(volume).value("nqn", ""));
        std::set<std::string> controllers;
        for (const auto& controller : nvmeof::read_controllers(host())) {
            if (controller.subsystem_nqn == nqn) {
                controllers.insert(std::to_string(controller.instance));
            }
        }
        std::vector<std::string> states;
        std::vector<std::string> blocks;
        host().list_dir("/sys/block", blocks);
        for (const auto& name : blocks) {
            const auto c = name.find('c');
            const auto n = name.rfind('n');
            if (name.rfind("nvme", 0) != 0 || c == std::string::npos || n == std::string::npos ||
                n < c) {
                continue;
            }
            if (controllers.count(name.substr(c + 1, n - c - 1)) != 0) {
                states.push_back(
                    name + "=" +
                    host().read_attribute("/sys/block/" + name + "/ana_state").value_or("?"));
            }
        }
        return states;
    }

    void ana() {
        Volume* volume = nullptr;
        test("ana-states",
             "every path of the attached namespace reports a usable ANA state (optimized or "
             "non-optimized)",
             [&] {
                 volume = &new_volume();
                 attach(*volume, true);
                 wait_paths(*volume, offered_paths(*volume), 30);
                 // A new path reads "invalid state" until the host read the ANA log page.
                 std::vector<std::string> states;
                 poll(30, [&] {
                     states = ana_states(*volume);
                     return std::none_of(states.begin(), states.end(), [](const auto& s) {
                         return s.find("=invalid state") != std::string::npos;
                     });
                 });
                 log("ANA states: " + join(states, ", "));
                 if (states.empty()) {
                     fail("no path device reports an ANA state");
                 }
                 for (const auto& state : states) {
                     if (state.find("=optimized") == std::string::npos &&
                         state.find("=non-optimized") == std::string::npos) {
                         fail("path " + state + " is not usable");
                     }
                 }
                 write(*volume, 61, io_mib());
                 verify(*volume, 61, io_mib());
             });
        if (!backend_.fault_hooks) {
            test("ana-inaccessible-path", "",
                 [] { throw NotRun("the provisioner has no fault hooks"); });
        } else {
            test("ana-inaccessible-path",
                 "fail-path: a path turns ANA inaccessible and I/O goes on through the others; "
                 "restore-path: every path is usable again",
                 [&] {
                     provisioner_.fail_path(volume->id);
                     std::vector<std::string> states;
                     poll(30, [&] {
                         states = ana_states(*volume);
                         return std::any_of(states.begin(), states.end(), [](const auto& s) {
                             return s.find("=inaccessible") != std::string::npos;
                         });
                     });
                     log("ANA states after fail-path: " + join(states, ", "));
                     if (std::none_of(states.begin(), states.end(), [](const auto& s) {
                             return s.find("=inaccessible") != std::string::npos;
                         })) {
                         fail("no path turned inaccessible after fail-path: " + join(states, ", "));
                     }
                     write(*volume, 62, io_mib());
                     verify(*volume, 62, io_mib());
                     provisioner_.restore_path(volume->id);
                     poll(30, [&] {
                         states = ana_states(*volume);
                         return std::none_of(states.begin(), states.end(), [](const auto& s) {
                             return s.find("=inaccessible") != std::string::npos;
                         });
                     });
                     log("ANA states after restore-path: " + join(states, ", "));
                     verify(*volume, 62, io_mib());
                 },
                 {"ana-states"});
        }
        test("ana-detach", "detach leaves nothing",
             [&] {
                 detach(*volume);
                 check_clean(*volume);
             },
             {"ana-states"});
    }

    // --- journal and final sweep ------------------------------------------------------
    void read_baseline() {
        try {
            baseline_ = provisioner_.list();
            baseline_known_ = true;
        } catch (const Error& e) {
            baseline_known_ = false;
            result_.notes.push_back("the array's volume list could not be read before the run: " +
                                    std::string(e.what()));
        }
    }
    bool listed(const std::string& id) const {
        return std::find(baseline_.begin(), baseline_.end(), id) != baseline_.end();
    }

    // Deletes what an earlier run journaled; an entry the array no longer
    // lists was deleted before the journal learnt it.
    void clean_journal() {
        const auto earlier = journal_.volumes();
        for (const auto& [id, entry] : earlier) {
            log("volume " + id + " of an earlier run (created " + entry.created_at + ")");
            if (baseline_known_ && !listed(id)) {
                log(id + " is no longer on the array");
                journal_.deleted(id);
                continue;
            }
            Volume volume;
            volume.id = id;
            volume.exported = true;  // unexport whatever the state was
            if (drop(volume)) {
                result_.cleaned_from_journal.push_back(id);
            }
        }
    }

    void sweep() {
        start_log("final sweep");
        std::vector<std::string> on_array;
        bool on_array_known = false;
        try {
            on_array = provisioner_.list();
            on_array_known = true;
        } catch (const Error& e) {
            log(std::string("list: ") + e.what());
        }
        const auto journaled = journal_.volumes();
        for (const auto& [id, entry] : journaled) {
            if (on_array_known &&
                std::find(on_array.begin(), on_array.end(), id) == on_array.end()) {
                journal_.deleted(
                    id);  // deleted, the journal was not told (a delete that timed out)
                continue;
            }
            Volume volume;
            volume.id = id;
            volume.exported = entry.exported;
            if (!drop(volume)) {
                result_.not_deleted.push_back(
                    id + ": unexport or delete failed (see the final sweep log)");
            }
        }
        try {
            const auto listed = provisioner_.list();
            for (const auto& id : listed) {
                const bool known =
                    std::find(baseline_.begin(), baseline_.end(), id) != baseline_.end();
                const bool reported =
                    std::any_of(result_.not_deleted.begin(), result_.not_deleted.end(),
                                [&](const std::string& s) { return s.rfind(id + ":", 0) == 0; });
                if (!baseline_known_ || known || reported) {
                    continue;
                }
                // Created during this run without the runner learning its ID
                // (a create that timed out or printed something malformed).
                Volume volume;
                volume.id = id;
                volume.exported = true;
                log("volume " + id +
                    " appeared during the run without being reported: deleting it");
                if (!drop(volume) || [&] {
                        const auto again = provisioner_.list();
                        return std::find(again.begin(), again.end(), id) != again.end();
                    }()) {
                    result_.not_deleted.push_back(
                        id + ": appeared during the run and could not be deleted");
                }
            }
        } catch (const Error& e) {
            result_.notes.push_back(std::string("failed: the array's volume list could not be read "
                                                "after the run, so it cannot be shown clean: ") +
                                    e.what());
        }
        // The calls before and after the groups: the report keeps them in logs/run.txt.
        for (const auto* part : {"setup", "final sweep"}) {
            for (const auto& line : setup_log_[part]) {
                result_.notes.push_back(std::string("log: ") + part + ": " + line);
            }
        }
    }

    const BackendFile& backend_;
    Initiator& initiator_;
    const RunOptions& options_;
    const std::atomic<bool>& stop_;
    CertificationResult& result_;
    RealHost array_host_;
    Journal journal_;
    Provisioner provisioner_;
    Latencies latencies_;
    ProtocolOffer offer_;
    std::vector<std::string> baseline_;
    bool baseline_known_ = false;
    std::vector<std::unique_ptr<Volume>> volumes_;
    std::map<std::string, DeviceInfo> last_device_;
    std::set<std::string> findings_;
    nlohmann::json connector_;
    std::mutex log_mutex_;
    std::vector<std::string>* log_ = nullptr;
    std::map<std::string, std::vector<std::string>> setup_log_;
    std::vector<std::string> cleanup_log_;
};

std::string first_line(const std::string& text) {
    auto line = text.substr(0, text.find('\n'));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
        line.pop_back();
    }
    return line;
}

}  // namespace

const std::vector<GroupSpec>& group_specs() {
    static const std::vector<GroupSpec> specs = {
        {"core", "",
         "connector properties round trip, attach, I/O with data verification, detach with no "
         "leftovers, repeated attach/detach"},
        {"extend", "extend", "grow an attached volume"},
        {"multipath", "multipath", "every path used; path failure and recovery with fault hooks"},
        {"chap", "chap", "CHAP, a wrong CHAP password, mutual CHAP"},
        {"concurrency", "concurrency", "several volumes attached, used and detached at once"},
        {"lun-256", "lun_256", "a LUN number of 256 or above"},
        {"ana", "ana", "NVMe ANA states of the paths, an inaccessible path"},
    };
    return specs;
}

nlohmann::json describe_backend(const BackendFile& backend) {
    nlohmann::json protocols = nlohmann::json::array();
    for (const auto& offer : backend.protocols) {
        protocols.push_back(offer.label());
    }
    return {{"name", backend.name},
            {"vendor", backend.vendor},
            {"product", backend.product},
            {"firmware", backend.firmware},
            {"description", backend.description},
            {"protocols", protocols},
            {"capabilities",
             std::vector<std::string>(backend.capabilities.begin(), backend.capabilities.end())},
            {"file", backend.file.string()},
            {"provisioner", backend.command},
            {"fault_hooks", backend.fault_hooks}};
}

nlohmann::json describe_environment(Host& host) {
    nlohmann::json env;
    env["kernel"] = host.read_attribute("/proc/sys/kernel/osrelease").value_or("unknown");
    env["hostname"] = host.read_attribute("/proc/sys/kernel/hostname").value_or("unknown");
    env["brickworks_version"] = BRICK_VERSION;
    const auto commit = host.run(
        Command{{"git", "-c", "safe.directory=*", "-C", BRICK_SOURCE_DIR, "rev-parse", "HEAD"},
                {},
                Duration(10000)});
    env["brickworks_commit"] = commit.ok() ? first_line(commit.out) : std::string("unknown");
    const auto dirty = host.run(Command{{"git", "-c", "safe.directory=*", "-C", BRICK_SOURCE_DIR,
                                         "status", "--porcelain", "--untracked-files=no"},
                                        {},
                                        Duration(10000)});
    if (dirty.ok() && !dirty.out.empty()) {
        env["brickworks_commit"] =
            env["brickworks_commit"].get<std::string>() + " (with local changes)";
    }
    const auto iscsiadm = host.run(Command{{"iscsiadm", "--version"}, {}, Duration(10000)});
    env["open_iscsi"] = iscsiadm.ok() ? first_line(iscsiadm.out) : std::string("not found");
    const auto nvme = host.run(Command{{"nvme", "version"}, {}, Duration(10000)});
    env["nvme_cli"] = nvme.ok() ? first_line(nvme.out) : std::string("not found");
    env["date"] = utc_now();
    return env;
}

CertificationResult run_certification(const BackendFile& backend, Initiator& initiator,
                                      const RunOptions& options, const std::atomic<bool>& stop) {
    CertificationResult result;
    const auto start = std::chrono::steady_clock::now();
    result.backend = describe_backend(backend);
    RealHost real;
    result.environment = describe_environment(real);
    result.environment["initiator"] = initiator.kind();
    result.host_time_virtual = initiator.virtual_time();
    result.only = options.only;
    result.rerun = options.rerun;
    fs::create_directories(options.work);
    Run run(backend, initiator, options, stop, result);
    run.run();
    result.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.decide();
    return result;
}

}  // namespace brick::lab::certify
