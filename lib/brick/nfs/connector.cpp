#include "brick/nfs/connector.hpp"

#include <utility>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/nfs/mount_options.hpp"
#include "brick/nfs/mounts.hpp"
#include "brick/nfs/properties.hpp"
#include "brick/properties/text.hpp"

namespace brick::nfs {
namespace {

struct Share {
    std::string hash;         // md5 hex of the export
    std::string mount_point;  // <base>/<hash>
};

// Where connect records the volumes that use a share, one file per volume.
std::string in_use_dir(const Share& share) {
    return std::string("/run/brick/nfs/").append(share.hash);
}

bool contains(const std::string& text, std::string_view what) {
    return text.find(what) != std::string::npos;
}

// The error category of a failed mount, from mount.nfs's message.
ErrorCategory mount_failure(const CommandResult& result) {
    if (result.timed_out || contains(result.err, "timed out")) {
        return ErrorCategory::target_unreachable;
    }
    if (contains(result.err, "Connection refused") || contains(result.err, "No route to host") ||
        contains(result.err, "Network is unreachable")) {
        return ErrorCategory::target_unreachable;
    }
    if (contains(result.err, "access denied") || contains(result.err, "Permission denied")) {
        return ErrorCategory::login_failed;
    }
    if (result.not_found) {
        return ErrorCategory::not_supported;
    }
    return ErrorCategory::command_failed;
}

std::string first_line(const std::string& text) {
    const auto end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}

class NfsConnector final : public Connector {
  public:
    NfsConnector(Host& host, ConnectorOptions options)
        : host_(host), options_(std::move(options)) {}

    DeviceInfo connect(const nlohmann::json& data) override;
    void disconnect(const nlohmann::json& data, const DeviceInfo& device,
                    const DisconnectOptions& options) override;
    std::uint64_t extend(const nlohmann::json& data) override;
    std::vector<std::string> paths(const nlohmann::json& data) override;

  private:
    Share share_of(const Properties& props) const;
    bool ensure_mounted(const Properties& props, const Share& share);
    std::vector<std::string> attempts(const Properties& props) const;
    bool others_in_use(const Share& share, const std::string& name);
    void unmount(const Share& share, const DisconnectOptions& options);

