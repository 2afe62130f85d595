# HIL job: tgtd on the host (hil/jobs/host-tgt/host.sh), reached from the guest
# as 10.0.2.100:3260 through QEMU's user network (restrict=on, a guestfwd whose
# cmd: runs one `busybox nc 127.0.0.1 3260` per connection on the host).
# Checks: discovery answers with tgtd's own address (the quirk: node records are
# made for the forwarded address by hand), attach/detach with data, re-attach
# reads it back, and the guest's link flapping under a session (re-login through
# a new forwarded connection). The host side checks the data on its file.
source /brick/src/hil/guest/lib.sh
source /brick/src/hil/guest/iscsi.sh

TARGET=iqn.2026-01.org.brickworks:host-tgt
PORTAL=10.0.2.100:3260

nic() {
    local dev mac
    for dev in /sys/class/net/*; do
        read -r mac <"$dev/address"
        [ "$mac" = 52:54:00:12:34:56 ] && echo "${dev##*/}" && return 0
    done
    return 1
}

setup() {
    load_modules virtio_net scsi_transport_iscsi iscsi_tcp sd_mod
    wait_until 10 nic
    ip addr add 10.0.2.15/24 dev "$(nic)"
    ip link set "$(nic)" up
    start_udevd
    start_iscsid
}

discovery() {
    wait_until 30 iscsiadm -m discovery -t st -p $PORTAL
    golden iscsiadm discovery-st-host-tgt iscsiadm -m discovery -t st -p $PORTAL
    local found=$JOB/golden/iscsiadm/discovery-st-host-tgt.txt
    # tgtd names the address it listens on, not the one the guest dialled.
    grep -qx "127.0.0.1:3260,1 $TARGET" "$found" || fail "discovery: $(<"$found")"
    iscsiadm -m discoverydb -t st -p $PORTAL -o delete
    iscsiadm -m node -o delete >/dev/null 2>&1 || true
}

single_path() {
    node_new $TARGET $PORTAL
    attach $TARGET $PORTAL 1
    write_pattern /dev/$DISK
    verify_pattern /dev/$DISK
    echo "$PATTERN_SUM" >"$JOB/pattern.sha256"  # the host compares its file with it
    echo "$PATTERN_MB" >"$JOB/pattern.mb"
    golden iscsiadm session-host-tgt iscsiadm -m session
    detach $TARGET $PORTAL
    udevadm settle -t 10
    assert_no_iscsi_leftovers $TARGET
}

reattach_reads_back() {
    node_new $TARGET $PORTAL
    attach $TARGET $PORTAL 1
    verify_pattern /dev/$DISK
    detach $TARGET $PORTAL
    udevadm settle -t 10
    assert_no_iscsi_leftovers $TARGET
}

state_is() { [ "$(session_state "$1" "$2")" = "$3" ]; }

# The guest's NIC goes down under a session and comes back: iscsid logs in again
# through a new forwarded connection, and the data is still there.
link_flap() {
    local dev
    dev=$(nic)
    node_new $TARGET $PORTAL node.session.timeo.replacement_timeout=60 \
        node.conn[0].timeo.noop_out_interval=2 node.conn[0].timeo.noop_out_timeout=5
    attach $TARGET $PORTAL 1
    verify_pattern /dev/$DISK
    ip link set "$dev" down
    wait_until 30 state_is $TARGET $PORTAL FAILED
    log "session FAILED with the link down"
    ip link set "$dev" up
    wait_until 60 state_is $TARGET $PORTAL LOGGED_IN
    log "logged in again through a new forwarded connection"
    verify_pattern /dev/$DISK
    detach $TARGET $PORTAL
    udevadm settle -t 10
    assert_no_iscsi_leftovers $TARGET
}

check setup setup
passed || finish
check host-tgt-discovery discovery
check host-tgt-single-path single_path
check host-tgt-reattach-reads-back reattach_reads_back
check host-tgt-link-flap link_flap
finish
