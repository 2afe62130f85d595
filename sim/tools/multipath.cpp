// The fake multipath (multipath-tools 0.9.4): -a WWID, -f MAP, -F, -l/-ll [MAP].
#include <cerrno>

#include "sim/tools/multipath_states.hpp"
#include "sim/tools/tool.hpp"

namespace brick::sim {
// How multipath-tools shows a path's states: the device-mapper state
// (active/failed), the path checker's (ready/faulty; "undef" for -l, which
// runs no checker) and the SCSI device's, "offline" only when sysfs says so
// ("blocked" and "transport-offline" print as "running").
PathStates path_states(const ScsiDevice& device, bool checked) {
    const bool up = device.state == "running";
    return {up ? "active" : "failed", checked ? (up ? "ready" : "faulty") : "undef",
            device.state == "offline" ? "offline" : "running"};
}

// The topology listing of one map, as `multipath -ll` prints it: the alias,
// the WWID in parentheses when the alias is another name (user_friendly_names),
// the dm device and vendor,product; the paths' columns aligned per map.
std::string multipath_topology(const Model& model, const MultipathMap& map, bool long_form) {
    std::string vendor_model;
    std::vector<std::vector<std::string>> rows;
    for (const auto& disk : map.paths) {
        const auto* device = model.device_by_disk(disk);
        if (device == nullptr) {
            continue;
        }
        vendor_model = device->vendor + "," + device->model;
        const auto [major, minor] = sd_device_number(*device->disk_index);
        const auto states = path_states(*device, long_form);
        rows.push_back({device->address.to_string(), disk,
                        std::to_string(major) + ":" + std::to_string(minor), states.dm,
                        states.checker, states.device});
    }
    std::string out = map.name + (map.name == map.wwid ? "" : " (" + map.wwid + ")") + " " +
                      map.device() + " " + vendor_model + "\n";
    out += "size=" + multipath_size(map.size_bytes) + " features='" +
           (map.queue_if_no_path ? "1 queue_if_no_path" : "0") +
           "' hwhandler='1 alua' wp=" + (model.block_read_only(map.device()) ? "ro" : "rw") + "\n";
    if (!rows.empty()) {
        out += std::string("`-+- policy='service-time 0' prio=") + (long_form ? "50" : "0") +
               " status=active\n";
        const auto table = columns(rows);
        std::size_t begin = 0;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto end = table.find('\n', begin);
            out += (i + 1 == rows.size() ? "  `- " : "  |- ") + table.substr(begin, end - begin);
            out += "\n";
            begin = end + 1;
        }
    }
    return out;
}

ToolResult run_multipath(ToolContext& context, const std::vector<std::string>& args) {
    ToolResult r;
    auto& model = context.model;
    if (args.empty()) {
        return r;  // would create maps for known WWIDs: multipathd does that here
    }
    const auto& flag = args[0];
    const std::string operand = args.size() > 1 ? args[1] : std::string();
    if (flag == "-a") {
        if (operand.empty()) {
            r.exit_status = 1;
            r.err = "multipath: option requires an argument -- 'a'\n";
            return r;
        }
        model.add_wwid(operand);
        r.out = "wwid '" + operand + "' added\n";
        return r;
    }
    if (flag == "-f") {
        const int error = model.flush_map(operand);
        if (error == EBUSY) {
            r.exit_status = 1;
            r.out = operand + ": map in use\n";
        } else if (error == ENOENT) {
            r.exit_status = 1;
            r.out = "'" + operand + "' is not a valid argument\n";
        }
        return r;
    }
    if (flag == "-F") {
        std::vector<std::string> names;
        for (const auto& [wwid, map] : model.state().maps) {
            names.push_back(map.name);
        }
        for (const auto& name : names) {
            if (model.flush_map(name) != 0) {
                r.exit_status = 1;
                r.out += name + ": map in use\n";
            }
        }
        return r;
    }
    if (flag == "-l" || flag == "-ll") {
        for (const auto& [wwid, map] : model.state().maps) {
            if (!operand.empty() && map.name != operand && map.device() != operand &&
                "/dev/" + map.device() != operand) {
                continue;
            }
            r.out += multipath_topology(model, map, flag == "-ll");
        }
        return r;
    }
    r.exit_status = 1;
    r.err = "multipath: invalid option -- '" + flag + "'\n";
    return r;
}

}  // namespace brick::sim
