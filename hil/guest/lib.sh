# Shared helpers for HIL jobs (bash, inside the guest, as root). A job sources
# this file, calls `check NAME FUNCTION` for each check and ends with `finish`.
#
# Records, all in the job folder (/job):
#   checks.tsv                  one line per check: name, status, seconds
#   golden/<tool>/<state>.txt   a real tool's stdout, exactly as printed
#   golden/<tool>/<state>.json  its command line, exit code and stderr
set -u
export LC_ALL=C
JOB=${JOB:-/job}
HIL_FAILED=0
: >"$JOB/checks.tsv"

# Guest time in centiseconds from /proc/uptime, with bash builtins only: every
# fork and exec costs tens of milliseconds under TCG.
centiseconds() {
    local up rest
    read -r up rest </proc/uptime
    echo $((10#${up%.*} * 100 + 10#${up#*.}))
}
now() {
    local up rest
    read -r up rest </proc/uptime
    echo "$up"
}
# elapsed START: seconds since START (a value of now), two decimals.
elapsed() {
    local start=$1 end
    end=$(centiseconds)
    start=$((10#${start%.*} * 100 + 10#${start#*.}))
    printf '%d.%02d' $(((end - start) / 100)) $(((end - start) % 100))
}
log() { echo "[$(now)] $*"; }
fail() { log "FAIL: $*"; return 1; }

# check NAME FUNCTION [ARGS...]: runs one check (in a subshell, with errexit on)
# and records its status and duration. A failed check fails the job; `passed`
# tells whether the last one passed:
#     check setup setup
#     passed || finish
# Never call check inside a condition (if, while, ||, &&, !): bash turns errexit
# off for everything run there, subshells included, so a failing command in the
# middle of the check would go unnoticed. check refuses that.
LAST_CHECK=
# kernel_log_since SECONDS: the kernel log lines stamped at or after SECONDS
# of uptime ("[    12.345678] text", util-linux dmesg's default form).
kernel_log_since() {
    dmesg | awk -v since="$1" '{
        stamp = $0
        sub(/^\[ */, "", stamp)
        sub(/\].*/, "", stamp)
        if (stamp + 0 >= since + 0) print
    }'
}

# The markers of a kernel problem (the runner looks for the same in the
# whole boot's log): a check during which the kernel logged one fails.
KERNEL_PROBLEM='WARNING:|Oops|BUG:|Kernel panic|general protection fault|UBSAN:|KASAN:|blocked for more than|RIP: |Call Trace:'

check() {
    local name=$1 started status=pass since problems
    shift
    started=$(now)
    since=$(cut -d' ' -f1 /proc/uptime)
    log "check $name: start"
    (set -e; false; true)
    if [ $? = 0 ]; then
        log "check $name: called inside a condition (if, ||, &&, !), where errexit is off"
        status=fail
    else
        (set -eE; trap 'echo "  failed at line $LINENO: $BASH_COMMAND"' ERR; "$@")
        [ $? = 0 ] || status=fail
    fi
    # The kernel's log of this check, kept beside its result.
    mkdir -p "$JOB/dmesg"
    kernel_log_since "$since" >"$JOB/dmesg/$name.txt" || true
    problems=$(grep -E "$KERNEL_PROBLEM" "$JOB/dmesg/$name.txt" || true)
    if [ -n "$problems" ]; then
        log "check $name: the kernel logged a problem during it:"
        printf '    %s\n' "$problems" | head -n 20
        status=fail
    fi
    [ $status = pass ] || HIL_FAILED=1
    LAST_CHECK=$status
    log "check $name: $status ($(elapsed "$started") s)"
    printf '%s\t%s\t%s\n' "$name" "$status" "$(elapsed "$started")" >>"$JOB/checks.tsv"
    [ $status = pass ]
}
passed() { [ "$LAST_CHECK" = pass ]; }

finish() {
    log "checks:"
    column -t -s $'\t' "$JOB/checks.tsv" 2>/dev/null || cat "$JOB/checks.tsv"
    exit "$HIL_FAILED"
}

# golden TOOL STATE CMD...: runs CMD, keeps its stdout as the golden output of
# TOOL in STATE, and its command line, exit code and stderr beside it. Returns 0;
# the exit code is in GOLDEN_EXIT.
GOLDEN_EXIT=0
export KERNEL_RELEASE
KERNEL_RELEASE=$(uname -r)
golden() {
    local tool=$1 state=$2 dir
    shift 2
    dir="$JOB/golden/$tool"
    mkdir -p "$dir"
    GOLDEN_EXIT=0
    "$@" >"$dir/$state.txt" 2>/tmp/hil-golden.err || GOLDEN_EXIT=$?
    local IFS=$'\037'
    GOLDEN_ARGV="$*" GOLDEN_CODE=$GOLDEN_EXIT awk '
        function quote(text,    out, i, c) {
            out = ""
            for (i = 1; i <= length(text); i++) {
                c = substr(text, i, 1)
                if (c == "\\") c = "\\\\"
                else if (c == "\"") c = "\\\""
                else if (c == "\t") c = "\\t"
                else if (c == "\r") c = "\\r"
                else if (c == "\n") c = "\\n"
                out = out c
            }
            return "\"" out "\""
        }
        { err = err (NR > 1 ? "\n" : "") $0 }
        END {
            n = split(ENVIRON["GOLDEN_ARGV"], argv, "\037")
            command = ""; list = ""
            for (i = 1; i <= n; i++) {
                command = command (i > 1 ? " " : "") argv[i]
                list = list (i > 1 ? ", " : "") quote(argv[i])
            }
            printf "{\n  \"command\": %s,\n  \"argv\": [%s],\n", quote(command), list
            printf "  \"exit_code\": %d,\n  \"stderr\": %s,\n", ENVIRON["GOLDEN_CODE"], quote(err)
            printf "  \"kernel\": %s\n}\n", quote(ENVIRON["KERNEL_RELEASE"])
        }' /tmp/hil-golden.err >"$dir/$state.json"
    return 0
}

# nap SECONDS: sleeps without a fork (read's timeout on a FIFO nobody writes):
# every fork and exec costs tens of milliseconds under TCG.
nap() {
    [ -p /tmp/hil-nap ] || mkfifo /tmp/hil-nap 2>/dev/null
    read -r -t "$1" <>/tmp/hil-nap || true
}

# wait_until SECONDS CMD...: polls CMD every 0.05 s until it succeeds.
wait_until() {
    local limit=$(($1 * 100)) started
    shift
    started=$(centiseconds)
    until "$@" >/dev/null 2>&1; do
        if (($(centiseconds) - started > limit)); then
            fail "timed out after $((limit / 100)) s waiting for: $*"
            return 1
        fi
        nap 0.05
    done
}

# --- data ------------------------------------------------------------------
PATTERN=/tmp/hil-pattern
PATTERN_MB=4
make_pattern() {
    [ -f "$PATTERN" ] || head -c $((PATTERN_MB * 1024 * 1024)) /dev/urandom >"$PATTERN"
    PATTERN_SUM=$(sha256sum <"$PATTERN" | cut -d' ' -f1)
}
# write_pattern DEV: writes the pattern with O_DIRECT, then flushes the device.
write_pattern() {
    make_pattern
    dd if="$PATTERN" of="$1" bs=1M oflag=direct conv=fsync status=none
    blockdev --flushbufs "$1"
}
# pattern_on DEV: DEV holds the pattern (read past the page cache, checksums compared).
pattern_on() {
    make_pattern
    PATTERN_READ=$(dd if="$1" bs=1M count="$PATTERN_MB" iflag=direct status=none | sha256sum | cut -d' ' -f1)
    [ "$PATTERN_READ" = "$PATTERN_SUM" ]
}
# verify_pattern DEV: the pattern is on DEV, else the check fails.
verify_pattern() {
    pattern_on "$1" || fail "data on $1 differs: $PATTERN_READ, expected $PATTERN_SUM"
}

# --- daemons -----------------------------------------------------------------
# Daemons run in their own session so stopping them never touches the job.
start_iscsid() {
    pgrep -x iscsid >/dev/null && return 0
    mkdir -p /run/lock/iscsi /etc/iscsi/nodes /etc/iscsi/send_targets
    setsid iscsid -f </dev/null >>"$JOB/iscsid.log" 2>&1 &
    wait_until 10 grep -q ISCSIADM_ABSTRACT_NAMESPACE /proc/net/unix
}
start_udevd() {
    pgrep -x systemd-udevd >/dev/null && return 0
    setsid /lib/systemd/systemd-udevd --daemon >>"$JOB/udevd.log" 2>&1
    udevadm trigger --action=add --subsystem-match=block --subsystem-match=scsi >/dev/null 2>&1 || true
    udevadm settle -t 20
}
start_multipathd() {
    pgrep -x multipathd >/dev/null && return 0
    setsid multipathd -d -s </dev/null >>"$JOB/multipathd.log" 2>&1 &
    wait_until 10 multipathd show daemon
}
# The kernel NFS server on 127.0.0.1 (Debian's nfs-kernel-server): rpcbind and
# rpc.mountd (v3 needs both; v4 needs mountd for the export cache), nfsd with
# v3 and v4.x and a 10 s grace period (the default 90 s holds every v4 open
# after a start). No rpc_pipefs: without rpc.gssd the client's GSS upcalls
# would stall each mount. Exports are the caller's (/etc/exports, exportfs).
start_nfs_server() {
    pgrep -x nfsd >/dev/null && return 0
    mkdir -p /run/rpcbind /var/lib/nfs/v4recovery
    : >/var/lib/nfs/etab
    : >/var/lib/nfs/rmtab
    mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd
    setsid rpcbind -f </dev/null >>"$JOB/rpcbind.log" 2>&1 &
    wait_until 10 rpcinfo -p 127.0.0.1
    : >/etc/exports
    exportfs -ra
    setsid rpc.mountd -F --no-udp </dev/null >>"$JOB/mountd.log" 2>&1 &
    echo 10 >/proc/fs/nfsd/nfsv4gracetime
    echo 10 >/proc/fs/nfsd/nfsv4leasetime
    rpc.nfsd -H 127.0.0.1 8
    wait_until 10 sh -c 'rpcinfo -p 127.0.0.1 | grep -q mountd'
}
load_modules() {
    local m
    for m in "$@"; do
        modprobe "$m" || fail "modprobe $m"
    done
}

# --- SCSI / iSCSI ------------------------------------------------------------
# session_matches SESSION IQN [PORTAL]: the session is that target's, through that
# portal when given (PORT, or ADDRESS:PORT when several addresses share a port).
session_matches() {
    local session=$1 iqn=$2 portal=${3:-} conn value
    [ -e "$session" ] || return 1
    read -r value <"$session/targetname" && [ "$value" = "$iqn" ] || return 1
    [ -n "$portal" ] || return 0
    conn=$(ls -d "$session"/device/connection*/iscsi_connection/connection* 2>/dev/null | head -1)
    read -r value <"$conn/persistent_port" 2>/dev/null && [ "$value" = "${portal##*:}" ] || return 1
    [ "$portal" = "${portal##*:}" ] && return 0
    read -r value <"$conn/persistent_address" 2>/dev/null && [ "$value" = "${portal%:*}" ]
}
# scsi_disk_for IQN LUN [PORTAL]: prints the sdX of that target's LUN, from sysfs.
scsi_disk_for() {
    local iqn=$1 lun=$2 portal=${3:-} session dev
    for session in /sys/class/iscsi_session/session*; do
        session_matches "$session" "$iqn" "$portal" || continue
        for dev in "$session"/device/target*/*:*:*:"$lun"/block/*; do
            [ -e "$dev" ] && basename "$dev" && return 0
        done
    done
    return 1
}
# session_disks IQN [PORTAL]: every sdX of that target's session(s), from sysfs.
session_disks() {
    local iqn=$1 portal=${2:-} session dev
    for session in /sys/class/iscsi_session/session*; do
        session_matches "$session" "$iqn" "$portal" || continue
        for dev in "$session"/device/target*/*:*:*:*/block/*; do
            [ -e "$dev" ] && basename "$dev"
        done
    done
    return 0
}
# session_host IQN [PORTAL]: the SCSI host number of that session.
session_host() {
    local iqn=$1 portal=${2:-} session host
    for session in /sys/class/iscsi_session/session*; do
        session_matches "$session" "$iqn" "$portal" || continue
        host=$(readlink -f "$session/device/..")
        basename "$host" | sed 's/^host//'
        return 0
    done
    return 1
}
# session_state IQN [PORTAL]: LOGGED_IN, FAILED or FREE, from sysfs.
session_state() {
    local session
    for session in /sys/class/iscsi_session/session*; do
        session_matches "$session" "$1" "${2:-}" || continue
        cat "$session/state"
        return 0
    done
    return 1
}
# scan_lun IQN LUN [PORTAL]: a targeted scan of one LUN through the session's host.
scan_lun() {
    local host
    host=$(session_host "$1" "${3:-}")
    echo "- - $2" >"/sys/class/scsi_host/host$host/scan"
}
# remove_disk sdX: flush, then delete the SCSI device.
remove_disk() {
    blockdev --flushbufs "/dev/$1" 2>/dev/null || true
    echo 1 >"/sys/block/$1/device/delete"
}
# session_portal_groups: "ADDRESS:PORT,TPGT IQN" per iSCSI session, sorted, from sysfs
# (the connection's persistent_address and persistent_port, the session's tpgt and
# targetname): what differs between the sessions to two portal groups of a target.
session_portal_groups() {
    local session conn address port tpgt iqn
    for session in /sys/class/iscsi_session/session*; do
        [ -e "$session" ] || continue
        for conn in "$session"/device/connection*/iscsi_connection/connection*; do
            read -r address <"$conn/persistent_address"
            read -r port <"$conn/persistent_port"
        done
        read -r tpgt <"$session/tpgt"
        read -r iqn <"$session/targetname"
        echo "$address:$port,$tpgt $iqn"
    done | sort
}
# assert_no_iscsi_leftovers IQN: no session, node record, SCSI device or udev link.
assert_no_iscsi_leftovers() {
    local iqn=$1 session
    for session in /sys/class/iscsi_session/session*; do
        [ -e "$session" ] || continue
        [ "$(cat "$session/targetname")" != "$iqn" ] || fail "session left: $session"
    done
    ! iscsiadm -m node 2>/dev/null | grep -q " $iqn\$" || fail "node record left for $iqn"
    ! ls /etc/iscsi/nodes/"$iqn" >/dev/null 2>&1 || fail "node folder left for $iqn"
    ! ls /dev/disk/by-path/ 2>/dev/null | grep -q -- "$iqn" || fail "by-path link left for $iqn"
    [ -z "$(ls /sys/class/scsi_device/ 2>/dev/null | grep -v "^$(scsi_debug_hosts)")" ] ||
        fail "SCSI devices left: $(ls /sys/class/scsi_device/)"
}
scsi_debug_hosts() { echo "NONE:"; }

# held_gone_devices: "/proc/PID/fd/N -> /dev/X (deleted)" for each open device node
# whose device is gone (deleted while a process held it open).
held_gone_devices() {
    find /proc/[0-9]*/fd -mindepth 1 \( -lname '/dev/sd*(deleted)' -o -lname '/dev/dm-*(deleted)' \
        -o -lname '/dev/mapper/*(deleted)' -o -lname '/dev/nvme*(deleted)' \) \
        -printf '%p -> %l\n' 2>/dev/null || true
}
no_held_devices() { [ -z "$(held_gone_devices)" ]; }
# holder_names "LINES": the command names of the processes in held_gone_devices' lines.
holder_names() {
    local pid
    for pid in $(sed -n 's|^/proc/\([0-9]*\)/fd/.*|\1|p' <<<"$1" | sort -u); do
        printf '%s[%s] ' "$(cat /proc/"$pid"/comm 2>/dev/null || echo gone)" "$pid"
    done
}
# assert_no_held_devices: no process still holds a device that was removed.
assert_no_held_devices() {
    local held
    held=$(held_gone_devices)
    [ -z "$held" ] || fail "removed devices still held open: $held"
}
# assert_no_dm_maps [TARGET_TYPE]: no device-mapper map (of that target type) is left.
assert_no_dm_maps() {
    local maps
    maps=$(dmsetup ls ${1:+--target "$1"} 2>/dev/null | grep -v '^No devices found' || true)
    [ -z "$maps" ] || fail "dm maps left: $maps"
}

# The system bus: targetcli asks it for tcmu-runner handlers and fails without one.
start_dbus() {
    [ -S /run/dbus/system_bus_socket ] && return 0
    mkdir -p /run/dbus
    dbus-daemon --system --fork --nopidfile >>"$JOB/dbus.log" 2>&1
}

# disk_links DIR: "name -> target" per udev link in DIR, sorted (no dates, unlike ls -l).
disk_links() {
    find "$1" -mindepth 1 -maxdepth 1 -printf '%f -> %l\n' | sort
}
