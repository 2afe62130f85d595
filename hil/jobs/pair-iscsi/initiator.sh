# HIL job, pair: the initiator guest (open-iscsi, dm-multipath) reaching LIO in the
# target guest over two links. Every check writes a pattern, reads it back and
# checks that a detach leaves nothing. Faults are real: links going down (either
# side), netem loss and delay, dm-flakey and dm-delay under LIO's backstore,
# devices held open while they are deleted or flushed.
source /brick/src/hil/guest/lib.sh
source /brick/src/hil/guest/iscsi.sh
source /brick/src/hil/guest/pair.sh

BASE=iqn.2026-01.org.brickworks
NET=$BASE:pair-net
FLAKEY=$BASE:pair-flakey
DELAY=$BASE:pair-delay
P0=10.99.0.1:3260
P1=10.99.1.1:3260
# Outages are noticed by NOP-Out pings within ~7 s.
NOPS=(node.conn[0].timeo.noop_out_interval=2 node.conn[0].timeo.noop_out_timeout=5)

setup() {
    load_modules scsi_transport_iscsi iscsi_tcp sd_mod dm_multipath dm_round_robin \
        dm_service_time scsi_dh_alua sch_netem
    links_up 2
    start_udevd
    start_iscsid
    wait_for_target 300
}

io_fails() { ! dd if="/dev/$1" of=/dev/null bs=4k count=1 iflag=direct status=none; }
state_is() { [ "$(session_state "$1" "$2")" = "$3" ]; }
# detach_clean IQN PORTAL: detach and check that nothing of the volume is left.
detach_clean() {
    detach "$1" "$2"
    udevadm settle -t 10
    assert_no_iscsi_leftovers "$1"
    assert_no_held_devices
}

discovery() {
    golden iscsiadm discovery-st-two-links iscsiadm -m discovery -t st -p $P0
    local found=$JOB/golden/iscsiadm/discovery-st-two-links.txt
    grep -qx "$P0,1 $NET" "$found"
    grep -qx "$P1,1 $NET" "$found"
    grep -qx "$P0,1 $FLAKEY" "$found"
    iscsiadm -m discoverydb -t st -p $P0 -o delete
}

# The target's link goes down for less than the replacement timeout: the session
# fails, the write issued meanwhile waits, and both come back when the link does.
short_outage() {
    local writer
    node_new $NET $P0 node.session.timeo.replacement_timeout=60 "${NOPS[@]}"
    attach $NET $P0 0
    write_pattern /dev/$DISK
    PATTERN=/tmp/hil-pattern-outage
    make_pattern
    target_do link 0 down
    dd if=$PATTERN of=/dev/$DISK bs=1M oflag=direct conv=fsync status=none &
    writer=$!
    wait_until 30 state_is $NET $P0 FAILED
    log "session FAILED, the write waits"
    golden iscsiadm session-link-down-P1 iscsiadm -m session -P 1
    kill -0 $writer || fail "the write ended during the outage"
    target_do link 0 up
    wait_until 60 state_is $NET $P0 LOGGED_IN
    log "session LOGGED_IN again"
    wait $writer || fail "the write issued during the outage failed"
    verify_pattern /dev/$DISK
    detach_clean $NET $P0
}

# The initiator's own link goes down for longer than the replacement timeout: I/O
# fails, and the initiator still detaches with nothing left.
long_outage() {
    local dev
    dev=$(link_nic 0)
    node_new $NET $P0 node.session.timeo.replacement_timeout=5 "${NOPS[@]}"
    attach $NET $P0 0
    write_pattern /dev/$DISK
    verify_pattern /dev/$DISK
    ip link set "$dev" down
    log "link 0 down on the initiator"
    wait_until 30 state_is $NET $P0 FAILED
    wait_until 40 io_fails $DISK
    log "I/O fails after the replacement timeout"
    detach_clean $NET $P0
    ip link set "$dev" up
    wait_until 20 busybox ping -c 1 -W 1 "$(peer_address 0)"
}

