#include "real_backend.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/iscsi/session.hpp"
#include "daemons.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

// The admin conf of the guest's Ceph cluster (hil/guest/ceph.sh).
constexpr const char* ceph_conf = "/tmp/ceph/ceph.conf";

// The faults each real target kind can make; the rest are simulator-only.
constexpr std::array<std::string_view, 4> lio_faults{"lun_removed", "lun_remapped",
                                                     "portal_unreachable", "login_slow"};
constexpr std::array<std::string_view, 1> tgt_faults{"lun_removed"};
constexpr std::array<std::string_view, 4> nvmet_faults{
    "portal_unreachable", "controller_connecting", "ana_inaccessible", "namespace_removed"};

void for_each_step(const std::vector<Step>& steps, const std::function<void(const Step&)>& visit) {
    for (const auto& step : steps) {
        visit(step);
        for_each_step(step.concurrent, visit);
    }
}

class Fd {
  public:
    Fd(const std::string& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC)) {
        if (fd_ < 0) {
            throw Error(ErrorCategory::host_error, "cannot open " + path);
        }
    }
    ~Fd() { ::close(fd_); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&&) = delete;
    Fd& operator=(Fd&&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

constexpr const char* reboot_skip_reason =
    "a host reboot runs on the simulator only: the runner runs inside the guest a reboot would "
    "end";

// A restart, stop or start step needs its daemon running in the guest: the
// guest job starts iscsid for iSCSI targets and multipathd for scenarios with
// a multipath volume (lab/runner/guest_run.cpp).
std::optional<std::string> daemon_skip_reason(const Scenario& scenario, const Step& step) {
    if (step.op != "restart" && step.op != "stop" && step.op != "start") {
        return std::nullopt;
    }
    if (step.subject == "iscsid" && scenario.protocol != "iscsi" && scenario.protocol != "iser") {
        return "iscsid runs for iSCSI scenarios only";
    }
    if (step.subject == "multipathd" &&
        std::none_of(scenario.volumes.begin(), scenario.volumes.end(),
                     [](const auto& v) { return v.second.multipath; })) {
        return "multipathd runs in the guest for scenarios with a multipath volume only";
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> nvme_multipath_skip_reason(bool wanted, const fs::path& parameter) {
    std::ifstream in(parameter);
    std::string value;
    if (!(in >> value)) {
        return "cannot read " + parameter.string() + " (nvme_core not loaded)";
    }
    if ((value == "Y") == wanted) {
        return std::nullopt;
    }
    return std::string("the scenario needs native NVMe multipath ") + (wanted ? "on" : "off") +
           " and this kernel has nvme_core.multipath=" + value +
           ", read-only while nvme_core is loaded: boot with nvme_core.multipath=" +
           (wanted ? "Y" : "N");
}

std::optional<std::string> real_kernel_skip_reason(const Scenario& scenario) {
    if (scenario.protocol == "fibre_channel") {
        return "Fibre Channel runs on the simulator only: a QEMU guest has no FC HBA (QEMU "
               "emulates none), Debian's 6.1 kernel builds no FC loopback (nvme-fcloop is not "
               "set) and LIO's FC fabric (tcm_qla2xxx) needs a QLogic HBA";
    }
    return std::nullopt;
}

std::optional<std::string> RealBackend::rbd_skip_reason(const Scenario& scenario) const {
    if (target_ != "ceph") {
        return "protocol rbd needs the guest's Ceph cluster (--target ceph), not " + target_;
    }
    if (!fs::exists(ceph_conf)) {
        return "no Ceph cluster here (" + std::string(ceph_conf) +
               " missing: the guest job starts one, hil/guest/ceph.sh)";
    }
    if (!fs::exists("/sys/bus/rbd")) {
        return "no kernel RBD client (load rbd)";
    }
    if (auto why = CephCluster::unsupported(scenario.fabric); !why.empty()) {
        return why;
    }
    if (!scenario.faults.empty()) {
        return "fault " + scenario.faults.front() + " is simulator-only";
    }
    // The cluster has no fault a scenario can ask for yet: monitors going away
    // would stop the one monitor the rest of the guest's scenarios share.
    std::optional<std::string> reason;
    for_each_step(scenario.steps, [&](const Step& step) {
        if (step.op == "fault") {
            reason = "fault " + step.subject + " is simulator-only on the Ceph cluster";
        }
        if (step.op == "extend" && step.size_mib > 0) {
            reason = "growing an RBD image is not available on ceph";
        }
    });
    return reason;
}

RealBackend::RealBackend(std::string target, fs::path work_dir)
    : target_(std::move(target)), work_dir_(std::move(work_dir)) {}

std::optional<std::string> RealBackend::skip_reason(const Scenario& scenario) const {
    if (auto reason = real_kernel_skip_reason(scenario)) {
        return reason;
    }
    if (!scenario.backends.empty() && std::find(scenario.backends.begin(), scenario.backends.end(),
                                                "real") == scenario.backends.end()) {
        return "the scenario runs on the simulator only";
    }
    if (!scenario.targets.empty() && std::find(scenario.targets.begin(), scenario.targets.end(),
                                               target_) == scenario.targets.end()) {
        return "the scenario does not run on " + target_;
    }
    bool reboots = false;
    for_each_step(scenario.steps,
                  [&](const Step& step) { reboots = reboots || step.op == "reboot"; });
    if (reboots) {
        return std::string(reboot_skip_reason);
    }
    if (scenario.protocol == "rbd") {
        return rbd_skip_reason(scenario);
    }
    const bool nvme = scenario.protocol == "nvmeof" && target_ == "nvmet";
    const bool storage = (scenario.protocol == "nfs" && target_ == "nfsd") ||
                         (scenario.protocol == "local" && target_ == "loop");
    const bool tgt = scenario.protocol == "iscsi" && target_ == "tgt";
    if (!nvme && !tgt && !storage && (scenario.protocol != "iscsi" || target_ != "lio")) {
        return "protocol " + scenario.protocol + " on " + target_ + " is not available";
    }
    if (::geteuid() != 0) {
        return "needs root";
    }
    const bool encrypted = std::any_of(scenario.volumes.begin(), scenario.volumes.end(),
                                       [](const auto& v) { return v.second.encrypted; });
    if (encrypted && !fs::exists("/sbin/cryptsetup") && !fs::exists("/usr/sbin/cryptsetup")) {
        return "cryptsetup is not installed (Debian package cryptsetup-bin)";
    }
    if (storage) {
        if (scenario.protocol == "nfs" && !fs::exists("/proc/fs/nfsd/versions")) {
            return "no NFS server in this kernel (load nfsd, start rpcbind, mountd, nfsd)";
        }
        if (!scenario.faults.empty()) {
            return "fault " + scenario.faults.front() + " is simulator-only";
        }
        std::optional<std::string> reason;
        for_each_step(scenario.steps, [&](const Step& step) {
            if (step.op == "fault") {
                reason = "fault " + step.subject + " is simulator-only";
            }
        });
        return reason;
    }
    for (const auto& target : scenario.fabric.iscsi_targets) {
        const auto write_protected = std::count_if(target.luns.begin(), target.luns.end(),
                                                   [](const LunSpec& l) { return l.read_only; });
        if (write_protected > 0 && tgt) {
            return "the lab's tgt driver exports no write-protected LUN";
        }
        if (write_protected > 0 &&
            static_cast<std::size_t>(write_protected) != target.luns.size()) {
            return "LIO write-protects all the LUNs of " + target.iqn +
                   " or none (the TPG's demo_mode_write_protect); it mixes read-only and "
                   "writable LUNs";
        }
    }
    if (tgt) {
        if (auto why = TgtTarget::unsupported(scenario.fabric); !why.empty()) {
            return why;
        }
    } else if (!nvme && !fs::exists("/sys/kernel/config/target")) {
        return "no LIO in this kernel (/sys/kernel/config/target missing)";
    }
    if (nvme && !fs::exists("/sys/kernel/config/nvmet")) {
        return "no nvmet in this kernel (load nvmet and nvmet-tcp)";
    }
    if (nvme && !fs::exists("/dev/nvme-fabrics")) {
        return "no NVMe-oF initiator (load nvme-tcp)";
    }
    if (nvme && scenario.nvme_native_multipath) {
        if (auto why = nvme_multipath_skip_reason(*scenario.nvme_native_multipath)) {
            return why;
        }
    }
    if (nvme && scenario.fabric.uses_rdma()) {
        for (const std::string module : {"rdma_rxe", "nvme_rdma", "nvmet_rdma"}) {
            if (!fs::exists(fs::path("/sys/module") / module)) {
                return "NVMe/RDMA needs Soft-RoCE: module " + module +
                       " is not loaded (load rdma_rxe, nvme-rdma and nvmet-rdma)";
            }
        }
    }
    using Faults = std::span<const std::string_view>;
    const Faults faults = nvme  ? Faults(nvmet_faults)
                          : tgt ? Faults(tgt_faults)
                                : Faults(lio_faults);
    for (const auto& fault : scenario.faults) {
        if (std::find(faults.begin(), faults.end(), fault) == faults.end()) {
            return "fault " + fault + " is simulator-only";
        }
    }
    std::optional<std::string> reason;
    for_each_step(scenario.steps, [&](const Step& step) {
        if (step.op == "fault" &&
            std::find(faults.begin(), faults.end(), step.subject) == faults.end()) {
            reason = "fault " + step.subject + " is simulator-only";
        }
        if (step.op == "extend" && step.size_mib > 0 && tgt) {
            reason = "growing a LUN is not available on tgt (the lab's tgt driver has no resize)";
        }
        if (auto why = daemon_skip_reason(scenario, step)) {
            reason = why;
        }
    });
    return reason;
}

void RealBackend::start(const Scenario& scenario, std::uint64_t /*seed*/,
                        const std::string& trace_file) {
    scenario_ = &scenario;
    removed_portals_.clear();
    fs::create_directories(work_dir_);
    recording_.reset();
    trace_.reset();
    trace_stream_ = std::ofstream(trace_file, std::ios::out | std::ios::trunc);
    trace_ = std::make_unique<TraceWriter>(trace_stream_);
    recording_ = std::make_unique<RecordingHost>(real_, *trace_);
    clean_initiator_side();
    if (scenario.protocol == "nfs") {
        // On tmpfs: nfsd cannot export the guest's 9p job share.
        nfsd_ = std::make_unique<NfsServer>(real_, "/run/brick-lab/nfs");
        nfsd_->configure(scenario.fabric);
        return;
    }
    if (scenario.protocol == "local") {
        loops_ = std::make_unique<LoopDevices>(real_, "/run/brick-lab/local");
        loops_->configure(scenario.fabric);
        return;
    }
    if (scenario.protocol == "rbd") {
        ceph_ = std::make_unique<CephCluster>(real_, ceph_conf);
        ceph_->configure(scenario.fabric);
        return;
    }
    if (scenario.protocol == "nvmeof") {
        nvmet_ = std::make_unique<NvmetTarget>(real_, work_dir_);
        nvmet_->configure(scenario.fabric);
        return;
    }
    if (target_ == "tgt") {
        tgt_ = std::make_unique<TgtTarget>(real_, work_dir_);
        tgt_->configure(scenario.fabric);
        return;
    }
    // Only the LUNs a step grows get a loop device under them: the others
    // keep their plain files (and their timing).
    std::set<LioLun> growable;
    for_each_step(scenario.steps, [&](const Step& step) {
        if (step.op == "extend" && step.size_mib > 0) {
            growable.insert(
                {scenario.target_of(step.subject), scenario.volumes.at(step.subject).lun});
        }
    });
    lio_ = std::make_unique<LioTarget>(real_, work_dir_);
    lio_->configure(scenario.fabric, growable);
}

Host& RealBackend::host() {
    return recording_ ? static_cast<Host&>(*recording_) : real_;
}

void RealBackend::inject_fault(const std::string& fault, const nlohmann::json& params) {
    trace_->write({{"kind", "fault"}, {"name", fault}, {"params", params}});
    if (nvmet_) {
        nvmet_->inject(fault, params);
        return;
    }
    const auto& target = scenario_->fabric.iscsi_targets.at(0);
    const auto iqn = params.value("iqn", target.iqn);
    const std::lock_guard lio_guard(lio_mutex_);
    if (fault == "lun_removed" && tgt_) {
        tgt_->unmap_lun(iqn, params.value("lun", target.luns.at(0).lun));
    } else if (fault == "lun_removed") {
        lio_->unmap_lun(iqn, params.value("lun", target.luns.at(0).lun));
    } else if (fault == "lun_remapped" && lio_) {
        // LIO derives a LUN's NAA from its unit serial: NAA 6001405 + 25 hex
        // digits is the serial those digits.
        std::string serial;
        for (const auto& d : params.value("to", nlohmann::json::object())
                                 .value("designators", nlohmann::json::array())) {
            const auto value = d.value("value", std::string());
            if (d.value("type", std::string()) == "naa" && value.size() == 32 &&
                value.rfind("6001405", 0) == 0) {
                serial = value.substr(7);
            }
        }
        if (serial.empty()) {
            throw Error(ErrorCategory::not_supported,
                        "lun_remapped on LIO needs an NAA designator 6001405 + 25 hex digits");
        }
        lio_->remap_lun(iqn, params.value("lun", target.luns.at(0).lun),
                        params.at("to").value("size", std::uint64_t{16} << 20U), serial);
    } else if (fault == "login_slow") {
        // The portal goes away and comes back ms later: iscsid keeps trying
        // a login to it for about 20 s, so one started meanwhile succeeds
        // late, as on the simulator.
        const auto portal = parse_portal(
            "params.portal", params.value("portal", target.portals.at(0).to_string()), 3260);
        const auto delay = Duration(params.value("ms", 5000));
        if (portal_return_.joinable() && !portal_back_) {
            throw Error(ErrorCategory::not_supported,
                        "one login_slow fault at a time on " + name());
        }
        if (portal_return_.joinable()) {
            portal_return_.join();  // it is back: the thread has ended
        }
        lio_->remove_portal(iqn, portal);
        portal_back_ = false;
        portal_return_ = std::thread([this, iqn, portal, delay] {
            std::this_thread::sleep_for(delay);
            const std::lock_guard guard(lio_mutex_);
            try {
                lio_->add_portal(iqn, portal);
                trace_->write(
                    {{"kind", "heal"}, {"name", "login_slow"}, {"portal", portal.to_string()}});
            } catch (const std::exception& e) {
                portal_error_ = "bringing portal " + portal.to_string() + " back: " + e.what();
            }
            portal_back_ = true;
        });
    } else if (fault == "portal_unreachable") {
        const auto portal = parse_portal(
            "params.portal", params.value("portal", target.portals.at(0).to_string()), 3260);
        lio_->remove_portal(iqn, portal);
        removed_portals_.push_back(portal);
    } else {
        throw Error(ErrorCategory::not_supported, "fault " + fault + " on " + name());
    }
}

void RealBackend::heal_fault(const std::string& fault) {
    trace_->write({{"kind", "heal"}, {"name", fault}});
    if (nvmet_) {
        nvmet_->heal(fault);
        return;
    }
    if (fault == "login_slow") {
        check_portal_return();
    }
    if (fault == "portal_unreachable") {
        const std::lock_guard lio_guard(lio_mutex_);
        for (const auto& portal : removed_portals_) {
            lio_->add_portal(scenario_->fabric.iscsi_targets.at(0).iqn, portal);
        }
        removed_portals_.clear();
    }
}

void RealBackend::write_pattern(const std::string& device, std::uint64_t pattern,
                                std::uint64_t bytes) {
    const Fd fd(device, O_WRONLY);
    std::vector<char> block(1U << 20U);
    for (std::uint64_t offset = 0; offset < bytes; offset += block.size()) {
        const auto size =
            static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), bytes - offset));
        fill_pattern(pattern, offset, block.data(), size);
        if (::pwrite(fd.get(), block.data(), size, static_cast<off_t>(offset)) !=
            static_cast<ssize_t>(size)) {
            throw Error(ErrorCategory::host_error, "writing to " + device + " failed");
        }
    }
}

