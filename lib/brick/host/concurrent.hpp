#pragma once
// Independent steps run at once as host tasks (so the simulator schedules
// them like threads on a real host).

#include <cstddef>
#include <functional>
#include <string>

#include "brick/host/host.hpp"

namespace brick {

// Runs step(0) .. step(count - 1) as concurrent host tasks named
// "<name>-<i>" (inline when there is only one) and waits for all; once all
// are done, the first error (by index) is thrown.
void run_for_each(Host& host, std::size_t count, const std::string& name,
                  const std::function<void(std::size_t)>& step);

}  // namespace brick
