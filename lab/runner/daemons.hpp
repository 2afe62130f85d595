#pragma once
// The host daemons a scenario kills and starts again (restart, stop and start
// steps) on a real host, in practice a QEMU guest: found by a /proc scan,
// killed with SIGKILL, started as hil/guest/lib.sh starts them (in their own
// session, stdin /dev/null, output appended to a log) and awaited until they
// answer their clients.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::lab {

struct DaemonSpec {
    std::string name;               // the process name (/proc/PID/comm)
    std::vector<std::string> argv;  // how the guest starts it, in the foreground
};

// iscsid or multipathd; throws brick::Error (invalid_properties) for another name.
const DaemonSpec& daemon_spec(const std::string& name);

// The live processes whose name is `name` (zombies left out).
std::vector<pid_t> processes_named(const std::string& name);

// SIGKILL to every process of the daemon; returns once none is left alive
// (throws brick::Error, timeout, when one outlives `timeout`). Returns how many
// were killed.
std::size_t kill_daemon(const DaemonSpec& daemon, Duration timeout);

// Starts the daemon without a shell, in a session of its own, stdin from
// /dev/null, stdout and stderr appended to `log`; returns its pid.
pid_t spawn_daemon(const DaemonSpec& daemon, const std::filesystem::path& log);

// Whether the daemon answers its clients now: iscsid listens on iscsiadm's
// socket and `iscsiadm -m session -P 1` exits 21 (no session) or shows its
// internal state of every session as NO CHANGE (it has taken them over);
// `multipathd show daemon` exits 0 and says idle or running.
bool daemon_answers(Host& host, const DaemonSpec& daemon);

}  // namespace brick::lab
