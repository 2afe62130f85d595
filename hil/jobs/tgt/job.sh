# HIL job: tgt (tgtd + tgtadm) and open-iscsi in one guest.
# Checks: single path attach/detach with data, re-attach reads it back, iscsid
# killed and restarted under a session, and a real target fault: the target is
# removed under a logged-in session (I/O fails after
# the replacement timeout, the initiator still cleans up without leftovers).
source /brick/src/hil/guest/lib.sh
source /brick/src/hil/guest/iscsi.sh

TARGET=iqn.2026-01.org.brickworks:tgt-single
P1=127.0.0.1:3260
tgt() { tgtadm --lld iscsi "$@"; }

setup() {
    load_modules scsi_transport_iscsi iscsi_tcp sd_mod
    mkdir -p /tmp/tgt
    start_udevd
    start_iscsid
    setsid tgtd -f --iscsi portal=$P1 </dev/null >>"$JOB/tgtd.log" 2>&1 &
    wait_until 10 tgt --op show --mode target
}

configure_tgt() {
    truncate -s 64M /tmp/tgt/disk1.img
    tgt --op new --mode target --tid 1 -T $TARGET
    tgt --op new --mode logicalunit --tid 1 --lun 1 -b /tmp/tgt/disk1.img
    tgt --op update --mode logicalunit --tid 1 --lun 1 \
        --params scsi_sn=brick0001,scsi_id=brick-tgt-disk1
    tgt --op bind --mode target --tid 1 -I ALL
    golden tgtadm show-target tgtadm --lld iscsi --op show --mode target
    golden iscsiadm discovery-st-tgt iscsiadm -m discovery -t st -p $P1
    grep -q "$P1,1 $TARGET" "$JOB/golden/iscsiadm/discovery-st-tgt.txt"
    iscsiadm -m discoverydb -t st -p $P1 -o delete
}

single_path() {
    node_new $TARGET $P1
    attach $TARGET $P1 1
    write_pattern /dev/$DISK
    wait_until 10 udev_links_for $DISK
    golden iscsiadm session-one-tgt iscsiadm -m session
    golden iscsiadm session-one-tgt-P3 iscsiadm -m session -P 3
    golden lsscsi one-lun-tgt lsscsi
    golden scsi_id tgt-page83 /lib/udev/scsi_id --page 0x83 --whitelisted --device=/dev/$DISK
    golden disk-links by-path-tgt-one disk_links /dev/disk/by-path
    golden tgtadm show-target-one-session tgtadm --lld iscsi --op show --mode target
    detach $TARGET $P1
    udevadm settle -t 10
    assert_no_iscsi_leftovers $TARGET
}

reattach_reads_back() {
    node_new $TARGET $P1
    attach $TARGET $P1 1
    verify_pattern /dev/$DISK
    detach $TARGET $P1
    udevadm settle -t 10
    assert_no_iscsi_leftovers $TARGET
}

# Fault: iscsid dies under a logged-in session and comes back; the kernel session
# keeps serving I/O meanwhile, and the restarted iscsid logs it out cleanly.
iscsid_restart() {
    local pid
    node_new $TARGET $P1
    attach $TARGET $P1 1
    pid=$(pgrep -x iscsid | head -1)
    kill "$pid"
    wait_until 10 sh -c "! kill -0 $pid"
    log "iscsid $pid stopped"
    verify_pattern /dev/$DISK
    golden iscsiadm session-without-iscsid iscsiadm -m session
    start_iscsid
    log "iscsid restarted"
    verify_pattern /dev/$DISK
    detach $TARGET $P1
    udevadm settle -t 10
    assert_no_iscsi_leftovers $TARGET
}

io_fails() { ! dd if="/dev/$1" of=/dev/null bs=4k count=1 iflag=direct status=none; }

target_removed() {
    node_new $TARGET $P1 node.session.timeo.replacement_timeout=5
    attach $TARGET $P1 1
    verify_pattern /dev/$DISK
    # Fault: the target disappears while the session is logged in.
    # tgtd refuses while a command is in flight on the LU ("still active"),
    # --force or not; it clears within milliseconds.
    wait_until 10 tgt --op delete --mode target --tid 1 --force
    log "target removed"
    wait_until 30 sh -c '! grep -q LOGGED_IN /sys/class/iscsi_session/session*/state'
    golden iscsiadm session-target-gone-P1 iscsiadm -m session -P 1
    wait_until 30 io_fails "$DISK"
    log "I/O fails after the replacement timeout"
    detach $TARGET $P1
    udevadm settle -t 10
    assert_no_iscsi_leftovers $TARGET
}

stop_tgtd() {
    tgt --op delete --mode system
    wait_until 10 sh -c '! pgrep -x tgtd'
}

check setup setup
passed || finish
check tgt-configure configure_tgt
passed || finish
check iscsi-single-path single_path
check iscsi-reattach-reads-back reattach_reads_back
check iscsid-restart iscsid_restart
check iscsi-tgt-target-removed target_removed
check tgt-stop stop_tgtd
finish
