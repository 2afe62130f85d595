#include "commands.hpp"

#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "brick/core/error.hpp"
#include "brick/core/json_text.hpp"
#include "brick/core/secrets.hpp"
#include "brick/encryption/luks.hpp"
#include "brick/host/real_host.hpp"
#include "brick/host/recording_host.hpp"
#include "brick/initiator/connector_properties.hpp"
#include "brick/nvmeof/connector.hpp"
#include "brick/properties/parse.hpp"
#include "brick/properties/text.hpp"

namespace brick::cli {

struct HostStack::Parts {
    RealHost real;
    std::ofstream trace_stream;
    std::unique_ptr<TraceWriter> trace;
    std::unique_ptr<RecordingHost> recording;
    explicit Parts(RealHostOptions options) : real(std::move(options)) {}
};

HostStack::HostStack(const GlobalOptions& options) {
    RealHostOptions host_options;
    host_options.root = options.root;
    host_options.tools_dir = options.tools_dir;
    parts_ = std::make_unique<Parts>(host_options);
    if (!options.trace_file.empty()) {
        parts_->trace_stream.open(options.trace_file, std::ios::out | std::ios::app);
        if (!parts_->trace_stream) {
            throw Error(ErrorCategory::host_error,
                        "cannot open the trace file " + options.trace_file, "--trace");
        }
        parts_->trace = std::make_unique<TraceWriter>(parts_->trace_stream);
        parts_->recording = std::make_unique<RecordingHost>(parts_->real, *parts_->trace);
    }
}

HostStack::~HostStack() = default;

Host& HostStack::host() {
    if (parts_->recording) {
        return *parts_->recording;
    }
    return parts_->real;
}

std::string read_input(const std::string& option, const std::string& path) {
    std::string text;
    if (path == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
        std::ifstream in(path);
        if (!in) {
            throw Error(ErrorCategory::invalid_properties, option + ": cannot read " + path,
                        option);
        }
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return text;
}

nlohmann::json read_json_input(const std::string& option, const std::string& path) {
    return parse_json_text(read_input(option, path), option);
}

nlohmann::json read_properties_input(const std::string& option, const std::string& path) {
    return parse_properties_text(read_input(option, path), option);
}

namespace {

// Flushed at once: a caller reading the output has a connect's result while
// the tool still waits for the volume's late paths (see
// docs/iscsi-multipath-connect.md).
void print_json(const nlohmann::json& value) {
    std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n'
              << std::flush;
}

Protocol protocol_argument(const std::string& name) {
    auto protocol = parse_protocol(name);
    if (!protocol) {
        throw Error(ErrorCategory::invalid_properties,
                    "PROTOCOL: expected one of iscsi, iser, fibre_channel, nvmeof, rbd, nfs, "
                    "local (got \"" +
                        name + "\")",
                    "PROTOCOL");
    }
    return *protocol;
}

// The whole number of seconds given to flag, or fallback when it was not given.
int seconds_option(const std::string& flag, const std::optional<std::string>& text, int fallback) {
    if (!text) {
        return fallback;
    }
    int value = 0;
    const auto* end = text->data() + text->size();
    const auto [next, error] = std::from_chars(text->data(), end, value);
    if (text->empty() || error != std::errc() || next != end) {
        throw_invalid(flag, "a whole number of seconds, got " + describe_text(*text));
    }
    return value;
}

constexpr const char* ctrl_loss_tmo_flag = "--nvme-ctrl-loss-tmo";
constexpr const char* reconnect_delay_flag = "--nvme-reconnect-delay";
constexpr const char* keep_alive_tmo_flag = "--nvme-keep-alive-tmo";

ConnectorOptions connector_options(const GlobalOptions& global, const VolumeOptions& volume) {
    ConnectorOptions options;
    options.nvme_ctrl_loss_tmo =
        seconds_option(ctrl_loss_tmo_flag, volume.nvme_ctrl_loss_tmo, options.nvme_ctrl_loss_tmo);
    options.nvme_reconnect_delay = seconds_option(reconnect_delay_flag, volume.nvme_reconnect_delay,
                                                  options.nvme_reconnect_delay);
    options.nvme_keep_alive_tmo = seconds_option(keep_alive_tmo_flag, volume.nvme_keep_alive_tmo,
                                                 options.nvme_keep_alive_tmo);
    nvmeof::check_timeouts(options,
                           {ctrl_loss_tmo_flag, reconnect_delay_flag, keep_alive_tmo_flag});
    options.use_multipath = volume.multipath || volume.enforce_multipath;
    options.enforce_multipath = volume.enforce_multipath;
    if (volume.link == "by-path") {
        options.link = LinkPreference::by_path;
    } else if (volume.link == "by-id") {
        options.link = LinkPreference::by_id;
    }
    if (global.timeout_seconds > 0) {
        options.device_timeout =
            Duration(static_cast<Duration::rep>(global.timeout_seconds * 1000));
    }
    if (!volume.mount_point_base.empty()) {
        options.mount_point_base = volume.mount_point_base;
    }
    options.nfs_mount_options = volume.nfs_mount_options;
    options.luks_format = volume.luks_format;
    options.luks_iter_time = Duration(volume.luks_iter_time_ms);
    options.open_encrypted = !volume.no_open_luks;
    if (!volume.key_file.empty()) {
        if (volume.key_file == "-" && volume.properties_file == "-") {
            throw Error(ErrorCategory::invalid_properties,
                        "--key-file: standard input already carries --properties", "--key-file");
        }
        std::string key;
        if (volume.key_file == "-") {
            key.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        } else {
            std::ifstream in(volume.key_file, std::ios::binary);
            if (!in) {
                throw Error(ErrorCategory::invalid_properties,
                            "--key-file: cannot read " + volume.key_file, "--key-file");
            }
            key.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        // A key file written with echo ends in a newline that is not part of the key.
        if (!key.empty() && key.back() == '\n') {
            key.pop_back();
        }
        register_secret(key);
        options.encryption_passphrase = key;
    }
    return options;
}

// Reads the properties file and returns its data dict, checked against PROTOCOL.
nlohmann::json volume_data(Protocol protocol, const VolumeOptions& volume) {
    const auto document = read_properties_input("--properties", volume.properties_file);
    return unwrap_connection_info(document, protocol).data;
}

void add_volume_options(CLI::App* command, VolumeOptions& volume, bool multipath) {
    command
        ->add_option("PROTOCOL", volume.protocol,
                     "iscsi, iser, fibre_channel, nvmeof, rbd, nfs or local")
        ->required();
    command
        ->add_option("--properties", volume.properties_file,
                     "connection properties JSON file, or - for stdin")
        ->required();
    if (multipath) {
        command->add_flag("--multipath", volume.multipath, "use dm-multipath / all portals");
        command->add_flag("--enforce-multipath", volume.enforce_multipath,
                          "fail unless multipath can be used");
        command->add_option("--key-file", volume.key_file,
                            "LUKS passphrase of an encrypted volume (a file, or - for stdin)");
        command
            ->add_option("--luks-format", volume.luks_format,
                         "LUKS version a blank encrypted volume gets: luks or luks2")
            ->check(CLI::IsMember({"luks", "luks1", "luks2"}));
        command
            ->add_option("--luks-iter-time", volume.luks_iter_time_ms,
                         "PBKDF milliseconds of a blank volume's key slot (cryptsetup's default)")
            ->check(CLI::PositiveNumber);
        command->add_option("--mount-point-base", volume.mount_point_base,
                            "NFS: where shares are mounted (default /var/lib/brick/mnt)");
        command->add_option("--nfs-mount-options", volume.nfs_mount_options,
                            "NFS: options for every mount (vers=4.1,proto=tcp,...)");
        command->add_flag("--no-open-luks", volume.no_open_luks,
                          "attach an encrypted volume as it is (the caller opens LUKS)");
    }
}

}  // namespace

void add_commands(CLI::App& app, GlobalOptions& global) {
    auto props = std::make_shared<PropertiesOptions>();
    auto* properties = app.add_subcommand(
        "properties", "Print this host's connector properties (initiator identity) as JSON");
    properties->add_flag("--multipath", props->multipath, "report multipath if multipathd runs");
    properties->add_flag("--enforce-multipath", props->enforce_multipath,
                         "error unless multipathd runs");
    properties->add_option("--ip", props->ip, "this host's address for the storage service");
    properties->add_option("--host", props->host, "host name (default: the kernel's)");
    properties->add_flag("--create-missing-ids", props->create_missing_ids,
                         "create /etc/nvme/hostnqn and /etc/nvme/hostid when missing");
    properties->callback([&global, props] {
        global.action = [&global, props] {
            HostStack stack(global);
            ConnectorPropertiesRequest request;
            request.ip = props->ip;
            if (!props->host.empty()) {
                request.host = props->host;
            }
            request.multipath = props->multipath;
            request.enforce_multipath = props->enforce_multipath;
            request.create_missing_ids = props->create_missing_ids;
            print_json(get_connector_properties(stack.host(), request));
        };
    });

    auto volume = std::make_shared<VolumeOptions>();

    auto* connect = app.add_subcommand("connect", "Attach a volume; prints device info JSON");
    add_volume_options(connect, *volume, true);
    connect->add_option("--link", volume->link, "path to return: device, by-path or by-id")
        ->check(CLI::IsMember({"device", "by-path", "by-id"}));
    const ConnectorOptions defaults;
    connect
        ->add_option(ctrl_loss_tmo_flag, volume->nvme_ctrl_loss_tmo,
                     "NVMe-oF: how long a controller that lost its target reconnects before "
                     "the kernel gives it up, -1 never (default " +
                         std::to_string(defaults.nvme_ctrl_loss_tmo) + ")")
        ->type_name("SECONDS");
    connect
        ->add_option(reconnect_delay_flag, volume->nvme_reconnect_delay,
                     "NVMe-oF: the wait between reconnect attempts (default " +
                         std::to_string(defaults.nvme_reconnect_delay) + ")")
        ->type_name("SECONDS");
    connect
        ->add_option(keep_alive_tmo_flag, volume->nvme_keep_alive_tmo,
                     "NVMe-oF: the keep-alive timeout (default " +
                         std::to_string(defaults.nvme_keep_alive_tmo) + ")")
        ->type_name("SECONDS");
    connect->callback([&global, volume] {
        global.action = [&global, volume] {
            const auto protocol = protocol_argument(volume->protocol);
            const auto data = volume_data(protocol, *volume);
            HostStack stack(global);
            auto connector =
                make_connector(protocol, stack.host(), connector_options(global, *volume));
            print_json(connector->connect(data).to_json());
        };
    });

    auto* disconnect = app.add_subcommand("disconnect", "Detach a volume");
    add_volume_options(disconnect, *volume, true);
    disconnect
        ->add_option("--device-info", volume->device_info_file,
                     "device info JSON printed by connect")
        ->required();
    disconnect->add_flag("--force", volume->force, "carry on past errors (may lose data)");
    disconnect->add_flag("--ignore-errors", volume->ignore_errors, "exit 0 even on errors");
    disconnect->callback([&global, volume] {
        global.action = [&global, volume] {
            const auto protocol = protocol_argument(volume->protocol);
            const auto data = volume_data(protocol, *volume);
            const auto device =
                DeviceInfo::from_json(read_json_input("--device-info", volume->device_info_file));
            HostStack stack(global);
            auto connector =
                make_connector(protocol, stack.host(), connector_options(global, *volume));
            connector->disconnect(data, device, {volume->force, volume->ignore_errors});
            print_json(nlohmann::json{{"disconnected", true}});
        };
    });

    auto* extend = app.add_subcommand("extend", "Rescan a volume; prints its new size in bytes");
    add_volume_options(extend, *volume, true);
    extend->callback([&global, volume] {
        global.action = [&global, volume] {
            const auto protocol = protocol_argument(volume->protocol);
            const auto data = volume_data(protocol, *volume);
            HostStack stack(global);
            auto connector =
                make_connector(protocol, stack.host(), connector_options(global, *volume));
            print_json(nlohmann::json{{"size", connector->extend(data)}});
        };
    });

    auto* paths =
        app.add_subcommand("paths", "List the device paths of a volume without attaching");
    add_volume_options(paths, *volume, true);
    paths->callback([&global, volume] {
        global.action = [&global, volume] {
            const auto protocol = protocol_argument(volume->protocol);
            const auto data = volume_data(protocol, *volume);
            HostStack stack(global);
            auto connector =
                make_connector(protocol, stack.host(), connector_options(global, *volume));
            print_json(connector->paths(data));
        };
    });

    auto* luks_command = app.add_subcommand(
        "luks", "Open or close LUKS on an attached device (os-brick's encryptors)");
    luks_command->require_subcommand(1);
    auto* luks_open = luks_command->add_subcommand(
        "open", "Open LUKS on DEVICE as /dev/mapper/crypt-<name>; formats a blank device");
    luks_open->add_option("--device", volume->device, "the attached device")->required();
    luks_open->add_option("--key-file", volume->key_file, "the passphrase (a file, or -)")
        ->required();
    luks_open->add_option("--luks-format", volume->luks_format, "luks or luks2 for a blank device")
        ->check(CLI::IsMember({"luks", "luks1", "luks2"}));
    luks_open->callback([&global, volume] {
        global.action = [&global, volume] {
            const auto options = connector_options(global, *volume);
            encryption::LuksOptions luks;
            luks.passphrase = options.encryption_passphrase.value_or("");
            luks.format = options.luks_format;
            luks.command_timeout = options.command_timeout;
            luks.device_timeout = options.device_timeout;
            const auto device =
                parse_absolute_path("--device", volume->device, "an absolute device path");
            HostStack stack(global);
            print_json(nlohmann::json{
                {"path", encryption::open_luks(stack.host(), device,
                                               encryption::mapping_name(device), luks)}});
        };
    });
    auto* luks_close = luks_command->add_subcommand("close", "Close the LUKS mapping of DEVICE");
    luks_close->add_option("--device", volume->device, "the attached device, or the mapping")
        ->required();
    luks_close->callback([&global, volume] {
        global.action = [&global, volume] {
            const auto device =
                parse_absolute_path("--device", volume->device, "an absolute device path");
            const auto name = device.rfind("/dev/mapper/crypt-", 0) == 0
                                  ? device.substr(12)
                                  : encryption::mapping_name(device);
            HostStack stack(global);
            encryption::close_luks(stack.host(), name, ConnectorOptions{}.command_timeout);
            print_json(nlohmann::json{{"closed", name}});
        };
    });

    auto* validate = app.add_subcommand(
        "validate", "Check connection properties; prints them normalised (secrets masked)");
    add_volume_options(validate, *volume, false);
    validate->callback([&global, volume] {
        global.action = [volume] {
            const auto protocol = protocol_argument(volume->protocol);
            const auto document = read_properties_input("--properties", volume->properties_file);
            print_json(validate_properties(protocol, document));
        };
    });
}

}  // namespace brick::cli
