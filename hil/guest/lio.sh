# LIO through configfs (bash, sourced after lib.sh): backstores, demo-mode targets
# and their removal. One write per attribute, no Python start: cheap under TCG.
# (hil/jobs/lio configures LIO with targetcli, the tool users know.)
LIO_CORE=/sys/kernel/config/target/core
LIO_ISCSI=/sys/kernel/config/target/iscsi

# lio_fileio NAME FILE SIZE_MB SERIAL: a file backstore (the file is made here).
lio_fileio() {
    local dir=$LIO_CORE/fileio_0/$1
    truncate -s "$3M" "$2"
    mkdir -p "$dir"
    echo "fd_dev_name=$2,fd_dev_size=$(($3 * 1024 * 1024))" >"$dir/control"
    echo "$4" >"$dir/wwn/vpd_unit_serial"
    echo 1 >"$dir/enable"
    LIO_STORE=$dir
}
# lio_iblock NAME DEVICE SERIAL: a block backstore over DEVICE (LIO opens it exclusively).
lio_iblock() {
    local dir=$LIO_CORE/iblock_0/$1
    mkdir -p "$dir"
    echo "udev_path=$2" >"$dir/control"
    echo "$3" >"$dir/wwn/vpd_unit_serial"
    echo 1 >"$dir/enable"
    LIO_STORE=$dir
}
# lio_demo_target IQN BACKSTORE_DIR PORTAL...: TPG 1 with the backstore at LUN 0,
# demo mode (any initiator, no authentication), one network portal per ADDRESS:PORT.
lio_demo_target() {
    local iqn=$1 store=$2
    shift 2
    lio_demo_tpg "$iqn" 1 "$store" "$@"
}
# lio_demo_tpg IQN TAG BACKSTORE_DIR PORTAL...: TPG TAG of the target (made when
# missing) as lio_demo_target makes TPG 1: the backstore at LUN 0, demo mode, its
# own portals. A backstore may be the LUN of several TPGs.
lio_demo_tpg() {
    local iqn=$1 tpg=$LIO_ISCSI/$1/tpgt_$2 store=$3 portal
    shift 3
    mkdir -p "$tpg/lun/lun_0"
    ln -s "$store" "$tpg/lun/lun_0/store"
    for portal in "$@"; do
        mkdir "$tpg/np/$portal"
    done
    echo 0 >"$tpg/attrib/authentication"
    echo 1 >"$tpg/attrib/generate_node_acls"
    echo 1 >"$tpg/attrib/cache_dynamic_acls"
    echo 0 >"$tpg/attrib/demo_mode_write_protect"
    echo 1 >"$tpg/enable"
}
# lio_remove_target IQN: disabled, LUNs unlinked, portals, TPGs and the target removed.
lio_remove_target() {
    local tpg lun link
    for tpg in "$LIO_ISCSI/$1"/tpgt_*; do
        [ -d "$tpg" ] || continue
        echo 0 >"$tpg/enable"
        for lun in "$tpg"/lun/lun_*; do
            [ -d "$lun" ] || continue
            for link in "$lun"/*; do
                [ -L "$link" ] && rm "$link"
            done
            rmdir "$lun"
        done
        rmdir "$tpg"/np/* 2>/dev/null || true
        rmdir "$tpg"
    done
    rmdir "$LIO_ISCSI/$1"
}
# lio_remove_backstore DIR: a backstore no LUN uses any more; its HBA too once empty.
lio_remove_backstore() {
    rmdir "$1"
    rmdir "${1%/*}" 2>/dev/null || true
}
# assert_lio_empty: no target, backstore or HBA left in configfs.
assert_lio_empty() {
    local left
    left=$(ls -d "$LIO_ISCSI"/iqn.* "$LIO_CORE"/*_[0-9]* 2>/dev/null || true)
    [ -z "$left" ] || fail "LIO objects left: $left"
}
