#pragma once
// iSCSI sessions as the kernel shows them in /sys/class/iscsi_session,
// /sys/class/iscsi_connection and /sys/class/iscsi_host, parsed once into
// typed values. Reading sysfs costs no program run.

#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"
#include "brick/properties/common.hpp"

namespace brick::iscsi {

struct Session {
    unsigned id = 0;                    // N of sessionN
    std::string target_iqn;             // targetname
    Portal portal;                      // persistent_address / persistent_port
    std::string state;                  // "LOGGED_IN", "FAILED", "FREE"
    std::optional<unsigned> scsi_host;  // H of hostH (iscsi_tcp: one host per session)
    // Channel and target of the session's SCSI target, once one was scanned.
    std::optional<unsigned> channel;
    std::optional<unsigned> target;
};

// Every session, read whole.
std::vector<Session> read_sessions(Host& host);

// The entries of /sys/class/iscsi_session ("session3", ...).
std::vector<std::string> session_names(Host& host);

// The sessions to a target, among names (default: all). Reads one attribute
// of each session to another target.
std::vector<Session> sessions_to(Host& host, const std::string& iqn,
                                 const std::vector<std::string>& names);
std::vector<Session> sessions_to(Host& host, const std::string& iqn);

// The one of sessions at portal.
std::optional<Session> session_at(const std::vector<Session>& sessions, const Portal& portal);

// The session to (iqn, portal) among names, read newest (highest number)
// first and no further than the first found: a login's new session is among
// the newest, and with many logins at once the others' need not be read.
std::optional<Session> newest_session_at(Host& host, const std::string& iqn, const Portal& portal,
                                         const std::vector<std::string>& names);

// The session to (iqn, portal), if logged in or recovering.
std::optional<Session> find_session(Host& host, const std::string& iqn, const Portal& portal);

// Session N as it is now; nullopt once it is gone.
std::optional<Session> read_session(Host& host, unsigned id);

// The state of session N ("LOGGED_IN", "FAILED", ...) while it is a session to
// iqn; nullopt once it is gone (or the number went to another target's). Two
// attribute reads, for a loop that polls a session it already read whole.
std::optional<std::string> session_state(Host& host, unsigned id, const std::string& iqn);

// The sessions a block device sits on: a SCSI disk's own, a multipath map's
// paths' (device_path: /dev/sdX, /dev/dm-N or a udev link to one). A few
// lookups, whatever the number of sessions on the host.
std::vector<Session> sessions_under_device(Host& host, const std::string& device_path);

}  // namespace brick::iscsi
