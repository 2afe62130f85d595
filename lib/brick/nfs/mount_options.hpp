#pragma once
// NFS mount options from the storage service (data.options) and from the
// host's configuration (nfs_mount_options). They end up on mount's command
// line as root, so only the options of nfs(5) and the generic ones that only
// restrict a mount are accepted; "remount", "bind", "loop", "X-mount.*" and
// every other flag of mount(8) are refused.

#include <string>
#include <string_view>
#include <vector>

namespace brick::nfs {

// Checks a comma-separated option list ("vers=4,minorversion=1,proto=tcp")
// and returns it unchanged; throws invalid_properties naming field.
std::string check_option_list(const std::string& field, std::string_view list);

// Checks mount flags as os-brick splits data.options ("-o vers=4" ->
// {"-o", "vers=4"}; "-overs=4" also accepted); throws invalid_properties.
void check_mount_flags(const std::string& field, const std::vector<std::string>& flags);

// Whether a list names the NFS version (vers=, nfsvers=, v3, v4.1, ...).
bool names_version(std::string_view list);

// list with option set to value (replacing an existing option of that name).
std::string with_option(std::string_view list, std::string_view option, std::string_view value);

}  // namespace brick::nfs
