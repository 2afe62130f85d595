# Host side of the host-tgt job (hil/src/brick/hil/host_side.hpp): bash on the
# host, in a fresh network namespace (only lo) and a private mount namespace.
# Starts tgtd on 127.0.0.1:3260 with one LUN on a tmpfs file, says ready, and on
# SIGTERM checks what the guest left (its pattern on the LUN, no connection),
# stops tgtd and exits 0 only when all of that holds.
set -uo pipefail
RUN=$1
TARGET=iqn.2026-01.org.brickworks:host-tgt
STORE=/run/brick-hil-tgt
log() { echo "[host $(date +%T.%N | cut -c1-12)] $*"; }
tgt() { tgtadm --lld iscsi "$@"; }
status=0
problem() { log "FAIL: $*"; status=1; }

stop() {
    trap - TERM
    log "stopping"
    tgt --op show --mode target
    if [ -s "$RUN/pattern.sha256" ]; then
        read -r expected <"$RUN/pattern.sha256"
        mb=$(<"$RUN/pattern.mb")
        got=$(head -c $((mb * 1024 * 1024)) $STORE/disk1.img | sha256sum | cut -d' ' -f1)
        [ "$got" = "$expected" ] && log "the guest's pattern is on the host's file ($got)" ||
            problem "the host's file holds $got, the guest wrote $expected"
    else
        problem "the guest left no pattern checksum"
    fi
    if tgt --op show --mode target | grep -q "I_T nexus: [0-9]"; then
        problem "a connection of the guest is still open"
    fi
    # tgtd ignores SIGTERM, and deletes the system only once it has no target.
    tgt --op delete --mode target --tid 1 --force || problem "tgtadm --op delete --mode target"
    tgt --op delete --mode system || problem "tgtadm --op delete --mode system"
    for _ in $(seq 100); do
        kill -0 "$tgtd" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$tgtd" 2>/dev/null; then
        problem "tgtd still runs 10 s after it was told to stop; killed"
        kill -KILL "$tgtd"
    fi
    wait "$tgtd" 2>/dev/null
    log "tgtd stopped; exit $status"
    exit $status
}
trap stop TERM

# This namespace's own /run: tgtd's control socket (/run/tgtd) and the LUN's file.
mount -t tmpfs -o mode=0755 brick-hil-run /run
mkdir -p /run/tgtd /run/lock $STORE
ip -br addr
setpriv --pdeathsig KILL tgtd -f --iscsi portal=127.0.0.1:3260 &
tgtd=$!
for _ in $(seq 100); do
    tgt --op show --mode target >/dev/null 2>&1 && break
    sleep 0.1
done
truncate -s 64M $STORE/disk1.img
tgt --op new --mode target --tid 1 -T $TARGET &&
    tgt --op new --mode logicalunit --tid 1 --lun 1 -b $STORE/disk1.img &&
    tgt --op update --mode logicalunit --tid 1 --lun 1 \
        --params scsi_sn=brickhost01,scsi_id=brick-host-tgt-disk1 &&
    tgt --op bind --mode target --tid 1 -I ALL || { log "FAIL: configuring tgtd"; exit 1; }
ss -ltnH | tee "$RUN/host/listening"
grep -q '127.0.0.1:3260' "$RUN/host/listening" || { log "FAIL: tgtd is not on 127.0.0.1:3260"; exit 1; }
: >"$RUN/host/ready"
log "ready"
while :; do
    sleep 1 &
    wait $!
done
