#pragma once
// The simulator backend: libbrick on the in-process simulated host
// (sim/host/sim_host.hpp), with virtual time and seeded scheduling. A run is
// a pure function of (scenario, seed). The invariant checker
// (sim/check/checker.hpp) watches every run after every interaction.

#include <fstream>
#include <map>
#include <memory>

#include "backend.hpp"
#include "sim/check/checker.hpp"
#include "sim/host/sim_host.hpp"

namespace brick::lab {

class SimBackend final : public Backend {
  public:
    std::string name() const override { return "sim"; }
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
    int operation_begins(const OperationStart& operation) override;
    void operation_ends(int id, const OperationEnd& outcome) override;
    void data_written(const std::string& volume, std::uint64_t pattern, std::uint64_t bytes,
                      bool complete) override;
    void check_clean(const std::string& why) override;
    std::vector<nlohmann::json> take_violations() override;

    // The simulator's fabric for a scenario's fabric.
    static sim::Fabric fabric_for(const Scenario& scenario);
    // The scenario's volumes as the invariant checker knows them.
    static std::vector<sim::check::VolumeRef> volumes_for(const Scenario& scenario);
    // Where trace records go; false writes none (a sweep that reruns a failure to trace it).
    void set_tracing(bool on) { tracing_ = on; }

  private:
    std::ofstream trace_stream_;
    std::unique_ptr<sim::SimHost> host_;
    std::unique_ptr<sim::check::Checker> checker_;
    std::map<std::string, std::vector<nlohmann::json>> armed_;  // fault name -> specs
    bool tracing_ = true;
};

}  // namespace brick::lab
