# HIL job: a single-node Ceph cluster (one monitor, one memstore OSD on
# 127.0.0.1, hil/guest/ceph.sh) and the kernel RBD client in one guest.
# Checks: the cluster comes up from C++ tools (each step timed into
# ceph-steps.tsv), an image is created, `rbd map` with a private keyring,
# data written and read back after a re-map, unmap with no device left, the
# cluster stopped with no daemon left. memory.txt records the guest's memory.
source /brick/src/hil/guest/lib.sh
source /brick/src/hil/guest/ceph.sh

FSID=6b72696b-0000-4000-8000-00000000cef0
USER_KEY=AQBbogAAAAAAABAAc2ltdWxhdGVkLWNlcGgta2V5IQ==
CLIENT=/tmp/rbd-client
ceph_add_user cinder $USER_KEY
ceph_add_pool volumes

setup() {
    load_modules rbd
    start_udevd
    mkdir -p $CLIENT
    printf '[global]\nmon_host = 127.0.0.1:6789\n' >$CLIENT/ceph.conf
    (umask 077; printf '[client.cinder]\n\tkey = %s\n' $USER_KEY >$CLIENT/keyring)
    grep -E 'MemTotal|MemAvailable' /proc/meminfo >"$JOB/memory.txt"
}

cluster_up() {
    ceph_cluster_start $FSID
    ceph_create_image volumes volume-r1 32
    {
        echo "after cluster start:"
        grep -E 'MemAvailable' /proc/meminfo
        ps -o pid,rss,vsz,args -C ceph-mon,ceph-osd
    } >>"$JOB/memory.txt"
}

map_device() {
    rbd map volumes/volume-r1 --id cinder --conf $CLIENT/ceph.conf --keyring $CLIENT/keyring
}

map_io_unmap() {
    local started dev
    started=$(now)
    dev=$(map_device)
    log "rbd map: $dev in $(elapsed "$started") s"
    printf 'rbd-map\t%s\n' "$(elapsed "$started")" >>"$JOB/ceph-steps.tsv"
    wait_until 30 test -b /dev/rbd/volumes/volume-r1
    cat /sys/bus/rbd/devices/*/pool /sys/bus/rbd/devices/*/name
    write_pattern "$dev"
    started=$(now)
    rbd unmap "$dev"
    printf 'rbd-unmap\t%s\n' "$(elapsed "$started")" >>"$JOB/ceph-steps.tsv"
    [ -z "$(ls /sys/bus/rbd/devices)" ] || fail "mapping left"
    dev=$(map_device)
    verify_pattern "$dev"
    rbd unmap "$dev"
    wait_until 10 eval '! ls /dev/rbd* >/dev/null 2>&1'
}

cluster_down() {
    ceph_cluster_stop
    ! pgrep -x ceph-mon && ! pgrep -x ceph-osd
}

check setup setup
passed || finish
check ceph-cluster-up cluster_up
passed || { ceph_cluster_stop; finish; }
check rbd-map-io-unmap map_io_unmap
check ceph-cluster-down cluster_down
cat "$JOB/ceph-steps.tsv"
finish
