#define FUSE_USE_VERSION 31
#include "sim/fuse/fuse_fs.hpp"

#include <fcntl.h>
#include <fuse.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

namespace brick::sim {
namespace {

SimDaemon& daemon_of() {
    return *static_cast<SimDaemon*>(fuse_get_context()->private_data);
}

// What an open file holds: a snapshot of its content for reads (sysfs makes
// one per open), or nothing for device data files.
struct Handle {
    std::string content;
    bool data = false;
    bool written = false;
};

Handle* handle_of(fuse_file_info* fi) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): libfuse keeps our pointer as a number
    return fi == nullptr ? nullptr : reinterpret_cast<Handle*>(fi->fh);
}

void* fs_init(fuse_conn_info* /*conn*/, fuse_config* cfg) {
    // The kernel keeps a name it found for a second, so walking a path costs no
    // request per component. Every operation on a kept name still asks the
    // daemon by path (attributes, reads, links, listings are never kept): a
    // node the model removed answers ENOENT at once, and one it added again
    // is the new node. Names not found are never kept, so a device the model
    // adds is seen on the next look.
    cfg->entry_timeout = 1.0;
    cfg->attr_timeout = 0;
    cfg->negative_timeout = 0;
    cfg->direct_io = 1;
    cfg->kernel_cache = 0;
    cfg->hard_remove = 1;
    cfg->use_ino = 0;
    return fuse_get_context()->private_data;
}

int fs_getattr(const char* path, struct stat* st, fuse_file_info* /*fi*/) {
    NodeInfo info;
    if (const int error = daemon_of().stat(path, info); error != 0) {
        return -error;
    }
    std::memset(st, 0, sizeof(*st));
    st->st_nlink = 1;
    st->st_blksize = 4096;
    switch (info.type) {
        case FileType::directory:
            st->st_mode = S_IFDIR | 0755;
            st->st_nlink = 2;
            break;
        case FileType::symlink:
            st->st_mode = S_IFLNK | 0777;
            break;
        case FileType::block_device:
            st->st_mode = S_IFBLK | 0660;
            st->st_rdev = makedev(info.major, info.minor);
            break;
        case FileType::char_device:
            st->st_mode = S_IFCHR | 0600;
            st->st_rdev = makedev(info.major, info.minor);
            break;
        default:
            st->st_mode = S_IFREG | (info.readable ? 0444 : 0) | (info.writable ? 0200 : 0);
            break;
    }
    st->st_size = static_cast<off_t>(info.size);
    st->st_blocks = static_cast<blkcnt_t>((info.size + 511) / 512);
    return 0;
}

int fs_readlink(const char* path, char* buffer, std::size_t size) {
    std::string target;
    if (const int error = daemon_of().read_link(path, target); error != 0) {
        return -error;
    }
    if (size == 0) {
        return -EINVAL;
    }
    const auto n = std::min(size - 1, target.size());
    std::memcpy(buffer, target.data(), n);
    buffer[n] = '\0';
    return 0;
}

