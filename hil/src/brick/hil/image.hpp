#pragma once
// The HIL guest image: Debian's kernel, its module tree and the initramfs,
// built (or found in the content-addressed cache) by hil/image/build.sh.

#include <filesystem>
#include <string>

#include "brick/host/host.hpp"

namespace brick::hil {

struct ImageOptions {
    std::filesystem::path source_dir;  // the project's source tree (holds hil/image/build.sh)
    std::filesystem::path
        cache_dir;  // empty: the script's default (BRICK_HIL_CACHE or /var/cache/...)
    Duration deadline{std::chrono::minutes(10)};
};

struct Image {
    std::filesystem::path dir;  // vmlinuz, vmlinux (when the kernel has a PVH entry), initrd.gz,
                                // modules/, manifest.json
    std::string kernel_release;
    std::string kernel_package;
    std::string kernel_package_version;
    std::string key;        // hash of the recipe and the package versions
    std::string build_log;  // the build script's progress lines
    // What QEMU boots: the uncompressed kernel through its PVH entry when the
    // image has one (no decompression under TCG), else the bzImage.
    std::filesystem::path kernel() const {
        return std::filesystem::exists(dir / "vmlinux") ? dir / "vmlinux" : dir / "vmlinuz";
    }
    std::filesystem::path initrd() const { return dir / "initrd.gz"; }
    std::filesystem::path modules() const { return dir / "modules"; }
};

// Builds the image if the cache does not hold it yet (seconds when cached).
// Throws brick::Error (command_failed) when the build fails.
Image ensure_image(const ImageOptions& options);

// Reads an image folder already built (its manifest.json).
Image load_image(const std::filesystem::path& dir);

}  // namespace brick::hil
