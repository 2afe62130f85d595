#pragma once
// The simulator backend: libbrick on the in-process simulated host
// (sim/host/sim_host.hpp), with virtual time and seeded scheduling. A run is
// a pure function of (scenario, seed).

#include <fstream>
#include <map>
#include <memory>

#include "backend.hpp"
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
    void stop() override;

    // The simulator's fabric for a scenario's fabric.
    static sim::Fabric fabric_for(const Scenario& scenario);

  private:
    std::ofstream trace_stream_;
    std::unique_ptr<sim::SimHost> host_;
    std::map<std::string, std::vector<nlohmann::json>> armed_;  // fault name -> specs
};

}  // namespace brick::lab
