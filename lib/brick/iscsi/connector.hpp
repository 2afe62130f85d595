#pragma once
// The iSCSI (and iSER) connector: node records and logins through iscsiadm,
// targeted SCSI scans, identity checks, dm-multipath, and a disconnect that
// removes exactly this volume's devices, maps and sessions.

#include <memory>

#include "brick/connector/connector.hpp"

namespace brick::iscsi {

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options, bool iser);

}  // namespace brick::iscsi