# Loss and delay on both sides of link 0 (netem): I/O is slower but whole.
loss_delay() {
    local dev started dropped
    dev=$(link_nic 0)
    node_new $NET $P0
    attach $NET $P0 0
    tc qdisc replace dev "$dev" root netem delay 10ms loss 1%
    target_do netem 0 delay 10ms loss 1%
    busybox ping -c 4 "$(peer_address 0)" | tee /tmp/ping.out
    # Both directions are delayed: no round trip under 20 ms.
    awk -F'[/ =]+' '/min\/avg\/max/ { found = 1; ok = $(NF-3) >= 20 } END { exit !(found && ok) }' \
        /tmp/ping.out ||
        fail "netem delay not seen by ping"
    started=$(now)
    PATTERN=/tmp/hil-pattern-lossy
    write_pattern /dev/$DISK
    verify_pattern /dev/$DISK
    log "4 MiB written and read back through loss and delay in $(elapsed "$started") s"
    tc -s qdisc show dev "$dev" | tee /tmp/qdisc.out
    dropped=$(awk '/dropped/ { sub(",", "", $7); print $7; exit }' /tmp/qdisc.out)
    log "netem dropped $dropped of the initiator's packets"
    [ "${dropped:-0}" -gt 0 ] || fail "netem dropped nothing: no loss was injected"
    tc qdisc del dev "$dev" root
    target_do netem 0 off
    detach_clean $NET $P0
}

# dm-flakey under the backstore: all I/O failing is seen by the initiator as I/O
# errors; dropped writes complete at the initiator and only the data check sees them.
flakey() {
    node_new $FLAKEY $P0
    attach $FLAKEY $P0 0
    write_pattern /dev/$DISK
    target_do flakey error
    io_fails $DISK || fail "a read succeeded while the backstore fails all I/O"
    ! dd if=/dev/zero of=/dev/$DISK bs=4k count=1 oflag=direct status=none ||
        fail "a write succeeded while the backstore fails all I/O"
    dmesg | grep -E "I/O error, dev $DISK|Sense Key" | tail -3
    target_do flakey up
    verify_pattern /dev/$DISK
    target_do flakey drop_writes
    local first=$PATTERN
    PATTERN=/tmp/hil-pattern-dropped
    write_pattern /dev/$DISK  # acknowledged: the initiator sees no error
    if pattern_on /dev/$DISK; then
        fail "dropped writes went unnoticed"
    fi
    log "writes dropped under the backstore: the write succeeded, the data check caught it"
    target_do flakey up
    PATTERN=$first
    verify_pattern /dev/$DISK  # the first pattern, untouched
    # The target cannot remove a map its backstore holds open.
    target_do remove_held_map
    detach_clean $FLAKEY $P0
}

# dm-delay under the backstore: the delay is seen by the initiator's reads, and a
# detach (flush, delete, logout) under the delay still leaves nothing.
delay() {
    local started took
    node_new $DELAY $P0
    attach $DELAY $P0 0
    write_pattern /dev/$DISK
    target_do delay 1500
    started=$(centiseconds)
    dd if=/dev/$DISK of=/dev/null bs=4k count=1 skip=1000 iflag=direct status=none
    took=$(($(centiseconds) - started))
    log "one 4 KiB read under a 1500 ms delay: $((took / 100)).$((took % 100)) s"
    ((took >= 150)) || fail "the delay was not seen: $took cs"
    verify_pattern /dev/$DISK
    detach_clean $DELAY $P0
    target_do delay 0
}

# A disk deleted while a process holds it open: the kernel removes it at once; the
# holder's descriptor stays, on a disk of size 0 (reads give end of file, writes
# ENOSPC), and the leftover check sees it until it is closed.
held_open_delete() {
    local disk got held
    node_new $NET $P0
    attach $NET $P0 0
    disk=$DISK
    write_pattern /dev/$disk
    exec 7<>/dev/$disk
    remove_disk $disk
    wait_until 10 test ! -e /sys/block/$disk
    log "$disk deleted while held open"
    got=$(dd bs=4k count=1 status=none <&7 | wc -c)
    [ "$got" = 0 ] || fail "read $got bytes through a deleted disk"
    if dd if=/dev/zero bs=4k count=1 status=none >&7 2>/tmp/write.err; then
        fail "a write through a deleted disk succeeded"
    fi
    log "through the held descriptor: read 0 bytes, write: $(</tmp/write.err)"
    if held=$(assert_no_held_devices); then
        fail "the leftover check missed a held, deleted disk"
    fi
    log "the leftover check sees it: $held"
    exec 7<&-
    # udev probes the disk when a writer closes it (the inotify watch): a
    # worker may still hold the deleted node for a moment. Only a hold that
    # lasts is a leftover.
    held=$(held_gone_devices)
    [ -z "$held" ] || log "held after the close: $held ($(holder_names "$held"))"
    wait_until 10 no_held_devices
    assert_no_held_devices
    detach_clean $NET $P0
}

