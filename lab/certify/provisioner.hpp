#pragma once
// The vendor's provisioner, run through the host seam: an argument vector
// (never a shell) with a deadline per call. Verbs (certify/README.md):
//
//   create --size-gib N                  prints {"volume_id": "..."}
//   export ID --connector FILE --protocol P --transport T [--chap|--mutual-chap] [--lun N]
//                                        prints the connection info {"driver_volume_type", "data"}
//   unexport ID | extend ID --size-gib N | delete ID | fail-path ID | restore-path ID
//   list                                 prints {"volumes": ["ID", ...]}
//
// Every answer is checked before use: a call that fails, times out or prints
// something malformed raises brick::Error naming the verb and what was wrong
// (command_failed, timeout, invalid_properties); connection info is checked
// with the library's own validation (what `brick validate` does).

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::lab::certify {

struct ExportRequest {
    std::string protocol = "iscsi";
    std::string transport = "tcp";
    bool chap = false;
    bool mutual_chap = false;
    std::optional<std::uint64_t> lun;
};

// One call, as the report's log shows it (secrets masked).
struct ProvisionerCall {
    std::string verb;
    std::vector<std::string> argv;
    int exit_status = -1;
    bool timed_out = false;
    double seconds = 0;
    std::string out;
    std::string err;
};

class Provisioner {
  public:
    using Observer = std::function<void(const ProvisionerCall&)>;
    Provisioner(Host& host, std::vector<std::string> argv, Duration timeout, Observer observer);

    std::string create(std::uint64_t size_gib);
    // Returns the connection info, validated for request.protocol.
    nlohmann::json export_volume(const std::string& id, const std::string& connector_file,
                                 const ExportRequest& request);
    void unexport(const std::string& id);
    void extend(const std::string& id, std::uint64_t size_gib);
    void remove(const std::string& id);
    std::vector<std::string> list();
    void fail_path(const std::string& id);
    void restore_path(const std::string& id);

    const std::vector<std::string>& argv() const { return argv_; }

  private:
    // Runs one verb; throws unless it exited 0 in time. Returns stdout.
    std::string call(const std::string& verb, const std::vector<std::string>& args);
    nlohmann::json parse_output(const std::string& verb, const std::string& out);

    Host& host_;
    std::vector<std::string> argv_;
    Duration timeout_;
    Observer observer_;
};

// A volume ID the runner can pass back as an argument: letters, digits and
// ". _ : -", not starting with a dash, at most 128 characters.
bool valid_volume_id(const std::string& id);

// Masks the string values of secret keys ("password": "...") in text that may
// not parse as JSON, and every registered secret.
std::string mask_secret_values(const std::string& text);

}  // namespace brick::lab::certify
