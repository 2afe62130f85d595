#pragma once
// udev's database as a sign of what udev has handled: its entry for a block
// device (/run/udev/data/b<major>:<minor>) is made when udev has handled the
// device's add event (links made, multipathd told) and goes when udev has
// handled its remove event (links gone). A host without udev's database
// (a container, a minimal host) has nothing to wait for.

#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::udev {

// How long a caller waits for udev before going on with a warning.
constexpr Duration grace{10000};

// "<major>:<minor>" of a block device by kernel name ("sda", "dm-0"), nullopt
// when it is not there.
std::optional<std::string> device_number(Host& host, const std::string& kernel_name);

// Waits (at most `bound`) until udev has handled the add event of a block
// device; false, with a warning logged, when it has not by then.
bool wait_handled(Host& host, const std::string& kernel_name, Duration bound);

// Waits (at most `bound`) until udev has handled the remove events of block
// devices that were removed (numbers from device_number() taken before). A
// number that a new device took meanwhile is not waited for. Logs a warning
// naming those udev has not handled by then.
void wait_forgotten(Host& host, const std::vector<std::string>& numbers, Duration bound);

}  // namespace brick::udev
