#pragma once
// The real backend: libbrick on this Linux host (in practice a QEMU guest
// booted by hil/) against a real target on the same machine.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "backend.hpp"
#include "brick/host/real_host.hpp"
#include "brick/host/recording_host.hpp"
#include "targets/ceph.hpp"
#include "targets/lio.hpp"
#include "targets/loop.hpp"
#include "targets/nfsd.hpp"
#include "targets/nvmet.hpp"
#include "targets/tgt.hpp"

namespace brick::lab {

// Why no real kernel here can run the scenario, whatever the target (the
// protocol has no loopback in a QEMU guest), or nullopt. `run --backend hil`
// skips such scenarios without booting a guest.
std::optional<std::string> real_kernel_skip_reason(const Scenario& scenario);

// Why this kernel's native NVMe multipath is not the one a scenario needs
// (requires.nvme_native_multipath), or nullopt. nvme_core.multipath is
// read-only once the module is loaded (0444), and nvme_core stays loaded
// while any NVMe device exists: it is set on the kernel command line or in
// modprobe.d, never by the runner.
std::optional<std::string> nvme_multipath_skip_reason(
    bool wanted,
    const std::filesystem::path& parameter = "/sys/module/nvme_core/parameters/multipath");

class RealBackend final : public Backend {
  public:
    // target: "lio" or "tgt" (iSCSI), "nvmet" (NVMe-oF), "nfsd" (NFS), "loop"
    // (local devices) or "ceph" (RBD, the guest's one-node cluster).
    RealBackend(std::string target, std::filesystem::path work_dir);
    RealBackend(const RealBackend&) = delete;
    RealBackend& operator=(const RealBackend&) = delete;
    RealBackend(RealBackend&&) = delete;
    RealBackend& operator=(RealBackend&&) = delete;
    ~RealBackend() override { join_portal_return(); }

    std::string name() const override { return "real:" + target_; }
    std::optional<std::string> skip_reason(const Scenario& scenario) const override;
    void start(const Scenario& scenario, std::uint64_t seed,
               const std::string& trace_file) override;
    Host& host() override;
    void inject_fault(const std::string& fault, const nlohmann::json& params) override;
    void heal_fault(const std::string& fault) override;
    void write_pattern(const std::string& device, std::uint64_t pattern,
                       std::uint64_t bytes) override;
    bool verify_pattern(const std::string& device, std::uint64_t pattern,
                        std::uint64_t bytes) override;
    void resize_lun(const std::string& target, std::uint64_t lun, std::uint64_t size_mib) override;
    void resize_namespace(const std::string& nqn, std::uint32_t nsid,
                          std::uint64_t size_mib) override;
    void stop_daemon(const std::string& daemon) override;
    void start_daemon(const std::string& daemon) override;
    void reboot_host() override;
    void stop() override;

  private:
    std::optional<std::string> rbd_skip_reason(const Scenario& scenario) const;
    // Logs out of and forgets every session and node record of the fabric's
    // targets, so a failed scenario does not spoil the next one.
    void clean_initiator_side();
    // Waits for a portal a login_slow fault brings back; check_ also throws
    // what went wrong bringing it back.
    void join_portal_return();
    void check_portal_return();

    std::string target_;
    std::filesystem::path work_dir_;
    RealHost real_;
    std::ofstream trace_stream_;
    std::unique_ptr<TraceWriter> trace_;
    std::unique_ptr<RecordingHost> recording_;
    std::unique_ptr<LioTarget> lio_;
    std::unique_ptr<NvmetTarget> nvmet_;
    std::unique_ptr<NfsServer> nfsd_;
    std::unique_ptr<LoopDevices> loops_;
    std::unique_ptr<TgtTarget> tgt_;
    std::unique_ptr<CephCluster> ceph_;
    const Scenario* scenario_ = nullptr;
    std::vector<Portal> removed_portals_;
    // login_slow: the portal comes back on this thread after the fault's ms;
    // lio_mutex_ keeps its target change apart from the steps' ones.
    std::thread portal_return_;
    std::atomic<bool> portal_back_{false};
    std::string portal_error_;  // set by that thread, read once it ended
    std::mutex lio_mutex_;
    // Daemons a stop step left down: stop() starts them again for the next scenario.
    std::set<std::string> stopped_daemons_;
};

}  // namespace brick::lab
