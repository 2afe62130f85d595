#pragma once
// The path attempts of a multipath connect, run at once as host tasks.
//
// The connect goes on once one attempt has yielded its disk and the others
// had a short grace to follow (paths to a healthy target arrive within
// moments of each other); it does not wait for a login to a portal that does
// not answer, which iscsid keeps trying for about 20 s on a real host. An
// attempt still running then is handed off: it goes on after the connect
// returned and, when it ends, its result goes to the hand-off's function (in
// the attempt's own task), which joins the path to the volume or takes back
// what it set up.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "brick/core/error.hpp"
#include "brick/host/host.hpp"
#include "brick/iscsi/properties.hpp"
#include "brick/scsi/disk.hpp"

namespace brick::iscsi {

// How long the connect waits for the other paths once the first yielded its
// disk, before it forms the map with the paths it has.
inline constexpr Duration late_path_grace{2000};

// The outcome of attaching one path.
struct PathResult {
    Target target;
    std::optional<scsi::Disk> disk;
    std::optional<Error> error;
    bool new_session = false;
    // The disk's SCSI device was not there before this attach's scan.
    bool new_disk = false;
};

class PathRace {
  public:
    // Attempts path index; ends early (with an error) once cancelled is set.
    using Attempt =
        std::function<PathResult(std::size_t index, const std::atomic<bool>& cancelled)>;
    // What becomes of a path whose attempt ended after the hand-off.
    using Late = std::function<void(const PathResult&)>;
    using Results = std::vector<std::optional<PathResult>>;

    explicit PathRace(std::size_t paths);
    PathRace(const PathRace&) = delete;
    PathRace& operator=(const PathRace&) = delete;
    PathRace(PathRace&&) = delete;
    PathRace& operator=(PathRace&&) = delete;
    // Waits for the attempts still running; they are not cancelled.
    ~PathRace();

    // Starts every attempt as a host task named "login-<name>".
    void start(Host& host, const std::vector<std::string>& names, const Attempt& attempt);

    // Waits until every attempt ended, or one yielded a disk and the others
    // had `grace` more (all bounded by deadline); returns the results so far
    // (nullopt: still running).
    Results settle(Host& host, Duration grace, Clock::time_point deadline);

    // The results of attempts that ended since settle (and the others again);
    // from now on an attempt that ends calls late(result) instead.
    Results hand_off(Late late);

    // Makes the attempts still waiting give up (on a real host within a poll
    // interval; on the simulator at the next change of the model).
    void cancel() { cancelled_ = true; }
    // Waits for every attempt (and its late part) to end.
    void join();

  private:
    Results snapshot() const;

    mutable std::mutex mutex_;
    Results results_;
    Late late_;
    bool handed_off_ = false;
    std::atomic<bool> cancelled_{false};
    std::vector<std::unique_ptr<Task>> tasks_;
};

}  // namespace brick::iscsi
