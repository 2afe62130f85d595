#pragma once
// The mount table (/proc/mounts) parsed once into typed values, and the
// share naming os-brick's RemoteFsClient uses.

#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::nfs {

struct Mount {
    std::string source;       // "127.0.0.1:/srv/nfs"
    std::string mount_point;  // octal escapes (\040) decoded
    std::string type;         // "nfs", "nfs4"
    std::string options;      // "rw,relatime,vers=4.1,..."
};

// Parses /proc/mounts text; malformed lines are skipped.
std::vector<Mount> parse_mounts(const std::string& text);
// The host's mount table; empty when /proc/mounts cannot be read.
std::vector<Mount> read_mounts(Host& host);
// The last (topmost) mount at mount_point, if any.
std::optional<Mount> mount_at(const std::vector<Mount>& mounts, const std::string& mount_point);

// The lower-case hex MD5 of text: os-brick names a share's mount point
// <base>/<md5(export)>.
std::string md5_hex(const std::string& text);

}  // namespace brick::nfs
