# The two guests of a pair (hil/src/brick/hil/pair.hpp): bash, sourced after lib.sh.
#
# The runner joins the guests with links, point-to-point Ethernet carried as UDP
# over the host's 127.0.0.1. On link N the target has 10.99.N.1/24 and the
# initiator 10.99.N.2/24 (private addresses that exist only inside the two
# guests); a NIC is found by its MAC, 52:54:00:99:0N:01 (target) or :02.
#
# /pair is a folder both guests mount (9p, no cache), where they meet:
#   target.ready / target.failed   the target's setup is over
#   req/N, ack/N                   the initiator's N-th request to the target and its
#                                  answer (first line: exit status, then the output)
#   initiator.done                 the initiator's checks are over: the target ends
#   <role>.exited                  written by the runner when that guest's QEMU ended
# The target runs only actions its job defines (functions named action_NAME).
PAIR=/pair
ROLE=
for word in $(</proc/cmdline); do
    case $word in brick.role=*) ROLE=${word#brick.role=} ;; esac
done
case $ROLE in
target) ROLE_NUMBER=1 PEER=initiator ;;
initiator) ROLE_NUMBER=2 PEER=target ;;
*) echo "pair.sh: not a guest of a pair (no brick.role on the kernel command line)" >&2; exit 1 ;;
esac
[ -d $PAIR ] || { echo "pair.sh: no $PAIR share" >&2; exit 1; }

# link_nic N: this guest's interface on link N.
link_nic() {
    local want dev mac
    printf -v want '52:54:00:99:%02x:%02x' "$1" "$ROLE_NUMBER"
    for dev in /sys/class/net/*; do
        read -r mac <"$dev/address" || continue
        [ "$mac" = "$want" ] && echo "${dev##*/}" && return 0
    done
    return 1
}
# peer_address N: the other guest's address on link N.
peer_address() { echo "10.99.$1.$((3 - ROLE_NUMBER))"; }

# links_up COUNT: this guest's address on each link, links up. virtio_net is loaded
# before udevd starts, so the kernel's names stay.
links_up() {
    local index dev
    modprobe virtio_net
    for ((index = 0; index < $1; index++)); do
        wait_until 10 link_nic $index
        dev=$(link_nic $index)
        ip addr add "10.99.$index.$ROLE_NUMBER/24" dev "$dev"
        ip link set "$dev" up
        log "link $index: $dev 10.99.$index.$ROLE_NUMBER"
    done
}

# --- target ------------------------------------------------------------------
target_ready() { : >$PAIR/target.ready; }
target_failed() { : >$PAIR/target.failed; }

# serve: runs the initiator's requests, one at a time, until it is done or gone.
serve() {
    local n=1 status name
    local -a args
    mkdir -p $PAIR/req $PAIR/ack
    while :; do
        if [ -e $PAIR/req/$n ]; then
            mapfile -t args <$PAIR/req/$n
            name=${args[0]}
            if [[ $name =~ ^[a-z][a-z0-9_]*$ ]] && declare -F "action_$name" >/dev/null; then
                log "request $n: ${args[*]}"
                # In the background and waited for: a failing action is answered,
                # not fatal to serve (a check with errexit), and keeps its own errexit.
                (set -eE; trap 'echo "  failed at line $LINENO: $BASH_COMMAND"' ERR
                    "action_$name" "${args[@]:1}") >/tmp/hil-action.out 2>&1 &
                status=0
                wait $! || status=$?
            else
                echo "no action '$name' in the target's job" >/tmp/hil-action.out
                status=127
            fi
            [ $status = 0 ] || log "request $n ($name): exit $status"
            { echo $status; cat /tmp/hil-action.out; } >$PAIR/ack/.$n
            mv $PAIR/ack/.$n $PAIR/ack/$n
            n=$((n + 1))
            continue
        fi
        [ -e $PAIR/initiator.done ] && return 0
        if [ -e $PAIR/initiator.exited ]; then
            fail "the initiator's guest ended without saying done"
            return 1
        fi
        nap 0.1
    done
}

# --- initiator -----------------------------------------------------------------
# wait_for_target SECONDS: the target guest has booted and set itself up.
wait_for_target() {
    local limit=$(($1 * 100)) started
    started=$(centiseconds)
    until [ -e $PAIR/target.ready ]; do
        if [ -e $PAIR/target.failed ]; then
            fail "the target's setup failed (see target/output.log)"
            return 1
        elif [ -e $PAIR/target.exited ]; then
            fail "the target's guest ended"
            return 1
        elif (($(centiseconds) - started > limit)); then
            fail "no target after $1 s"
            return 1
        fi
        nap 0.2
    done
    log "target ready"
}

# target_do ACTION [ARGS...]: the target runs action_ACTION ARGS; its output is
# printed, its failure fails the caller. Requests are numbered in a file so
# checks (subshells) continue the count.
target_do() {
    local n=0 status limit=12000 started line
    [ -f /tmp/hil-requests ] && read -r n </tmp/hil-requests
    n=$((n + 1))
    echo $n >/tmp/hil-requests
    printf '%s\n' "$@" >$PAIR/req/.$n
    mv $PAIR/req/.$n $PAIR/req/$n
    started=$(centiseconds)
    until [ -e $PAIR/ack/$n ]; do
        if [ -e $PAIR/target.exited ]; then
            fail "the target's guest ended during: $*"
            return 1
        elif (($(centiseconds) - started > limit)); then
            fail "the target did not answer in 120 s: $*"
            return 1
        fi
        nap 0.05
    done
    { read -r status; while IFS= read -r line; do echo "  target: $line"; done; } <$PAIR/ack/$n
    [ "$status" = 0 ] || fail "target: $* (exit $status)"
}

initiator_done() { : >$PAIR/initiator.done; }