bool RealBackend::verify_pattern(const std::string& device, std::uint64_t pattern,
                                 std::uint64_t bytes) {
    const Fd fd(device, O_RDONLY);
    std::vector<char> expected(1U << 20U);
    std::vector<char> actual(1U << 20U);
    for (std::uint64_t offset = 0; offset < bytes; offset += expected.size()) {
        const auto size =
            static_cast<std::size_t>(std::min<std::uint64_t>(expected.size(), bytes - offset));
        fill_pattern(pattern, offset, expected.data(), size);
        if (::pread(fd.get(), actual.data(), size, static_cast<off_t>(offset)) !=
                static_cast<ssize_t>(size) ||
            !std::equal(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(size),
                        actual.begin())) {
            return false;
        }
    }
    return true;
}

void RealBackend::resize_lun(const std::string& iqn, std::uint64_t lun, std::uint64_t size_mib) {
    if (!lio_) {
        throw Error(ErrorCategory::not_supported, "growing a LUN on " + name());
    }
    lio_->resize_lun(iqn, lun, size_mib);
}

void RealBackend::resize_namespace(const std::string& nqn, std::uint32_t nsid,
                                   std::uint64_t size_mib) {
    if (!nvmet_) {
        throw Error(ErrorCategory::not_supported, "growing a namespace on " + name());
    }
    nvmet_->resize_namespace(nqn, nsid, size_mib);
}

