#pragma once
// The iscsiadm operations libbrick needs, each one program run with a deadline.
// Exit codes are open-iscsi's (iscsi_err.h).

#include <string>
#include <utility>
#include <vector>

#include "brick/host/host.hpp"
#include "brick/iscsi/properties.hpp"

namespace brick::iscsi {

namespace exit_code {
inline constexpr int success = 0;
inline constexpr int session_not_found = 2;
inline constexpr int login = 5;
inline constexpr int node_database = 6;
inline constexpr int transport_timeout = 8;
inline constexpr int session_exists = 15;
inline constexpr int iscsid_not_connected = 20;
inline constexpr int no_records = 21;
inline constexpr int authentication = 24;
}  // namespace exit_code

class Iscsiadm {
  public:
    Iscsiadm(Host& host, Duration deadline) : host_(host), deadline_(deadline) {}

    // Creates (or resets) the node record and applies settings in one update:
    // manual scan, startup mode, and CHAP when given.
    void create_node(const Target& target, const std::string& iface,
                     const std::optional<ChapCredentials>& chap, const std::string& startup);
    // Logs in; throws login_failed / authentication_failed / target_unreachable.
    // An existing session (exit 15) is success.
    void login(const Target& target);
    // Sets startup manual, logs out and deletes the node record. Missing
    // sessions and records (exit 21) are fine. Returns problems as text.
    std::vector<std::string> logout_and_forget(const Target& target);
    // Deletes the node record only.
    void delete_node(const Target& target);
    // The ids of the sessions to iqn (`iscsiadm -m session`); none is no error.
    std::vector<unsigned> session_ids(const std::string& iqn);
    // SendTargets discovery on a portal; returns (portal, iqn) pairs.
    std::vector<std::pair<Portal, std::string>> discover(
        const Portal& portal, const std::string& iface,
        const std::optional<ChapCredentials>& discovery_chap);

  private:
    // What a run does to the node records, and so which lock it holds on them.
    enum class RecordChange {
        none,      // reads sessions or logs in: no lock
        in_place,  // adds a record that is not there or changes one in place: shared
        removal,   // deletes or replaces a record, or discovers: exclusive
    };
    CommandResult run(std::vector<std::string> argv, RecordChange change);
    // Whether a node record of target may exist (a record folder of its
    // portal under open-iscsi's record folders, or one that cannot be read).
    bool record_may_exist(const Target& target);
    std::vector<std::string> node_args(const Target& target) const;
    Host& host_;
    Duration deadline_;
};

// Parses `iscsiadm -m session` output lines "tcp: [3] 10.0.0.1:3260,1 iqn... (non-flash)"
// into (session id, target iqn).
std::vector<std::pair<unsigned, std::string>> parse_session_list(const std::string& text);

// Parses the target lines of `iscsiadm -m discovery ...` and `iscsiadm -m node`:
// "10.0.0.1:3260,1 iqn..." or "[2001:db8::1]:3260,1 iqn...". A line that is not
// a valid portal and iSCSI name is skipped (and logged), so every pair
// returned holds a checked portal and name.
std::vector<std::pair<Portal, std::string>> parse_target_lines(const std::string& text);

}  // namespace brick::iscsi
