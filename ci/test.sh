#!/usr/bin/env bash
# The test job: installs what is missing, builds, and runs every test:
#   - unit, simulator, runner, out-of-process simulator and Python tests (CTest);
#   - the scenario matrix cells on the simulator;
#   - the hardware-in-the-loop suite: one QEMU guest per target kind with the
#     real tools (CTest label hil);
#   - advisory (reported, not yet gating): the scenario cells on real kernels
#     (LIO, nvmet), the certification of the reference backends (one guest
#     per target kind, ci/certify.sh) and the unit tests under ASan and UBSan.
# Prints the time of each stage at the end; exits non-zero when a gating stage failed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stage bootstrap "$BRICK_TOP/scripts/bootstrap"
stage build build_project || exit "$BRICK_STATUS"
stage "unit + simulator tests" ctest --test-dir "$BRICK_BUILD" -LE hil --output-on-failure -j2 \
    --output-junit "$BRICK_TOP/reports/junit-unit.xml" || true
stage "cell iscsi x sim" bash "$BRICK_TOP/ci/cell.sh" iscsi sim || true
stage "cell nvmeof x sim" bash "$BRICK_TOP/ci/cell.sh" nvmeof sim || true
stage "cells nfs rbd local luks x sim" bash -c 'for p in nfs rbd local luks; do bash "$0/ci/cell.sh" "$p" sim || s=1; done; exit ${s:-0}' "$BRICK_TOP" || true
stage "hil: real tools in QEMU" ctest --test-dir "$BRICK_BUILD" -L hil --output-on-failure \
    --output-junit "$BRICK_TOP/reports/junit-hil.xml" || true
# Each advisory stage has a hard bound so the whole job stays inside CI's time.
advisory "cell iscsi x lio (QEMU)" timeout --kill-after=30 900 bash "$BRICK_TOP/ci/cell.sh" iscsi lio
advisory "cell nvmeof x nvmet (QEMU)" timeout --kill-after=30 600 bash "$BRICK_TOP/ci/cell.sh" nvmeof nvmet
advisory "certify LIO, tgt, nvmet (QEMU)" timeout --kill-after=30 600 bash "$BRICK_TOP/ci/certify.sh"
advisory "sanitizers (ASan+UBSan)" timeout --kill-after=30 1500 bash "$BRICK_TOP/ci/sanitize.sh"
exit "$BRICK_STATUS"
