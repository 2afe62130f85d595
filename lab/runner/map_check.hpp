#pragma once
// The "map" check of a scenario: the multipath map an attached volume's
// connect returned has the paths the scenario expects, each running, read
// through the host seam (sysfs), so the same check runs on the simulator and
// on a real kernel.
//
//   {"check": "map", "params": {"volume": "vol1", "paths": 2}}

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "brick/connector/connector.hpp"
#include "brick/host/host.hpp"

namespace brick::lab {

// One line per thing not as the check expects; empty when all is. device:
// what the volume's connect returned.
std::vector<std::string> check_map(Host& host, const DeviceInfo& device,
                                   const nlohmann::json& params);

}  // namespace brick::lab
