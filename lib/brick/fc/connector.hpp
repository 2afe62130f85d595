#pragma once
// The Fibre Channel connector: the volume's LUN behind the target ports the
// properties name, reached through this host's Online initiator ports.
//
// Attach: the remote ports each initiator port sees (/sys/class/fc_remote_ports)
// are matched to the target WWPNs the properties allow for that port
// (initiator_target_map restricts both); each match gives an exact
// channel/target/LUN, scanned with "C T L" on the port's SCSI host. The
// kernel's FC transport scans only remote ports that are Online and bound to
// a SCSI target id (fc_user_scan), so a port without one cannot be reached by
// any scan: it is waited for, never replaced by a wildcard scan. Every path's
// identity is checked against the others and the expected WWID (scsi_wwn);
// with multipath the paths form a dm-multipath map as for iSCSI.
//
// Detach flushes and removes exactly the disks at the volume's addresses that
// carry its identity (and its map), on Online and failed ports alike.

#include <memory>

#include "brick/connector/connector.hpp"

namespace brick::fc {

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options);

}  // namespace brick::fc
