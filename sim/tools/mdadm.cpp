// The fake mdadm (4.2, Debian 12), RAID1 only: --create, --assemble,
// --stop, --examine, --detail, --grow --size max, --remove.
#include <cerrno>
#include <cstring>

#include "sim/tools/tool.hpp"

namespace brick::sim {
namespace {

// "/dev/md/alias" or "/dev/md127" -> the array name to use ("alias", "md127").
std::string array_name(const std::string& path) {
    if (path.rfind("/dev/md/", 0) == 0) {
        return path.substr(8);
    }
    if (path.rfind("/dev/", 0) == 0) {
        return path.substr(5);
    }
    return path;
}

ToolResult failure(const std::string& message, int status = 1) {
    ToolResult r;
    r.exit_status = status;
    r.err = "mdadm: " + message + "\n";
    return r;
}

}  // namespace

ToolResult run_mdadm(ToolContext& context, const std::vector<std::string>& args) {
    auto& model = context.model;
    if (args.empty()) {
        return failure("No devices given.");
    }
    std::string mode;
    std::vector<std::string> devices;
    unsigned raid_devices = 0;
    bool run = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        if (a == "--create" || a == "-C" || a == "--assemble" || a == "-A" || a == "--stop" ||
            a == "-S" || a == "--examine" || a == "-E" || a == "--detail" || a == "-D" ||
            a == "--grow" || a == "-G" || a == "--remove") {
            mode = a.size() == 2 ? std::string(a == "-C"   ? "--create"
                                               : a == "-A" ? "--assemble"
                                               : a == "-S" ? "--stop"
                                               : a == "-E" ? "--examine"
                                               : a == "-D" ? "--detail"
                                                           : "--grow")
                                 : a;
        } else if (a == "--run" || a == "-R") {
            run = true;
        } else if (a.rfind("--raid-devices=", 0) == 0 || a.rfind("-n", 0) == 0) {
            const auto value =
                a[1] == 'n' ? (a.size() > 2 ? a.substr(2) : args.at(++i)) : a.substr(15);
            raid_devices = static_cast<unsigned>(std::stoul(value));
        } else if (a == "--size" || a == "-z" || a == "--level" || a == "-l" || a == "--metadata" ||
                   a == "-e" || a == "--bitmap" || a == "-b" || a == "--homehost") {
            ++i;  // options with a separate value
        } else if (a.rfind('-', 0) == 0) {
            continue;  // --level=1, --bitmap=internal, --failfast, --assume-clean, --quiet ...
        } else {
            devices.push_back(a);
        }
    }
    ToolResult r;
    if (mode == "--examine") {
        bool any = false;
        for (const auto& device : devices) {
            const auto name = device_name_of(context, device);
            const auto* volume = name.empty() ? nullptr : model.md_superblock_of(name);
            if (volume == nullptr) {
                r.err += "mdadm: No md superblock detected on " + device + ".\n";
                continue;
            }
            any = true;
            r.out += device + ":\n          Magic : a92b4efc\n        Version : 1.2\n" +
                     "     Array UUID : " + volume->md_uuid +
                     "\n           Name : any:" + volume->md_name +
                     "\n     Raid Level : raid1\n   Raid Devices : " +
                     std::to_string(volume->md_raid_devices) + "\n";
        }
        r.exit_status = any ? 0 : 1;
        return r;
    }
    if (devices.empty()) {
        return failure("no array given");
    }
    const auto array = array_name(devices.front());
    const std::vector<std::string> legs(devices.begin() + 1, devices.end());
    std::vector<std::string> leg_names;
    for (const auto& leg : legs) {
        if (leg == "missing") {
            leg_names.push_back(leg);
            continue;
        }
        const auto name = device_name_of(context, leg);
        if (name.empty()) {
            return failure("cannot open " + leg + ": No such file or directory");
        }
        leg_names.push_back(name);
    }
    r.duration_ms = model.fabric().timing.md_ms;
    if (mode == "--create") {
        if (raid_devices == 0 || raid_devices != leg_names.size()) {
            return failure("You have listed " + std::to_string(leg_names.size()) +
                           " devices but --raid-devices=" + std::to_string(raid_devices));
        }
        const int error = model.md_create(array, raid_devices, leg_names);
        if (error == EEXIST) {
            return failure("array /dev/md/" + array + " already active");
        }
        if (error != 0) {
            return failure("cannot create the array: " + std::string(std::strerror(error)));
        }
        r.err = "mdadm: array /dev/md/" + array + " started.\n";
        return r;
    }
    if (mode == "--assemble") {
        const int error = model.md_assemble(array, leg_names, run);
        if (error == EEXIST) {
            return failure("/dev/md/" + array + " is already in use.");
        }
        if (error == EAGAIN) {
            return failure("/dev/md/" + array +
                               " assembled but not started: not enough devices"
                               " (use --run to insist).",
                           1);
        }
        if (error != 0) {
            return failure("/dev/md/" + array + " not identified in config file.", 2);
        }
        const auto* md = model.md_array(array);
        r.err = "mdadm: /dev/md/" + array + " has been started with " +
                std::to_string(md->legs.size()) + " drive" + (md->legs.size() == 1 ? "" : "s") +
                (md->legs.size() < md->raid_devices
                     ? " (out of " + std::to_string(md->raid_devices) + ")"
                     : "") +
                ".\n";
        return r;
    }
    if (mode == "--stop") {
        const int error = model.md_stop(array);
        if (error == ENOENT) {
            return failure("error opening " + devices.front() + ": No such file or directory");
        }
        if (error != 0) {
            return failure(
                "Cannot get exclusive access to " + devices.front() +
                ":Perhaps a running process, mounted filesystem or active volume group?");
        }
        r.err = "mdadm: stopped " + devices.front() + "\n";
        return r;
    }
    const auto* md = model.md_array(array);
    if (md == nullptr) {
        return failure("cannot open " + devices.front() + ": No such file or directory");
    }
    if (mode == "--detail") {
        const auto degraded =
            md->raid_devices - std::min<std::size_t>(md->raid_devices, md->legs.size());
        r.out = devices.front() + ":\n           Version : 1.2\n        Raid Level : raid1\n" +
                "      Raid Devices : " + std::to_string(md->raid_devices) + "\n" +
                "     Total Devices : " + std::to_string(md->legs.size()) + "\n" +
                "             State : clean" + (degraded > 0 ? ", degraded" : "") + " \n" +
                "              UUID : " + md->uuid + "\n";
        return r;
    }
    if (mode == "--grow" || mode == "--remove") {
        return r;  // sizes follow the legs' sizes in this model
    }
    return failure("unsupported mode " + mode);
}

}  // namespace brick::sim
