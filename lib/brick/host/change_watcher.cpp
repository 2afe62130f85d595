#include "brick/host/change_watcher.hpp"

#include <libudev.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <thread>

namespace brick {

ChangeWatcher::ChangeWatcher(const std::vector<std::string>& directories, bool udev_events) {
    if (!directories.empty()) {
        inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        for (const auto& dir : directories) {
            if (inotify_fd_ >= 0) {
                ::inotify_add_watch(
                    inotify_fd_, dir.c_str(),
                    IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ATTRIB);
            }
        }
    }
    if (udev_events) {
        udev_ = udev_new();
        if (udev_ != nullptr) {
            monitor_ = udev_monitor_new_from_netlink(udev_, "kernel");
        }
        if (monitor_ != nullptr) {
            for (const char* subsystem : {"block", "scsi", "nvme"}) {
                udev_monitor_filter_add_match_subsystem_devtype(monitor_, subsystem, nullptr);
            }
            if (udev_monitor_enable_receiving(monitor_) == 0) {
                monitor_fd_ = udev_monitor_get_fd(monitor_);
            }
        }
    }
}

ChangeWatcher::~ChangeWatcher() {
    if (inotify_fd_ >= 0) {
        ::close(inotify_fd_);
    }
    if (monitor_ != nullptr) {
        udev_monitor_unref(monitor_);
    }
    if (udev_ != nullptr) {
        udev_unref(udev_);
    }
}

void ChangeWatcher::wait(Duration timeout) {
    std::array<pollfd, 2> fds{};
    nfds_t count = 0;
    if (inotify_fd_ >= 0) {
        fds[count++] = pollfd{inotify_fd_, POLLIN, 0};
    }
    if (monitor_fd_ >= 0) {
        fds[count++] = pollfd{monitor_fd_, POLLIN, 0};
    }
    if (count == 0) {
        std::this_thread::sleep_for(timeout);
        return;
    }
    if (::poll(fds.data(), count, static_cast<int>(timeout.count())) <= 0) {
        return;
    }
    // Drain what arrived; the caller re-checks its condition.
    if (inotify_fd_ >= 0) {
        std::array<char, 4096> buffer{};
        while (::read(inotify_fd_, buffer.data(), buffer.size()) > 0) {
        }
    }
    if (monitor_ != nullptr && monitor_fd_ >= 0) {
        while (udev_device* device = udev_monitor_receive_device(monitor_)) {
            udev_device_unref(device);
        }
    }
}

}  // namespace brick
