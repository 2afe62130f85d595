// The fake multipath (multipath-tools 0.9.4): -a WWID, -f MAP, -F, -l/-ll [MAP].
#include <cerrno>

#include "sim/tools/tool.hpp"

namespace brick::sim {
namespace {

std::string human_size(std::uint64_t bytes) {
    const char* units[] = {"K", "M", "G", "T"};
    double value = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    while (value >= 1024.0 && unit < 3) {
        value /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%s", value, units[unit]);
    return text;
}

}  // namespace

// The topology listing of one map, as `multipath -ll` prints it.
std::string multipath_topology(const Model& model, const MultipathMap& map, bool long_form) {
    std::string vendor_model;
    std::string out;
    std::string paths;
    for (std::size_t i = 0; i < map.paths.size(); ++i) {
        const auto* device = model.device_by_disk(map.paths[i]);
        if (device == nullptr) {
            continue;
        }
        vendor_model = device->vendor + "," + device->model;
        const auto [major, minor] = sd_device_number(*device->disk_index);
        const bool running = device->state == "running";
        paths += std::string(i + 1 == map.paths.size() ? "  `- " : "  |- ") +
                 device->address.to_string() + " " + map.paths[i] + " " + std::to_string(major) +
                 ":" + std::to_string(minor) + " " + (running ? "active " : "failed ") +
                 (long_form ? (running ? "ready " : "faulty ") : "undef ") + device->state + "\n";
    }
    out += map.name + " " + map.device() + " " + vendor_model + "\n";
    out += "size=" + human_size(map.size_bytes) + " features='" +
           (map.queue_if_no_path ? "1 queue_if_no_path" : "0") + "' hwhandler='1 alua' wp=rw\n";
    if (!map.paths.empty()) {
        out += std::string("`-+- policy='service-time 0' prio=") + (long_form ? "50" : "0") +
               " status=active\n";
        out += paths;
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
