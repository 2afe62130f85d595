#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "brick/core/secrets.hpp"
#include "sim/tools/tool.hpp"
#include "sim/vfs/files.hpp"

namespace brick::sim {

std::vector<std::string> tool_names() {
    return {"iscsiadm", "blockdev", "multipath",  "multipathd", "udevadm", "scsi_id",
            "dmsetup",  "lsscsi",   "tee",        "nvme",       "mdadm",   "mount",
            "umount",   "rbd",      "cryptsetup", "lsblk"};
}

void register_argument_secrets(const std::vector<std::string>& argv) {
    for (std::size_t i = 0; i + 3 < argv.size(); ++i) {
        const auto& name = argv[i + 1];
        const bool secret =
            (name.size() > 9 && name.compare(name.size() - 9, 9, ".password") == 0) ||
            (name.size() > 12 && name.compare(name.size() - 12, 12, ".password_in") == 0);
        if (argv[i] == "-n" && secret && argv[i + 2] == "-v") {
            register_secret(argv[i + 3]);
        }
    }
}

ToolResult run_tool(ToolContext& context, const std::vector<std::string>& argv,
                    const std::string& input) {
    ToolResult result;
    if (argv.empty()) {
        result.not_found = true;
        result.exit_status = 127;
        return result;
    }
    const auto slash = argv[0].rfind('/');
    const auto name = slash == std::string::npos ? argv[0] : argv[0].substr(slash + 1);
    const std::vector<std::string> args(argv.begin() + 1, argv.end());
    if (name == "iscsiadm") {
        result = run_iscsiadm(context, args);
    } else if (name == "blockdev") {
        result = run_blockdev(context, args);
    } else if (name == "multipath") {
        result = run_multipath(context, args);
    } else if (name == "multipathd") {
        result = run_multipathd(context, args);
    } else if (name == "udevadm") {
        result = run_udevadm(context, args);
    } else if (name == "scsi_id") {
        result = run_scsi_id(context, args);
    } else if (name == "dmsetup") {
        result = run_dmsetup(context, args);
    } else if (name == "lsscsi") {
        result = run_lsscsi(context, args);
    } else if (name == "lsblk") {
        result = run_lsblk(context, args);
    } else if (name == "nvme") {
        result = run_nvme(context, args);
    } else if (name == "mdadm") {
        result = run_mdadm(context, args);
    } else if (name == "tee") {
        result = run_tee(context, args, input);
    } else if (name == "mount") {
        result = run_mount(context, args);
    } else if (name == "umount") {
        result = run_umount(context, args);
    } else if (name == "rbd") {
        result = run_rbd(context, args);
    } else if (name == "cryptsetup") {
        result = run_cryptsetup(context, args, input);
    } else {
        result.not_found = true;
        result.exit_status = 127;
        return result;
    }
    result.duration_ms += context.model.fabric().timing.tool_ms;
    return result;
}

std::string device_name_of(ToolContext& context, const std::string& path) {
    const auto& tree = context.tree();
    int error = 0;
    const auto real = tree.resolve(path, true, error);
    if (!real || real->rfind("/dev/", 0) != 0) {
        return {};
    }
    const auto* node = tree.find(*real);
    if (node == nullptr || node->type != FileType::block_device) {
        return {};
    }
    return real->substr(5);
}

std::string pad(std::string text, std::size_t width) {
    if (text.size() < width) {
        text.append(width - text.size(), ' ');
    }
    return text;
}

std::string columns(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()), 0);
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    std::string out;
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            out += (i == 0 ? "" : " ") + pad(row[i], widths[i]);
        }
        out += "\n";
    }
    return out;
}

std::string multipath_size(std::uint64_t bytes) {
    // multipath-tools' snprint_size: a float of KiB divided down, "%.*f%c".
    constexpr std::array<char, 5> units = {'K', 'M', 'G', 'T', 'P'};
    auto value = static_cast<float>(bytes >> 10U);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < units.size()) {
        value /= 1024;
        ++unit;
    }
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%.*f%c", value < 10 ? 1 : 0,
                  static_cast<double>(value), units.at(unit));
    return text.data();
}

ToolResult run_tee(ToolContext& context, const std::vector<std::string>& args,
                   const std::string& input) {
    ToolResult result;
    result.out = input;
    for (const auto& arg : args) {
        if (!arg.empty() && arg.front() == '-') {
            continue;  // -a: appending and writing are the same for sysfs
        }
        unsigned duration = 0;
        const int error = context.write(arg, input, duration);
        result.duration_ms += duration;
        if (error != 0) {
            result.err += "tee: " + arg + ": " + std::string(std::strerror(error)) + "\n";
            result.exit_status = 1;
        }
    }
    return result;
}

}  // namespace brick::sim
