#!/usr/bin/env bash
# Certification of the reference backends on real kernels: one QEMU guest per
# target kind (LIO, tgt, nvmet) runs `brick-lab certify` with its provisioner.
# Writes reports/certify-KIND/ and reports/junit-certify-KIND.xml; each run is
# bounded by its backend file's guest timeout.
#
#   ci/certify.sh [--rerun-failed] [--cells-first] [KIND...]   (default: lio tgt nvmet)
#
# --cells-first: a backend the scenario cells already certified in their guest
# (ci/cell.sh --certify, this job) keeps that verdict and boots no guest; one
# they did not certify (the cell stopped for the time budget, or the verdict
# was NOT CERTIFIED) is certified here in a guest of its own.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --rerun-failed: a backend whose certification fails is certified once more
# and the second verdict counts (both runs are printed); the test job uses it
# as it reruns a failed guest check: real kernels under TCG on a shared
# machine miss a deadline now and then, a real defect fails both runs.
rerun=false
cells_first=false
while [[ ${1:-} == --* ]]; do
    case $1 in
        --rerun-failed) rerun=true ;;
        --cells-first) cells_first=true ;;
        *) echo "ci/certify.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
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
# Prints the verdict a cell's guest left for KIND; true if it certified it.
certified_by_cell() {
    local result="$BRICK_TOP/reports/certify-$1/result.json"
    [[ -f $result ]] && python3 -c 'import json, sys
verdict = json.load(open(sys.argv[1]))["verdict"]
print(verdict)
sys.exit(0 if verdict.startswith("CERTIFIED") else 1)' "$result"
}
for kind in "${kinds[@]}"; do
    if $cells_first && verdict=$(certified_by_cell "$kind"); then
        echo "=== certify $kind: certified in the scenario cell's guest"
        echo "$verdict"
        BRICK_STAGES+=("$(printf '%-28s %5ds  %s' "certify $kind (cell's guest)" 0 ok)")
        continue
    fi
    if $rerun; then
        stage "certify $kind (QEMU)" certify_twice "$kind" || true
    else
        stage "certify $kind (QEMU)" certify "$kind" || true
    fi
done
exit "$BRICK_STATUS"
