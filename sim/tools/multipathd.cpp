// The fake multipathd client (multipath-tools 0.9.4): show status|maps|paths,
// add|del path, del map, resize map, disablequeueing map. When the daemon is down the
// client exits 1 with nothing printed, as Debian's does.
#include <algorithm>

#include "sim/tools/multipath_states.hpp"
#include "sim/tools/tool.hpp"

namespace brick::sim {

namespace {

std::string strip_dev(const std::string& path) {
    return path.rfind("/dev/", 0) == 0 ? path.substr(5) : path;
}

}  // namespace

ToolResult run_multipathd(ToolContext& context, const std::vector<std::string>& args) {
    ToolResult r;
    auto& model = context.model;
    if (!model.state().multipathd_running) {
        r.exit_status = 1;
        return r;
    }
    std::vector<std::string> words = args;
    if (!words.empty() && words[0] == "-k") {
        words.erase(words.begin());
    }
    auto is = [&](std::initializer_list<const char*> expected) {
        if (words.size() < expected.size()) {
            return false;
        }
        std::size_t i = 0;
        for (const auto* word : expected) {
            if (words[i++] != word) {
                return false;
            }
        }
        return true;
    };
    const auto& state = model.state();
    // Paths the daemon has without a map (orphans: the map was never created,
    // or is not yet), with their devices, in the order of their names.
    std::vector<std::string> orphans;
    for (const auto& path : state.multipathd_paths) {
        const auto& disk = path.first;
        const bool in_map = std::any_of(state.maps.begin(), state.maps.end(), [&](const auto& m) {
            return std::find(m.second.paths.begin(), m.second.paths.end(), disk) !=
                   m.second.paths.end();
        });
        if (!path.second.device_gone && !in_map && model.device_by_disk(disk) != nullptr) {
            orphans.push_back(disk);
        }
    }
    if (is({"show", "status"})) {
        unsigned up = 0;
        unsigned total = 0;
        const auto count = [&](const std::string& disk) {
            ++total;
            const auto* device = model.device_by_disk(disk);
            up += device != nullptr && device->state == "running" ? 1U : 0U;
        };
        for (const auto& [wwid, map] : state.maps) {
            for (const auto& disk : map.paths) {
                count(disk);
            }
        }
        for (const auto& disk : orphans) {
            count(disk);
        }
        r.out = "path checker states:\n";
        if (up > 0) {
            r.out += "up                  " + std::to_string(up) + "\n";
        }
        if (total > up) {
            r.out += "down                " + std::to_string(total - up) + "\n";
        }
        r.out += "\npaths: " + std::to_string(total) + "\nbusy: False\n";
        return r;
    }
    if (is({"show", "maps", "topology"}) || is({"show", "topology"})) {
        for (const auto& [wwid, map] : state.maps) {
            r.out += multipath_topology(model, map, true);
        }
        return r;
    }
    if (is({"show", "maps"})) {
        // The daemon answers an empty table with nothing, which the client prints as "ok".
        if (state.maps.empty()) {
            r.out = "ok\n";
            return r;
        }
        std::vector<std::vector<std::string>> rows = {{"name", "sysfs", "uuid"}};
        for (const auto& [wwid, map] : state.maps) {
            rows.push_back({map.name, map.device(), wwid});
        }
        r.out = columns(rows);
        return r;
    }
    if (is({"show", "paths"})) {
        std::vector<std::vector<std::string>> rows = {
            {"hcil", "dev", "dev_t", "pri", "dm_st", "chk_st", "dev_st", "next_check"}};
        for (const auto& [wwid, map] : state.maps) {
            for (const auto& disk : map.paths) {
                const auto* device = model.device_by_disk(disk);
                if (device == nullptr) {
                    continue;
                }
                const auto [major, minor] = sd_device_number(*device->disk_index);
                const auto states = path_states(*device, true);
                // next_check: the checker's progress through its interval
                // (polling_interval 5, at most 20 s once the path is steady).
                rows.push_back({device->address.to_string(), disk,
                                std::to_string(major) + ":" + std::to_string(minor), "50",
                                states.dm, states.checker, states.device, "XX........ 1/20"});
            }
        }
        // An orphan is in no map: no device-mapper state, and the checker's
        // progress column says "orphan" (multipath-tools' snprint_next_check).
        for (const auto& disk : orphans) {
            const auto* device = model.device_by_disk(disk);
            const auto [major, minor] = sd_device_number(*device->disk_index);
            const auto states = path_states(*device, true);
            rows.push_back({device->address.to_string(), disk,
                            std::to_string(major) + ":" + std::to_string(minor), "50", "undef",
                            states.checker, states.device, "orphan"});
        }
        r.out = columns(rows);
        return r;
    }
    const std::string operand = words.size() >= 3 ? words[2] : std::string();
    // The client exits 1 when the daemon answers "fail".
    auto answer = [&](bool ok) {
        r.out = ok ? "ok\n" : "fail\n";
        r.exit_status = ok ? 0 : 1;
        return r;
    };
    if (is({"add", "path"})) {
        return answer(model.add_path(strip_dev(operand)));
    }
    if (is({"del", "path"}) || is({"remove", "path"})) {
        return answer(model.del_path(strip_dev(operand)));
    }
    if (is({"del", "map"}) || is({"remove", "map"})) {
        return answer(model.flush_map(operand) == 0);
    }
    if (is({"resize", "map"})) {
        return answer(model.resize_map(operand));
    }
    if (is({"disablequeueing", "map"})) {
        return answer(model.disable_queueing(operand));
    }
    if (is({"reconfigure"})) {
        return answer(true);
    }
    r.exit_status = 1;
    r.out = "multipathd: unknown command\n";
    return r;
}

}  // namespace brick::sim
