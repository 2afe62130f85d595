#pragma once
// The `brick` command-line tool: JSON in, JSON out. Each subcommand is a
// function taking the parsed global options; errors are brick::Error.

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "brick/connector/connector.hpp"
#include "brick/host/host.hpp"
#include "brick/host/trace.hpp"

namespace brick::cli {

struct GlobalOptions {
    std::string root = "/";
    std::string tools_dir;
    std::string log_level = "warning";
    std::string log_format = "human";
    std::string trace_file;        // write a JSON-lines trace of every host interaction
    double timeout_seconds = 0;    // 0: the connector's defaults
    std::function<void()> action;  // the parsed subcommand, run after logging is set up
};

struct VolumeOptions {
    std::string protocol;
    std::string properties_file;
    std::string device_info_file;
    bool multipath = false;
    bool enforce_multipath = false;
    bool force = false;
    bool ignore_errors = false;
    std::string link = "device";
    std::string key_file;  // LUKS passphrase of an encrypted volume ("-": stdin)
    std::string luks_format = "luks";
    int luks_iter_time_ms = 0;
    std::string mount_point_base;   // NFS (empty: the library's default)
    std::string nfs_mount_options;  // NFS, as os-brick's nfs_mount_options
    bool no_open_luks = false;      // the caller opens LUKS (os-brick's encryptors)
    std::string device;             // luks open|close: the attached device
    // connect, NVMe-oF: controller timeouts in seconds as given (checked when
    // the options are made, so a bad value is a typed error naming the flag).
    std::optional<std::string> nvme_ctrl_loss_tmo;
    std::optional<std::string> nvme_reconnect_delay;
    std::optional<std::string> nvme_keep_alive_tmo;
};

struct PropertiesOptions {
    bool multipath = false;
    bool enforce_multipath = false;
    std::string ip;
    std::string host;
    bool create_missing_ids = false;
};

// The host every subcommand works on: RealHost under --root/--tools, wrapped
// in a RecordingHost when --trace is given.
class HostStack {
  public:
    explicit HostStack(const GlobalOptions& options);
    ~HostStack();
    HostStack(const HostStack&) = delete;
    HostStack& operator=(const HostStack&) = delete;
    HostStack(HostStack&&) = delete;
    HostStack& operator=(HostStack&&) = delete;
    Host& host();

  private:
    struct Parts;
    std::unique_ptr<Parts> parts_;
};

void add_commands(CLI::App& app, GlobalOptions& global);

// The text of a file or "-" (stdin); errors name the option.
std::string read_input(const std::string& option, const std::string& path);
// A JSON document from a file or stdin, parsed strictly (brick/core/json_text.hpp).
nlohmann::json read_json_input(const std::string& option, const std::string& path);
// Connection properties from a file or stdin (parse_properties_text).
nlohmann::json read_properties_input(const std::string& option, const std::string& path);

}  // namespace brick::cli
