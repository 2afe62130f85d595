#include "brick/nvmeof/raid.hpp"

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/core/sysfs_name.hpp"
#include "brick/host/wait.hpp"
#include "brick/properties/text.hpp"

namespace brick::nvmeof {
namespace {

std::string md_path(const std::string& alias) {
    return "/dev/md/" + alias;
}

CommandResult mdadm(Host& host, std::vector<std::string> args, Duration timeout) {
    args.insert(args.begin(), "mdadm");
    return host.run(Command{std::move(args), {}, timeout});
}

// The md array (md127) holding a block device, or empty.
std::string md_holder(Host& host, const std::string& device) {
    std::vector<std::string> holders;
    host.list_dir("/sys/block/" + host.kernel_name(device) + "/holders", holders);
    for (const auto& holder : holders) {
        if (holder.rfind("md", 0) == 0) {
            return holder;
        }
    }
    return {};
}

std::string array_state(Host& host, const std::string& md) {
    return host.read_attribute("/sys/block/" + md + "/md/array_state").value_or("");
}

// The array /dev/md/<alias> names when it runs (md127), else empty.
std::string running_array(Host& host, const std::string& path) {
    if (!host.exists(path)) {
        return {};
    }
    const auto md = host.kernel_name(path);
    const auto state = array_state(host, md);
    return state.empty() || state == "inactive" || state == "clear" ? std::string() : md;
}

// udev's md rules (64-md-raid-assembly.rules) run `mdadm --incremental` on
// every device carrying an md superblock as soon as it appears: with some
// replicas still missing that makes an inactive array (md127) holding the
// legs, and `mdadm --assemble` then skips them as busy. Such partial arrays
// are stopped, so the legs can be assembled (degraded if need be). A leg held
// by a running array other than /dev/md/<alias> is an error: it belongs to
// something else.
void release_partial_arrays(Host& host, const std::string& path,
                            const std::vector<std::string>& legs, Duration command_timeout) {
    const auto ours = running_array(host, path);
    for (const auto& leg : legs) {
        const auto md = md_holder(host, leg);
        if (md.empty() || md == ours) {
            continue;
        }
        const auto device = "/dev/" + md;
        if (array_state(host, md) != "inactive") {
            std::string message = "the replica ";
            message.append(leg).append(" is a member of the running array ").append(device);
            message.append(", not of ").append(path);
            throw Error(ErrorCategory::wrong_device, message);
        }
        std::string note = "stopping ";
        note.append(device).append(", a partial array udev assembled from ").append(leg);
        log::info(note);
        mdadm(host, {"--stop", device}, command_timeout);
    }
}

void report_degraded(Host& host, const std::string& path) {
    if (host.exists(path)) {
        const auto md = "/sys/block/" + host.kernel_name(path) + "/md/";
        const auto degraded = host.read_attribute(md + "degraded").value_or("0");
        if (degraded != "0") {
            log::warning("the RAID1 " + path + " runs degraded: " + degraded + " of " +
                         host.read_attribute(md + "raid_disks").value_or("?") +
                         " replicas missing");
        }
    }
}

}  // namespace

std::string assemble_raid(Host& host, const std::string& alias,
                          const std::vector<std::string>& legs, unsigned replicas, Duration wait,
                          Duration command_timeout) {
    const auto path = md_path(alias);
    // One mdadm for all legs (each start costs): it prints a superblock per
    // leg that has one, and fails when any has none, so its output decides.
    std::vector<std::string> examine{"--examine"};
    examine.insert(examine.end(), legs.begin(), legs.end());
    const bool has_metadata =
        mdadm(host, examine, command_timeout).out.find("Magic : a92b4efc") != std::string::npos;
    std::vector<std::string> args;
    auto members = legs;
    if (has_metadata) {
        args = {"--assemble", "--run", path};
    } else {
        // A replica that is not reachable now is a "missing" slot: the array
        // starts degraded and keeps its size in replicas.
        while (members.size() < replicas) {
            members.emplace_back("missing");
        }
        args = {"--create",
                path,
                "--run",
                "--level=1",
                "--raid-devices=" + std::to_string(members.size()),
                "--bitmap=internal",
                "--homehost=any",
                "--failfast",
                "--assume-clean"};
    }
    args.insert(args.end(), members.begin(), members.end());
    // udev may assemble the legs again between the release and mdadm: a few
    // rounds, until the array runs (ours, or udev's under our name).
    CommandResult result;
    const bool started = retry(host, {4, Duration(200), 2.0}, [&](int) {
        release_partial_arrays(host, path, legs, command_timeout);
        if (has_metadata && !running_array(host, path).empty()) {
            log::info(path + " was assembled already (udev's incremental assembly)");
            return true;
        }
        result = mdadm(host, args, command_timeout);
        return result.ok();
    });
    if (!started) {
        throw Error(ErrorCategory::command_failed,
                    "mdadm " + args.front() + " " + path + " failed (exit " +
                        std::to_string(result.exit_status) + "): " + result.err);
    }
    WaitHints hints;
    hints.watch_paths = {"/dev/md"};
    auto found = wait_for<std::string>(
        host, "the RAID1 device " + path, wait,
        [&]() -> std::optional<std::string> {
            return host.exists(path) ? std::optional<std::string>(path) : std::nullopt;
        },
        hints, ErrorCategory::device_not_found);
    report_degraded(host, path);
    return found;
}

void stop_raid(Host& host, const std::string& alias, Duration command_timeout) {
    const auto path = md_path(alias);
    if (!host.exists(path)) {
        return;
    }
    const bool stopped = retry(host, {10, Duration(200), 1.5}, [&](int) {
        return mdadm(host, {"--stop", path}, command_timeout).ok();
    });
    if (!stopped) {
        throw Error(ErrorCategory::command_failed,
                    "mdadm --stop " + path + " failed: the array is busy");
    }
}

std::uint64_t grow_raid(Host& host, const std::string& alias, Duration command_timeout) {
    const auto path = md_path(alias);
    mdadm(host, {"--grow", path, "--size", "max"}, command_timeout);
    const auto result = host.run(Command{{"blockdev", "--getsize64", path}, {}, command_timeout});
    if (!result.ok()) {
        throw Error(ErrorCategory::command_failed, "reading the size of " + path + " failed");
    }
    const auto size = parse_size_output(result.out);
    if (!size) {
        throw Error(
            ErrorCategory::command_failed,
            "blockdev --getsize64 " + path + " printed no size: " + describe_text(result.out));
    }
    return *size;
}

std::optional<std::uint64_t> parse_size_output(std::string_view out) {
    if (!out.empty() && out.back() == '\n') {
        out.remove_suffix(1);
    }
    return attribute_number(out);
}

}  // namespace brick::nvmeof
