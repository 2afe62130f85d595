# HIL job: LIO (configured with targetcli) and open-iscsi + dm-multipath in one guest.
# Checks: single path attach/detach with data, re-attach reads it back, LUN 256, CHAP
# (a wrong password fails with exit 24, mutual CHAP logs in), a target with two
# portal groups on two loopback addresses, two-portal multipath surviving a TPG
# disable, a LUN unmapped under a session, twelve volumes attached and detached
# at once by separate `brick` processes, no leftovers after each detach; then
# the library's own single-path scenario.
source /brick/src/hil/guest/lib.sh
source /brick/src/hil/guest/iscsi.sh
source /brick/src/hil/guest/lio.sh

BASE=iqn.2026-01.org.brickworks
SINGLE=$BASE:lio-single
CHAP=$BASE:lio-chap
MPATH=$BASE:lio-mpath
INITIATOR=$BASE:hil-guest
P1=127.0.0.1:3260
P2=127.0.0.1:3261
TPGS=$BASE:lio-tpgs
# The second portal group's portal: another loopback address (lo's 127.0.0.1/8
# makes all of 127/8 local), the same port.
P3=127.0.0.2:3260
CONFIGFS=/sys/kernel/config/target/iscsi

setup() {
    load_modules configfs target_core_mod target_core_file iscsi_target_mod \
        scsi_transport_iscsi iscsi_tcp sd_mod dm_multipath dm_round_robin \
        dm_service_time scsi_dh_alua
    mkdir -p /tmp/lio
    start_dbus
    start_udevd
    start_iscsid
}

# One target, two portal groups (tpgt_1 on 127.0.0.1:3260, tpgt_2 on
# 127.0.0.2:3260), the same backstore at LUN 0 of both, made through configfs
# before targetcli makes the others, so discovery lists this target alone.
# Discovery, node records, both sessions (automatic scan), the sessions' tpgt
# and the by-path links as the real tools show them; then logout, records
# deleted, the target removed, nothing left.
two_portal_groups() {
    ip -4 route show table local dev lo | grep -q '^local 127.0.0.0/8 ' ||
        fail "127.0.0.0/8 is not local on lo: $(ip -4 route show table local dev lo)"
    lio_fileio tpgs /tmp/lio/tpgs.img 16 6b72696b-0000-4000-8000-000000000005
    local store=$LIO_STORE
    lio_demo_tpg $TPGS 1 "$store" $P1
    lio_demo_tpg $TPGS 2 "$store" $P3
    golden iscsiadm discovery-st-two-tpgs iscsiadm -m discovery -t st -p $P1
    grep -qx "$P1,1 $TPGS" "$JOB/golden/iscsiadm/discovery-st-two-tpgs.txt"
    grep -qx "$P3,2 $TPGS" "$JOB/golden/iscsiadm/discovery-st-two-tpgs.txt"
    golden iscsiadm node-two-tpgs iscsiadm -m node
    # One portal after the other: session 1 is tpgt_1's in every capture.
    iscsiadm -m node -T $TPGS -p $P1 --login >/dev/null
    iscsiadm -m node -T $TPGS -p $P3 --login >/dev/null
    wait_until 20 scsi_disk_for $TPGS 0 $P1
    wait_until 20 scsi_disk_for $TPGS 0 $P3
    local disk1 disk3
    disk1=$(scsi_disk_for $TPGS 0 $P1)
    disk3=$(scsi_disk_for $TPGS 0 $P3)
    wait_until 10 udev_links_for "$disk1"
    wait_until 10 udev_links_for "$disk3"
    golden iscsiadm session-two-tpgs iscsiadm -m session
    golden iscsiadm session-two-tpgs-P3 iscsiadm -m session -P 3
    golden lsscsi two-tpgs-transport lsscsi -t
    golden disk-links by-path-two-tpgs disk_links /dev/disk/by-path
    golden sysfs session-portal-groups-two-tpgs session_portal_groups
    grep -qx "$P1,1 $TPGS" "$JOB/golden/sysfs/session-portal-groups-two-tpgs.txt"
    grep -qx "$P3,2 $TPGS" "$JOB/golden/sysfs/session-portal-groups-two-tpgs.txt"
    remove_disk "$disk1"
    remove_disk "$disk3"
    iscsiadm -m node -T $TPGS --logout >/dev/null
    iscsiadm -m node -T $TPGS -o delete
    iscsiadm -m discoverydb -t st -p $P1 -o delete
    ! iscsiadm -m discoverydb >/dev/null 2>&1 || fail "discovery record left"
    udevadm settle -t 10
    assert_no_iscsi_leftovers $TPGS
    lio_remove_target $TPGS
    lio_remove_backstore "$store"
    rm /tmp/lio/tpgs.img
    assert_lio_empty
}

