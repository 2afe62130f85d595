#include "brick/rbd/connector.hpp"

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/host/wait.hpp"
#include "brick/rbd/devices.hpp"
#include "brick/rbd/properties.hpp"

namespace brick::rbd {
namespace {

constexpr std::string_view private_dir = "/run/brick/rbd";

std::string first_line(const std::string& text) {
    const auto end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}

bool contains(const std::string& text, std::string_view what) {
    return text.find(what) != std::string::npos;
}

// The files `rbd map` reads its cluster settings from, for one run: written
// private, removed when the object goes (also when the map fails).
class ClusterFiles {
  public:
    ClusterFiles(Host& host, const Properties& props, Duration deadline) : host_(host) {
        if (props.monitors.empty() && props.keyring.empty()) {
            return;  // the host's own /etc/ceph/<cluster>.conf and keyring
        }
        if (!host_.make_dirs(std::string(private_dir)).ok()) {
            throw Error(ErrorCategory::host_error, "cannot create " + std::string(private_dir));
        }
        // One volume's files at a time: the caller holds the image's lock.
        const auto stem = std::string(private_dir) + "/" + props.pool + "." + props.image;
        std::string conf = "[global]\n";
        if (!props.monitors.empty()) {
            std::string hosts;
            for (const auto& monitor : props.monitors) {
                hosts += (hosts.empty() ? "" : ",") + monitor.to_string();
            }
            conf += "mon_host = " + hosts + "\n";
        }
        if (!props.keyring.empty()) {
            keyring_ = stem + ".keyring";
            write_private(keyring_, props.keyring + (props.keyring.back() == '\n' ? "" : "\n"),
                          deadline);
            conf += "keyring = " + keyring_ + "\n";
        }
        conf_ = stem + ".conf";
        write_private(conf_, conf, deadline);
    }
    ~ClusterFiles() {
        for (const auto* path : {&conf_, &keyring_}) {
            if (!path->empty() && !host_.remove(*path).ok()) {
                log::warning("cannot remove " + *path);
            }
        }
    }
    ClusterFiles(const ClusterFiles&) = delete;
    ClusterFiles& operator=(const ClusterFiles&) = delete;
    ClusterFiles(ClusterFiles&&) = delete;
    ClusterFiles& operator=(ClusterFiles&&) = delete;

    const std::string& conf() const { return conf_; }

  private:
    void write_private(const std::string& path, const std::string& text, Duration deadline) {
        host_.remove(path);  // a file left by a crash: created afresh, mode 0600
        if (!host_.write_file(path, text, deadline, true).ok()) {
            throw Error(ErrorCategory::host_error, "cannot write " + path);
        }
    }

    Host& host_;
    std::string conf_;
    std::string keyring_;
};

class RbdConnector final : public Connector {
  public:
    RbdConnector(Host& host, ConnectorOptions options)
        : host_(host), options_(std::move(options)) {}

    DeviceInfo connect(const nlohmann::json& data) override;
    void disconnect(const nlohmann::json& data, const DeviceInfo& device,
                    const DisconnectOptions& options) override;
    std::uint64_t extend(const nlohmann::json& data) override;
    std::vector<std::string> paths(const nlohmann::json& data) override;

  private:
    void map(const Properties& props);
    std::string wait_for_link(const Properties& props, Clock::time_point deadline);

