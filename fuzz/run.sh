#!/usr/bin/env bash
# Runs every fuzz harness of a BRICK_FUZZ build for a bounded time, one after
# the other, starting from the checked-in corpus. Any crash, leak, sanitizer
# report, timeout or out-of-memory fails the run; its input is kept under
# <build>/fuzz-runs/artifacts and the command that reproduces it is printed.
#
#   fuzz/run.sh BUILD_DIR TOTAL_SECONDS [HARNESS...]
#
# TOTAL_SECONDS is shared equally by the harnesses (at least 4 s each). New
# inputs go to <build>/fuzz-runs/corpus/<harness>, never into fuzz/corpus.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:?usage: fuzz/run.sh BUILD_DIR TOTAL_SECONDS [HARNESS...]}
total=${2:?usage: fuzz/run.sh BUILD_DIR TOTAL_SECONDS [HARNESS...]}
shift 2
harnesses=("$@")
if ((${#harnesses[@]} == 0)); then
    mapfile -t harnesses < <(find "$top/fuzz/corpus" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
fi
each=$((total / ${#harnesses[@]}))
((each < 4)) && each=4
runs="$build/fuzz-runs"
mkdir -p "$runs/artifacts" "$runs/logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
printf '%-22s %6s %12s %10s %8s  %s\n' harness seconds executions exec/s corpus result
for harness in "${harnesses[@]}"; do
    binary="$build/fuzz/$harness"
    log="$runs/logs/$harness.log"
    mkdir -p "$runs/corpus/$harness"
    start=$SECONDS
    # -timeout: one input may take 25 s (a hang is a failure); -rss_limit_mb: a
    # leak or blow-up beyond 2.5 GB is one too. -entropic=0: libFuzzer's
    # entropic schedule spends most of its time updating feature frequencies
    # with libraries this size (measured: 3 against 59 inputs/s on
    # scenario_file, 45 against 218 on properties_iscsi).
    "$binary" -max_total_time="$each" -timeout=25 -rss_limit_mb=2560 -print_final_stats=1 -entropic=0 \
        -artifact_prefix="$runs/artifacts/$harness-" \
        "$runs/corpus/$harness" "$top/fuzz/corpus/$harness" >"$log" 2>&1
    rc=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corpus=$(find "$runs/corpus/$harness" "$top/fuzz/corpus/$harness" -type f | wc -l)
    if ((rc == 0)); then
        result=ok
    else
        result="FAILED (exit $rc)"
        failed=1
    fi
    printf '%-22s %6d %12s %10s %8s  %s\n' "$harness" $((SECONDS - start)) "${executions:-?}" \
        "${speed:-?}" "$corpus" "$result"
    if ((rc != 0)); then
        grep -E '^(==[0-9]+==|SUMMARY|contract broken|.*runtime error|artifact_prefix|Test unit written)' "$log" | head -20
        for artifact in "$runs/artifacts/$harness-"*; do
            [[ -e $artifact ]] && echo "  reproduce: $binary $artifact"
        done
        echo "  log: $log"
    fi
done
exit "$failed"
