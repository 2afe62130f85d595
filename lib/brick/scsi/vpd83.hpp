#pragma once
// SCSI identity. The WWID dm-multipath and udev use is scsi_id's
// (`/lib/udev/scsi_id --page 0x83 --whitelisted`): the best designator of VPD
// page 0x83 prefixed by its type (naa -> "3", eui -> "2", t10 -> "1"). It can
// differ from sysfs `wwid` when a LUN reports several designators, so both are
// read from the raw page here.

#include <optional>
#include <string>
#include <string_view>

namespace brick::scsi {

// scsi_id's identifier from the binary contents of `device/vpd_pg83`, or
// nullopt when the page has no usable designator.
std::optional<std::string> scsi_id_from_vpd83(std::string_view page);

// scsi_id's identifier from sysfs `device/wwid` ("naa.6001405...",
// "eui.0025...", "t10.LIO-ORG ..."), the fallback when vpd_pg83 is absent.
std::optional<std::string> scsi_id_from_sysfs_wwid(std::string_view wwid);

}  // namespace brick::scsi
