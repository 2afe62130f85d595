#!/bin/bash
# Builds (or finds in the cache) the HIL guest image: Debian's stock kernel, its
# module tree with modules.dep, and a busybox initramfs that boots into the
# host's own /usr and /etc shared read-only over virtio-9p (see hil/README.md).
#
#   hil/image/build.sh [--print]      build if needed; last line: IMAGE=<dir>
#
# Environment:
#   BRICK_HIL_CACHE            cache folder (default /var/cache/brickworks/hil)
#   BRICK_HIL_KERNEL_PACKAGE   kernel package (default: what linux-image-amd64 depends on)
#
# The image folder is named by a hash of this recipe (this script, init, stage2),
# the kernel package version and the busybox version, so it is rebuilt only
# when one of them changes. Progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${BRICK_HIL_CACHE:-/var/cache/brickworks/hil}
started=$(date +%s.%N)

say() { printf '[hil image %5.1fs] %s\n' "$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$*" >&2; }
die() { echo "hil image: $*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg-deb depmod cpio gzip xz sha256sum busybox awk readelf; do
    command -v "$tool" >/dev/null || die "missing host tool: $tool"
done
busybox_bin=$(command -v busybox)
file "$busybox_bin" 2>/dev/null | grep -q 'statically linked' ||
    [ -z "$(ldd "$busybox_bin" 2>/dev/null | grep '=>' || true)" ] ||
    die "$busybox_bin is not static (install busybox-static)"

# Resolving through apt-cache costs seconds; remember it until apt's lists change.
mkdir -p "$cache/images"
apt_stamp="${BRICK_HIL_KERNEL_PACKAGE:-default} $( (stat -c %Y /var/lib/apt/lists /var/cache/apt/pkgcache.bin 2>/dev/null || true) | paste -sd-)"
kernel_package= kernel_version=
if [ -f "$cache/apt-resolution" ] && [ "$(sed -n 1p "$cache/apt-resolution")" = "$apt_stamp" ]; then
    read -r kernel_package kernel_version < <(sed -n 2p "$cache/apt-resolution")
fi
if [ -z "$kernel_package" ] || [ -z "$kernel_version" ]; then
    kernel_package=${BRICK_HIL_KERNEL_PACKAGE:-}
    if [ -z "$kernel_package" ]; then
        kernel_package=$(apt-cache depends linux-image-amd64 2>/dev/null |
            awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    fi
    [ -n "$kernel_package" ] || die "cannot resolve the kernel package (apt-cache depends linux-image-amd64)"
    kernel_version=$(apt-cache policy "$kernel_package" | awk '/Candidate:/ { print $2 }')
    [ -n "$kernel_version" ] && [ "$kernel_version" != "(none)" ] ||
        die "no candidate version for $kernel_package (apt-get update?)"
    printf '%s\n%s %s\n' "$apt_stamp" "$kernel_package" "$kernel_version" >"$cache/apt-resolution"
fi
busybox_version=$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null || busybox | head -1)

key=$( {
    cat "$here/build.sh" "$here/init" "$here/stage2"
    echo "$kernel_package=$kernel_version"
    echo "busybox=$busybox_version"
} | sha256sum | cut -c1-16)
image="$cache/images/$key"

if [ -f "$image/manifest.json" ]; then
    touch "$image"  # in use: see the clean-up below
    say "cached: $image ($kernel_package $kernel_version)"
    echo "IMAGE=$image"
    exit 0
fi

mkdir -p "$cache/debs"
work=$(mktemp -d "$cache/images/.build-$key.XXXXXX")
trap 'rm -rf "$work"' EXIT

deb="$cache/debs/${kernel_package}_${kernel_version}_amd64.deb"
if [ ! -f "$deb" ]; then
    say "downloading $kernel_package $kernel_version"
    (cd "$work" && apt-get download -q "$kernel_package=$kernel_version" >/dev/null 2>&1) ||
        (cd "$work" && apt-get download "$kernel_package=$kernel_version") ||
        die "apt-get download $kernel_package=$kernel_version failed"
    mv "$work"/*.deb "$deb"
fi

say "unpacking $(basename "$deb")"
dpkg-deb -x "$deb" "$work/pkg"
kver=$(ls "$work/pkg/lib/modules")
[ -d "$work/pkg/lib/modules/$kver/kernel" ] || die "no module tree in $deb"

mkdir -p "$work/out/modules"
mv "$work/pkg/lib/modules/$kver" "$work/out/modules/$kver"
cp "$work/pkg/boot/vmlinuz-$kver" "$work/out/vmlinuz"
cp "$work/pkg/boot/config-$kver" "$work/out/config"
rm -rf "$work/pkg"

# The kernel uncompressed, booted through its PVH entry: under TCG, unpacking the
# XZ-compressed bzImage costs seconds at best and half a minute on a loaded
# machine, on every boot. Kept only when it is an ELF with the PVH entry note.
say "vmlinux (uncompressed, PVH entry)"
xz_at=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$work/out/vmlinuz" | head -1 | cut -d: -f1 || true)
# (No pipes: xz stops reading after the first stream and pipefail would see tail's SIGPIPE.)
if [ -n "$xz_at" ] &&
    xz -dc --single-stream >"$work/out/vmlinux" 2>/dev/null \
        < <(tail -c +$((xz_at + 1)) "$work/out/vmlinuz" 2>/dev/null) &&
    [[ $(LC_ALL=C readelf -n "$work/out/vmlinux" 2>/dev/null) == *"Xen"*"(0x00000012)"* ]]; then
    say "vmlinux: $(du -sh "$work/out/vmlinux" | cut -f1)"
else
    rm -f "$work/out/vmlinux"
    say "no PVH vmlinux in this kernel package: guests boot the bzImage"
fi

say "depmod $kver"
mkdir -p "$work/depmod/lib/modules"
ln -s "$work/out/modules/$kver" "$work/depmod/lib/modules/$kver"
depmod -b "$work/depmod" "$kver"
rm -rf "$work/depmod"

# The initramfs carries only what mounting the shares needs; every other
# module comes from the module share, loaded by modprobe in stage 2.
say "initramfs"
boot_modules="virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
    netfs fscache 9pnet 9pnet_virtio 9p overlay"
root="$work/initramfs"
mkdir -p "$root"/{bin,dev,proc,sys,newroot,modules}
cp "$busybox_bin" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$here/init" "$root/init"
cp "$here/stage2" "$root/stage2"
chmod 755 "$root/init" "$root/stage2"
moddir="$work/out/modules/$kver"
: >"$root/modules/order"
add_module() {  # add_module NAME: the module and its dependencies, dependencies first
    local name=$1 path dep
    path=$(awk -F: -v n="$name" '{ f = $1; sub(".*/", "", f); sub("\\.ko.*", "", f);
        gsub("-", "_", f); m = n; gsub("-", "_", m); if (f == m) { print $1; exit } }' \
        "$moddir/modules.dep")
    [ -n "$path" ] || return 0  # built in, or not part of this kernel
    grep -qx "$path" "$root/modules/order" && return 0
    for dep in $(awk -F: -v p="$path" '$1 == p { print $2 }' "$moddir/modules.dep"); do
        dep=$(basename "$dep"); add_module "${dep%%.ko*}"
    done
    grep -qx "$path" "$root/modules/order" && return 0
    mkdir -p "$root/modules/$(dirname "$path")"
    cp "$moddir/$path" "$root/modules/$path"
    echo "$path" >>"$root/modules/order"
}
for m in $boot_modules; do add_module "$m"; done
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) >"$work/out/initrd.gz"

cat >"$work/out/manifest.json" <<EOF
{
  "key": "$key",
  "kernel_package": "$kernel_package",
  "kernel_package_version": "$kernel_version",
  "kernel_release": "$kver",
  "busybox_version": "$busybox_version",
  "boot_modules": [$(sed 's/.*/"&"/' "$root/modules/order" | paste -sd, -)],
  "built": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
EOF
rm -rf "$root"
mv "$work/out" "$image"
# Keep the three newest images and any used in the last day: a guest of another
# checkout may be booted from one right now (its modules are shared from it).
ls -1dt "$cache"/images/*/ 2>/dev/null | tail -n +4 | while read -r old; do
    if [ -n "$(find "$old" -maxdepth 0 -mmin +1440)" ]; then
        rm -rf "$old"
    fi
done
say "built $image ($(du -sh "$image/initrd.gz" | cut -f1) initramfs, kernel $kver)"
echo "IMAGE=$image"
