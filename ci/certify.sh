#!/usr/bin/env bash
# Certification of the reference backends on real kernels: one QEMU guest per
# target kind (LIO, tgt, nvmet) runs `brick-lab certify` with its provisioner.
# Writes reports/certify-KIND/ and reports/junit-certify-KIND.xml; each run is
# bounded by its backend file's guest timeout.
#
#   ci/certify.sh [--rerun-failed] [KIND...]      (default: lio tgt nvmet)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --rerun-failed: a backend whose certification fails is certified once more
# and the second verdict counts (both runs are printed); the test job uses it
# as it reruns a failed guest check: real kernels under TCG on a shared
# machine miss a deadline now and then, a real defect fails both runs.
rerun=false
if [[ ${1:-} == --rerun-failed ]]; then
    rerun=true
    shift
fi
kinds=("$@")
[[ ${#kinds[@]} -gt 0 ]] || kinds=(lio tgt nvmet)
certify() {
    "$BRICK_BUILD/lab/brick-lab" certify "$BRICK_TOP/certify/backends/$1.json" \
        --report "$BRICK_TOP/reports/certify-$1" \
        --junit "$BRICK_TOP/reports/junit-certify-$1.xml"
}
certify_twice() {
    certify "$1" && return 0
    echo "=== certify $1: failed, certifying once more"
    certify "$1"
}
for kind in "${kinds[@]}"; do
    if $rerun; then
        stage "certify $kind (QEMU)" certify_twice "$kind" || true
    else
        stage "certify $kind (QEMU)" certify "$kind" || true
    fi
done
exit "$BRICK_STATUS"
