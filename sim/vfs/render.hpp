#pragma once
// Renders the model into the file tree a connector sees: /sys (iSCSI
// transport classes, SCSI hosts, devices and disks, dm maps), /dev (nodes and
// udev links), /etc (iSCSI and multipath files) and the writable store.

#include "sim/model/model.hpp"
#include "sim/vfs/tree.hpp"

namespace brick::sim {

Tree render(const Model& model);

}  // namespace brick::sim
