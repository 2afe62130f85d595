#!/usr/bin/env bash
# Proves the Dockerfile's RUN steps without a Docker engine: builds a fresh
# Debian 12 root with mmdebstrap, copies the committed source in (as a clean
# clone would have it), runs the same steps in a chroot, then checks the
# installed tools answer. Must run as root.
#   docker/prove-in-chroot.sh [--keep] [ROOTFS_DIR]
# --keep leaves the root behind so a second run skips mmdebstrap; without it
# the root is removed at the end. Mounts are always undone.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
keep=0
if [[ "${1:-}" == "--keep" ]]; then
    keep=1
    shift
fi
root=${1:-/var/tmp/brickworks-chroot}
mirror=${BRICK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
start=$SECONDS
stage() { echo "prove-in-chroot: $1 ($((SECONDS - start)) s)"; }

mounted_below_root() { awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts; }
cleanup() {
    for dir in dev sys proc; do
        if mountpoint -q "$root/$dir"; then umount -l "$root/$dir"; fi
    done
    if [[ -n "$(mounted_below_root)" ]]; then
        echo "prove-in-chroot: mounts left below $root, not removing it:" >&2
        mounted_below_root >&2
        return
    fi
    if ((keep == 0)); then rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT

command -v mmdebstrap >/dev/null || apt-get install -y -q mmdebstrap
if [[ ! -x "$root/usr/bin/apt-get" ]]; then
    rm -rf --one-file-system "$root"
    mmdebstrap --variant=apt bookworm "$root" "$mirror"
    stage "fresh Debian 12 root ready"
fi
mkdir -p "$root/src"
rm -rf "$root/src/brickworks"
git -C "$top" archive --format=tar --prefix=brickworks/ HEAD | tar -x -C "$root/src"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The Dockerfile's RUN steps, verbatim.
chroot "$root" /src/brickworks/scripts/bootstrap
stage "RUN scripts/bootstrap done"
chroot "$root" /src/brickworks/scripts/build-and-install /src/brickworks /usr/local
stage "RUN scripts/build-and-install done"
chroot "$root" /usr/local/bin/brick --help >/dev/null
chroot "$root" /usr/local/bin/brick-lab --help >/dev/null
# The image's CMD: the default suite on the simulator.
(chroot "$root" sh -c 'cd /src/brickworks && brick-lab run') | tail -n 5
stage "the image's steps and its CMD work in a fresh Debian 12 root ($root)"
