#pragma once
// The NVMe-oF connector (TCP and RDMA): controllers created through
// /dev/nvme-fabrics, namespaces found by UUID, NGUID or NSID and verified,
// native NVMe multipath, and md RAID1 over replicas.

#include <memory>

#include "brick/connector/connector.hpp"

namespace brick::nvmeof {

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options);

}  // namespace brick::nvmeof
