#pragma once
// Renders the model into the file tree a connector sees: /sys (iSCSI
// transport classes, SCSI hosts, devices and disks, dm maps), /dev (nodes and
// udev links), /etc (iSCSI and multipath files) and the writable store.

#include "sim/model/model.hpp"
#include "sim/vfs/tree.hpp"

namespace brick::sim {

Tree render(const Model& model);
// The NVMe-oF and md part (render_nvme.cpp): /sys/class/nvme, nvme-fabrics,
// nvme-subsystem, namespace disks and hidden path devices, /dev/nvme-fabrics,
// md arrays, /etc/nvme.
void render_nvme(Tree& tree, const Model& model);
// NFS mounts (/proc/mounts and the files under each mount point), RBD
// mappings, LVM logical volumes and dm-crypt mappings (render_storage.cpp).
// Runs after the other parts: a dm-crypt mapping links to the device under it.
void render_storage(Tree& tree, const Model& model);

}  // namespace brick::sim
