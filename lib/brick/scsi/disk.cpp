#include "brick/scsi/disk.hpp"

#include <array>
#include <cstdio>

#include "brick/core/error.hpp"
#include "brick/core/sysfs_name.hpp"
#include "brick/host/trace.hpp"
#include "brick/host/wait.hpp"
#include "brick/scsi/vpd83.hpp"

namespace brick::scsi {
namespace {

std::string session_independent_device_dir(const std::string& name) {
    return "/sys/block/" + name + "/device";
}

}  // namespace

std::string Address::to_string() const {
    return std::to_string(host) + ":" + std::to_string(channel) + ":" + std::to_string(target) +
           ":" + std::to_string(lun);
}

std::optional<Address> Address::parse(std::string_view text) {
    std::array<std::string_view, 4> parts;
    for (std::size_t i = 0; i < 4; ++i) {
        const auto colon = text.find(':');
        if ((colon == std::string_view::npos) != (i == 3)) {
            return std::nullopt;
        }
        parts.at(i) = text.substr(0, colon);
        text = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    }
    auto h = kernel_number<unsigned>(parts[0]);
    auto c = kernel_number<unsigned>(parts[1]);
    auto t = kernel_number<unsigned>(parts[2]);
    auto l = kernel_number<std::uint64_t>(parts[3]);
    if (!h || !c || !t || !l) {
        return std::nullopt;
    }
    return Address{*h, *c, *t, *l};
}

bool Disk::ready() const {
    return has_device_node && size_bytes > 0 && state == "running" && !scsi_id.empty();
}

std::optional<Disk> read_disk(Host& host, const std::string& name) {
    const auto dir = session_independent_device_dir(name);
    std::string target;
    if (!host.read_link(dir, target).ok()) {
        return std::nullopt;
    }
    Disk disk;
    disk.name = name;
    const auto slash = target.rfind('/');
    auto address = Address::parse(slash == std::string::npos ? target : target.substr(slash + 1));
    if (!address) {
        return std::nullopt;
    }
    disk.address = *address;
    disk.state = host.read_attribute(dir + "/state").value_or("");
    if (auto sectors = host.read_attribute("/sys/block/" + name + "/size")) {
        disk.size_bytes = sectors_in_bytes(*sectors).value_or(0);
    }
    disk.sysfs_wwid = host.read_attribute(dir + "/wwid").value_or("");
    std::string page;
    if (host.read_file(dir + "/vpd_pg83", page).ok()) {
        disk.scsi_id = scsi_id_from_vpd83(page).value_or("");
    }
    if (disk.scsi_id.empty()) {
        disk.scsi_id = scsi_id_from_sysfs_wwid(disk.sysfs_wwid).value_or("");
    }
    FileInfo info;
    disk.has_device_node =
        host.stat("/dev/" + name, info).ok() && info.type == FileType::block_device;
    host.list_dir("/sys/block/" + name + "/holders", disk.holders);
    return disk;
}

std::optional<std::string> disk_name_at(Host& host, const Address& address) {
    std::vector<std::string> names;
    const auto dir = "/sys/class/scsi_device/" + address.to_string() + "/device/block";
    if (!host.list_dir(dir, names).ok() || names.empty()) {
        return std::nullopt;
    }
    return names.front();
}

std::vector<Address> devices_on_host(Host& host, unsigned scsi_host) {
    std::vector<Address> found;
    std::vector<std::string> names;
    if (!host.list_dir("/sys/class/scsi_device", names).ok()) {
        return found;
    }
    for (const auto& name : names) {
        if (auto address = Address::parse(name); address && address->host == scsi_host) {
            found.push_back(*address);
        }
    }
    return found;
}

std::vector<std::string> disk_names_for_lun(Host& host, unsigned scsi_host, std::uint64_t lun) {
    std::vector<std::string> found;
    for (const auto& address : devices_on_host(host, scsi_host)) {
        if (address.lun == lun) {
            if (auto name = disk_name_at(host, address)) {
                found.push_back(*name);
            }
        }
    }
    return found;
}

void scan_lun(Host& host, unsigned scsi_host, std::optional<unsigned> channel,
              std::optional<unsigned> target, std::uint64_t lun, Duration deadline) {
    const auto text = (channel ? std::to_string(*channel) : std::string("-")) + " " +
                      (target ? std::to_string(*target) : std::string("-")) + " " +
                      std::to_string(lun);
    const auto path = "/sys/class/scsi_host/host" + std::to_string(scsi_host) + "/scan";
    const auto status = host.write_file(path, text, deadline);
    if (!status.ok()) {
        throw Error(status.error == ETIMEDOUT ? ErrorCategory::timeout : ErrorCategory::host_error,
                    "scanning LUN " + std::to_string(lun) + " on SCSI host " +
                        std::to_string(scsi_host) + " (" + path + "): " + errno_name(status.error));
    }
}

void rescan_disk(Host& host, const std::string& name, Duration deadline) {
    const auto path = session_independent_device_dir(name) + "/rescan";
    const auto status = host.write_file(path, "1", deadline);
    if (!status.ok()) {
        throw Error(ErrorCategory::host_error,
                    "rescanning " + name + " (" + path + "): " + errno_name(status.error));
    }
}

void flush_buffers(Host& host, const std::string& device_path, Duration deadline) {
    const auto result = host.run(Command{{"blockdev", "--flushbufs", device_path}, {}, deadline});
    if (!result.ok()) {
        throw Error(result.timed_out ? ErrorCategory::timeout : ErrorCategory::command_failed,
                    "flushing " + device_path + " failed (blockdev exit " +
                        std::to_string(result.exit_status) + "): " + result.err);
    }
}

void delete_disk(Host& host, const std::string& name, Duration deadline) {
    const auto path = session_independent_device_dir(name) + "/delete";
    const auto start = host.now();
    const auto status = host.write_file(path, "1", deadline);
    if (!status.ok() && status.error != ENOENT) {
        throw Error(status.error == ETIMEDOUT ? ErrorCategory::timeout : ErrorCategory::host_error,
                    "deleting " + name + " (" + path + "): " + errno_name(status.error));
    }
    const auto left = std::chrono::duration_cast<Duration>(deadline - (host.now() - start));
    WaitHints hints;
    hints.watch_paths = {"/dev"};
    if (!wait_until(
            host, std::max(left, Duration(0)), [&] { return !host.exists("/sys/block/" + name); },
            hints)) {
        throw Error(ErrorCategory::timeout, "the kernel did not remove " + name + " after delete");
    }
}

DeviceIdentity read_device_identity(Host& host, const Address& address) {
    const auto dir = "/sys/class/scsi_device/" + address.to_string() + "/device";
    DeviceIdentity identity;
    identity.sysfs_wwid = host.read_attribute(dir + "/wwid").value_or("");
    std::string page;
    if (host.read_file(dir + "/vpd_pg83", page).ok()) {
        identity.scsi_id = scsi_id_from_vpd83(page).value_or("");
    }
    if (identity.scsi_id.empty()) {
        identity.scsi_id = scsi_id_from_sysfs_wwid(identity.sysfs_wwid).value_or("");
    }
    return identity;
}

void delete_device(Host& host, const Address& address, Duration deadline) {
    const auto dir = "/sys/class/scsi_device/" + address.to_string();
    const auto start = host.now();
    const auto status = host.write_file(dir + "/device/delete", "1", deadline);
    if (!status.ok() && status.error != ENOENT) {
        throw Error(
            status.error == ETIMEDOUT ? ErrorCategory::timeout : ErrorCategory::host_error,
            "deleting SCSI device " + address.to_string() + ": " + errno_name(status.error));
    }
    const auto left = std::chrono::duration_cast<Duration>(deadline - (host.now() - start));
    if (!wait_until(host, std::max(left, Duration(0)), [&] { return !host.exists(dir); })) {
        throw Error(ErrorCategory::timeout,
                    "the kernel did not remove SCSI device " + address.to_string());
    }
}

std::string by_path_lun(std::uint64_t lun) {
    if (lun < 256) {
        return std::to_string(lun);
    }
    std::array<char, 32> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "0x%04x%04x00000000",
                  static_cast<unsigned>(lun & 0xFFFFU),
                  static_cast<unsigned>((lun >> 16U) & 0xFFFFU));
    return buffer.data();
}

}  // namespace brick::scsi
