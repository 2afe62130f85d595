#pragma once
// Where a scenario runs: the simulator, or a real Linux host (a QEMU guest)
// with real targets. The runner drives libbrick against backend.host() and
// uses the rest of this interface for what a scenario does to the world
// around the library: the target side, faults, and I/O through the device.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "brick/host/host.hpp"
#include "scenario.hpp"

namespace brick::lab {

// A library operation as the runner starts it, for a backend that checks
// invariants while it runs.
struct OperationStart {
    std::string op;  // connect, disconnect, extend
    std::string volume;
    bool force = false;
    bool ignore_errors = false;
    std::int64_t deadline_ms = 0;  // it must end within this much backend time
};

struct OperationEnd {
    std::optional<ErrorCategory> error;  // nullopt: it succeeded
    std::string message;
    std::optional<DeviceInfo> device;  // what a connect returned
};

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
    // Grows an NVMe namespace on the target side (its backing, then the
    // target's own size), as a storage service extending a volume does.
    virtual void resize_namespace(const std::string& nqn, std::uint32_t nsid,
                                  std::uint64_t size_mib) = 0;
    // Kills a host daemon ("iscsid", "multipathd") as a crash would (SIGKILL):
    // the kernel's sessions, disks and maps and the files on disk stay.
    virtual void stop_daemon(const std::string& daemon) = 0;
    // Starts it again as the host first did and returns once it answers;
    // throws brick::Error (timeout) when it does not.
    virtual void start_daemon(const std::string& daemon) = 0;
    // Reboots the host and returns once it booted (its daemons answer and
    // the node records with node.startup automatic were logged in); throws
    // brick::Error (timeout, or not_supported where a reboot cannot run).
    virtual void reboot_host() = 0;
    // Tears the target side down; nothing of the run may remain.
    virtual void stop() = 0;

    // Invariants (the simulator checks them, sim/check/; other backends do
    // not): the runner says when each operation begins and ends and what it
    // wrote, and collects the violations seen since it last asked, one JSON
    // object each ({"rule", "step", "operation", "evidence", ...}).
    virtual int operation_begins(const OperationStart& /*operation*/) { return 0; }
    virtual void operation_ends(int /*id*/, const OperationEnd& /*outcome*/) {}
    virtual void data_written(const std::string& /*volume*/, std::uint64_t /*pattern*/,
                              std::uint64_t /*bytes*/, bool /*complete*/) {}
    // Nothing any volume left remains (after every volume's last disconnect).
    virtual void check_clean(const std::string& /*why*/) {}
    virtual std::vector<nlohmann::json> take_violations() { return {}; }
};

// The bytes of a pattern: a fixed function of (pattern, offset).
void fill_pattern(std::uint64_t pattern, std::uint64_t offset, char* data, std::size_t size);

}  // namespace brick::lab