# A different backstore mapped at the same LUN number under a logged-in session:
# the same sdX now reads another disk's data and answers with another unit serial
# number (what a connector must notice before it trusts the device; LIO's NAA
# identifier on page 0x83 holds only the serial's first 25 hex digits, which the
# two backstores share). Mapped back, the first data is there again.
lun_remapped() {
    local first second
    node_new $NET $P0
    attach $NET $P0 0
    write_pattern /dev/$DISK
    first=$(/lib/udev/scsi_id --page 0x80 --whitelisted --device=/dev/$DISK)
    target_do lun0 other
    if pattern_on /dev/$DISK; then
        fail "the remapped LUN still reads the first disk's data"
    fi
    second=$(/lib/udev/scsi_id --page 0x80 --whitelisted --device=/dev/$DISK)
    log "LUN 0's unit serial: $first, remapped: $second"
    [ -n "$second" ] && [ "$second" != "$first" ] || fail "the unit serial did not change"
    golden scsi_id lio-page80-remapped /lib/udev/scsi_id --page 0x80 --whitelisted \
        --device=/dev/$DISK
    target_do lun0 net
    wait_until 10 pattern_on /dev/$DISK
    [ "$(/lib/udev/scsi_id --page 0x80 --whitelisted --device=/dev/$DISK)" = "$first" ]
    detach_clean $NET $P0
}

# A portal removed under a session on it: the session lives on until its
# connection drops; then logins are refused (no listener) and I/O fails after the
# replacement timeout; discovery no longer names the portal; the detach still
# leaves nothing, and with the portal back a login works again.
portal_removed() {
    node_new $NET $P1 node.session.timeo.replacement_timeout=5 "${NOPS[@]}"
    attach $NET $P1 0
    write_pattern /dev/$DISK
    target_do portal 1 remove
    verify_pattern /dev/$DISK
    iscsiadm -m discovery -t st -p $P0 -o nonpersistent | tee /tmp/discovery.out
    iscsiadm -m discoverydb -t st -p $P0 -o delete >/dev/null 2>&1 || true
    if grep -q "^$P1," /tmp/discovery.out; then
        fail "discovery still names $P1"
    fi
    target_do link 1 down
    wait_until 30 state_is $NET $P1 FAILED
    target_do link 1 up
    wait_until 40 io_fails $DISK
    log "I/O fails with the portal gone"
    ! state_is $NET $P1 LOGGED_IN || fail "logged in to a removed portal"
    detach_clean $NET $P1
    target_do portal 1 add
    node_new $NET $P1
    attach $NET $P1 0
    verify_pattern /dev/$DISK
    detach_clean $NET $P1
}

mpath_paths() { multipathd show paths raw format "%d %t %T" 2>/dev/null | grep -c "active ready"; }
mpath_ready() { [ "$(mpath_paths)" = "$1" ]; }

