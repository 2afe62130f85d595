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

# The job's time budget in seconds: CI stops a job at 90 minutes and this one aims
# to finish inside 45, so the stages that run last are fitted into what is left.
BRICK_BUDGET=${BRICK_CI_BUDGET:-2640}

# bounded NAME CAP COMMAND...: an advisory stage stopped after CAP seconds or when
# the job's budget runs out, whichever comes first (reported as stopped, with the
# time); skipped, and reported as such, when less than a minute of budget is left.
bounded() {
    local name=$1 cap=$2
    shift 2
    local left=$((BRICK_BUDGET - SECONDS)) start=$SECONDS rc=0
    if ((left < 60)); then
        BRICK_STAGES+=("$(printf '%-28s %5ds  %s' "$name" 0 "skipped: the ${BRICK_BUDGET}s budget is spent")")
        return 0
    fi
    ((cap <= left)) || cap=$left
    echo "=== stage (advisory, at most ${cap}s): $name"
    timeout --kill-after=30 "$cap" "$@" || rc=$?
    local verdict=ok
    if ((rc == 124 || rc == 137)); then
        verdict="advisory: stopped after ${cap}s"
    elif ((rc != 0)); then
        verdict="advisory: FAILED ($rc)"
    fi
    BRICK_STAGES+=("$(printf '%-28s %5ds  %s' "$name" $((SECONDS - start)) "$verdict")")
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
