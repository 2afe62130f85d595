#pragma once
// The RBD connector, kernel client (os-brick's RBDConnector with
// do_local_attach): `rbd map` of pool/image with the monitors, user and
// keyring the storage service sent, /dev/rbd/<pool>/<image> as the path,
// `rbd unmap` on disconnect.
//
// The monitors and the keyring go to `rbd map` in a ceph.conf and a keyring
// file written for that one run, mode 0600 under /run/brick/rbd, and removed
// as soon as it returns (the kernel keeps the key; unmap needs none). The key
// is never on a command line, in a log line or in a trace.

#include <memory>

#include "brick/connector/connector.hpp"

namespace brick::rbd {

std::unique_ptr<Connector> make_connector(Host& host, const ConnectorOptions& options);

}  // namespace brick::rbd
