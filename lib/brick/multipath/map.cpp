#include "brick/multipath/map.hpp"

#include <algorithm>
#include <chrono>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/host/wait.hpp"

namespace brick::multipath {
namespace {

constexpr std::string_view uuid_prefix = "mpath-";

CommandResult run_tool(Host& host, std::vector<std::string> argv, Duration deadline) {
    return host.run(Command{std::move(argv), {}, deadline});
}

}  // namespace

std::optional<Map> read_map(Host& host, const std::string& device) {
    const auto base = "/sys/block/" + device;
    const auto uuid = host.read_attribute(base + "/dm/uuid");
    if (!uuid || uuid->rfind(uuid_prefix, 0) != 0) {
        return std::nullopt;
    }
    Map map;
    map.device = device;
    map.wwid = uuid->substr(uuid_prefix.size());
    map.name = host.read_attribute(base + "/dm/name").value_or(map.wwid);
    host.list_dir(base + "/slaves", map.paths);
    return map;
}

std::optional<Map> map_holding(Host& host, const std::string& disk) {
    std::vector<std::string> holders;
    if (!host.list_dir("/sys/block/" + disk + "/holders", holders).ok()) {
        return std::nullopt;
    }
    for (const auto& holder : holders) {
        if (auto map = read_map(host, holder)) {
            return map;
        }
    }
    return std::nullopt;
}

std::optional<Map> map_for_wwid(Host& host, const std::string& wwid) {
    std::vector<std::string> devices;
    if (!host.list_dir("/sys/block", devices).ok()) {
        return std::nullopt;
    }
    for (const auto& device : devices) {
        if (device.rfind("dm-", 0) != 0) {
            continue;
        }
        if (auto map = read_map(host, device); map && map->wwid == wwid) {
            return map;
        }
    }
    return std::nullopt;
}

bool daemon_running(Host& host, Duration deadline) {
    const auto result = run_tool(host, {"multipathd", "show", "status"}, deadline);
    return result.ok() && result.out.rfind("error receiving packet", 0) != 0;
}

void add_paths(Host& host, const std::string& wwid, const std::vector<std::string>& disks,
               Duration deadline) {
    // The wwids file must know the WWID, or multipathd (find_multipaths strict
    // or yes with a single path) ignores the path.
    run_tool(host, {"multipath", "-a", wwid}, deadline);
    for (const auto& disk : disks) {
        run_tool(host, {"multipathd", "add", "path", disk}, deadline);
    }
}

CommandResult remove_path(Host& host, const std::string& disk, Duration deadline) {
    return run_tool(host, {"multipathd", "del", "path", disk}, deadline);
}

bool disable_queueing(Host& host, const std::string& name, Duration deadline) {
    return run_tool(host, {"multipathd", "disablequeueing", "map", name}, deadline).ok();
}

void flush_map(Host& host, const std::string& name, Duration deadline) {
    // Right after its paths changed, udev or multipathd may still hold the map
    // open for a moment: a busy map is tried again before it counts as failed.
    // A `multipath` that hung until its deadline is not run again.
    CommandResult result;
    retry(host, {3, Duration(500), 2.0}, [&](int) {
        result = run_tool(host, {"multipath", "-f", name}, deadline);
        return result.ok() || result.timed_out;
    });
    if (result.ok()) {
        return;
    }
    // multipathd removes a map on request too, refusing an open one as
    // `multipath -f` does; it answers "fail" (exit status 1) when it cannot.
    const auto by_daemon = run_tool(host, {"multipathd", "del", "map", name}, deadline);
    if (by_daemon.ok() && by_daemon.out.rfind("fail", 0) != 0) {
        log::warning("multipath -f " + name + " failed (exit " +
                     std::to_string(result.exit_status) + "); multipathd removed the map");
        return;
    }
    throw Error(result.timed_out ? ErrorCategory::timeout : ErrorCategory::command_failed,
                "removing multipath map " + name + " failed (multipath -f exit " +
                    std::to_string(result.exit_status) + "): " + result.out + result.err +
                    "; multipathd del map: " + by_daemon.out + by_daemon.err);
}

void resize_map(Host& host, const std::string& name, Duration deadline) {
    const auto what = "multipathd resize map " + name;
    const auto started = host.now();
    CommandResult result;
    std::string answer;
    WaitHints hints;
    hints.block_events = false;
    hints.poll_interval = Duration(1000);
    wait_until(
        host, deadline,
        [&] {
            const auto used = std::chrono::duration_cast<Duration>(host.now() - started);
            result = run_tool(host, {"multipathd", "resize", "map", name},
                              std::max(Duration(1000), deadline - used));
            answer = result.out;
            while (!answer.empty() && (answer.back() == '\n' || answer.back() == ' ')) {
                answer.pop_back();
            }
            return !result.ok() || answer != "timeout";
        },
        hints);
    if (result.not_found) {
        throw Error(ErrorCategory::command_failed, what + ": multipathd is not installed");
    }
    if (result.timed_out || (result.ok() && answer == "timeout")) {
        throw Error(ErrorCategory::timeout, what + " did not succeed within " +
                                                std::to_string(deadline.count()) + " ms" +
                                                (result.timed_out ? "" : ": multipathd is busy"));
    }
    if (!result.ok() || answer == "fail") {
        auto said = result.out + result.err;
        while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) {
            said.pop_back();
        }
        throw Error(ErrorCategory::command_failed,
                    what + " failed (exit " + std::to_string(result.exit_status) +
                        "): " + (said.empty() ? "nothing said (is multipathd running?)" : said));
    }
}

}  // namespace brick::multipath