# One targetcli session configures every target (each python start costs seconds).
configure_lio() {
    targetcli >"$JOB/targetcli.log" 2>&1 <<TCL
set global auto_add_default_portal=false
set global auto_save_on_exit=false
/backstores/fileio create name=single file_or_dev=/tmp/lio/single.img size=64M write_back=false wwn=6b72696b-0000-4000-8000-000000000001
/backstores/fileio create name=chap file_or_dev=/tmp/lio/chap.img size=64M write_back=false wwn=6b72696b-0000-4000-8000-000000000002
/backstores/fileio create name=high file_or_dev=/tmp/lio/high.img size=16M write_back=false wwn=6b72696b-0000-4000-8000-000000000004
/backstores/fileio create name=mpath file_or_dev=/tmp/lio/mpath.img size=64M write_back=false wwn=6b72696b-0000-4000-8000-000000000003
/iscsi create $SINGLE
/iscsi/$SINGLE/tpg1/portals create 127.0.0.1 3260
/iscsi/$SINGLE/tpg1/luns create /backstores/fileio/single
/iscsi/$SINGLE/tpg1/luns create /backstores/fileio/high lun=256
/iscsi/$SINGLE/tpg1 set attribute authentication=0 demo_mode_write_protect=0 generate_node_acls=1 cache_dynamic_acls=1
/iscsi create $CHAP
/iscsi/$CHAP/tpg1/portals create 127.0.0.1 3260
/iscsi/$CHAP/tpg1/luns create /backstores/fileio/chap
/iscsi/$CHAP/tpg1/acls create $INITIATOR
/iscsi/$CHAP/tpg1/acls/$INITIATOR set auth userid=brick-user password=brick-secret-1 mutual_userid=brick-target mutual_password=brick-secret-2
/iscsi/$CHAP/tpg1 set attribute authentication=1 generate_node_acls=0
/iscsi create $MPATH
/iscsi/$MPATH/tpg1/portals create 127.0.0.1 3260
/iscsi/$MPATH/tpg1/luns create /backstores/fileio/mpath
/iscsi/$MPATH/tpg1 set attribute authentication=0 demo_mode_write_protect=0 generate_node_acls=1 cache_dynamic_acls=1
/iscsi/$MPATH create tag=2
/iscsi/$MPATH/tpg2/portals create 127.0.0.1 3261
/iscsi/$MPATH/tpg2/luns create /backstores/fileio/mpath
/iscsi/$MPATH/tpg2 set attribute authentication=0 demo_mode_write_protect=0 generate_node_acls=1 cache_dynamic_acls=1
ls
exit
TCL
    [ "$(cat $CONFIGFS/$SINGLE/tpgt_1/enable)" = 1 ]
    [ "$(cat $CONFIGFS/$MPATH/tpgt_2/enable)" = 1 ]
    grep -q 6b72696b-0000-4000-8000-000000000001 /sys/kernel/config/target/core/fileio_*/single/wwn/vpd_unit_serial
    golden targetcli ls targetcli ls
}

# The project's own build runs in the guest (rpath and all) and sees the guest's identity.
project_build_runs() {
    local brick=/brick/build/lib/brick
    if [ ! -x $brick ]; then
        log "not run: no $brick (build the brick_cli target)"
        return 0
    fi
    $brick properties >"$JOB/brick-properties.json"
    grep -q "$INITIATOR" "$JOB/brick-properties.json"
}

