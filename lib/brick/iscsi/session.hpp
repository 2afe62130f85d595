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

std::vector<Session> read_sessions(Host& host);

// The session to (iqn, portal), if logged in or recovering.
std::optional<Session> find_session(Host& host, const std::string& iqn, const Portal& portal);

}  // namespace brick::iscsi
