#include "map_check.hpp"

#include "brick/multipath/map.hpp"

namespace brick::lab {

std::vector<std::string> check_map(Host& host, const DeviceInfo& device,
                                   const nlohmann::json& params) {
    std::vector<std::string> problems;
    if (!device.multipath_id) {
        problems.push_back("the connect returned " + device.path + ", not a multipath map");
        return problems;
    }
    const auto map = multipath::map_for_wwid(host, *device.multipath_id);
    if (!map) {
        problems.push_back("no multipath map for " + *device.multipath_id);
        return problems;
    }
    if (map->device_path() != device.path) {
        problems.push_back("the map of " + *device.multipath_id + " is " + map->device_path() +
                           ", the connect returned " + device.path);
    }
    const auto wanted = params.value("paths", std::size_t{0});
    if (map->paths.size() != wanted) {
        std::string names;
        for (const auto& path : map->paths) {
            names += (names.empty() ? "" : ", ") + path;
        }
        problems.push_back(map->device + " has " + std::to_string(map->paths.size()) + " paths (" +
                           names + "), expected " + std::to_string(wanted));
    }
    for (const auto& path : map->paths) {
        const auto state = host.read_attribute("/sys/block/" + path + "/device/state");
        if (state.value_or("") != "running") {
            problems.push_back("path " + path + " of " + map->device + " is " +
                               state.value_or("gone"));
        }
    }
    return problems;
}

}  // namespace brick::lab