    Host& host_;
    ConnectorOptions options_;
};

Share NfsConnector::share_of(const Properties& props) const {
    const auto base = parse_absolute_path("mount_point_base", options_.mount_point_base,
                                          "an absolute directory for NFS mounts");
    if (!options_.nfs_mount_options.empty()) {
        check_option_list("nfs_mount_options", options_.nfs_mount_options);
    }
    const auto hash = md5_hex(props.export_spec);
    return Share{hash, base + "/" + hash};
}

// The -o lists to try in turn, as os-brick's RemoteFsClient: unless the
// options name a version, NFS 4.1 first (pNFS needs it asked for), then the
// options as given (mount negotiates 4.x or 3).
std::vector<std::string> NfsConnector::attempts(const Properties& props) const {
    const auto& given = options_.nfs_mount_options;
    bool versioned = names_version(given);
    for (std::size_t i = 0; i < props.options.size(); ++i) {
        const auto& flag = props.options[i];
        const auto list = flag == "-o" && i + 1 < props.options.size() ? props.options[i + 1]
                          : flag.size() > 2                            ? flag.substr(2)
                                                                       : std::string();
        versioned = versioned || names_version(list);
    }
    if (versioned) {
        return {given};
    }
    return {with_option(with_option(given, "vers", "4"), "minorversion", "1"), given};
}

bool NfsConnector::ensure_mounted(const Properties& props, const Share& share) {
    if (const auto mount = mount_at(read_mounts(host_), share.mount_point)) {
        if (mount->source != props.export_spec) {
            throw Error(ErrorCategory::wrong_device, share.mount_point + " holds " + mount->source +
                                                         ", not " + props.export_spec);
        }
        return false;
    }
    if (const auto status = host_.make_dirs(share.mount_point); !status.ok()) {
        throw Error(ErrorCategory::host_error, "cannot create the mount point " +
                                                   share.mount_point + " (errno " +
                                                   std::to_string(status.error) + ")");
    }
    std::vector<std::string> failures;
    std::optional<ErrorCategory> category;
    for (const auto& list : attempts(props)) {
        std::vector<std::string> argv{"mount", "-t", "nfs"};
        if (!list.empty()) {
            argv.insert(argv.end(), {"-o", list});
        }
        argv.insert(argv.end(), props.options.begin(), props.options.end());
        argv.insert(argv.end(), {props.export_spec, share.mount_point});
        const auto result = host_.run(Command{argv, {}, options_.command_timeout});
        const auto mounted = mount_at(read_mounts(host_), share.mount_point);
        if (mounted && mounted->source == props.export_spec) {
            log::info("mounted " + props.export_spec + " at " + share.mount_point +
                      (list.empty() ? std::string() : " (-o " + list + ")"));
            return true;
        }
        const auto reason = result.timed_out ? std::string("mount timed out")
                            : result.ok()    ? std::string("mount exited 0 but nothing is mounted")
                                             : first_line(result.err);
        std::string failure = list.empty() ? std::string("no options") : "-o " + list;
        failure.append(": ").append(reason);
        failures.push_back(std::move(failure));
        const auto this_category = mount_failure(result);
        category =
            category && *category != ErrorCategory::command_failed ? category : this_category;
        if (this_category == ErrorCategory::not_supported) {
            break;
        }
    }
    std::string text;
    for (const auto& failure : failures) {
        text += (text.empty() ? "" : "; ") + failure;
    }
    throw Error(category.value_or(ErrorCategory::command_failed),
                "mounting " + props.export_spec + " at " + share.mount_point + " failed: " + text);
}

bool NfsConnector::others_in_use(const Share& share, const std::string& name) {
    std::vector<std::string> records;
    host_.list_dir(in_use_dir(share), records);
    return std::any_of(records.begin(), records.end(),
                       [&](const std::string& record) { return record != name; });
}

void NfsConnector::unmount(const Share& share, const DisconnectOptions& options) {
    if (!mount_at(read_mounts(host_), share.mount_point)) {
        return;
    }
    const auto result =
        host_.run(Command{{"umount", share.mount_point}, {}, options_.command_timeout});
    if (!mount_at(read_mounts(host_), share.mount_point)) {
        return;
    }
    const auto reason = result.timed_out ? std::string("umount timed out") : first_line(result.err);
    const auto category = contains(result.err, "busy") ? ErrorCategory::host_error
                          : result.timed_out           ? ErrorCategory::timeout
                                                       : ErrorCategory::command_failed;
    const auto message = "unmounting " + share.mount_point + " failed: " + reason;
    if (!options.force) {
        throw Error(category, message);
    }
    log::warning(message + " (forced: left mounted)");
    if (!options.ignore_errors) {
        throw Error(category, message);
    }
}

DeviceInfo NfsConnector::connect(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    const auto share = share_of(props);
    const auto path = share.mount_point + "/" + props.name;
    const auto lock = host_.lock("nfs-share:" + share.hash);
    const bool mounted_now = ensure_mounted(props, share);
    FileInfo info;
    if (!host_.stat(path, info).ok() || info.type != FileType::regular) {
        if (mounted_now && !others_in_use(share, props.name)) {
            try {
                unmount(share, {});
            } catch (const Error& e) {
                log::warning("cleanup: " + std::string(e.what()));
            }
        }
        throw Error(ErrorCategory::device_not_found,
                    "the volume's file " + props.name + " is not in " + props.export_spec +
                        (info.type == FileType::missing ? "" : " (not a regular file)"),
                    "data.name");
    }
    const auto dir = in_use_dir(share);
    if (!host_.make_dirs(dir).ok() ||
        !host_.write_file(dir + "/" + props.name, "", options_.command_timeout).ok()) {
        log::warning("cannot record " + path + " as in use under " + dir +
                     ": another volume's detach may unmount the share");
    }
    DeviceInfo device;
    device.type = "file";
    device.path = path;
    return device;
}

void NfsConnector::disconnect(const nlohmann::json& data, const DeviceInfo& /*device*/,
                              const DisconnectOptions& options) {
    const auto props = parse_properties(data);
    const auto share = share_of(props);
    const auto lock = host_.lock("nfs-share:" + share.hash);
    host_.remove(in_use_dir(share) + "/" + props.name);
    if (others_in_use(share, props.name)) {
        log::info("keeping " + share.mount_point + " mounted: another volume of " +
                  props.export_spec + " is attached");
        return;
    }
    unmount(share, options);
}

std::uint64_t NfsConnector::extend(const nlohmann::json& data) {
    parse_properties(data);
    throw Error(ErrorCategory::not_supported,
                "extending an NFS volume is done on the server (os-brick raises "
                "NotImplementedError too)");
}

std::vector<std::string> NfsConnector::paths(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    return {share_of(props).mount_point + "/" + props.name};
}

}  // namespace

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options) {
    return std::make_unique<NfsConnector>(host, options);
}

}  // namespace brick::nfs
