#pragma once
// The NVMe-oF connector (TCP and RDMA): controllers created through
// /dev/nvme-fabrics, namespaces found by UUID, NGUID or NSID and verified,
// native NVMe multipath, and md RAID1 over replicas.

#include <memory>
#include <string>

#include "brick/connector/connector.hpp"

namespace brick::nvmeof {

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options);

// How a caller spells the three controller timeouts of ConnectorOptions, for
// errors: the option names by default, the `brick` tool its flags.
struct TimeoutNames {
    std::string ctrl_loss_tmo = "nvme_ctrl_loss_tmo";
    std::string reconnect_delay = "nvme_reconnect_delay";
    std::string keep_alive_tmo = "nvme_keep_alive_tmo";
};

// Checks the controller timeouts against what a connect can use: ctrl_loss_tmo
// -1 (never give up) or 0 and up, reconnect_delay 1 and up (Linux refuses 0),
// keep_alive_tmo 1 up to 4294967 (0 turns keep-alive off, which Linux allows
// for debugging only; the Connect command carries it in milliseconds in 32
// bits). Throws invalid_properties naming the first value out of range.
void check_timeouts(const ConnectorOptions& options, const TimeoutNames& names = {});

}  // namespace brick::nvmeof
