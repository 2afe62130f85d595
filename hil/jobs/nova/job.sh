# HIL job: Nova 26's own libvirt volume drivers (python3-nova, unmodified) attach
# and detach volumes on a real kernel through brickworks' os_brick package, as
# an unprivileged user whose only privilege is a sudoers rule for the `brick`
# tool (Nova's root helper with [workarounds] disable_rootwrap is `sudo`).
# Targets: LIO (configfs, demo mode, 127.0.0.1:3260) and nvmet (NVMe/TCP,
# 127.0.0.1:4420). Checks: the rule lets `nova` run brick and nothing else;
# LibvirtISCSIVolumeDriver and LibvirtNVMEVolumeDriver connect, the data
# written survives a detach and a re-attach, nothing is left after each
# detach; a hostile connection dict is refused by the tool before it runs
# anything.
source /brick/src/hil/guest/lib.sh
source /brick/src/hil/guest/iscsi.sh
source /brick/src/hil/guest/lio.sh
source /brick/src/hil/guest/nvmet.sh

IQN=iqn.2026-01.org.brickworks:nova-iscsi
PORTAL=127.0.0.1:3260
NQN=nqn.2026-01.org.brickworks:nova-nvme
NS_UUID=6b72696b-0000-4000-8000-0000000000c1
BRICK=/brick/build/lib/brick
SITE=/brick/build/python/site
NOVA_IN=/tmp/nova.in
NOVA_OUT=/tmp/nova.out

setup() {
    load_modules configfs target_core_mod target_core_file iscsi_target_mod \
        scsi_transport_iscsi iscsi_tcp sd_mod nvmet nvmet_tcp nvme_tcp nvme_fabrics
    [ -x $BRICK ] || fail "no $BRICK (build the brick_cli target)"
    [ -f $SITE/os_brick/__init__.py ] || fail "no $SITE/os_brick (build with pybind11-dev)"
    mkdir -p /tmp/lio /tmp/nvmet
    start_udevd
    start_iscsid
}

configure_targets() {
    lio_fileio nova /tmp/lio/nova.img 32 brick-nova-0001
    lio_demo_target $IQN "$LIO_STORE" $PORTAL
    local subsys=$NVMET/subsystems/$NQN port=$NVMET/ports/1
    truncate -s 32M /tmp/nvmet/nova.img
    mkdir $subsys
    echo 1 >$subsys/attr_allow_any_host
    mkdir $subsys/namespaces/1
    echo /tmp/nvmet/nova.img >$subsys/namespaces/1/device_path
    echo $NS_UUID >$subsys/namespaces/1/device_uuid
    echo 1 >$subsys/namespaces/1/buffered_io # a tmpfs file fails with -22 otherwise
    echo 1 >$subsys/namespaces/1/enable
    nvmet_port $port tcp 127.0.0.1 4420 $subsys
}

# The deployment: a user without privileges and one sudoers rule naming the tool.
sudo_rule() {
    # sudo looks up the host's own name; the guest has no resolver.
    grep -q " $(hostname)\$" /etc/hosts || echo "127.0.1.1 $(hostname)" >>/etc/hosts
    useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nova
    echo "nova ALL=(root) NOPASSWD: $BRICK" >/etc/sudoers.d/brick-nova
    chmod 0440 /etc/sudoers.d/brick-nova
    visudo -c -f /etc/sudoers.d/brick-nova >/dev/null
    local out
    out=$(runuser -u nova -- sudo -n $BRICK properties)
    [[ $out == *'"initiator"'* ]] || fail "sudo brick properties as nova printed: $out"
    if runuser -u nova -- sudo -n /usr/bin/id -u >/dev/null 2>&1; then
        fail "the rule lets nova run more than the brick tool"
    fi
    log "nova runs $BRICK through sudo, and nothing else"
}

