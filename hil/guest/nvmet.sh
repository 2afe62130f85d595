# nvmet through configfs (bash, sourced after lib.sh): ports. One write per
# attribute, no program start: cheap under TCG.
NVMET=/sys/kernel/config/nvmet

# nvmet_port DIR TRTYPE ADDRESS SERVICE SUBSYSTEM_DIR: an IPv4 port (tcp or
# rdma) at ADDRESS:SERVICE exporting the subsystem.
nvmet_port() {
    mkdir "$1"
    echo "$2" >"$1/addr_trtype"
    echo ipv4 >"$1/addr_adrfam"
    echo "$3" >"$1/addr_traddr"
    echo "$4" >"$1/addr_trsvcid"
    ln -s "$5" "$1/subsystems/${5##*/}"
}
