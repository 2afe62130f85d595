#pragma once
// SCSI identity of a logical unit as the target reports it (VPD page 0x83
// designators, serial) and as the host derives it: the sysfs `wwid` attribute
// (kernel), scsi_id's identifier (udev, dm-multipath) and udev's by-id names.

#include <optional>
#include <string>
#include <vector>

namespace brick::sim {

enum class DesignatorType { t10 = 1, eui64 = 2, naa = 3 };

struct Designator {
    DesignatorType type = DesignatorType::naa;
    // naa and eui64: lowercase hex digits of the binary identifier;
    // t10: the ASCII text (8-byte vendor id followed by the vendor's id).
    std::string value;
    bool operator==(const Designator&) const = default;
};

// "naa", "eui", "t10" (and "eui64"); nullopt otherwise.
std::optional<DesignatorType> designator_type_from_name(const std::string& name);

// The raw contents of /sys/.../vpd_pg83 for these designators (all with
// association "logical unit"). An empty list gives a page with no designator.
std::string vpd83_page(const std::vector<Designator>& designators);

// The raw contents of vpd_pg80 (unit serial number page).
std::string vpd80_page(const std::string& serial);

// The designator the kernel and scsi_id prefer: NAA (6 > 5 > others), then
// EUI-64, then T10 vendor id. nullptr when none.
const Designator* preferred_designator(const std::vector<Designator>& designators);

// sysfs device/wwid: "naa.<hex>", "eui.<hex>", "t10.<text>"; empty when none.
std::string sysfs_wwid(const std::vector<Designator>& designators);

// `/lib/udev/scsi_id --page 0x83 --whitelisted` as udev exports it
// (ID_SERIAL): type digit + hex, or for t10 the text with white-space runs
// replaced by "_" and characters udev does not allow by "_"; empty when none.
std::string scsi_id(const std::vector<Designator>& designators);

// udev's wwn link name ("wwn-0x<hex>") for NAA identifiers; nullopt otherwise.
std::optional<std::string> wwn_link_name(const std::vector<Designator>& designators);

}  // namespace brick::sim
