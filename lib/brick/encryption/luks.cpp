#include "brick/encryption/luks.hpp"

#include <algorithm>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/core/secrets.hpp"
#include "brick/host/wait.hpp"

namespace brick::encryption {
namespace {

std::string first_line(const std::string& text) {
    const auto end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}

// Formatting and opening derive a key on purpose slowly (PBKDF2 calibrated
// to seconds, and far slower on an emulated or loaded CPU): such a run gets at
// least this long whatever the caller's command deadline.
constexpr Duration key_derivation_deadline{180000};

CommandResult cryptsetup(Host& host, std::vector<std::string> args, const std::string& input,
                         Duration deadline) {
    if (!input.empty()) {
        deadline = std::max(deadline, key_derivation_deadline);
    }
    args.insert(args.begin(), "cryptsetup");
    auto result = host.run(Command{std::move(args), input, deadline});
    if (result.not_found) {
        throw Error(ErrorCategory::not_supported,
                    "cryptsetup is not installed on this host (Debian package cryptsetup-bin)");
    }
    if (result.timed_out) {
        throw Error(ErrorCategory::timeout, "cryptsetup did not finish in time");
    }
    return result;
}

void check_options(const LuksOptions& options) {
    if (options.passphrase.empty() || options.passphrase.find('\0') != std::string::npos) {
        throw_invalid("passphrase", "a non-empty LUKS passphrase without NUL bytes");
    }
    if (options.format != "luks" && options.format != "luks1" && options.format != "luks2") {
        throw_invalid("luks_format", "luks, luks1 or luks2 (got \"" + options.format + "\")");
    }
}

}  // namespace

std::string mapping_name(const std::string& attached_path) {
    return "crypt-" + attached_path.substr(attached_path.rfind('/') + 1);
}

std::optional<CryptMapping> find_mapping(Host& host, const std::string& name) {
    std::vector<std::string> devices;
    host.list_dir("/sys/block", devices);
    for (const auto& device : devices) {
        if (device.rfind("dm-", 0) != 0) {
            continue;
        }
        const auto base = "/sys/block/" + device + "/dm";
        if (host.read_attribute(base + "/name").value_or("") != name) {
            continue;
        }
        const auto uuid = host.read_attribute(base + "/uuid").value_or("");
        if (uuid.rfind("CRYPT-", 0) != 0) {
            throw Error(ErrorCategory::wrong_device,
                        "/dev/mapper/" + name + " exists and is not a dm-crypt mapping");
        }
        CryptMapping mapping{name, device, uuid, {}};
        host.list_dir("/sys/block/" + device + "/slaves", mapping.slaves);
        return mapping;
    }
    return std::nullopt;
}

std::string open_luks(Host& host, const std::string& device_path, const std::string& name,
                      const LuksOptions& options) {
    register_secret(options.passphrase);
    check_options(options);
    auto mapper = "/dev/mapper/" + name;
    const auto lock = host.lock("dm-crypt:" + name);
    if (const auto existing = find_mapping(host, name)) {
        const auto under = host.kernel_name(device_path);
        if (existing->slaves.size() != 1 || existing->slaves.front() != under) {
            throw Error(ErrorCategory::wrong_device,
                        mapper + " is open on another device than " + device_path);
        }
        return mapper;
    }
    const auto is_luks = cryptsetup(host, {"isLuks", device_path}, {}, options.command_timeout);
    if (!is_luks.ok()) {
        // os-brick formats a volume without a LUKS header on its first attach.
        log::info(device_path + " has no LUKS header: formatting it (" + options.format + ")");
        const auto type = options.format == "luks" ? std::string("luks1") : options.format;
        std::vector<std::string> args{"--batch-mode", "luksFormat", "--type", type, "--key-file=-"};
        if (options.iter_time.count() > 0) {
            args.insert(args.end(), {"--iter-time", std::to_string(options.iter_time.count())});
        }
        args.push_back(device_path);
        const auto format = cryptsetup(host, args, options.passphrase, options.command_timeout);
        if (!format.ok()) {
            throw Error(ErrorCategory::command_failed, "cryptsetup luksFormat " + device_path +
                                                           " failed: " + first_line(format.err));
        }
    }
    std::vector<std::string> open{"luksOpen", "--key-file=-"};
    if (options.read_only) {
        open.emplace_back("--readonly");
    }
    open.insert(open.end(), {device_path, name});
    const auto opened = cryptsetup(host, open, options.passphrase, options.command_timeout);
    if (!opened.ok()) {
        throw Error(opened.exit_status == 2 ? ErrorCategory::authentication_failed
                                            : ErrorCategory::command_failed,
                    "cryptsetup luksOpen " + device_path + " failed (exit " +
                        std::to_string(opened.exit_status) + "): " + first_line(opened.err));
    }
    WaitHints hints;
    hints.watch_paths = {"/dev/mapper"};
    const bool ready = brick::wait_until(
        host, options.device_timeout,
        [&] {
            FileInfo info;
            return host.stat(mapper, info).ok() && info.type == FileType::block_device;
        },
        hints);
    if (!ready) {
        close_luks(host, name, options.command_timeout);
        throw Error(ErrorCategory::device_not_found, mapper + " did not appear");
    }
    return mapper;
}

void close_luks(Host& host, const std::string& name, Duration command_timeout) {
    const auto mapping = find_mapping(host, name);
    if (!mapping) {
        return;
    }
    const auto mapper = "/dev/mapper/" + name;
    const auto flush = host.run(Command{{"blockdev", "--flushbufs", mapper}, {}, command_timeout});
    if (!flush.ok()) {
        throw Error(ErrorCategory::would_lose_data,
                    "flushing " + mapper + " failed; not closing it: " + first_line(flush.err));
    }
    const auto closed = cryptsetup(host, {"luksClose", name}, {}, command_timeout);
    // 4: no such device (closed meanwhile), as os-brick accepts.
    if (!closed.ok() && closed.exit_status != 4) {
        throw Error(
            closed.exit_status == 5 ? ErrorCategory::host_error : ErrorCategory::command_failed,
            "cryptsetup luksClose " + name + " failed (exit " + std::to_string(closed.exit_status) +
                "): " + first_line(closed.err));
    }
    if (!brick::wait_until(host, command_timeout,
                           [&] { return !host.exists("/sys/block/" + mapping->dm_device); })) {
        throw Error(ErrorCategory::timeout, mapper + " is still there after luksClose");
    }
}

std::uint64_t resize_luks(Host& host, const std::string& name, const LuksOptions& options) {
    register_secret(options.passphrase);
    const auto mapping = find_mapping(host, name);
    if (!mapping) {
        throw Error(ErrorCategory::device_not_found, "/dev/mapper/" + name + " is not open");
    }
    const auto resized = cryptsetup(host, {"resize", "--key-file=-", name}, options.passphrase,
                                    options.command_timeout);
    if (!resized.ok()) {
        throw Error(ErrorCategory::command_failed,
                    "cryptsetup resize " + name + " failed: " + first_line(resized.err));
    }
    const auto sectors =
        host.read_attribute("/sys/block/" + mapping->dm_device + "/size").value_or("0");
    return sectors.find_first_not_of("0123456789") == std::string::npos && !sectors.empty()
               ? std::stoull(sectors) * 512
               : 0;
}

}  // namespace brick::encryption
