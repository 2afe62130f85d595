#pragma once
// SCSI disks as the kernel shows them in sysfs, parsed once into typed values,
// and the kernel operations on them (targeted scan, rescan, delete, flush).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::scsi {

// How long one write to a SCSI sysfs attribute (a host's scan, a disk's
// rescan or delete) may take: the deadline the connectors give each write.
inline constexpr Duration sysfs_write_timeout{10000};

// Host:channel:target:lun.
struct Address {
    unsigned host = 0;
    unsigned channel = 0;
    unsigned target = 0;
    std::uint64_t lun = 0;
    std::string to_string() const;  // "2:0:0:1"
    static std::optional<Address> parse(std::string_view text);
    bool operator==(const Address&) const = default;
};

struct Disk {
    std::string name;  // "sdb"
    Address address;
    std::string state;                 // "running", "offline", ...
    std::uint64_t size_bytes = 0;      // 0 until the kernel read the capacity
    std::string sysfs_wwid;            // device/wwid as is
    std::string scsi_id;               // scsi_id's identifier (see vpd83.hpp), may be empty
    bool has_device_node = false;      // /dev/<name> exists and is a block device
    std::vector<std::string> holders;  // "dm-0", ...

    std::string device_path() const { return "/dev/" + name; }
    // Ready for I/O: node present, capacity known, state running, identity known.
    bool ready() const;
};

// Reads /sys/block/<name> (and /dev/<name>); nullopt if the disk is gone.
std::optional<Disk> read_disk(Host& host, const std::string& name);

// The disk at exactly this address, if the kernel has one with a block device.
std::optional<std::string> disk_name_at(Host& host, const Address& address);

// The disk names under a SCSI host/target whose LUN equals lun (any channel/target).
std::vector<std::string> disk_names_for_lun(Host& host, unsigned scsi_host, std::uint64_t lun);

// All SCSI addresses (with or without a disk) on a SCSI host.
std::vector<Address> devices_on_host(Host& host, unsigned scsi_host);

// "C T L" to /sys/class/scsi_host/host<H>/scan; channel/target "-" when unknown.
// Never a wildcard LUN.
void scan_lun(Host& host, unsigned scsi_host, std::optional<unsigned> channel,
              std::optional<unsigned> target, std::uint64_t lun, Duration deadline);

// Writes "1" to device/rescan so the kernel re-reads the capacity.
void rescan_disk(Host& host, const std::string& name, Duration deadline);

// `blockdev --flushbufs <path>`; throws command_failed (or timeout).
void flush_buffers(Host& host, const std::string& device_path, Duration deadline);

// Writes "1" to device/delete and waits until the kernel removed the disk.
// Throws on a failed write or when the disk is still there at the deadline.
void delete_disk(Host& host, const std::string& name, Duration deadline);

// The identity of the SCSI device at an address, read from its sysfs device
// directory (a device sd has not bound a disk to yet has one too): scsi_id's
// identifier and the wwid attribute; both empty when it reports none.
struct DeviceIdentity {
    std::string scsi_id;
    std::string sysfs_wwid;
};
DeviceIdentity read_device_identity(Host& host, const Address& address);

// Deletes the SCSI device at an address (with or without a disk) through
// /sys/class/scsi_device/<address>/device/delete and waits until it is gone.
void delete_device(Host& host, const Address& address, Duration deadline);

// The by-path LUN spelling of udev: decimal below 256, else 0x%04x%04x00000000.
std::string by_path_lun(std::uint64_t lun);

}  // namespace brick::scsi
