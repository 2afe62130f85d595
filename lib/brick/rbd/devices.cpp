#include "brick/rbd/devices.hpp"

#include "brick/core/sysfs_name.hpp"

namespace brick::rbd {

std::vector<MappedDevice> read_mapped(Host& host) {
    std::vector<MappedDevice> devices;
    std::vector<std::string> ids;
    host.list_dir("/sys/bus/rbd/devices", ids);
    for (const auto& name : ids) {
        const auto id = number_after(name, "");
        if (!id) {
            continue;
        }
        MappedDevice device;
        device.id = *id;
        const auto dir = device.sysfs_dir();
        const auto pool = host.read_attribute(dir + "/pool");
        const auto image = host.read_attribute(dir + "/name");
        if (!pool || !image) {
            continue;  // going away
        }
        device.pool = *pool;
        device.image = *image;
        device.snap = host.read_attribute(dir + "/current_snap").value_or("-");
        const auto size = host.read_attribute(dir + "/size").value_or("0");
        if (!size.empty() && size.find_first_not_of("0123456789") == std::string::npos &&
            size.size() < 20) {
            device.size_bytes = std::stoull(size);
        }
        devices.push_back(std::move(device));
    }
    return devices;
}

std::optional<MappedDevice> find_mapped(Host& host, const std::string& pool,
                                        const std::string& spec) {
    const auto at = spec.find('@');
    const auto image = spec.substr(0, at);
    const auto snap = at == std::string::npos ? std::string("-") : spec.substr(at + 1);
    for (auto& device : read_mapped(host)) {
        if (device.pool == pool && device.image == image && device.snap == snap) {
            return device;
        }
    }
    return std::nullopt;
}

std::string udev_link(const std::string& pool, const std::string& spec) {
    return "/dev/rbd/" + pool + "/" + spec;
}

}  // namespace brick::rbd
