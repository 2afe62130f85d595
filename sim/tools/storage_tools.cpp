// The fake mount and umount (util-linux 2.38 with nfs-common 2.6.2, NFS
// only), rbd (ceph-common 16.2: map, unmap, showmapped, device list|map|unmap)
// and cryptsetup (2.6.1: isLuks, luksFormat, luksOpen/open, luksClose/close,
// status, resize).
#include <cerrno>

#include "sim/tools/tool.hpp"

namespace brick::sim {
namespace {

// Tool runs that derive a key (PBKDF2 iterations calibrated to about a
// second, as cryptsetup does) cost that time.
constexpr unsigned key_derivation_ms = 1000;

ToolResult fail(int status, std::string message) {
    ToolResult r;
    r.exit_status = status;
    r.err = std::move(message);
    return r;
}

// Splits argv into options (with their values) and operands.
struct Parsed {
    std::map<std::string, std::string> options;  // "--pool" -> "volumes"; flags -> ""
    std::vector<std::string> operands;
};

Parsed parse(const std::vector<std::string>& args, const std::set<std::string>& with_value) {
    Parsed parsed;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        if (a.size() > 1 && a.front() == '-') {
            const auto equals = a.find('=');
            if (a.rfind("--", 0) == 0 && equals != std::string::npos) {
                parsed.options[a.substr(0, equals)] = a.substr(equals + 1);
            } else if (with_value.contains(a) && i + 1 < args.size()) {
                auto& value = parsed.options[a];
                value += (value.empty() ? "" : ",") + args[++i];  // -o a -o b: a,b
            } else if (a.rfind("-o", 0) == 0 && a.size() > 2 && with_value.contains("-o")) {
                auto& value = parsed.options["-o"];
                value += (value.empty() ? "" : ",") + a.substr(2);
            } else {
                parsed.options[a] = "";
            }
        } else {
            parsed.operands.push_back(a);
        }
    }
    return parsed;
}

std::string option(const Parsed& parsed, std::initializer_list<const char*> names) {
    for (const auto* name : names) {
        if (const auto it = parsed.options.find(name); it != parsed.options.end()) {
            return it->second;
        }
    }
    return {};
}

bool flag(const Parsed& parsed, std::initializer_list<const char*> names) {
    for (const auto* name : names) {
        if (parsed.options.contains(name)) {
            return true;
        }
    }
    return false;
}

}  // namespace

ToolResult run_mount(ToolContext& context, const std::vector<std::string>& args) {
    const auto parsed = parse(args, {"-t", "-o"});
    const auto type = option(parsed, {"-t"});
    if (parsed.operands.size() != 2) {
        return fail(1, "mount: bad usage\nTry 'mount --help' for more information.\n");
    }
    if (type != "nfs" && type != "nfs4") {
        return fail(32, "mount: " + parsed.operands[1] + ": unknown filesystem type '" + type +
                            "' (the simulator mounts NFS only).\n");
    }
    auto options = option(parsed, {"-o"});
    if (type == "nfs4" && options.find("vers") == std::string::npos) {
        options += std::string(options.empty() ? "" : ",") + "vers=4";
    }
    ToolResult r;
    r.exit_status = context.model.nfs_mount(parsed.operands[0], parsed.operands[1], options, r.err,
                                            r.duration_ms);
    return r;
}

ToolResult run_umount(ToolContext& context, const std::vector<std::string>& args) {
    const auto parsed = parse(args, {});
    if (parsed.operands.size() != 1) {
        return fail(1, "umount: bad usage\nTry 'umount --help' for more information.\n");
    }
    ToolResult r;
    r.exit_status = context.model.nfs_umount(parsed.operands[0], r.err);
    return r;
}

