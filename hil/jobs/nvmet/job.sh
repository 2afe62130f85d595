# HIL job: nvmet (configfs, NVMe/TCP on 127.0.0.1:4420) and nvme-cli in one guest.
# Checks: connect, namespace found by its uuid in sysfs, data written and
# read back, disconnect with no controller left, re-connect reads the data
# back, and real faults: the port removed under a live controller (it goes
# connecting, then live again) and the ANA group made inaccessible.
# NVMe/RDMA over Soft-RoCE: rdma_rxe on a dummy device carrying 10.98.0.1
# (rxe cannot use lo, and nvme-rdma cannot reach 127.0.0.1 over rxe), with
# nvme-cli and then the library (scenarios/nvmeof/rdma-new-format.json).
# The library's extend (the namespace grown on the target) through the
# scenario runner.
source /brick/src/hil/guest/lib.sh
source /brick/src/hil/guest/nvmet.sh

NQN=nqn.2026-01.org.brickworks:nvmet-single
NS_UUID=6b72696b-0000-4000-8000-0000000000a1
NS_NGUID=6b72696b-0000-4000-8000-0000000000a1
SUBSYS=$NVMET/subsystems/$NQN
PORT=$NVMET/ports/1
CONNECT=(-t tcp -a 127.0.0.1 -s 4420 -n $NQN)
RDMA_ADDR=10.98.0.1
RDMA_PORT=$NVMET/ports/2

setup() {
    load_modules nvmet nvmet_tcp nvme_tcp nvme_fabrics dummy rdma_rxe nvme_rdma nvmet_rdma
    mkdir -p /tmp/nvmet
    start_udevd
}

configure_nvmet() {
    truncate -s 64M /tmp/nvmet/ns1.img
    mkdir $SUBSYS
    echo 1 >$SUBSYS/attr_allow_any_host
    echo brick0000000001 >$SUBSYS/attr_serial
    mkdir $SUBSYS/namespaces/1
    echo /tmp/nvmet/ns1.img >$SUBSYS/namespaces/1/device_path
    echo $NS_UUID >$SUBSYS/namespaces/1/device_uuid
    echo $NS_NGUID >$SUBSYS/namespaces/1/device_nguid
    echo 1 >$SUBSYS/namespaces/1/buffered_io  # a tmpfs file fails with -22 otherwise
    echo 1 >$SUBSYS/namespaces/1/enable
    nvmet_port $PORT tcp 127.0.0.1 4420 $SUBSYS
    golden nvme discover nvme discover -t tcp -a 127.0.0.1 -s 4420
    grep -q "subnqn: *$NQN" "$JOB/golden/nvme/discover.txt"
    golden nvme discover-json nvme discover -t tcp -a 127.0.0.1 -s 4420 -o json
}

# namespace_by_uuid UUID: the block device (nvmeXnY, never a hidden nvmeXcYnZ path).
namespace_by_uuid() {
    local dev
    for dev in /sys/block/nvme*; do
        [[ $(basename "$dev") =~ ^nvme[0-9]+n[0-9]+$ ]] || continue
        [ "$(cat "$dev/uuid" 2>/dev/null)" = "$1" ] && basename "$dev" && return 0
    done
    return 1
}
controller_state() {
    local ctrl
    for ctrl in /sys/class/nvme/nvme*; do
        [ "$(cat "$ctrl/subsysnqn" 2>/dev/null)" = "$NQN" ] && cat "$ctrl/state" && return 0
    done
    return 1
}
is_state() { [ "$(controller_state)" = "$1" ]; }

connect() {
    nvme connect "${CONNECT[@]}" "$@" >/dev/null
    wait_until 10 namespace_by_uuid $NS_UUID
    NS=$(namespace_by_uuid $NS_UUID)
    wait_until 5 test -b /dev/$NS
    log "connected: /dev/$NS"
}
disconnect() {
    nvme disconnect -n $NQN >/dev/null
    wait_until 10 sh -c '! ls /sys/class/nvme/ | grep -q nvme'
}
assert_no_nvme_leftovers() {
    [ -z "$(ls /sys/class/nvme/ 2>/dev/null)" ] || fail "controllers left: $(ls /sys/class/nvme/)"
    [ -z "$(ls /sys/class/nvme-subsystem/ 2>/dev/null)" ] || fail "subsystems left"
    ! ls /dev/disk/by-id/ 2>/dev/null | grep -q nvme || fail "udev links left"
}

connect_io_disconnect() {
    golden nvme list-none-json nvme list -o json
    connect
    write_pattern /dev/$NS
    udevadm settle -t 10
    golden nvme list nvme list
    golden nvme list-json nvme list -o json
    golden nvme list-subsys-json nvme list-subsys -o json
    golden nvme list-subsys nvme list-subsys
    golden nvme list-subsys-ns-json nvme list-subsys /dev/$NS -o json
    golden disk-links by-id-nvme disk_links /dev/disk/by-id
    disconnect
    udevadm settle -t 10
    assert_no_nvme_leftovers
    golden nvme list-subsys-none-json nvme list-subsys -o json
}

reconnect_reads_back() {
    connect
    verify_pattern /dev/$NS
    disconnect
    udevadm settle -t 10
    assert_no_nvme_leftovers
}

port_removed() {
    connect --reconnect-delay=1 --ctrl-loss-tmo=60
    # Fault: the port stops exporting the subsystem; the controller reconnects in vain.
    rm $PORT/subsystems/$NQN
    wait_until 20 is_state connecting
    golden nvme list-subsys-connecting-json nvme list-subsys -o json
    ln -s $SUBSYS $PORT/subsystems/$NQN
    wait_until 20 is_state live
    log "controller live again"
    verify_pattern /dev/$NS
    disconnect
    assert_no_nvme_leftovers
}

