#pragma once
// A rendered file tree: what the simulated host's /sys, /dev and /etc look
// like at one model generation. Paths are absolute and normalised; symbolic
// links are stored as the kernel stores them (relative for sysfs and udev).

#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "brick/host/host.hpp"
#include "sim/model/host_state.hpp"

namespace brick::sim {

// What a write to a file does in the kernel (or the daemons' files).
enum class WriteKind {
    none,
    scan,
    device_delete,
    device_rescan,
    device_state,
    initiator_name,
    store,
    nvme_fabrics,  // /dev/nvme-fabrics: a connect option string
    nvme_delete,   // a controller's delete_controller
    nvme_rescan,   // a controller's rescan_controller
    accepted       // a kernel attribute whose write succeeds and changes nothing modelled
};

struct VNode {
    FileType type = FileType::directory;
    std::string content;                         // regular files
    std::optional<std::uint64_t> apparent_size;  // a data file's size (content not rendered)
    std::string link;                            // symlinks, as stored
    unsigned major = 0;                          // block and char devices
    unsigned minor = 0;
    bool readable = true;  // write-only sysfs attributes read as EACCES
    WriteKind write = WriteKind::none;
    unsigned scsi_host = 0;  // for scan; the controller instance for nvme_* writes
    ScsiAddress address;     // for device_* writes
    // How many times the node was put and not erased; 0 for a directory that
    // exists only because something below it was put.
    unsigned refs = 0;
};

class Tree {
  public:
    Tree();
    void dir(const std::string& path);
    void file(const std::string& path, std::string content);
    // A regular file of size bytes whose data lives in the model (an NFS volume file).
    void sized_file(const std::string& path, std::uint64_t size);
    // A kernel attribute the writer acts on.
    void attribute(const std::string& path, std::string content, WriteKind write,
                   bool readable = true, unsigned scsi_host = 0, ScsiAddress address = {});
    // A symlink at path pointing at target (absolute), stored relative.
    void link(const std::string& path, const std::string& target);
    void device(const std::string& path, FileType type, unsigned major, unsigned minor,
                WriteKind write = WriteKind::none);
    // A node as another tree holds it (links already relative).
    void copy_node(const std::string& path, const VNode& node);

    // Takes back one put of path: the node goes when no put of it is left and
    // nothing is below it, and so do the directories above it that exist only
    // for it.
    void erase(const std::string& path);
    // While set, every path put is appended to paths (what an object rendered,
    // to be erased when it changes).
    void record_into(std::vector<std::string>* paths) { recording_ = paths; }

    // The node at a path, no link resolution.
    const VNode* find(const std::string& path) const;
    // Resolves every symlink on the way (and the last one when follow_last).
    // nullopt: a component is missing (ENOENT), or ELOOP / ENOTDIR in error.
    std::optional<std::string> resolve(const std::string& path, bool follow_last, int& error) const;
    // Sorted entry names of a directory (real path).
    std::vector<std::string> children(const std::string& dir_path) const;
    // Every node by path, "/" first.
    const std::map<std::string, VNode>& nodes() const { return nodes_; }

  private:
    struct Resolved {
        std::optional<std::string> path;
        int error = 0;
    };
    VNode& put(const std::string& path, VNode node);
    // The parent directories of path, made where missing (with no put of their own).
    void make_parents(const std::string& path);
    std::optional<std::string> walk(const std::string& path, bool follow_last, int& error) const;
    std::map<std::string, VNode> nodes_;
    std::map<std::string, std::set<std::string>> children_;
    std::vector<std::string>* recording_ = nullptr;
    // resolve() answers by (path, follow_last): the tree changes only through
    // put() and erase(), which forget them, and a connector reads the same
    // paths again and again while it polls.
    mutable std::array<std::unordered_map<std::string, Resolved>, 2> resolved_;
};

// "/a/b/../c/./d/" -> "/a/c/d".
std::string normalise_path(const std::string& path);
// The relative link from the directory of link_path to target.
std::string relative_link(const std::string& link_path, const std::string& target);

}  // namespace brick::sim