discovery() {
    golden iscsiadm discovery-st iscsiadm -m discovery -t st -p $P1
    grep -q "$P1,1 $SINGLE" "$JOB/golden/iscsiadm/discovery-st.txt"
    golden iscsiadm node-after-discovery iscsiadm -m node
    iscsiadm -m discoverydb -t st -p $P1 -o delete
    golden iscsiadm node-none iscsiadm -m node
    [ "$GOLDEN_EXIT" = 21 ]
    golden iscsiadm session-none iscsiadm -m session
    [ "$GOLDEN_EXIT" = 21 ]
}

single_path() {
    node_new $SINGLE $P1
    attach $SINGLE $P1 0
    write_pattern /dev/$DISK
    wait_until 10 udev_links_for $DISK
    golden iscsiadm session-one iscsiadm -m session
    golden iscsiadm session-one-P3 iscsiadm -m session -P 3
    golden iscsiadm node-one iscsiadm -m node
    golden iscsiadm node-one-record iscsiadm -m node -T $SINGLE -p $P1
    golden lsscsi one-lun lsscsi
    golden lsscsi one-lun-transport lsscsi -t
    golden scsi_id lio-page83 /lib/udev/scsi_id --page 0x83 --whitelisted --device=/dev/$DISK
    golden scsi_id lio-page80 /lib/udev/scsi_id --page 0x80 --whitelisted --device=/dev/$DISK
    golden disk-links by-path-lio-one disk_links /dev/disk/by-path
    golden disk-links by-id-lio-one disk_links /dev/disk/by-id
    detach $SINGLE $P1
    udevadm settle -t 10
    assert_no_iscsi_leftovers $SINGLE
    golden lsscsi none lsscsi
}

reattach_reads_back() {
    node_new $SINGLE $P1
    attach $SINGLE $P1 0
    verify_pattern /dev/$DISK
    detach $SINGLE $P1
    # udev's probes of the dead LUN end with SCSI error handling: slow on a loaded host.
    udevadm settle -t 60 || log "udev queue still busy after 60 s"
    assert_no_iscsi_leftovers $SINGLE
}

# A LUN number past the single-level range (flat space addressing on the wire).
lun_256() {
    node_new $SINGLE $P1
    attach $SINGLE $P1 256
    local high=$DISK
    [ "$(cat /sys/block/$high/device/type)" = 0 ]
    scan_lun $SINGLE 0 3260
    wait_until 10 scsi_disk_for $SINGLE 0 3260
    [ "$(session_disks $SINGLE 3260 | wc -l)" = 2 ]
    write_pattern /dev/$high
    verify_pattern /dev/$high
    golden lsscsi lun-0-and-256 lsscsi
    detach $SINGLE $P1
    # udev's probes of the dead LUN end with SCSI error handling: slow on a loaded host.
    udevadm settle -t 60 || log "udev queue still busy after 60 s"
    assert_no_iscsi_leftovers $SINGLE
}

chap() {
    node_new $CHAP $P1 node.session.auth.authmethod=CHAP \
        node.session.auth.username=brick-user node.session.auth.password=wrong-secret-9
    golden iscsiadm login-auth-failure iscsiadm -m node -T $CHAP -p $P1 --login
    [ "$GOLDEN_EXIT" = 24 ] || fail "wrong CHAP password: exit $GOLDEN_EXIT, expected 24"
    iscsiadm -m node -T $CHAP -p $P1 -o update -n node.session.auth.password -v brick-secret-1
    iscsiadm -m node -T $CHAP -p $P1 -o update -n node.session.auth.username_in -v brick-target
    iscsiadm -m node -T $CHAP -p $P1 -o update -n node.session.auth.password_in -v brick-secret-2
    attach $CHAP $P1 0
    write_pattern /dev/$DISK
    verify_pattern /dev/$DISK
    golden iscsiadm session-chap-P2 iscsiadm -m session -P 2
    detach $CHAP $P1
    udevadm settle -t 10
    assert_no_iscsi_leftovers $CHAP
}

