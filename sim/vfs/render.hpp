#pragma once
// Renders the model into the file tree a connector sees: /sys (iSCSI and FC
// transport classes, SCSI hosts, devices and disks, dm maps), /dev (nodes and
// udev links), /etc (iSCSI and multipath files) and the writable store.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/model/model.hpp"
#include "sim/vfs/tree.hpp"

namespace brick::sim {

// The whole tree of the model, rendered from nothing.
Tree render(const Model& model);

// Keeps a tree up to date with a model, rendering again only the parts whose
// objects changed (a session, a device, a map, a link, a node record, ...):
// with a thousand volumes attached, a change costs a fingerprint per object,
// not a thousand volumes' files. The tree equals render(model) after update.
class TreeRenderer {
  public:
    // extra_files: (path, content) the front end adds (its /proc files).
    const Tree& update(const Model& model,
                       const std::vector<std::pair<std::string, std::string>>& extra_files = {});
    const Tree& tree() const { return tree_; }

  private:
    struct Part {
        std::uint64_t fingerprint = 0;
        std::vector<std::string> paths;  // as put, erased when the part changes or goes
        std::uint64_t seen = 0;          // the last update that found its object
    };
    // Renders the part of key again when its fingerprint changed; true if it did.
    template <typename Key, typename Render>
    bool part(std::map<Key, Part>& parts, const Key& key, std::uint64_t fingerprint, Render render);
    // Erases the parts whose object is gone; true if there was one.
    template <typename Key>
    bool sweep(std::map<Key, Part>& parts);
    bool copied_part(const std::string& key, const Tree& scratch);

    Tree tree_;
    std::map<std::string, Part> named_;  // the parts the model has one of
    std::map<unsigned, Part> hosts_;
    std::map<unsigned, Part> sessions_;
    std::map<ScsiAddress, Part> devices_;
    std::map<std::string, Part> maps_;
    std::map<std::string, Part> links_;
    std::map<std::string, Part> nodes_;
    std::vector<std::string> store_;  // NFS, RBD, LVM, dm-crypt and the store's paths
    std::uint64_t generation_ = 0;
};

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
