# A single-node Ceph cluster (one monitor, one memstore OSD) on 127.0.0.1, built
# with Ceph's C++ tools only: no `ceph` CLI and no ceph-mgr, whose Python start-up
# costs seconds per call under TCG. Source after lib.sh (uses log, fail, wait_until).
#
#   ceph_cluster_start FSID             keys, maps, monitor, OSD and the pools up in $CEPH_DIR
#   ceph_add_user NAME KEY              client.NAME with `profile rbd` caps (at start)
#   ceph_add_pool NAME                  a replicated size-1 pool (created at start)
#   ceph_cluster_stop                   OSD and monitor stopped, DIR removed
#
# Users and pools must be declared before ceph_cluster_start: users go into the
# monitor's initial keyring, pools are created once the OSD is up.
# Set at the top level: checks run in subshells, so state set inside one is lost.
CEPH_DIR=${CEPH_DIR:-/tmp/ceph}
CEPH_CONF=$CEPH_DIR/ceph.conf
CEPH_USERS=()
CEPH_POOLS=()
CEPH_MON_PORT=${CEPH_MON_PORT:-6789}

ceph_add_user() { CEPH_USERS+=("$1=$2"); }
ceph_add_pool() { CEPH_POOLS+=("$1"); }

# ceph_step NAME CMD...: runs CMD and logs how long it took (guest clock).
ceph_step() {
    local name=$1 started rc=0
    shift
    started=$(now)
    "$@" || rc=$?
    log "ceph step $name: $(elapsed "$started") s (exit $rc)"
    printf 'ceph-%s\t%s\n' "$name" "$(elapsed "$started")" >>"$JOB/ceph-steps.tsv"
    return $rc
}

ceph_write_conf() {
    local fsid=$1
    cat >"$CEPH_CONF" <<EOF
[global]
fsid = $fsid
mon_host = v1:127.0.0.1:$CEPH_MON_PORT
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr2 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = $CEPH_DIR/admin.keyring
run_dir = $CEPH_DIR/run
admin_socket = $CEPH_DIR/run/\$name.asok
pid_file = $CEPH_DIR/run/\$name.pid
log_file = $CEPH_DIR/log/\$name.log
log_to_stderr = false
err_to_stderr = true
debug_ms = 0
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 1
mon_data_avail_crit = 0
rbd_default_features = 1
# jerasure (gf-complete) dies of SIGILL on QEMU's default CPU; no pool here is erasure coded.
osd_erasure_code_plugins =
[mon]
mon_data = $CEPH_DIR/mon-\$id
mon_osd_auto_mark_new_in = true
mon_osd_auto_mark_in = true
[osd]
osd_data = $CEPH_DIR/osd-\$id
keyring = $CEPH_DIR/osd-\$id/keyring
osd_objectstore = memstore
memstore_device_bytes = 268435456
osd_memory_target = 268435456
osd_crush_update_on_start = false
osd_op_num_shards = 1
osd_op_num_threads_per_shard = 1
osd_max_pg_per_osd_hard_ratio = 10
EOF
}

# A cephx key: type 1 (AES), created 0, length 16, 16 random bytes, base64.
# Written by bash: each ceph-authtool start costs seconds under TCG.
ceph_gen_key() {
    { printf '\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00'; head -c 16 /dev/urandom; } | base64
}

# ceph_keyring_entry NAME KEY MON_CAPS OSD_CAPS
ceph_keyring_entry() {
    printf '[%s]\n\tkey = %s\n\tcaps mon = "%s"\n' "$1" "$2" "$3"
    [ -z "$4" ] || printf '\tcaps osd = "%s"\n' "$4"
}

ceph_mkfs() {
    local fsid=$1 user admin osd
    admin=$(ceph_gen_key)
    osd=$(ceph_gen_key)
    mkdir -p "$CEPH_DIR/osd-0"
    (
        umask 077
        ceph_keyring_entry client.admin "$admin" 'allow *' 'allow *' >"$CEPH_DIR/admin.keyring"
        ceph_keyring_entry osd.0 "$osd" 'allow profile osd' 'allow *' >"$CEPH_DIR/osd-0/keyring"
        {
            ceph_keyring_entry mon. "$(ceph_gen_key)" 'allow *' ''
            cat "$CEPH_DIR/admin.keyring" "$CEPH_DIR/osd-0/keyring"
            for user in "${CEPH_USERS[@]}"; do
                ceph_keyring_entry "client.${user%%=*}" "${user#*=}" 'profile rbd' 'profile rbd'
            done
        } >"$CEPH_DIR/mon.keyring"
    )
    monmaptool --create --fsid "$fsid" --addv a "[v1:127.0.0.1:$CEPH_MON_PORT]" \
        "$CEPH_DIR/monmap" >/dev/null
    osdmaptool -c "$CEPH_CONF" --createsimple 1 "$CEPH_DIR/osdmap" >/dev/null 2>&1
    ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$CEPH_DIR/monmap" \
        --osdmap "$CEPH_DIR/osdmap" --keyring "$CEPH_DIR/mon.keyring"
}

ceph_cluster_start() {
    local fsid=$1
    mkdir -p "$CEPH_DIR/run" "$CEPH_DIR/log"
    ceph_write_conf "$fsid"
    ceph_step mkfs ceph_mkfs "$fsid"
    ceph_step mon-start ceph-mon -c "$CEPH_CONF" -i a
    ceph_step osd-mkfs ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --no-mon-config
    ceph_step osd-start ceph-osd -c "$CEPH_CONF" -i 0
    ceph_step pools-create ceph_create_pools
    # A pool read blocks until the OSD is up and the pool's placement groups are active.
    ceph_step pools-ready timeout 240 rbd -c "$CEPH_CONF" ls -p "${CEPH_POOLS[0]}"
}

# Pools need a monitor command: no C++ tool of Ceph sends `osd pool create`
# (`osdmaptool --with-default-pool` puts a pool `rbd` into the initial map, but
# the monitor never creates its placement groups: reads of it queue forever), so
# one python3-rados call (not the `ceph` CLI, whose imports cost far more)
# creates them all and tags them `rbd`.
ceph_create_pools() {
    timeout 120 /usr/bin/python3 - "$CEPH_CONF" "${CEPH_POOLS[@]}" <<'PY'
import json, sys, rados
cluster = rados.Rados(conffile=sys.argv[1], name="client.admin")
cluster.connect(timeout=60)
for pool in sys.argv[2:]:
    if not cluster.pool_exists(pool):
        cluster.create_pool(pool)
    cmd = {"prefix": "osd pool application enable", "pool": pool, "app": "rbd"}
    ret, _, err = cluster.mon_command(json.dumps(cmd), b"")
    if ret != 0:
        sys.exit(f"application enable {pool}: {err}")
cluster.shutdown()
PY
}

# ceph_create_image POOL IMAGE SIZE_MIB: a format 2 image with layering only,
# which every kernel client maps.
ceph_create_image() {
    ceph_step "create-$1-$2" timeout 120 rbd -c "$CEPH_CONF" create --size "$3" \
        --image-feature layering "$1/$2"
}

ceph_pids() {
    local f
    for f in "$CEPH_DIR"/run/*.pid; do
        [ -e "$f" ] && cat "$f"
    done
}

ceph_cluster_stop() {
    [ -d "$CEPH_DIR" ] || return 0
    local pid pids
    pids=$(ceph_pids)
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    for pid in $pids; do
        wait_until 30 eval "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
    done
    for pid in $pids; do
        ! kill -0 "$pid" 2>/dev/null || fail "ceph daemon $pid still running"
    done
    rm -rf "$CEPH_DIR"
}
