#pragma once
// Where a scenario runs: the simulator, or a real Linux host (a QEMU guest)
// with real targets. The runner drives libbrick against backend.host() and
// uses the rest of this interface for what a scenario does to the world
// around the library: the target side, faults, and I/O through the device.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "brick/host/host.hpp"
#include "scenario.hpp"

namespace brick::lab {

class Backend {
  public:
    Backend() = default;
    Backend(const Backend&) = delete;
    Backend& operator=(const Backend&) = delete;
    Backend(Backend&&) = delete;
    Backend& operator=(Backend&&) = delete;
    virtual ~Backend() = default;

    virtual std::string name() const = 0;
    // Why this backend cannot run the scenario ("skipped: <reason>"), or nullopt.
    virtual std::optional<std::string> skip_reason(const Scenario& scenario) const = 0;
    // Builds the target side of the scenario's fabric. The trace of the run
    // goes to trace_file (JSON lines, docs/trace-format.md).
    virtual void start(const Scenario& scenario, std::uint64_t seed,
                       const std::string& trace_file) = 0;
    // The host libbrick works on during the scenario.
    virtual Host& host() = 0;
    virtual void inject_fault(const std::string& fault, const nlohmann::json& params) = 0;
    virtual void heal_fault(const std::string& fault) = 0;
    // Writes `bytes` of a pattern derived from `pattern` at offset 0 of the
    // device, without flushing: the library's disconnect must flush it.
    virtual void write_pattern(const std::string& device, std::uint64_t pattern,
                               std::uint64_t bytes) = 0;
    // True when the device holds that pattern.
    virtual bool verify_pattern(const std::string& device, std::uint64_t pattern,
                                std::uint64_t bytes) = 0;
    // Grows a LUN on the target side (target: an IQN, or an FC target's WWNN).
    virtual void resize_lun(const std::string& target, std::uint64_t lun,
                            std::uint64_t size_mib) = 0;
    // Tears the target side down; nothing of the run may remain.
    virtual void stop() = 0;
};

// The bytes of a pattern: a fixed function of (pattern, offset).
void fill_pattern(std::uint64_t pattern, std::uint64_t offset, char* data, std::size_t size);

}  // namespace brick::lab
