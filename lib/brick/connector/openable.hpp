#pragma once
// A block device is handed out only once it can be opened. The kernel creates a
// new disk's /dev node (and udev its links) a moment before the disk is live:
// open() fails with ENXIO in between (10-635 ms measured on LIO, tgt and nvmet
// targets in QEMU guests). A caller that opens the returned path at once, as
// Nova and QEMU do, would fail. connect waits until the path opens, within the
// device deadline; a device that never opens is detached again and reported,
// unless one of the volume's paths (Connector::paths) existed before the
// connect: an attachment another caller made stays as it was. A disconnect
// first waits, bounded, until udev has handled the device's add event, so no
// link udev makes late outlives the detach.

#include <memory>

#include "brick/connector/connector.hpp"

namespace brick {

std::unique_ptr<Connector> wrap_openable(std::unique_ptr<Connector> inner, Host& host,
                                         const ConnectorOptions& options);

}  // namespace brick
