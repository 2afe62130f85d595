#!/usr/bin/env bash
# The test job: installs what is missing, builds, and runs every test:
#   - unit, simulator and runner tests (CTest);
#   - the scenario matrix cells on the simulator;
#   - the hardware-in-the-loop suite: one QEMU guest per target kind with the
#     real tools (CTest label hil), then the scenario cells on real kernels;
#   - the unit tests again under ASan and UBSan.
# Prints the time of each stage at the end; exits non-zero when any stage failed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stage bootstrap "$BRICK_TOP/scripts/bootstrap"
stage build build_project || exit "$BRICK_STATUS"
stage "unit + simulator tests" ctest --test-dir "$BRICK_BUILD" -LE hil --output-on-failure -j2 \
    --output-junit "$BRICK_TOP/reports/junit-unit.xml" || true
for cell in "iscsi sim" "nvmeof sim" "iscsi lio" "nvmeof nvmet"; do
    read -r protocol backend <<<"$cell"
    [[ -d "$BRICK_TOP/scenarios/$protocol" ]] || continue
    stage "cell $protocol x $backend" bash "$BRICK_TOP/ci/cell.sh" "$protocol" "$backend" || true
done
stage "hil: real tools in QEMU guests" ctest --test-dir "$BRICK_BUILD" -L hil --output-on-failure \
    --output-junit "$BRICK_TOP/reports/junit-hil.xml" || true
stage "sanitizers" bash "$BRICK_TOP/ci/sanitize.sh" || true
exit "$BRICK_STATUS"
