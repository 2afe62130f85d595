#pragma once
// The NFS connector (os-brick's RemoteFsConnector for NFS): the export is
// mounted at <mount_point_base>/<md5 hex of the export>, as os-brick's
// RemoteFsClient names it, and the volume is the file <name> in it.
//
// Unlike os-brick 6.1, which never unmounts, disconnect unmounts the share
// when no other volume of that export is attached on this host. Volumes in
// use are recorded as empty files /run/brick/nfs/<md5>/<name> (a tmpfs: the
// records go with a reboot, as the mounts do).

#include <memory>

#include "brick/connector/connector.hpp"

namespace brick::nfs {

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options);

}  // namespace brick::nfs
