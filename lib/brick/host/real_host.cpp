#include "brick/host/real_host.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <thread>

#include "brick/host/change_watcher.hpp"
#include "brick/host/process_runner.hpp"
#include "brick/host/task_name.hpp"

namespace brick {
namespace fs = std::filesystem;

namespace {

class ThreadTask final : public Task {
  public:
    ThreadTask(std::string name, std::function<void()> body)
        : thread_([name = std::move(name), body = std::move(body)] {
              set_current_task_name(name);
              body();
          }) {}
    ~ThreadTask() override {
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    ThreadTask(const ThreadTask&) = delete;
    ThreadTask& operator=(const ThreadTask&) = delete;
    ThreadTask(ThreadTask&&) = delete;
    ThreadTask& operator=(ThreadTask&&) = delete;
    void join() override {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

  private:
    std::thread thread_;
};

// Holds the in-process mutex and, where the lock directory is writable, an
// flock() on a file named by the lock's hash, so separate `brick` processes
// on one host serialise on the same shared state too. A shared lock holds
// both in shared mode (LOCK_SH): shared holders run together, an exclusive
// one runs alone.
class NamedLock final : public LockGuard {
  public:
    // Takes both, or neither once deadline passed (then held() is false).
    NamedLock(std::shared_ptr<std::shared_timed_mutex> mutex, const std::string& file,
              Clock::time_point deadline, bool shared)
        : mutex_(std::move(mutex)), shared_(shared) {
        held_ = take_mutex(deadline);
        if (!held_) {
            return;
        }
        fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) {
            return;  // no lock folder: the mutex alone serialises this process
        }
        const int mode = shared_ ? LOCK_SH : LOCK_EX;
        if (deadline == Clock::time_point::max()) {
            while (::flock(fd_, mode) != 0 && errno == EINTR) {
            }
            return;
        }
        // flock has no timeout: poll without blocking until the deadline,
        // soon at first (a holder's tool run is short), then every 10 ms.
        auto pause = std::chrono::milliseconds(1);
        while (::flock(fd_, mode | LOCK_NB) != 0) {
            if ((errno != EWOULDBLOCK && errno != EINTR) || Clock::now() >= deadline) {
                ::close(fd_);
                fd_ = -1;
                release_mutex();
                held_ = false;
                return;
            }
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::milliseconds(10));
        }
    }
    ~NamedLock() override {
        if (fd_ >= 0) {
            ::flock(fd_, LOCK_UN);
            ::close(fd_);
        }
        if (held_) {
            release_mutex();
        }
    }
    NamedLock(const NamedLock&) = delete;
    NamedLock& operator=(const NamedLock&) = delete;
    NamedLock(NamedLock&&) = delete;
    NamedLock& operator=(NamedLock&&) = delete;

    bool held() const { return held_; }

  private:
    bool take_mutex(Clock::time_point deadline) {
        if (deadline == Clock::time_point::max()) {
            if (shared_) {
                mutex_->lock_shared();
            } else {
                mutex_->lock();
            }
            return true;
        }
        return shared_ ? mutex_->try_lock_shared_until(deadline) : mutex_->try_lock_until(deadline);
    }
    void release_mutex() {
        if (shared_) {
            mutex_->unlock_shared();
        } else {
            mutex_->unlock();
        }
    }

