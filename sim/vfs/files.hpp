#pragma once
// File operations on the model, shared by every front end: reads and listings
// from a rendered tree, and writes with their kernel effects (a write to
// scan adds a SCSI device, to delete removes it, ...), faults applied.

#include <string>
#include <string_view>
#include <vector>

#include "brick/host/host.hpp"
#include "sim/model/model.hpp"
#include "sim/vfs/tree.hpp"

namespace brick::sim {

IoStatus tree_read(const Tree& tree, const std::string& path, std::string& content);
IoStatus tree_list(const Tree& tree, const std::string& path, std::vector<std::string>& names);
IoStatus tree_read_link(const Tree& tree, const std::string& path, std::string& target);
IoStatus tree_stat(const Tree& tree, const std::string& path, FileInfo& info, bool no_follow);

// What a write does. Store writes (paths outside /sys and /dev that the model
// does not own) apply at once; kernel attribute writes return the model's
// effect for the front end to time (sysfs_write_fails / _blocks applied here).
WriteEffect write_path(Model& model, const Tree& tree, const std::string& path,
                       std::string_view data, bool create_private);
IoStatus make_dirs_path(Model& model, const Tree& tree, const std::string& path);
IoStatus remove_path(Model& model, const Tree& tree, const std::string& path);

}  // namespace brick::sim
