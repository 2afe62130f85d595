#include "soft_roce.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>

#include "brick/core/error.hpp"
#include "brick/host/wait.hpp"

namespace brick::lab {

namespace {

constexpr Duration tool_timeout{30000};
// The GID shows up once the rxe link's work item has read the netdev's
// addresses: about a second under TCG, measured.
constexpr Duration gid_timeout{15000};
constexpr const char* infiniband = "/sys/class/infiniband";

bool is_loopback(const std::string& address) {
    return address == "::1" || address.rfind("127.", 0) == 0;
}

// The addresses this project puts on devices of its own (the scenario
// schema's soft_roce_portal): nothing else is ever added to a kernel.
bool is_soft_roce_range(const std::string& address) {
    return address.rfind("10.98.", 0) == 0;
}

}  // namespace

std::string roce_gid(const std::string& address) {
    std::array<unsigned char, 16> bytes{};
    if (address.find(':') != std::string::npos) {
        if (::inet_pton(AF_INET6, address.c_str(), bytes.data()) != 1) {
            return {};
        }
    } else {
        bytes[10] = 0xff;
        bytes[11] = 0xff;
        if (::inet_pton(AF_INET, address.c_str(), bytes.data() + 12) != 1) {
            return {};
        }
    }
    std::string text;
    for (std::size_t i = 0; i < bytes.size(); i += 2) {
        std::array<char, 6> group{};
        std::snprintf(group.data(), group.size(), "%s%02x%02x", i == 0 ? "" : ":", bytes[i],
                      bytes[i + 1]);
        text += group.data();
    }
    return text;
}

std::vector<std::string> SoftRoce::devices_with(const std::string& address) {
    const auto gid = roce_gid(address);
    std::vector<std::string> found;
    std::vector<std::string> devices;
    host_.list_dir(infiniband, devices);
    for (const auto& device : devices) {
        const auto ports_dir = std::filesystem::path(infiniband) / device / "ports";
        std::vector<std::string> ports;
        host_.list_dir(ports_dir.string(), ports);
        for (const auto& port : ports) {
            const auto gids_dir = ports_dir / port / "gids";
            std::vector<std::string> indexes;
            host_.list_dir(gids_dir.string(), indexes);
            const bool owns = std::any_of(indexes.begin(), indexes.end(), [&](const auto& index) {
                return host_.read_attribute((gids_dir / index).string()).value_or("") == gid;
            });
            if (owns) {
                found.push_back(device);
                break;
            }
        }
    }
    return found;
}

void SoftRoce::run(const std::vector<std::string>& argv) {
    const auto result = host_.run(Command{argv, {}, tool_timeout});
    if (!result.ok()) {
        std::string line;
        for (const auto& arg : argv) {
            line += line.empty() ? "" : " ";
            line += arg;
        }
        throw Error(ErrorCategory::host_error,
                    "soft RoCE: " + line + " failed" +
                        (result.not_found ? " (not installed: iproute2)" : ": " + result.err));
    }
}

void SoftRoce::add(const std::string& address) {
    if (roce_gid(address).empty()) {
        throw Error(ErrorCategory::not_supported,
                    "soft RoCE: portal address " + address + " is not an IP address");
    }
    if (is_loopback(address)) {
        throw Error(ErrorCategory::not_supported,
                    "soft RoCE: portal address " + address +
                        " is loopback; rxe needs an address on another device (nvme-rdma "
                        "cannot resolve a route to 127.0.0.1 over rxe)");
    }
    if (!devices_with(address).empty()) {
        return;
    }
    if (!is_soft_roce_range(address)) {
        throw Error(ErrorCategory::not_supported,
                    "soft RoCE: no RDMA device owns " + address +
                        ", and only addresses in 10.98.0.0/16 are added to a device here");
    }
    // The first free name of this project's devices.
    std::string netdev;
    for (int n = 0; netdev.empty(); ++n) {
        const auto name = "brick-rdma" + std::to_string(n);
        if (!host_.exists("/sys/class/net/" + name) &&
            !host_.exists((std::filesystem::path(infiniband) / (name + "-rxe")).string())) {
            netdev = name;
        }
    }
    const auto rdma_link = netdev + "-rxe";
    run({"ip", "link", "add", netdev, "type", "dummy"});
    created_.push_back({netdev, {}});
    run({"ip", "address", "add", address + "/32", "dev", netdev});
    run({"ip", "link", "set", netdev, "up"});
    run({"rdma", "link", "add", rdma_link, "type", "rxe", "netdev", netdev});
    created_.back().rdma_link = rdma_link;
    if (!wait_until(host_, gid_timeout, [&] { return !devices_with(address).empty(); },
                    {.watch_paths = {}, .block_events = false, .poll_interval = Duration(50)})) {
        throw Error(ErrorCategory::host_error, "soft RoCE: " + address + " did not appear in " +
                                                   rdma_link + "'s GID table within " +
                                                   std::to_string(gid_timeout.count()) + " ms");
    }
}

void SoftRoce::clear() {
    // Newest first, each rxe link before the device under it.
    std::for_each(created_.rbegin(), created_.rend(), [this](const Created& created) {
        if (!created.rdma_link.empty()) {
            host_.run(Command{{"rdma", "link", "delete", created.rdma_link}, {}, tool_timeout});
        }
        host_.run(Command{{"ip", "link", "delete", created.netdev}, {}, tool_timeout});
    });
    created_.clear();
}

}  // namespace brick::lab