    Host& host_;
    ConnectorOptions options_;
};

void RbdConnector::map(const Properties& props) {
    const ClusterFiles files(host_, props, options_.command_timeout);
    std::vector<std::string> argv{"rbd", "map", props.image, "--pool", props.pool};
    if (!props.auth_username.empty()) {
        argv.insert(argv.end(), {"--id", props.auth_username});
    }
    argv.insert(argv.end(), {"--cluster", props.cluster_name});
    if (!files.conf().empty()) {
        argv.insert(argv.end(), {"--conf", files.conf()});
    }
    if (props.access_mode == AccessMode::read_only) {
        argv.emplace_back("--read-only");
    }
    const auto result = host_.run(Command{argv, {}, options_.command_timeout});
    if (result.ok()) {
        return;
    }
    if (result.not_found) {
        throw Error(ErrorCategory::not_supported,
                    "rbd is not installed on this host (Debian package ceph-common)");
    }
    if (result.timed_out) {
        throw Error(ErrorCategory::target_unreachable,
                    "rbd map " + props.name() + " timed out: no monitor answered");
    }
    const auto& err = result.err;
    auto category = ErrorCategory::command_failed;
    if (contains(err, "timed out") || contains(err, "Connection refused")) {
        category = ErrorCategory::target_unreachable;
    } else if (result.exit_status == 13 || contains(err, "Permission denied") ||
               contains(err, "handle_auth_bad_method")) {
        // rbd exits with the errno: 13 (EACCES) is a key the monitors refused,
        // printed only as "couldn't connect to the cluster!".
        category = ErrorCategory::authentication_failed;
    } else if (contains(err, "No such file or directory")) {
        category = ErrorCategory::device_not_found;
    }
    throw Error(category, "rbd map " + props.name() + " failed (exit " +
                              std::to_string(result.exit_status) + "): " + first_line(err));
}

std::string RbdConnector::wait_for_link(const Properties& props, Clock::time_point deadline) {
    auto link = udev_link(props.pool, props.image);
    WaitHints hints;
    hints.watch_paths = {"/dev", "/dev/rbd", "/dev/rbd/" + props.pool};
    const auto remaining =
        std::max(Duration(0), std::chrono::duration_cast<Duration>(deadline - host_.now()));
    const auto device = wait_for<MappedDevice>(
        host_, "the kernel device of " + props.name(), remaining,
        [&]() -> std::optional<MappedDevice> {
            auto mapped = find_mapped(host_, props.pool, props.image);
            FileInfo info;
            if (mapped && host_.stat(mapped->device_path(), info).ok() &&
                info.type == FileType::block_device) {
                return mapped;
            }
            return std::nullopt;
        },
        hints, ErrorCategory::device_not_found);
    const bool linked = brick::wait_until(
        host_, std::max(Duration(0), std::chrono::duration_cast<Duration>(deadline - host_.now())),
        [&] {
            std::string target;
            return host_.read_link(link, target).ok() &&
                   target.substr(target.rfind('/') + 1) == "rbd" + std::to_string(device.id);
        },
        hints);
    if (!linked) {
        // os-brick returns the link anyway (bug #1884114); a path that exists is better.
        log::warning(link + " did not appear (are ceph-common's udev rules installed?): using " +
                     device.device_path());
        return device.device_path();
    }
    return link;
}

DeviceInfo RbdConnector::connect(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    const auto deadline = host_.now() + options_.device_timeout;
    const auto lock = host_.lock("rbd-image:" + props.name());
    if (!find_mapped(host_, props.pool, props.image)) {
        map(props);
    } else {
        log::info(props.name() + " is mapped already");
    }
    DeviceInfo device;
    device.path = wait_for_link(props, deadline);
    return device;
}

void RbdConnector::disconnect(const nlohmann::json& data, const DeviceInfo& /*device*/,
                              const DisconnectOptions& options) {
    const auto props = parse_properties(data);
    const auto lock = host_.lock("rbd-image:" + props.name());
    const auto mapped = find_mapped(host_, props.pool, props.image);
    if (!mapped) {
        return;
    }
    std::vector<std::string> problems;
    const auto flush = host_.run(
        Command{{"blockdev", "--flushbufs", mapped->device_path()}, {}, options_.command_timeout});
    if (!flush.ok()) {
        const auto message = "flushing " + mapped->device_path() + " failed: " +
                             (flush.timed_out ? std::string("timed out") : first_line(flush.err));
        if (!options.force) {
            throw Error(ErrorCategory::would_lose_data,
                        message + "; not unmapping (use force to drop it)");
        }
        problems.push_back(message);
    }
    std::vector<std::string> argv{"rbd", "unmap", mapped->device_path()};
    if (options.force) {
        argv.insert(argv.end(), {"-o", "force"});
    }
    const auto result = host_.run(Command{argv, {}, options_.command_timeout});
    const bool gone = brick::wait_until(host_, options_.command_timeout,
                                        [&] { return !host_.exists(mapped->sysfs_dir()); });
    if (!gone) {
        problems.push_back("rbd unmap " + mapped->device_path() + " failed: " +
                           (result.timed_out ? std::string("timed out") : first_line(result.err)));
    }
    // udev removes the link with the device; one left dangling goes now.
    const auto link = udev_link(props.pool, props.image);
    std::string target;
    if (host_.read_link(link, target).ok() && !host_.exists(link)) {
        host_.remove(link);
    }
    if (!problems.empty() && !options.ignore_errors) {
        std::string text;
        for (const auto& problem : problems) {
            text += (text.empty() ? "" : "; ") + problem;
        }
        throw Error(
            contains(text, "busy") ? ErrorCategory::host_error : ErrorCategory::command_failed,
            text);
    }
}

std::uint64_t RbdConnector::extend(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    const auto mapped = find_mapped(host_, props.pool, props.image);
    if (!mapped) {
        throw Error(ErrorCategory::device_not_found, props.name() + " is not mapped on this host");
    }
    // The kernel follows the image header; refresh asks it now.
    host_.write_file(mapped->sysfs_dir() + "/refresh", "1", options_.command_timeout);
    const auto again = find_mapped(host_, props.pool, props.image);
    return (again ? *again : *mapped).size_bytes;
}

std::vector<std::string> RbdConnector::paths(const nlohmann::json& data) {
    const auto props = parse_properties(data);
    return {udev_link(props.pool, props.image)};
}

}  // namespace

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options) {
    return std::make_unique<RbdConnector>(host, options);
}

}  // namespace brick::rbd
