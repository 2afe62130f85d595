#pragma once
// A real host whose every path lies below a temporary directory (the root
// prefix), for tests of the seam and of what reads the host through it.

#include "brick/host/real_host.hpp"
#include "temp_dir.hpp"

namespace brick::testing {

inline RealHost host_at(const TempDir& dir) {
    RealHostOptions options;
    options.root = dir.path();
    options.lock_dir = "/run/locks";
    return RealHost(options);
}

}  // namespace brick::testing
