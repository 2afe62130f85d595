#pragma once
// Event source for RealHost::wait_until: inotify on the directories a wait
// names (/dev, /dev/disk/by-id, ...) and a libudev monitor for block, scsi and
// nvme uevents. sysfs itself emits no inotify events; the caller still polls
// at a short bounded interval as the fallback.

#include <string>
#include <vector>

#include "brick/host/host.hpp"

struct udev;
struct udev_monitor;

namespace brick {

class ChangeWatcher {
  public:
    ChangeWatcher(const std::vector<std::string>& directories, bool udev_events);
    ~ChangeWatcher();
    ChangeWatcher(const ChangeWatcher&) = delete;
    ChangeWatcher& operator=(const ChangeWatcher&) = delete;
    ChangeWatcher(ChangeWatcher&&) = delete;
    ChangeWatcher& operator=(ChangeWatcher&&) = delete;

    // Returns when an event arrived or after at most timeout.
    void wait(Duration timeout);

  private:
    int inotify_fd_ = -1;
    ::udev* udev_ = nullptr;
    ::udev_monitor* monitor_ = nullptr;
    int monitor_fd_ = -1;
};

}  // namespace brick
