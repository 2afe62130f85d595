#pragma once
// LUKS on an attached block device, as os-brick's LuksEncryptor does it: the
// mapping is named crypt-<basename of the attached path> and shows up as
// /dev/mapper/crypt-<name>; a device without a LUKS header is formatted on
// first use.
//
// cryptsetup runs through the host seam with the passphrase on its standard
// input (--key-file=-): a private pipe, never a command line, and registered
// as a secret so no log line or trace shows it. Running the tool rather than
// linking libcryptsetup keeps every host access behind the seam, so the
// simulator models it with a fake cryptsetup like every other tool.

#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::encryption {

struct LuksOptions {
    std::string passphrase;
    std::string format = "luks";  // a blank device gets: luks (LUKS1) or luks2
    bool read_only = false;
    Duration iter_time{0};  // cryptsetup --iter-time for a format; 0: its default
    Duration command_timeout{30000};
    Duration device_timeout{20000};
};

// A dm-crypt mapping (/sys/block/dm-N with a CRYPT- uuid).
struct CryptMapping {
    std::string name;                 // "crypt-sdb"
    std::string dm_device;            // "dm-3"
    std::string uuid;                 // "CRYPT-LUKS1-<hex>-crypt-sdb"
    std::vector<std::string> slaves;  // the device under it ("sdb")
};

// "crypt-" + the last component of the path connect returned.
std::string mapping_name(const std::string& attached_path);

std::optional<CryptMapping> find_mapping(Host& host, const std::string& name);

// Opens LUKS on device_path as name and returns /dev/mapper/<name>. Throws
// authentication_failed for a wrong passphrase, wrong_device when a mapping
// of that name sits on another device.
std::string open_luks(Host& host, const std::string& device_path, const std::string& name,
                      const LuksOptions& options);

// Flushes and closes the mapping; nothing to do when it is not open. Throws
// would_lose_data when the flush fails, host_error when the mapping is busy.
void close_luks(Host& host, const std::string& name, Duration command_timeout);

// The mapping's size in bytes after `cryptsetup resize` (the device under it grew).
std::uint64_t resize_luks(Host& host, const std::string& name, const LuksOptions& options);

}  // namespace brick::encryption