int fs_readdir(const char* path, void* buffer, fuse_fill_dir_t filler, off_t /*offset*/,
               fuse_file_info* /*fi*/, fuse_readdir_flags /*flags*/) {
    std::vector<std::string> names;
    if (const int error = daemon_of().list(path, names); error != 0) {
        return -error;
    }
    filler(buffer, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
    filler(buffer, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
    for (const auto& name : names) {
        if (filler(buffer, name.c_str(), nullptr, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) {
            break;
        }
    }
    return 0;
}

int open_handle(const char* path, fuse_file_info* fi) {
    auto& daemon = daemon_of();
    auto handle = std::make_unique<Handle>();
    handle->data = daemon.is_data_file(path);
    const int mode = fi->flags & O_ACCMODE;
    if (!handle->data && mode != O_WRONLY) {
        if (const int error = daemon.open_read(path, handle->content); error != 0) {
            return -error;
        }
    }
    fi->direct_io = 1;
    fi->keep_cache = 0;
    fi->nonseekable = 0;
    fi->fh = reinterpret_cast<std::uint64_t>(handle.release());
    return 0;
}

int fs_open(const char* path, fuse_file_info* fi) {
    return open_handle(path, fi);
}

int fs_create(const char* path, mode_t mode, fuse_file_info* fi) {
    if (const int error = daemon_of().create(path, (mode & 077U) == 0); error != 0) {
        return -error;
    }
    return open_handle(path, fi);
}

int fs_read(const char* path, char* buffer, std::size_t size, off_t offset, fuse_file_info* fi) {
    auto* handle = handle_of(fi);
    if (handle == nullptr) {
        return -EBADF;
    }
    if (handle->data) {
        std::string out;
        if (const int error =
                daemon_of().read_data(path, static_cast<std::uint64_t>(offset), size, out);
            error != 0) {
            return -error;
        }
        const auto n = std::min(size, out.size());
        std::copy_n(out.data(), n, buffer);
        return static_cast<int>(n);
    }
    const auto start = static_cast<std::size_t>(offset);
    if (start >= handle->content.size()) {
        return 0;
    }
    const auto n = std::min(size, handle->content.size() - start);
    std::copy_n(handle->content.data() + start, n, buffer);
    return static_cast<int>(n);
}

int fs_write(const char* path, const char* buffer, std::size_t size, off_t offset,
             fuse_file_info* fi) {
    auto* handle = handle_of(fi);
    const std::string_view data(buffer, size);
    auto& daemon = daemon_of();
    const int error = handle != nullptr && handle->data
                          ? daemon.write_data(path, static_cast<std::uint64_t>(offset), data)
                          : daemon.write(path, static_cast<std::uint64_t>(offset), data);
    if (error != 0) {
        return -error;
    }
    if (handle != nullptr) {
        handle->written = true;
    }
    return static_cast<int>(size);
}

int fs_truncate(const char* path, off_t size, fuse_file_info* /*fi*/) {
    return -daemon_of().truncate(path, static_cast<std::uint64_t>(size));
}

int fs_fsync(const char* path, int /*datasync*/, fuse_file_info* fi) {
    auto* handle = handle_of(fi);
    if (handle != nullptr && handle->data) {
        return -daemon_of().flush_data(path);
    }
    return 0;
}

int fs_release(const char* path, fuse_file_info* fi) {
    std::unique_ptr<Handle> handle(handle_of(fi));
    if (handle && handle->data && handle->written) {
        // The last close of a block device writes its cache back.
        daemon_of().flush_data(path);
    }
    return 0;
}

int fs_mkdir(const char* path, mode_t /*mode*/) {
    return -daemon_of().make_dir(path);
}

int fs_unlink(const char* path) {
    return -daemon_of().remove(path);
}

int fs_rmdir(const char* /*path*/) {
    return -EPERM;
}

int fs_chmod(const char* path, mode_t /*mode*/, fuse_file_info* /*fi*/) {
    NodeInfo info;
    return -daemon_of().stat(path, info);
}

int fs_chown(const char* path, uid_t /*uid*/, gid_t /*gid*/, fuse_file_info* /*fi*/) {
    NodeInfo info;
    return -daemon_of().stat(path, info);
}

int fs_utimens(const char* path, const timespec* /*tv*/, fuse_file_info* /*fi*/) {
    NodeInfo info;
    return -daemon_of().stat(path, info);
}

fuse_operations make_operations() {
    fuse_operations ops{};
    ops.init = fs_init;
    ops.getattr = fs_getattr;
    ops.readlink = fs_readlink;
    ops.readdir = fs_readdir;
    ops.open = fs_open;
    ops.create = fs_create;
    ops.read = fs_read;
    ops.write = fs_write;
    ops.truncate = fs_truncate;
    ops.fsync = fs_fsync;
    ops.release = fs_release;
    ops.mkdir = fs_mkdir;
    ops.unlink = fs_unlink;
    ops.rmdir = fs_rmdir;
    ops.chmod = fs_chmod;
    ops.chown = fs_chown;
    ops.utimens = fs_utimens;
    return ops;
}

}  // namespace

int serve_fuse(SimDaemon& daemon, const std::string& mountpoint,
               const std::function<void()>& on_mounted) {
    const auto ops = make_operations();
    std::vector<std::string> words{"brick-sim", "-o",
                                   "fsname=brick-sim,subtype=brick-sim,allow_other,nodev,nosuid"};
    std::vector<char*> argv;
    argv.reserve(words.size());
    for (auto& word : words) {
        argv.push_back(word.data());
    }
    fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
    fuse* fs = fuse_new(&args, &ops, sizeof(ops), &daemon);
    if (fs == nullptr) {
        std::cerr << "brick-sim: fuse_new failed\n";
        return EINVAL;
    }
    if (fuse_mount(fs, mountpoint.c_str()) != 0) {
        std::cerr << "brick-sim: cannot mount " << mountpoint << '\n';
        fuse_destroy(fs);
        return EIO;
    }
    fuse_session* session = fuse_get_session(fs);
    if (fuse_set_signal_handlers(session) != 0) {
        fuse_unmount(fs);
        fuse_destroy(fs);
        return EIO;
    }
    if (on_mounted) {
        on_mounted();
    }
    const int result = fuse_loop_mt(fs, 0);
    fuse_remove_signal_handlers(session);
    fuse_unmount(fs);
    fuse_destroy(fs);
    return result < 0 ? -result : 0;
}

}  // namespace brick::sim
