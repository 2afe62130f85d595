#!/usr/bin/env bash
# Proves the Dockerfile's RUN steps without a Docker engine: builds a fresh
# Debian 12 root with mmdebstrap, copies the source in, runs the same steps
# in a chroot, then checks the installed tools answer.
#   docker/prove-in-chroot.sh [ROOTFS_DIR]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=${1:-/var/tmp/brickworks-chroot}
command -v mmdebstrap >/dev/null || apt-get install -y -q mmdebstrap
if [[ ! -x "$root/usr/bin/apt-get" ]]; then
    mmdebstrap --variant=apt bookworm "$root" http://deb.debian.org/debian
fi
mkdir -p "$root/src"
rm -rf "$root/src/brickworks"
git -C "$top" archive --format=tar --prefix=brickworks/ HEAD | tar -x -C "$root/src"
cleanup() { umount -l "$root/proc" "$root/sys" "$root/dev" 2>/dev/null || true; }
trap cleanup EXIT
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The Dockerfile's RUN steps, verbatim.
chroot "$root" /src/brickworks/scripts/bootstrap
chroot "$root" /src/brickworks/scripts/build-and-install /src/brickworks /usr/local
chroot "$root" /usr/local/bin/brick --help >/dev/null
chroot "$root" /usr/local/bin/brick-lab --help >/dev/null
echo "prove-in-chroot: the image's steps work in a fresh Debian 12 root ($root)"
