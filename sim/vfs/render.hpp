#pragma once
// Renders the model into the file tree a connector sees: /sys (iSCSI
// transport classes, SCSI hosts, devices and disks, dm maps), /dev (nodes and
// udev links), /etc (iSCSI and multipath files) and the writable store.

#include "sim/model/model.hpp"
#include "sim/vfs/tree.hpp"

namespace brick::sim {

Tree render(const Model& model);
// Where a SCSI host's device lies below /sys/devices (an FC host under its
// HBA's PCI function), and an FC remote port's below its host.
std::string scsi_host_dir(const HostState& state, unsigned number);
std::string fc_rport_dir(const HostState& state, const FcRemotePort& rport);
// The NVMe-oF and md part (render_nvme.cpp): /sys/class/nvme, nvme-fabrics,
// nvme-subsystem, namespace disks and hidden path devices, /dev/nvme-fabrics,
// md arrays, /etc/nvme.
void render_nvme(Tree& tree, const Model& model);
// The Fibre Channel part (render_fc.cpp): /sys/class/fc_host,
// fc_remote_ports and fc_transport, laid out under the HBA's PCI function.
void render_fc(Tree& tree, const Model& model);
// NFS mounts (/proc/mounts and the files under each mount point), RBD
// mappings, LVM logical volumes and dm-crypt mappings (render_storage.cpp).
// Runs after the other parts: a dm-crypt mapping links to the device under it.
void render_storage(Tree& tree, const Model& model);

}  // namespace brick::sim