    std::shared_ptr<std::shared_timed_mutex> mutex_;
    bool shared_;
    bool held_ = false;
    int fd_ = -1;
};

std::string hex_hash(const std::string& text) {
    std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
    for (const unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    std::array<char, 17> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%016llx", static_cast<unsigned long long>(hash));
    return buffer.data();
}

IoStatus errno_status() {
    return IoStatus{errno == 0 ? EIO : errno};
}

}  // namespace

RealHost::RealHost(RealHostOptions options) : options_(std::move(options)) {}

std::string RealHost::relocate(const std::string& path) const {
    if (options_.root.empty() || options_.root == "/" || path.empty() || path.front() != '/') {
        return path;
    }
    return options_.root.string() + path;
}

std::string RealHost::resolve_program(const std::string& argv0) const {
    if (argv0.empty()) {
        return {};
    }
    if (argv0.front() != '/' && argv0.find('/') != std::string::npos) {
        return {};  // relative paths are never run
    }
    const fs::path name = fs::path(argv0).filename();
    if (!options_.tools_dir.empty()) {
        const auto candidate = options_.tools_dir / name;
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
    }
    if (argv0.front() == '/') {
        return ::access(argv0.c_str(), X_OK) == 0 ? argv0 : std::string{};
    }
    const char* path_env = std::getenv("PATH");
    std::string search = path_env != nullptr ? path_env : "/usr/sbin:/usr/bin:/sbin:/bin";
    search += ":/usr/sbin:/sbin";
    std::size_t start = 0;
    while (start <= search.size()) {
        auto end = search.find(':', start);
        if (end == std::string::npos) {
            end = search.size();
        }
        const auto dir = search.substr(start, end - start);
        if (!dir.empty()) {
            const auto candidate = fs::path(dir) / name;
            if (::access(candidate.c_str(), X_OK) == 0) {
                return candidate.string();
            }
        }
        start = end + 1;
    }
    return {};
}

IoStatus RealHost::read_file(const std::string& path, std::string& content) {
    const int fd = ::open(relocate(path).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno_status();
    }
    content.clear();
    std::array<char, 8192> buffer{};
    while (true) {
        const auto n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const auto status = errno_status();
            ::close(fd);
            return status;
        }
        if (n == 0) {
            break;
        }
        content.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return {};
}

IoStatus RealHost::write_file(const std::string& path, std::string_view data, Duration deadline,
                              bool create_private) {
    // sysfs writes such as `scan` and `delete` block in the kernel until it is
    // done; run the write on a helper thread so the caller's deadline holds.
    struct Shared {
        std::mutex mutex;
        std::condition_variable done_cv;
        bool done = false;
        int error = 0;
    };
    auto shared = std::make_shared<Shared>();
    std::thread writer([shared, file = relocate(path), text = std::string(data), create_private] {
        int error = 0;
        const int flags = O_WRONLY | O_CLOEXEC | O_CREAT;
        const int fd = ::open(file.c_str(), flags | O_TRUNC, create_private ? 0600 : 0644);
        if (fd < 0) {
            error = errno;
        } else {
            std::size_t written = 0;
            while (written < text.size()) {
                const auto n = ::write(fd, text.data() + written, text.size() - written);
                if (n < 0) {
                    if (errno == EINTR) {
                        continue;
                    }
                    error = errno;
                    break;
                }
                written += static_cast<std::size_t>(n);
            }
            if (::close(fd) != 0 && error == 0) {
                error = errno;
            }
        }
        const std::lock_guard lock(shared->mutex);
        shared->done = true;
        shared->error = error;
        shared->done_cv.notify_all();
    });
    std::unique_lock lock(shared->mutex);
    if (!shared->done_cv.wait_for(lock, deadline, [&] { return shared->done; })) {
        lock.unlock();
        writer.detach();  // the kernel may finish the write later
        return IoStatus{ETIMEDOUT};
    }
    lock.unlock();
    writer.join();
    return IoStatus{shared->error};
}

IoStatus RealHost::list_dir(const std::string& path, std::vector<std::string>& names) {
    names.clear();
    std::error_code ec;
    fs::directory_iterator it(relocate(path), ec);
    if (ec) {
        return IoStatus{ec.value()};
    }
    for (const auto& entry : it) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return {};
}

IoStatus RealHost::read_link(const std::string& path, std::string& target) {
    std::array<char, 4096> buffer{};
    const auto n = ::readlink(relocate(path).c_str(), buffer.data(), buffer.size() - 1);
    if (n < 0) {
        return errno_status();
    }
    target.assign(buffer.data(), static_cast<std::size_t>(n));
    return {};
}

IoStatus RealHost::stat(const std::string& path, FileInfo& info, bool no_follow) {
    struct ::stat st {};
    const auto file = relocate(path);
    const int rc = no_follow ? ::lstat(file.c_str(), &st) : ::stat(file.c_str(), &st);
    info = FileInfo{};
    if (rc != 0) {
        return errno_status();
    }
    info.size = static_cast<std::uint64_t>(st.st_size);
    switch (st.st_mode & S_IFMT) {
        case S_IFREG:
            info.type = FileType::regular;
            break;
        case S_IFDIR:
            info.type = FileType::directory;
            break;
        case S_IFLNK:
            info.type = FileType::symlink;
            break;
        case S_IFBLK:
            info.type = FileType::block_device;
            break;
        case S_IFCHR:
            info.type = FileType::char_device;
            break;
        default:
            info.type = FileType::other;
            break;
    }
    info.major = ::major(st.st_rdev);
    info.minor = ::minor(st.st_rdev);
    return {};
}

IoStatus RealHost::open_check(const std::string& path) {
    const auto file = relocate(path);
    if (file != path) {
        // Under a relocated root (a simulated host's tree, mounted nodev), a
        // device node is an entry of the tree, not a device: present is ready.
        struct ::stat st {};
        return ::stat(file.c_str(), &st) == 0 ? IoStatus{} : errno_status();
    }
    const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return errno_status();
    }
    ::close(fd);
    return {};
}

IoStatus RealHost::make_dirs(const std::string& path) {
    std::error_code ec;
    fs::create_directories(relocate(path), ec);
    return IoStatus{ec ? ec.value() : 0};
}

IoStatus RealHost::remove(const std::string& path) {
    if (::unlink(relocate(path).c_str()) != 0) {
        return errno_status();
    }
    return {};
}

CommandResult RealHost::run(const Command& command) {
    CommandResult result;
    if (command.argv.empty()) {
        result.not_found = true;
        return result;
    }
    const auto program = resolve_program(command.argv.front());
    if (program.empty()) {
        result.not_found = true;
        result.exit_status = 127;
        result.err = command.argv.front() + ": not found";
        return result;
    }
    return run_process(program, command);
}

Clock::time_point RealHost::now() {
    return Clock::now();
}

void RealHost::sleep_for(Duration duration) {
    std::this_thread::sleep_for(duration);
}

bool RealHost::wait_until(const std::function<bool()>& ready, Clock::time_point deadline,
                          const WaitHints& hints) {
    if (ready()) {
        return true;
    }
    std::vector<std::string> watched;
    watched.reserve(hints.watch_paths.size());
    for (const auto& path : hints.watch_paths) {
        watched.push_back(relocate(path));
    }
    ChangeWatcher watcher(watched, hints.block_events);
    while (true) {
        const auto now = Clock::now();
        if (now >= deadline) {
            return ready();
        }
        const auto remaining = std::chrono::duration_cast<Duration>(deadline - now);
        watcher.wait(std::min(remaining, hints.poll_interval));
        if (ready()) {
            return true;
        }
    }
}

std::unique_ptr<Task> RealHost::start_task(std::string name, std::function<void()> body) {
    return std::make_unique<ThreadTask>(std::move(name), std::move(body));
}

std::unique_ptr<LockGuard> RealHost::lock(const std::string& name) {
    return lock_until(name, Clock::time_point::max());
}

std::unique_ptr<LockGuard> RealHost::lock_until(const std::string& name,
                                                Clock::time_point deadline) {
    return take_lock(name, deadline, false);
}

std::unique_ptr<LockGuard> RealHost::lock_shared_until(const std::string& name,
                                                       Clock::time_point deadline) {
    return take_lock(name, deadline, true);
}

std::unique_ptr<LockGuard> RealHost::take_lock(const std::string& name, Clock::time_point deadline,
                                               bool shared) {
    std::shared_ptr<std::shared_timed_mutex> mutex;
    {
        const std::lock_guard guard(locks_mutex_);
        auto& slot = locks_[name];
        if (!slot) {
            slot = std::make_shared<std::shared_timed_mutex>();
        }
        mutex = slot;
    }
    const auto dir = relocate(options_.lock_dir.string());
    std::error_code ec;
    fs::create_directories(dir, ec);
    auto lock = std::make_unique<NamedLock>(std::move(mutex), dir + "/" + hex_hash(name) + ".lock",
                                            deadline, shared);
    if (!lock->held()) {
        return nullptr;
    }
    return lock;
}

}  // namespace brick
