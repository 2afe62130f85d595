#pragma once
// NVMe-oF controllers and namespaces as the kernel shows them in sysfs
// (/sys/class/nvme-fabrics/ctl, /sys/class/nvme-subsystem, /sys/block),
// parsed once into typed values.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"
#include "brick/nvmeof/properties.hpp"

namespace brick::nvmeof {

// The controller's `address` attribute as key=value fields. Kernel 6.1 writes
// "traddr=127.0.0.1,trsvcid=4420,src_addr=127.0.0.1"; host_traddr and
// host_iface appear when the connect set them. Fields, not the whole string,
// identify a portal. Only the first line counts (up to a newline or a NUL).
std::map<std::string, std::string> parse_address(std::string_view address);

struct Controller {
    std::string name;       // "nvme3"
    unsigned instance = 0;  // 3
    std::string subsystem_nqn;
    std::string transport;  // "tcp", "rdma"
    std::map<std::string, std::string> address;
    std::string state;  // "live", "connecting", "resetting", "deleting", "new", "dead"
    std::string host_nqn;
    std::string subsystem;  // "nvme-subsys2", or empty

    // This controller reaches portal of the subsystem nqn as host host_nqn
    // (an empty host_nqn matches any).
    bool matches(const std::string& nqn, const TargetPortal& portal,
                 const std::string& host_nqn) const;
};

struct Namespace {
    std::string name;   // block device: "nvme2n1" (a head with native multipath)
    std::string uuid;   // lower-case, or empty
    std::string nguid;  // lower-case hex without dashes, or empty
    std::uint32_t nsid = 0;
    std::uint64_t size_bytes = 0;
    bool has_device_node = false;
    std::string device_path() const { return "/dev/" + name; }
};

// The host's fabric controllers; with subsystem_nqn, only those of that
// subsystem (the others cost one read each, not six: a connect waiting for its
// namespace looks again at every change on a host with many controllers).
std::vector<Controller> read_controllers(Host& host, const std::string& subsystem_nqn = {});

// Namespaces reachable through a controller: the subsystem's head devices
// (native multipath) or the controller's own namespace devices; never the
// hidden nvmeXcYnZ path devices.
std::vector<Namespace> namespaces_of(Host& host, const Controller& controller);

std::optional<Namespace> read_namespace(Host& host, const std::string& name);

// The namespace whose identifiers are the target's: by UUID, else NGUID, else NSID.
bool namespace_matches(const Namespace& ns, const Target& target);

bool native_multipath(Host& host);

}  // namespace brick::nvmeof