# One Python process for the whole job, as nova, talking over two FIFOs. Started
# from the job's own shell (a check runs in a subshell), so every check can use
# the descriptors 7 (its stdin) and 8 (its stdout).
launch_nova() {
    mkfifo -m 0600 $NOVA_IN $NOVA_OUT
    runuser -u nova -- env PYTHONPATH=$SITE BRICKWORKS_BRICK=$BRICK \
        NOVA_ISCSI_PORTAL=$PORTAL NOVA_ISCSI_IQN=$IQN NOVA_NVME_NQN=$NQN NOVA_NVME_UUID=$NS_UUID \
        python3 /brick/src/hil/jobs/nova/nova_volumes.py <$NOVA_IN >$NOVA_OUT 2>>"$JOB/nova.log" &
    NOVA_PID=$!
    exec 7>$NOVA_IN 8<$NOVA_OUT
}
nova_ready() {
    read -r -t 900 NOVA_REPLY <&8 || fail "Nova's drivers did not start (see nova.log)"
    log "nova: $NOVA_REPLY"
    [[ $NOVA_REPLY == *'"uid": 0'* ]] && fail "the Python process runs as root"
    [[ $NOVA_REPLY == *'/brick/build/python/site/os_brick/'* ]] ||
        fail "os_brick is not brickworks' package"
}

# nova_do COMMAND KIND: one command to the Python process; its reply in NOVA_REPLY.
nova_do() {
    local started
    started=$(now)
    echo "$*" >&7
    read -r -t 180 NOVA_REPLY <&8 || fail "no reply to '$*' (see nova.log)"
    log "nova $* ($(elapsed "$started") s): $NOVA_REPLY"
}
reply_path() {
    [[ $NOVA_REPLY =~ \"device_path\":\ \"([^\"]+)\" ]] || fail "no device_path in $NOVA_REPLY"
    DEVICE=${BASH_REMATCH[1]}
    [ -b "$DEVICE" ] || fail "$DEVICE is not a block device"
}

iscsi_disk_is_the_volume() {
    local disk=${DEVICE#/dev/} session
    session=$(readlink -f /sys/block/$disk/device)
    [[ $session == */session*/* ]] || fail "$DEVICE is not an iSCSI disk"
    session=${session%%/target*}
    [ "$(cat "$session"/iscsi_session/session*/targetname)" = $IQN ] ||
        fail "$DEVICE belongs to another target"
}

iscsi_volume() {
    nova_do connect iscsi
    reply_path
    iscsi_disk_is_the_volume
    write_pattern "$DEVICE"
    nova_do disconnect iscsi
    udevadm settle -t 10
    assert_no_iscsi_leftovers $IQN
    nova_do connect iscsi
    reply_path
    verify_pattern "$DEVICE"
    nova_do disconnect iscsi
    udevadm settle -t 10
    assert_no_iscsi_leftovers $IQN
}

nvme_controllers_of() {
    local ctrl
    for ctrl in /sys/class/nvme/nvme*; do
        [ -e "$ctrl" ] && [ "$(cat "$ctrl/subsysnqn")" = "$1" ] && basename "$ctrl"
    done
    return 0
}

nvme_volume() {
    nova_do connect nvme
    reply_path
    [ "$(cat /sys/block/"${DEVICE#/dev/}"/uuid)" = $NS_UUID ] || fail "$DEVICE is another namespace"
    write_pattern "$DEVICE"
    nova_do disconnect nvme
    [ -z "$(nvme_controllers_of $NQN)" ] || fail "controllers left: $(nvme_controllers_of $NQN)"
    nova_do connect nvme
    reply_path
    verify_pattern "$DEVICE"
    nova_do disconnect nvme
    [ -z "$(nvme_controllers_of $NQN)" ] || fail "controllers left: $(nvme_controllers_of $NQN)"
}

hostile_refused() {
    local kind
    for kind in iscsi nvme; do
        nova_do hostile $kind
        [[ $NOVA_REPLY == *'"refused": "InvalidParameterValue"'* ]] ||
            fail "a hostile $kind dict was not refused as invalid: $NOVA_REPLY"
    done
    [ ! -e /tmp/nova-hostile ] || fail "a hostile dict ran a command"
    ! iscsiadm -m node 2>/dev/null | grep -q nova-hostile || fail "a node record was created"
    [ -z "$(ls /sys/class/iscsi_session/)" ] || fail "a session was created"
    [ -z "$(nvme_controllers_of $NQN)" ] || fail "a controller was created"
}

# The process ends when its stdin closes (the job's shell closes it).
nova_exited() {
    wait_until 60 sh -c "! kill -0 $NOVA_PID"
}

check setup setup
passed || finish
check configure-targets configure_targets
passed || finish
check sudo-rule-for-brick-only sudo_rule
passed || finish
launch_nova
check nova-drivers-start nova_ready
passed || finish
check nova-iscsi-driver iscsi_volume
check nova-nvme-driver nvme_volume
check hostile-dict-refused-by-brick hostile_refused
exec 7>&-
check nova-exits nova_exited
finish
