# Shared by the ci/ scripts: stage timing and the build.
# shellcheck shell=bash
set -euo pipefail
BRICK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BRICK_BUILD=${BRICK_BUILD:-$BRICK_TOP/build}
declare -a BRICK_STAGES=()
BRICK_STATUS=0

# stage NAME COMMAND...: runs a command, records its wall time and status.
stage() {
    local name=$1
    shift
    local start=$SECONDS rc=0
    echo "=== stage: $name"
    "$@" || rc=$?
    BRICK_STAGES+=("$(printf '%-28s %5ds  %s' "$name" $((SECONDS - start)) "$([[ $rc == 0 ]] && echo ok || echo "FAILED ($rc)")")")
    if [[ $rc != 0 ]]; then
        BRICK_STATUS=$rc
    fi
    return $rc
}

# advisory NAME COMMAND...: a stage whose failure is reported but does not fail
# the job yet (a check still being proven on this CI); its time is recorded too.
advisory() {
    local name=$1
    shift
    local start=$SECONDS rc=0
    echo "=== stage (advisory): $name"
    "$@" || rc=$?
    BRICK_STAGES+=("$(printf '%-28s %5ds  %s' "$name" $((SECONDS - start)) "$([[ $rc == 0 ]] && echo ok || echo "advisory: FAILED ($rc)")")")
    return 0
}

print_stage_times() {
    echo
    echo "=== time per stage"
    local line
    for line in "${BRICK_STAGES[@]}"; do
        echo "  $line"
    done
    echo "  $(printf '%-28s %5ds' total "$SECONDS")"
}
trap print_stage_times EXIT

build_project() {
    cmake -S "$BRICK_TOP" -B "$BRICK_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BRICK_BUILD" -j"$(nproc)"
}
