#include "brick/iscsi/lun_scan.hpp"

#include <algorithm>
#include <string>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/host/wait.hpp"
#include "brick/scsi/disk.hpp"

namespace brick::iscsi {
namespace {

// 1, 2, 4 and then every 8 s after the last scan.
constexpr Backoff rescan_backoff{.first = Duration(1000), .factor = 2.0, .cap = Duration(8000)};

}  // namespace

LunScans::LunScans(Host& host, bool logged_in_then)
    : host_(host), counted_(logged_in_then), last_(host.now()) {}

bool LunScans::due(bool logged_in_now) {
    return logged_in_now && (!counted_ || host_.now() - last_ >= rescan_backoff.delay(rescans_));
}

void LunScans::scan(const Session& session, std::uint64_t lun, Clock::time_point deadline) {
    if (!session.scsi_host) {
        return;
    }
    const auto left = std::chrono::duration_cast<Duration>(deadline - host_.now());
    log::info("no device at LUN " + std::to_string(lun) + " of session " +
              std::to_string(session.id) + " yet: scanning it again");
    try {
        scsi::scan_lun(host_, *session.scsi_host, session.channel, session.target, lun,
                       std::clamp(left, Duration(1), scsi::sysfs_write_timeout));
    } catch (const Error& e) {
        log::warning("scanning again: " + std::string(e.what()));
    }
    if (counted_) {
        ++rescans_;
    }
    counted_ = true;
    last_ = host_.now();
}

}  // namespace brick::iscsi
