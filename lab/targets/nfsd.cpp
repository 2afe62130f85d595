#include "targets/nfsd.hpp"

#include <fstream>

#include "brick/core/error.hpp"
#include "brick/host/wait.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {
constexpr Duration tool_timeout{60000};
}

NfsServer::NfsServer(Host& host, fs::path work_dir) : host_(host), work_dir_(std::move(work_dir)) {}

void NfsServer::run(std::vector<std::string> argv) {
    const auto line = argv.front() + (argv.size() > 1 ? " " + argv[1] : std::string());
    const auto result = host_.run(Command{std::move(argv), {}, tool_timeout});
    if (!result.ok()) {
        throw Error(ErrorCategory::command_failed, line + " failed: " + result.err);
    }
}

void NfsServer::configure(const Fabric& fabric) {
    fs::create_directories(work_dir_);
    std::string exports;
    unsigned fsid = 1;
    for (const auto& share : fabric.nfs_exports) {
        const auto folder = work_dir_ / ("nfs-" + std::to_string(fsid));
        fs::create_directories(folder);
        fs::create_directories(share.path);
        unmount(share.path);  // a share an interrupted run left behind
        for (const auto& file : share.files) {
            std::ofstream(folder / file.name, std::ios::binary | std::ios::trunc).close();
            fs::resize_file(folder / file.name, file.size_mib * 1024 * 1024);
        }
        run({"mount", "--bind", folder.string(), share.path});
        exported_.push_back(share.path);
        exports += share.path + " " + share.server + "(rw,sync,no_subtree_check,no_root_squash," +
                   "insecure,fsid=" + std::to_string(fsid++) + ")\n";
    }
    std::ofstream("/etc/exports", std::ios::trunc) << exports;
    run({"exportfs", "-ra"});
}

// nfsd keeps the files of a share open for a while after it is unexported (its
// file cache; NFSv4 open state until the client's lease ends), and umount says
// "target is busy" meanwhile. A share left mounted over its removed folder
// makes the next bind mount at that path fail with ENOENT, so the unmount is
// retried, after asking nfsd to drop its state on that file system, and made
// lazy as the last resort.
void NfsServer::unmount(const std::string& path) {
    if (!host_.run(Command{{"mountpoint", "-q", path}, {}, tool_timeout}).ok()) {
        return;
    }
    std::ofstream("/proc/fs/nfsd/unlock_filesystem") << path << '\n';
    const bool unmounted = retry(host_, RetryPolicy{12, Duration{100}, 1.5}, [&](int) {
        return host_.run(Command{{"umount", path}, {}, tool_timeout}).ok();
    });
    if (!unmounted) {
        run({"umount", "--lazy", path});
    }
}

void NfsServer::clear() {
    host_.run(Command{{"exportfs", "-ua"}, {}, tool_timeout});
    std::ofstream("/etc/exports", std::ios::trunc).close();
    for (const auto& path : exported_) {
        unmount(path);
    }
    exported_.clear();
    for (unsigned fsid = 1;; ++fsid) {
        const auto folder = work_dir_ / ("nfs-" + std::to_string(fsid));
        if (!fs::exists(folder)) {
            break;
        }
        fs::remove_all(folder);
    }
}

}  // namespace brick::lab
