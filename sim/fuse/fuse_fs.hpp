#pragma once
// The FUSE file system over a SimDaemon (libfuse3, high-level API): every
// lookup, read and write is answered by the model at the moment it happens,
// with no kernel caching of entries, attributes or data, so a write to a
// kernel attribute returns once the model did the kernel's work.

#include <functional>
#include <string>

#include "sim/fuse/daemon.hpp"

namespace brick::sim {

// Mounts the daemon's views at mountpoint (nodev, nosuid, allow_other), calls
// on_mounted, and serves requests on several threads until SIGTERM, SIGINT or
// SIGHUP, or until the file system is unmounted; then unmounts. Returns 0, or
// an errno-like code when mounting failed (message on stderr).
int serve_fuse(SimDaemon& daemon, const std::string& mountpoint,
               const std::function<void()>& on_mounted);

}  // namespace brick::sim
