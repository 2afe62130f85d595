#include "brick/host/udev.hpp"

#include <algorithm>

#include "brick/core/log.hpp"
#include "brick/host/wait.hpp"

namespace brick::udev {
namespace {

constexpr const char* database = "/run/udev/data";

std::string entry(const std::string& number) {
    return std::string(database).append("/b").append(number);
}

}  // namespace

std::optional<std::string> device_number(Host& host, const std::string& kernel_name) {
    auto number = host.read_attribute("/sys/class/block/" + kernel_name + "/dev");
    if (!number || number->empty()) {
        return std::nullopt;
    }
    return number;
}

bool wait_handled(Host& host, const std::string& kernel_name, Duration bound) {
    if (!host.exists(database)) {
        return true;
    }
    const auto number = device_number(host, kernel_name);
    if (!number) {
        return true;
    }
    if (wait_until(host, bound, [&] { return host.exists(entry(*number)); })) {
        return true;
    }
    log::warning("udev has not handled /dev/" + kernel_name + " yet (no " + entry(*number) + ")");
    return false;
}

void wait_forgotten(Host& host, const std::vector<std::string>& numbers, Duration bound) {
    if (numbers.empty() || !host.exists(database)) {
        return;
    }
    // The device is gone and udev still has it: its remove event is pending.
    const auto pending = [&](const std::string& number) {
        return host.exists(entry(number)) && !host.exists("/sys/dev/block/" + number);
    };
    if (wait_until(host, bound,
                   [&] { return std::none_of(numbers.begin(), numbers.end(), pending); })) {
        return;
    }
    std::string names;
    for (const auto& number : numbers) {
        if (pending(number)) {
            names += (names.empty() ? "" : ", ") + entry(number);
        }
    }
    log::warning("udev has not handled the removal of " + names + " yet");
}

}  // namespace brick::udev
