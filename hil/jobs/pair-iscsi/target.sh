# HIL job, pair: the target guest. LIO with three demo-mode targets:
#   pair-net     a fileio LUN on tmpfs, portals on both links (10.99.0.1, 10.99.1.1);
#                a second fileio backstore ("other") to map at its LUN 0 instead
#   pair-flakey  a block backstore over dm-flakey over a loop device on tmpfs
#   pair-delay   a block backstore over dm-delay over a loop device on tmpfs
# then runs the initiator's requests (the action_* functions) until it is done,
# and tears everything down: no LIO object, dm map or loop device left.
source /brick/src/hil/guest/lib.sh
source /brick/src/hil/guest/pair.sh
source /brick/src/hil/guest/lio.sh

BASE=iqn.2026-01.org.brickworks
NET=$BASE:pair-net
FLAKEY=$BASE:pair-flakey
DELAY=$BASE:pair-delay
SIZE_MB=64

# dm_over_loop NAME TABLE_TAIL: a loop device over a tmpfs file and a dm map NAME
# over it; TABLE_TAIL follows "0 SECTORS" with LOOP standing for the loop device.
dm_over_loop() {
    local name=$1 loop sectors
    truncate -s ${SIZE_MB}M /tmp/lio/$name.img
    loop=$(losetup -f --show /tmp/lio/$name.img)
    echo "$loop" >/tmp/lio/$name.loop
    sectors=$(blockdev --getsz "$loop")
    echo "$sectors" >/tmp/lio/$name.sectors
    dmsetup create "$name" --noudevsync --table "0 $sectors ${2//LOOP/$loop}"
    dmsetup mknodes "$name"  # no udevd in this guest
    test -b /dev/mapper/$name
}
# dm_table NAME TABLE_TAIL: loads a new table into a live map (suspend, reload, resume).
dm_table() {
    local loop sectors
    read -r loop </tmp/lio/$1.loop
    read -r sectors </tmp/lio/$1.sectors
    dmsetup suspend --noudevsync "$1"
    dmsetup reload "$1" --table "0 $sectors ${2//LOOP/$loop}"
    dmsetup resume --noudevsync "$1"
    dmsetup table "$1"
}

setup() {
    load_modules configfs target_core_mod target_core_file target_core_iblock \
        iscsi_target_mod loop dm_mod dm_flakey dm_delay sch_netem
    links_up 2
    mkdir -p /tmp/lio
    dm_over_loop brick-flakey "flakey LOOP 0 3600 0"  # up for an hour, down 0 s: healthy
    dm_over_loop brick-delay "delay LOOP 0 0"
}

configure_lio() {
    lio_fileio other /tmp/lio/other.img $SIZE_MB 6b72696b-0000-4000-8000-0000000000b4
    lio_fileio net /tmp/lio/net.img $SIZE_MB 6b72696b-0000-4000-8000-0000000000b1
    lio_demo_target $NET "$LIO_STORE" 10.99.0.1:3260 10.99.1.1:3260
    lio_iblock flakey /dev/mapper/brick-flakey 6b72696b-0000-4000-8000-0000000000b2
    lio_demo_target $FLAKEY "$LIO_STORE" 10.99.0.1:3260
    lio_iblock delay /dev/mapper/brick-delay 6b72696b-0000-4000-8000-0000000000b3
    lio_demo_target $DELAY "$LIO_STORE" 10.99.0.1:3260
    [ "$(cat $LIO_ISCSI/$NET/tpgt_1/enable)" = 1 ]
    ls $LIO_ISCSI/$NET/tpgt_1/np
}

# --- the initiator's requests ------------------------------------------------
# link INDEX up|down: this guest's NIC on that link (the initiator sees silence).
action_link() { ip link set "$(link_nic "$1")" "$2"; ip -br link show "$(link_nic "$1")"; }
# netem INDEX ARGS...: netem on this guest's egress on that link; `netem INDEX off` removes it.
action_netem() {
    local dev
    dev=$(link_nic "$1")
    shift
    if [ "$1" = off ]; then
        tc -s qdisc show dev "$dev"
        tc qdisc del dev "$dev" root
    else
        tc qdisc replace dev "$dev" root netem "$@"
        tc qdisc show dev "$dev"
    fi
}
# flakey up|error|drop_writes: dm-flakey healthy, failing all I/O, or dropping writes.
action_flakey() {
    case $1 in
    up) dm_table brick-flakey "flakey LOOP 0 3600 0" ;;
    error) dm_table brick-flakey "flakey LOOP 0 0 3600" ;;
    drop_writes) dm_table brick-flakey "flakey LOOP 0 0 3600 1 drop_writes" ;;
    *) fail "flakey: up, error or drop_writes" ;;
    esac
}
# delay MS: dm-delay's delay for reads and writes.
action_delay() { dm_table brick-delay "delay LOOP 0 $1"; }
# lun0 net|other: which backstore pair-net's LUN 0 maps (LUN unmapped, then the
# backstore linked at the same number).
action_lun0() {
    local lun=$LIO_ISCSI/$NET/tpgt_1/lun/lun_0
    [ -d "$LIO_CORE/fileio_0/$1" ] || fail "lun0: net or other"
    rm "$lun"/store
    ln -s "$LIO_CORE/fileio_0/$1" "$lun"/store
    readlink -f "$lun"/store
}
# portal INDEX remove|add: pair-net's portal on that link (sessions on it stay).
action_portal() {
    local np=$LIO_ISCSI/$NET/tpgt_1/np/10.99.$1.1:3260
    case $2 in
    remove) rmdir "$np" ;;
    add) mkdir "$np" ;;
    *) fail "portal INDEX remove|add" ;;
    esac
    ls $LIO_ISCSI/$NET/tpgt_1/np
}
# remove_held_map: `dmsetup remove` of the map LIO's backstore holds open must
# fail (EBUSY) and leave the map working; prints what the kernel said.
action_remove_held_map() {
    local open
    open=$(($(dmsetup info -c --noheadings -o open brick-flakey)))
    echo "brick-flakey open count: $open"
    [ "$open" -ge 1 ] || fail "LIO does not hold brick-flakey open"
    if dmsetup remove --noudevsync brick-flakey 2>/tmp/remove.err; then
        fail "dmsetup remove of a map LIO holds open succeeded"
    fi
    cat /tmp/remove.err
    grep -q "busy" /tmp/remove.err
    test -b /dev/mapper/brick-flakey
    dmsetup info brick-flakey | grep -q ACTIVE
}

teardown() {
    local name loop
    for iqn in $NET $FLAKEY $DELAY; do
        lio_remove_target $iqn
    done
    for store in fileio_0/net fileio_0/other iblock_0/flakey iblock_0/delay; do
        lio_remove_backstore $LIO_CORE/$store
    done
    assert_lio_empty
    for name in brick-flakey brick-delay; do
        read -r loop </tmp/lio/$name.loop
        dmsetup remove --noudevsync $name
        losetup -d "$loop"
    done
    assert_no_dm_maps
    [ -z "$(losetup -a)" ] || fail "loop devices left: $(losetup -a)"
}

check target-setup setup
if passed; then
    check target-lio configure_lio
fi
if passed; then
    target_ready
else
    target_failed
fi
check serve-initiator serve
check target-teardown teardown
finish
