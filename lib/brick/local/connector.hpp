#pragma once
// The local connector: a block device already on this host (an LVM volume of
// Cinder's LVM driver on the same node, ...). Connect checks that device_path
// is a block device and returns it; disconnect has nothing to remove.

#include <memory>

#include "brick/connector/connector.hpp"

namespace brick::local {

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options);

}  // namespace brick::local
