#pragma once
// Creating and deleting NVMe-oF controllers through the kernel's fabrics
// interface: a write to /dev/nvme-fabrics (what `nvme connect` does, without
// the program run) and a write to the controller's delete_controller.

#include <string>

#include "brick/connector/connector.hpp"
#include "brick/nvmeof/controller.hpp"

namespace brick::nvmeof {

struct HostIdentity {
    std::string nqn;  // empty: the kernel's default host NQN
    std::string id;   // empty: the kernel generates one
};

// The option string written to /dev/nvme-fabrics.
std::string connect_options(const std::string& subsystem_nqn, const TargetPortal& portal,
                            const HostIdentity& identity, const ConnectorOptions& options);

// Connects one portal. Throws target_unreachable / login_failed /
// authentication_failed with what the kernel said. EALREADY is success.
void connect_portal(Host& host, const std::string& subsystem_nqn, const TargetPortal& portal,
                    const HostIdentity& identity, const ConnectorOptions& options);

// Deletes a controller and waits until the kernel removed it.
void delete_controller(Host& host, const Controller& controller, Duration deadline);

}  // namespace brick::nvmeof