# Separate `brick` processes attach and detach volumes at once, as a host's
# agents do: node records are added and changed side by side while others are
# deleted. Twelve demo-mode targets (configfs), one 8 MiB LUN each: 1-8
# attached at once; then 1-4 detached while 9-12 are attached, all at once;
# then 5-12 detached at once. Every program must succeed, every device must
# be its own volume (its unit serial), and nothing may be left.
CONCURRENT_IQN=$BASE:lio-conc
conc_serial() { printf '6b72696b-0000-4000-8000-0000000001%02d' "$1"; }
conc_properties() {
    printf '{"target_portal": "%s", "target_iqn": "%s-%d", "target_lun": 0, "target_discovered": false, "volume_id": "conc-%d"}' \
        $P1 "$CONCURRENT_IQN" "$1" "$1" >"/tmp/conc-$1.props"
}
# conc_run OP N...: `brick OP` for each volume N at once; fails unless all succeed.
conc_run() {
    local op=$1 i pid failed=""
    shift
    local -A pids=()
    for i in "$@"; do
        if [ "$op" = connect ]; then
            /brick/build/lib/brick connect iscsi --properties "/tmp/conc-$i.props" \
                >"/tmp/conc-$i.device" 2>"/tmp/conc-$i.err" &
        else
            /brick/build/lib/brick disconnect iscsi --properties "/tmp/conc-$i.props" \
                --device-info "/tmp/conc-$i.device" 2>"/tmp/conc-$i.err" &
        fi
        pids[$i]=$!
    done
    for i in "${!pids[@]}"; do
        pid=${pids[$i]}
        wait "$pid" || failed="$failed $i: $(tail -c 400 "/tmp/conc-$i.err")"
    done
    [ -z "$failed" ] || fail "brick $op failed for$failed"
}
# conc_is_own N: volume N's device is its own LUN (the unit serial, VPD page 0x80).
conc_is_own() {
    local path name
    path=$(sed -n 's/.*"path": *"\([^"]*\)".*/\1/p' "/tmp/conc-$1.device")
    name=$(basename "$(readlink -f "$path")")
    [ -b "/dev/$name" ] || fail "volume $1: $path is no block device"
    grep -q "$(conc_serial "$1")" "/sys/block/$name/device/vpd_pg80" ||
        fail "volume $1: $path ($name) carries another LUN's serial"
}
library_concurrent() {
    local i started
    for i in $(seq 1 12); do
        lio_fileio "conc$i" "/tmp/lio/conc$i.img" 8 "$(conc_serial "$i")"
        lio_demo_target "$CONCURRENT_IQN-$i" "$LIO_STORE" $P1
        conc_properties "$i"
    done
    started=$(now)
    conc_run connect 1 2 3 4 5 6 7 8
    log "8 attaches at once: $(elapsed "$started") s"
    for i in 1 2 3 4 5 6 7 8; do conc_is_own "$i"; done
    started=$(now)
    conc_run disconnect 1 2 3 4 &
    local detaching=$!
    conc_run connect 9 10 11 12
    wait "$detaching" || fail "the detaches beside the attaches failed"
    log "4 detaches beside 4 attaches: $(elapsed "$started") s"
    for i in 9 10 11 12; do conc_is_own "$i"; done
    started=$(now)
    conc_run disconnect 5 6 7 8 9 10 11 12
    log "8 detaches at once: $(elapsed "$started") s"
    udevadm settle -t 30 || log "udev queue still busy after 30 s"
    for i in $(seq 1 12); do
        assert_no_iscsi_leftovers "$CONCURRENT_IQN-$i"
    done
    ! iscsiadm -m node >/dev/null 2>&1 || fail "node records left: $(iscsiadm -m node)"
    for i in $(seq 1 12); do
        lio_remove_target "$CONCURRENT_IQN-$i"
        lio_remove_backstore "$LIO_CORE/fileio_0/conc$i"
        rm "/tmp/lio/conc$i.img"
    done
}

mpath_paths() { multipathd show paths raw format "%d %t %T" 2>/dev/null | grep -c "active ready"; }
mpath_ready() { [ "$(mpath_paths)" = "$1" ]; }

