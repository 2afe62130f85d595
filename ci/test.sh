#!/usr/bin/env bash
# The test job: installs what is missing, builds, and runs every test: unit
# and simulator tests, the scenario matrix cells, and the hardware-in-the-loop
# suite in QEMU guests. Prints the time of each stage at the end.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stage bootstrap "$BRICK_TOP/scripts/bootstrap"
stage build build_project
stage "unit + simulator tests" ctest --test-dir "$BRICK_BUILD" -LE hil --output-on-failure -j2 \
    --output-junit "$BRICK_TOP/reports/junit-unit.xml" || true
stage "cell iscsi x sim" "$BRICK_TOP/ci/cell.sh" iscsi sim || true
stage "hil tests (QEMU)" ctest --test-dir "$BRICK_BUILD" -L hil --output-on-failure || true
exit "$BRICK_STATUS"