ana_inaccessible() {
    connect
    # Fault: the port's ANA group turns inaccessible; then optimized again.
    echo inaccessible >$PORT/ana_groups/1/ana_state
    wait_until 20 grep -q inaccessible /sys/class/nvme/nvme*/nvme*c*n1/ana_state
    golden nvme list-subsys-ana-inaccessible-json nvme list-subsys -o json
    golden nvme list-subsys-ana-inaccessible nvme list-subsys /dev/$NS
    echo optimized >$PORT/ana_groups/1/ana_state
    wait_until 20 grep -q optimized /sys/class/nvme/nvme*/nvme*c*n1/ana_state
    verify_pattern /dev/$NS
    disconnect
    assert_no_nvme_leftovers
}

# rdma_gid_present: rxe0 lists 10.98.0.1 (::ffff:10.98.0.1) in its GID table;
# nvmet-rdma cannot bind the address before (-EADDRNOTAVAIL).
rdma_gid_present() { grep -q '0000:ffff:0a62:0001' /sys/class/infiniband/rxe0/ports/1/gids/*; }
assert_no_rdma_leftovers() {
    [ -z "$(ls /sys/class/infiniband/ 2>/dev/null)" ] || fail "RDMA devices left: $(ls /sys/class/infiniband/)"
    ! ip -o link show | grep -qE 'brick-rdma|rdma-dummy' || fail "dummy devices left"
}

rdma_connect_io_disconnect() {
    ip link add rdma-dummy type dummy
    ip address add $RDMA_ADDR/32 dev rdma-dummy
    ip link set rdma-dummy up
    rdma link add rxe0 type rxe netdev rdma-dummy
    wait_until 10 rdma_gid_present
    golden rdma link-rxe rdma link show
    nvmet_port $RDMA_PORT rdma $RDMA_ADDR 4420 $SUBSYS
    # The namespace the TCP checks wrote: the same data over RDMA.
    CONNECT=(-t rdma -a $RDMA_ADDR -s 4420 -n $NQN)
    connect
    [ "$(cat /sys/class/nvme/nvme*/transport)" = rdma ] || fail "transport is not rdma"
    verify_pattern /dev/$NS
    golden nvme list-subsys-rdma-json nvme list-subsys -o json
    golden nvme list-subsys-rdma nvme list-subsys
    disconnect
    udevadm settle -t 10
    assert_no_nvme_leftovers
    rm $RDMA_PORT/subsystems/$NQN
    rmdir $RDMA_PORT
    rdma link delete rxe0
    ip link delete rdma-dummy
    assert_no_rdma_leftovers
}

# The library through the scenario runner: Soft-RoCE set up by the nvmet
# driver (lab/targets/soft_roce.cpp), connect with transport RoCEv2 (the new
# property format; the old one runs in the nvmeof x nvmet cell with the other
# scenarios), data written, read back, no leftovers.
rdma_library() {
    [ -x /brick/build/lab/brick-lab ] || fail "brick-lab is not built"
    # The runner's nvmet driver numbers its ports from 1: the job's own go first.
    rm $PORT/subsystems/$NQN
    rmdir $PORT
    echo 0 >$SUBSYS/namespaces/1/enable
    rmdir $SUBSYS/namespaces/1 $SUBSYS
    /brick/build/lab/brick-lab run /brick/src/scenarios/nvmeof/rdma-new-format.json \
        --backend real --target nvmet --report /tmp/rdma-report
    assert_no_nvme_leftovers
    assert_no_rdma_leftovers
    [ -z "$(ls $NVMET/subsystems)$(ls $NVMET/ports)" ] || fail "nvmet objects left: $(ls $NVMET/*)"
}

# The library's extend over NVMe/TCP (the scenario runs unchanged on the
# simulator): the namespace's backing grown and nvmet's revalidate_size
# written under an attached volume, extend returns the new size, data kept,
# nothing left. The replica scenarios (md RAID1 over two subsystems, healthy
# and degraded) pass on nvmet too but take 40-50 s each under TCG: they run
# in the nvmeof x nvmet cell (ci/cell.sh nvmeof nvmet), not here.
library_extend() {
    [ -x /brick/build/lab/brick-lab ] || fail "brick-lab is not built"
    [ -z "$(ls $NVMET/subsystems)$(ls $NVMET/ports)" ] || fail "nvmet objects left: $(ls $NVMET/*)"
    /brick/build/lab/brick-lab run /brick/src/scenarios/nvmeof/extend-namespace.json \
        --backend real --target nvmet --report "$JOB/library-report" | tee /tmp/library.out
    grep -q '^1 passed, 0 failed, 0 skipped' /tmp/library.out || fail "the scenario did not pass"
    assert_no_nvme_leftovers
    [ -z "$(ls $NVMET/subsystems)$(ls $NVMET/ports)" ] || fail "nvmet objects left: $(ls $NVMET/*)"
}

check setup setup
passed || finish
check nvmet-configure configure_nvmet
passed || finish
check nvme-tcp-connect-io-disconnect connect_io_disconnect
check nvme-tcp-reconnect-reads-back reconnect_reads_back
check nvme-tcp-port-removed port_removed
check nvme-tcp-ana-inaccessible ana_inaccessible
check nvme-rdma-connect-io-disconnect rdma_connect_io_disconnect
check nvme-rdma-library rdma_library
check nvme-tcp-library-extend library_extend
finish
