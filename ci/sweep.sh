#!/usr/bin/env bash
# The seeded fault sweeps of CI, small enough for every change (the full sweep
# is the same command with more seeds, e.g. --seeds 10000):
#   - random fault schedules over connect, I/O, extend and disconnect, per protocol;
#   - 64 independent volumes connected and disconnected at once under random faults.
# The invariant checker runs after every step; any violation fails the stage and
# leaves a reproducer under reports/sweep-*/ for `brick-lab replay`.
#
#   ci/sweep.sh [SEEDS]   (default BRICK_SWEEP_SEEDS or 300 per protocol)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

seeds=${1:-${BRICK_SWEEP_SEEDS:-300}}
lab="$BRICK_BUILD/lab/brick-lab"
# The seeded sweeps first, the 64-volume runs last: a cap on the whole script
# (ci/test.sh) cuts the longest part.
for protocol in iscsi nvmeof; do
    stage "sweep $protocol ($seeds seeds)" "$lab" sweep --protocol "$protocol" --seeds "$seeds" \
        --jobs 2 --report "$BRICK_TOP/reports/sweep-$protocol" || true
done
for protocol in iscsi nvmeof; do
    stage "sweep $protocol (64 volumes at once)" "$lab" sweep --protocol "$protocol" --seeds 4 \
        --concurrent-volumes 64 --jobs 2 --report "$BRICK_TOP/reports/sweep-$protocol-64" || true
done
exit "$BRICK_STATUS"
