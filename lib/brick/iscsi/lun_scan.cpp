#include "brick/iscsi/lun_scan.hpp"

#include <algorithm>
#include <string>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/scsi/disk.hpp"

namespace brick::iscsi {
namespace {

constexpr Duration longest_interval{8000};
constexpr Duration scan_write_timeout{10000};

}  // namespace

LunScans::LunScans(Host& host, bool logged_in_then)
    : host_(host), counted_(logged_in_then), last_(host.now()) {}

bool LunScans::due(bool logged_in_now) {
    return logged_in_now && (!counted_ || host_.now() - last_ >= interval_);
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
                       std::clamp(left, Duration(1), scan_write_timeout));
    } catch (const Error& e) {
        log::warning("scanning again: " + std::string(e.what()));
    }
    if (counted_) {
        interval_ = std::min(interval_ * 2, longest_interval);
    }
    counted_ = true;
    last_ = host_.now();
}

}  // namespace brick::iscsi
