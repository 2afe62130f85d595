// The fake udevadm (systemd 252): settle waits until the pending block events
// (sd probes, link creation) are done, bounded by its timeout; trigger is a no-op.
#include <algorithm>
#include <cstdlib>

#include "sim/tools/tool.hpp"

namespace brick::sim {

ToolResult run_udevadm(ToolContext& context, const std::vector<std::string>& args) {
    ToolResult r;
    if (args.empty()) {
        r.exit_status = 1;
        r.err = "udevadm: missing or unknown command\n";
        return r;
    }
    if (args[0] == "settle") {
        std::int64_t timeout_ms = 120000;
        for (const auto& arg : args) {
            if (arg.rfind("--timeout=", 0) == 0) {
                timeout_ms = std::atoll(arg.substr(10).c_str()) * 1000;
            }
        }
        auto& model = context.model;
        std::optional<std::int64_t> last;
        for (const auto* label : {"sd probe", "udev links"}) {
            if (const auto at = model.last_pending(label)) {
                last = last ? std::max(*last, *at) : *at;
            }
        }
        if (last) {
            const auto wait = std::min(timeout_ms, *last - model.now_ms());
            r.duration_ms = static_cast<unsigned>(std::max<std::int64_t>(0, wait));
            if (*last - model.now_ms() > timeout_ms) {
                r.exit_status = 1;
                r.err = "Timed out for waiting the udev queue being empty.\n";
            }
        }
        return r;
    }
    if (args[0] == "trigger" || args[0] == "control") {
        return r;
    }
    r.exit_status = 1;
    r.err = "udevadm: unknown command '" + args[0] + "'\n";
    return r;
}

}  // namespace brick::sim