ToolResult run_rbd(ToolContext& context, const std::vector<std::string>& args) {
    auto parsed = parse(args, {"--pool", "-p", "--id", "--user", "--cluster", "--conf", "-c",
                               "--snap", "-o", "--options", "--format", "-m", "--mon_host",
                               "--keyring", "-k", "--device-type", "-t"});
    auto& operands = parsed.operands;
    if (!operands.empty() && operands.front() == "device") {
        operands.erase(operands.begin());
        if (!operands.empty() && operands.front() == "list") {
            operands.front() = "showmapped";
        }
    }
    if (operands.empty()) {
        return fail(1, "rbd: error parsing command ''; -h or --help for usage\n");
    }
    auto& model = context.model;
    const auto command = operands.front();
    if (command == "map") {
        if (operands.size() != 2) {
            return fail(22, "rbd: image name was not specified\n");
        }
        auto pool = option(parsed, {"--pool", "-p"});
        auto spec = operands[1];
        if (const auto slash = spec.find('/'); slash != std::string::npos) {
            pool = spec.substr(0, slash);
            spec = spec.substr(slash + 1);
        }
        if (pool.empty()) {
            pool = "rbd";
        }
        if (const auto snap = option(parsed, {"--snap"}); !snap.empty()) {
            spec += "@" + snap;
        }
        auto user = option(parsed, {"--id", "--user"});
        if (user.empty()) {
            user = "admin";
        }
        const bool read_only =
            flag(parsed, {"--read-only"}) || option(parsed, {"-o", "--options"}).find("ro") == 0;
        ToolResult r;
        r.exit_status = model.rbd_map(pool, spec, user, option(parsed, {"--conf", "-c"}), read_only,
                                      r.out, r.err, r.duration_ms);
        return r;
    }
    if (command == "unmap") {
        if (operands.size() != 2) {
            return fail(22, "rbd: unmap requires either image name or device path\n");
        }
        const bool force = option(parsed, {"-o", "--options"}).find("force") != std::string::npos;
        auto target = operands[1];
        if (target.rfind("/dev/", 0) != 0 && target.find('/') == std::string::npos) {
            target = option(parsed, {"--pool", "-p"}) + "/" + target;
        }
        ToolResult r;
        r.exit_status = model.rbd_unmap(target, force, r.err);
        r.duration_ms += 40;
        return r;
    }
    if (command == "showmapped") {
        ToolResult r;
        const bool json = option(parsed, {"--format"}) == "json";
        nlohmann::json list = nlohmann::json::array();
        std::string table = "id  pool     namespace  image      snap  device   \n";
        for (const auto& [id, m] : model.state().storage.rbd) {
            list.push_back({{"id", std::to_string(id)},
                            {"pool", m.pool},
                            {"namespace", ""},
                            {"name", m.image},
                            {"snap", m.snap},
                            {"device", "/dev/" + m.device()}});
            table += pad(std::to_string(id), 4) + pad(m.pool, 9) + pad("", 11) + pad(m.image, 11) +
                     pad(m.snap, 6) + "/dev/" + m.device() + "\n";
        }
        r.out = json ? list.dump() + "\n" : (list.empty() ? std::string() : table);
        return r;
    }
    return fail(1, "rbd: error parsing command '" + command + "'; -h or --help for usage\n");
}