void RealBackend::stop_daemon(const std::string& daemon) {
    const auto& spec = daemon_spec(daemon);
    const auto killed = kill_daemon(spec, Duration(10000));
    trace_->write({{"kind", "daemon"}, {"name", daemon}, {"action", "killed"}, {"count", killed}});
    if (killed == 0) {
        throw Error(ErrorCategory::host_error, daemon + " was not running");
    }
    stopped_daemons_.insert(daemon);
}

void RealBackend::start_daemon(const std::string& daemon) {
    const auto& spec = daemon_spec(daemon);
    // Beside the guest job's own daemon logs when there is a job folder.
    const fs::path job = "/job";
    const auto log = (fs::is_directory(job) ? job : work_dir_) / (daemon + ".log");
    const auto pid = spawn_daemon(spec, log);
    trace_->write({{"kind", "daemon"}, {"name", daemon}, {"action", "started"}, {"pid", pid}});
    const auto deadline = host().now() + Duration(20000);
    WaitHints hints;
    hints.block_events = false;
    hints.poll_interval = Duration(100);
    if (!host().wait_until([&] { return daemon_answers(host(), spec); }, deadline, hints)) {
        throw Error(ErrorCategory::timeout, daemon + " (pid " + std::to_string(pid) +
                                                ") did not answer within 20 s of its start; see " +
                                                log.string());
    }
    stopped_daemons_.erase(daemon);
}

