# iSCSI initiator steps with the real open-iscsi tools (bash, sourced after lib.sh).
# Node records are created by hand (no discovery side effects) with manual scan,
# and each LUN is scanned through its session's SCSI host.

# node_new IQN PORTAL [NAME=VALUE...]: a node record with manual scan and extra settings.
node_new() {
    local iqn=$1 portal=$2 setting
    shift 2
    iscsiadm -m node -T "$iqn" -p "$portal" -o new >/dev/null
    iscsiadm -m node -T "$iqn" -p "$portal" -o update -n node.session.scan -v manual
    for setting in "$@"; do
        iscsiadm -m node -T "$iqn" -p "$portal" -o update -n "${setting%%=*}" -v "${setting#*=}"
    done
}

# attach IQN PORTAL LUN: login, targeted scan, wait for the disk; sets DISK (sdX).
attach() {
    local iqn=$1 portal=$2 lun=$3
    iscsiadm -m node -T "$iqn" -p "$portal" --login >/dev/null
    scan_lun "$iqn" "$lun" "$portal"
    wait_until 10 scsi_disk_for "$iqn" "$lun" "$portal"
    DISK=$(scsi_disk_for "$iqn" "$lun" "$portal")
    wait_until 5 test -b "/dev/$DISK"
    log "attached $iqn lun $lun at $portal: /dev/$DISK"
}

# detach IQN PORTAL: flush and delete the session's disks, logout, delete the node record.
detach() {
    local iqn=$1 portal=$2 disk
    for disk in $(session_disks "$iqn" "$portal"); do
        remove_disk "$disk"
    done
    iscsiadm -m node -T "$iqn" -p "$portal" --logout >/dev/null
    iscsiadm -m node -T "$iqn" -p "$portal" -o delete
}

# The udev links of a disk have settled (by-path appears from udev, not the kernel).
udev_links_for() { ls -l /dev/disk/by-path/ 2>/dev/null | grep -q "/$1\$"; }