multipath_two_portals() {
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
    node_new $MPATH $P1 node.session.timeo.replacement_timeout=5
    node_new $MPATH $P2 node.session.timeo.replacement_timeout=5
    attach $MPATH $P1 0
    local disk1=$DISK
    attach $MPATH $P2 0
    local disk2=$DISK
    wait_until 20 test -b /dev/mapper/mpatha
    wait_until 20 mpath_ready 2
    write_pattern /dev/mapper/mpatha
    udevadm settle -t 10
    golden multipath ll-two-active multipath -ll
    golden multipathd show-maps-two-active multipathd show maps
    golden multipathd show-paths-two-active multipathd show paths
    golden iscsiadm session-two-portals iscsiadm -m session
    golden lsscsi two-paths lsscsi
    golden disk-links by-id-mpath disk_links /dev/disk/by-id

    # Fault: the second portal's TPG goes away; I/O continues on the first.
    echo 0 >$CONFIGFS/$MPATH/tpgt_2/enable
    log "tpgt_2 disabled"
    verify_pattern /dev/mapper/mpatha
    wait_until 30 mpath_ready 1
    golden multipath ll-one-failed multipath -ll
    golden multipathd show-paths-one-failed multipathd show paths
    golden iscsiadm session-one-failed-P1 iscsiadm -m session -P 1
    verify_pattern /dev/mapper/mpatha
    echo 1 >$CONFIGFS/$MPATH/tpgt_2/enable
    wait_until 30 mpath_ready 2
    log "path back after tpgt_2 enable"

    # The path's return makes udev probe the map (blkid, kpartx): it is "in use"
    # for a moment. Only an open that lasts is a leftover.
    udevadm settle -t 10
    wait_until 20 multipath -f mpatha
    [ ! -e /dev/mapper/mpatha ]
    remove_disk $disk1
    remove_disk $disk2
    iscsiadm -m node -T $MPATH -p $P1 --logout >/dev/null
    iscsiadm -m node -T $MPATH -p $P2 --logout >/dev/null
    iscsiadm -m node -T $MPATH -o delete
    udevadm settle -t 10
    assert_no_iscsi_leftovers $MPATH
    [ -z "$(dmsetup ls --target multipath | grep -v 'No devices')" ] || fail "dm map left"
    golden multipathd show-maps-none multipathd show maps
    # The daemon's "fail" answer is the client's exit status 1.
    golden multipathd del-map-missing multipathd del map mpatha
    [ "$GOLDEN_EXIT" = 1 ] || fail "multipathd del map of a missing map exited $GOLDEN_EXIT"
}

# Fault: the LUN is unmapped on the target under a logged-in session; reads fail,
# and the initiator still detaches with no leftovers.
lun_unmapped() {
    local lun=$CONFIGFS/$SINGLE/tpgt_1/lun/lun_0
    node_new $SINGLE $P1
    attach $SINGLE $P1 0
    verify_pattern /dev/$DISK
    rm "$(find $lun -maxdepth 1 -type l | head -1)"
    rmdir $lun
    log "lun_0 unmapped"
    ! dd if=/dev/$DISK of=/dev/null bs=4k count=1 iflag=direct status=none
    golden lsscsi lun-unmapped lsscsi
    detach $SINGLE $P1
    # udev's probes of the dead LUN end with SCSI error handling: slow on a loaded host.
    udevadm settle -t 60 || log "udev queue still busy after 60 s"
    assert_no_iscsi_leftovers $SINGLE
}

# The library itself, through the scenario runner, on this kernel and LIO: the
# scenario file the simulator runs unchanged (attach, write, detach, re-attach,
# read back, detach, nothing left). The runner's LIO driver replaces the job's
# targets with the scenario's (targetcli restoreconfig clear_existing=true).
library_single_path() {
    [ -x /brick/build/lab/brick-lab ] || fail "brick-lab is not built"
    /brick/build/lab/brick-lab run /brick/src/scenarios/iscsi/single-path.json \
        --backend real --target lio --report "$JOB/library-report" | tee /tmp/library.out
    grep -q '^1 passed, 0 failed, 0 skipped' /tmp/library.out || fail "the scenario did not pass"
    assert_no_iscsi_leftovers iqn.2003-01.org.linux-iscsi.brickworks:single
}

check setup setup
passed || finish
check iscsi-two-portal-groups two_portal_groups
check lio-targetcli configure_lio
passed || finish
check project-build-runs project_build_runs
check iscsi-discovery discovery
check iscsi-single-path single_path
check iscsi-reattach-reads-back reattach_reads_back
check iscsi-lun-256 lun_256
check iscsi-chap chap
check iscsi-library-concurrent library_concurrent
check iscsi-multipath-tpg-fault multipath_two_portals
check lio-lun-unmapped lun_unmapped
check iscsi-library-single-path library_single_path
finish
