#pragma once
// Scanning a LUN again while its disk is awaited. The kernel skips a scan of
// a session that is not logged in (a session that failed right after its
// login), and a target may answer a scan before the LUN is ready: once the
// session is logged in and the LUN still shows no SCSI device, it is scanned
// again, at once after a scan the kernel skipped, else 1, 2, 4 and then
// every 8 s after the last scan.

#include <cstdint>

#include "brick/host/host.hpp"
#include "brick/iscsi/session.hpp"

namespace brick::iscsi {

inline constexpr const char* logged_in = "LOGGED_IN";

class LunScans {
  public:
    // After the first scan; logged_in_then: its session was logged in.
    LunScans(Host& host, bool logged_in_then);

    // Whether the next scan is due, the session being logged in now or not.
    bool due(bool logged_in_now);

    // Scans lun on the session again (bounded by deadline); a failure is
    // logged: the wait for the disk goes on.
    void scan(const Session& session, std::uint64_t lun, Clock::time_point deadline);

  private:
    Host& host_;
    bool counted_;
    Clock::time_point last_;
    int rescans_ = 0;  // counted scans since the first: the backoff step
};

}  // namespace brick::iscsi