// skip_reason keeps scenarios with a reboot away from real hosts.
void RealBackend::reboot_host() {
    throw Error(ErrorCategory::not_supported, reboot_skip_reason);
}

void RealBackend::clean_initiator_side() {
    if (scenario_ == nullptr) {
        return;
    }
    // LUKS mappings first: they hold the devices under them.
    std::vector<std::string> blocks;
    real_.list_dir("/sys/block", blocks);
    for (const auto& name : blocks) {
        const auto dm_name = real_.read_attribute("/sys/block/" + name + "/dm/name").value_or("");
        if (name.rfind("dm-", 0) == 0 && dm_name.rfind("crypt-", 0) == 0) {
            real_.run(Command{{"cryptsetup", "luksClose", dm_name}, {}, Duration(30000)});
        }
    }
    for (const auto& share : scenario_->fabric.nfs_exports) {
        std::string mounts;
        real_.read_file("/proc/mounts", mounts);
        std::size_t start = 0;
        while ((start = mounts.find(share.spec() + " ", start)) != std::string::npos) {
            const auto from = start + share.spec().size() + 1;
            const auto at = mounts.substr(from, mounts.find(' ', from) - from);
            real_.run(Command{{"umount", "-l", at}, {}, Duration(30000)});
            start = from;
        }
    }
    real_.run(Command{{"sh", "-c", "rm -f /run/brick/nfs/*/*"}, {}, Duration(30000)});
    for (const auto& target : scenario_->fabric.iscsi_targets) {
        real_.run(
            Command{{"iscsiadm", "-m", "node", "-T", target.iqn, "--logout"}, {}, Duration(30000)});
        real_.run(Command{
            {"iscsiadm", "-m", "node", "-T", target.iqn, "-o", "delete"}, {}, Duration(30000)});
    }
    real_.run(Command{{"multipath", "-F"}, {}, Duration(30000)});
    // NVMe-oF: the fabric's md arrays and controllers, and the in-use records.
    for (const auto& [name, volume] : scenario_->volumes) {
        if (!volume.replicas.empty() && real_.exists("/dev/md/" + name)) {
            real_.run(Command{{"mdadm", "--stop", "/dev/md/" + name}, {}, Duration(30000)});
        }
    }
    for (const auto& subsystem : scenario_->fabric.nvme_subsystems) {
        std::vector<std::string> names;
        real_.list_dir("/sys/class/nvme", names);
        for (const auto& name : names) {
            if (real_.read_attribute("/sys/class/nvme/" + name + "/subsysnqn").value_or("") ==
                subsystem.nqn) {
                real_.write_file("/sys/class/nvme/" + name + "/delete_controller", "1",
                                 Duration(30000));
            }
        }
        std::vector<std::string> records;
        real_.list_dir("/run/brick/nvmeof/" + subsystem.nqn, records);
        for (const auto& record : records) {
            real_.remove("/run/brick/nvmeof/" + subsystem.nqn + "/" + record);
        }
    }
}