ToolResult run_cryptsetup(ToolContext& context, const std::vector<std::string>& args,
                          const std::string& input) {
    auto parsed = parse(args, {"--type", "--cipher", "-c", "--key-size", "-s", "--hash", "-h",
                               "--pbkdf", "--iter-time", "-i", "--pbkdf-force-iterations",
                               "--key-file", "-d", "--sector-size", "--label"});
    auto& model = context.model;
    auto& operands = parsed.operands;
    if (operands.empty()) {
        return fail(1, "Usage: cryptsetup [OPTION...] <action> <action-specific>\n");
    }
    auto action = operands.front();
    operands.erase(operands.begin());
    if (action == "open" && option(parsed, {"--type"}).rfind("luks", 0) == 0) {
        action = "luksOpen";
    } else if (action == "close" || action == "remove") {
        action = "luksClose";
    }
    // --key-file=- : the whole of stdin; without it, one line of it (the prompt).
    auto key = input;
    if (option(parsed, {"--key-file", "-d"}) != "-" && !key.empty() && key.back() == '\n') {
        key.pop_back();
    }
    const auto device_of = [&](const std::string& path) { return device_name_of(context, path); };
    const auto missing = [](const std::string& path) {
        return fail(4, "Device " + path + " does not exist or access denied.\n");
    };
    if (action == "isLuks" && operands.size() == 1) {
        const auto device = device_of(operands[0]);
        if (device.empty()) {
            return missing(operands[0]);
        }
        if (model.luks_version_of(device) == 0) {
            return fail(1, flag(parsed, {"--verbose", "-v"})
                               ? "Device " + operands[0] + " is not a valid LUKS device.\n"
                               : std::string());
        }
        return {};
    }
    if (action == "luksFormat" && operands.size() == 1) {
        const auto device = device_of(operands[0]);
        if (device.empty()) {
            return missing(operands[0]);
        }
        if (!flag(parsed, {"--batch-mode", "-q"})) {
            return fail(1, "\nWARNING!\n========\nThis will overwrite data on " + operands[0] +
                               " irrevocably.\n\nAre you sure? (Type 'yes' in capital letters): "
                               "Operation aborted.\n\n");
        }
        const auto type = option(parsed, {"--type"});
        const unsigned version = type == "luks1" ? 1 : 2;  // "luks" is LUKS2 in cryptsetup 2.x
        if (key.empty()) {
            return fail(1, "Nothing to read on input.\n");
        }
        const int status = model.luks_format(device, version, key);
        ToolResult r;
        r.duration_ms = 2 * key_derivation_ms;  // benchmark, then the iterations
        if (status == 5) {
            r.exit_status = 5;
            r.err = "Cannot format device " + operands[0] + " which is still in use.\n";
        } else if (status != 0) {
            return missing(operands[0]);
        }
        return r;
    }
    if (action == "luksOpen" && operands.size() == 2) {
        const auto device = device_of(operands[0]);
        if (device.empty()) {
            return missing(operands[0]);
        }
        ToolResult r;
        r.duration_ms = key_derivation_ms;
        r.exit_status =
            model.luks_open(device, operands[1], key, flag(parsed, {"--readonly", "-r"}));
        switch (r.exit_status) {
            case 0:
                break;
            case 1:
                r.err = "Device " + operands[0] + " is not a valid LUKS device.\n";
                break;
            case 2:
                r.err = "No key available with this passphrase.\n";
                break;
            case 5:
                r.err = "Device " + operands[1] + " already exists.\n";
                break;
            default:
                return missing(operands[0]);
        }
        return r;
    }
    if (action == "luksClose" && operands.size() == 1) {
        const int status = model.luks_close(operands[0]);
        if (status == 4) {
            return fail(4, "Device " + operands[0] + " is not active.\n");
        }
        if (status == 5) {
            return fail(5, "Device " + operands[0] + " is still in use.\n");
        }
        return {};
    }
    if ((action == "status" || action == "resize") && operands.size() == 1) {
        const auto* mapping = model.crypt_mapping(operands[0]);
        if (mapping == nullptr) {
            return fail(4, "/dev/mapper/" + operands[0] + " is inactive.\n");
        }
        if (action == "resize") {
            auto& crypts = model.mutable_state().storage.crypts;
            auto& m = crypts.at(mapping->name);
            const auto size = model.block_device_size(m.backing).value_or(0);
            m.size_bytes = size > m.offset_bytes ? size - m.offset_bytes : 0;
            model.touch();
            return {};
        }
        ToolResult r;
        r.out = "/dev/mapper/" + mapping->name + " is active.\n  type:    LUKS" +
                std::to_string(mapping->luks_version) +
                "\n  cipher:  aes-xts-plain64\n  keysize: 512 bits\n  key location: dm-crypt\n"
                "  device:  /dev/" +
                mapping->backing +
                "\n  sector size:  512\n  offset:  " + std::to_string(mapping->offset_bytes / 512) +
                " sectors\n  size:    " + std::to_string(mapping->size_bytes / 512) +
                " sectors\n  mode:    " + (mapping->read_only ? "readonly" : "read/write") + "\n";
        return r;
    }
    return fail(1, "Unknown action.\n");
}

}  // namespace brick::sim
