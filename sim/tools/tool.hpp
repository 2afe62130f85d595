#pragma once
// The fake host programs. Each one works on the model and answers as the
// Debian 12 program does (output text and exit status), rendered from the
// model's state. A tool run costs virtual time (duration_ms), which the front
// end spends before returning the result.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/model/model.hpp"
#include "sim/vfs/tree.hpp"

namespace brick::sim {

struct ToolContext {
    Model& model;
    std::function<const Tree&()> tree;  // the current rendered tree
    // Writes a file with its kernel effect applied now (tee); returns an errno
    // and adds the write's blocking time to the tool's duration.
    std::function<int(const std::string& path, std::string_view data, unsigned& duration_ms)> write;
};

struct ToolResult {
    int exit_status = 0;
    std::string out;
    std::string err;
    unsigned duration_ms = 0;
    bool not_found = false;
    // Non-zero when the host refused the request (a daemon the tool hands
    // it to is not running: ECONNREFUSED): the invariant checker waives what
    // a forced operation could not remove because of it.
    int refused_errno = 0;
};

// Runs argv (argv[0] a bare name or a path; dispatch is on the basename).
// An unknown program gives not_found.
// Registers (brick::register_secret) the secrets an argument vector carries:
// the value after "-v" of a setting named "*.password" or "*.password_in"
// (iscsiadm's CHAP settings). The simulator's front ends call it before they
// trace a run, so a secret the fabric does not know (a wrong one sent by the
// client) is masked as well.
void register_argument_secrets(const std::vector<std::string>& argv);

ToolResult run_tool(ToolContext& context, const std::vector<std::string>& argv,
                    const std::string& input);

// The basenames of the programs the simulator provides.
std::vector<std::string> tool_names();

// One entry point per tool (args without argv[0]).
ToolResult run_iscsiadm(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_blockdev(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_multipath(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_multipathd(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_udevadm(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_scsi_id(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_dmsetup(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_lsscsi(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_lsblk(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_nvme(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_mdadm(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_tee(ToolContext& context, const std::vector<std::string>& args,
                   const std::string& input);
ToolResult run_mount(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_umount(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_rbd(ToolContext& context, const std::vector<std::string>& args);
ToolResult run_cryptsetup(ToolContext& context, const std::vector<std::string>& args,
                          const std::string& input);

// The device name ("sdb", "dm-0") a /dev path (or link to it) names; empty if none.
std::string device_name_of(ToolContext& context, const std::string& path);
// Left-aligned text padded with spaces to width.
std::string pad(std::string text, std::size_t width);
// Rows of fields as multipath-tools prints its tables: every field padded to
// its column's widest value, columns joined by one space, one line per row.
std::string columns(const std::vector<std::vector<std::string>>& rows);
// A byte count as multipath-tools prints sizes: 1024-based, K to P, one
// decimal below 10 ("1.0G", "64M").
std::string multipath_size(std::uint64_t bytes);

}  // namespace brick::sim