void RealBackend::join_portal_return() {
    if (portal_return_.joinable()) {
        portal_return_.join();
    }
}

void RealBackend::check_portal_return() {
    join_portal_return();
    if (!portal_error_.empty()) {
        throw Error(ErrorCategory::host_error, std::exchange(portal_error_, {}));
    }
}

void RealBackend::stop() {
    join_portal_return();
    if (!portal_error_.empty()) {
        log::error(std::exchange(portal_error_, {}));
    }
    // A scenario that ended with a daemon down leaves it running for the next
    // one (and for the cleanup: logging out needs iscsid).
    const auto stopped = stopped_daemons_;
    for (const auto& daemon : stopped) {
        start_daemon(daemon);
    }
    clean_initiator_side();
    if (lio_) {
        lio_->clear();
    }
    if (tgt_) {
        tgt_->clear();
        tgt_.reset();
    }
    if (nvmet_) {
        nvmet_->clear();
        nvmet_.reset();
    }
    if (nfsd_) {
        nfsd_->clear();
        nfsd_.reset();
    }
    if (loops_) {
        loops_->clear();
        loops_.reset();
    }
    if (ceph_) {
        ceph_->clear();
        ceph_.reset();
    }
    recording_.reset();
    trace_.reset();
    trace_stream_.close();
}

}  // namespace brick::lab