# Two links, two sessions, one multipath map: the target's link 1 goes down and
# I/O goes on over link 0; the path comes back with the link. A flush while the
# map is held open fails and leaves the map; released, it goes.
multipath_link_down() {
    local writer disk0 disk1 held
    cat >/etc/multipath.conf <<'CONF'
defaults {
    user_friendly_names yes
    find_multipaths no
    polling_interval 1
}
blacklist {
    devnode "^(ram|loop|fd|md|sr|scd|st|nbd|zram|nvme)"
}
CONF
    start_multipathd
    node_new $NET $P0 node.session.timeo.replacement_timeout=5 "${NOPS[@]}"
    node_new $NET $P1 node.session.timeo.replacement_timeout=5 "${NOPS[@]}"
    attach $NET $P0 0
    disk0=$DISK
    attach $NET $P1 0
    disk1=$DISK
    wait_until 30 test -b /dev/mapper/mpatha
    wait_until 30 mpath_ready 2
    write_pattern /dev/mapper/mpatha
    PATTERN=/tmp/hil-pattern-multipath
    make_pattern
    target_do link 1 down
    dd if=$PATTERN of=/dev/mapper/mpatha bs=1M oflag=direct conv=fsync status=none &
    writer=$!
    wait_until 60 mpath_ready 1
    log "one path left"
    golden multipath ll-link-down multipath -ll
    wait $writer || fail "the write over the remaining path failed"
    verify_pattern /dev/mapper/mpatha
    target_do link 1 up
    wait_until 90 mpath_ready 2
    log "both paths back"
    verify_pattern /dev/mapper/mpatha

    # multipathd killed: the map is the kernel's and I/O goes on; restarted, it
    # finds the map and both paths again.
    kill -KILL "$(pidof multipathd)"
    wait_until 10 sh -c '! pidof multipathd'
    verify_pattern /dev/mapper/mpatha
    log "I/O through the map with multipathd dead"
    start_multipathd
    wait_until 30 mpath_ready 2
    log "multipathd restarted: 2 paths"

    exec 8</dev/mapper/mpatha
    if multipath -f mpatha >/tmp/flush.out 2>&1; then
        fail "multipath -f flushed a map held open"
    fi
    cat /tmp/flush.out
    test -b /dev/mapper/mpatha
    if held=$(assert_no_dm_maps multipath); then
        fail "the leftover check missed a map held open"
    fi
    log "the leftover check sees it: $held"
    exec 8<&-
    udevadm settle -t 10
    wait_until 20 multipath -f mpatha  # udev's probes may still hold it for a moment
    remove_disk $disk0
    remove_disk $disk1
    iscsiadm -m node -T $NET -p $P0 --logout >/dev/null
    iscsiadm -m node -T $NET -p $P1 --logout >/dev/null
    iscsiadm -m node -T $NET -o delete
    udevadm settle -t 10
    assert_no_iscsi_leftovers $NET
    assert_no_dm_maps multipath
    assert_no_held_devices
}

# After a failed check: whatever it left is removed, so the next starts clean.
reset_initiator() {
    local dev
    log "resetting the initiator after a failed check"
    for dev in $(ls /sys/class/net); do
        tc qdisc del dev "$dev" root 2>/dev/null
        ip link set "$dev" up
    done
    multipath -F 2>/dev/null
    for dev in /sys/class/iscsi_session/session*/device/target*/*:*:*:*/block/*; do
        [ -e "$dev" ] && remove_disk "${dev##*/}"
    done
    iscsiadm -m node --logoutall=all >/dev/null 2>&1
    iscsiadm -m node -o delete >/dev/null 2>&1
    for action in "netem 0 off" "netem 1 off" "link 0 up" "link 1 up" "flakey up" "delay 0" \
        "portal 1 add" "lun0 net"; do
        target_do $action >/dev/null 2>&1
    done
    udevadm settle -t 10
}
# pair_check NAME FUNCTION: a check, with the initiator reset when it fails. A job
# that sources this one with PAIR_ONLY="NAME ..." runs only those checks.
pair_check() {
    if [ -n "${PAIR_ONLY:-}" ] && [[ " $PAIR_ONLY " != *" $1 "* ]]; then
        return 0
    fi
    check "$@"
    passed || reset_initiator
}

check setup setup
if ! passed; then
    initiator_done
    finish
fi
pair_check pair-discovery discovery
pair_check link-short-outage short_outage
pair_check link-long-outage long_outage
pair_check link-loss-delay loss_delay
pair_check dm-flakey-backstore flakey
pair_check dm-delay-backstore delay
pair_check held-open-delete held_open_delete
pair_check lun-remapped lun_remapped
pair_check portal-removed portal_removed
pair_check multipath-link-down multipath_link_down
initiator_done
finish
