#!/usr/bin/env bash
# Builds and runs the unit and simulator tests (everything but the QEMU guests).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
stage build build_project
stage "unit + simulator tests" ctest --test-dir "$BRICK_BUILD" -LE hil --output-on-failure -j2 \
    --output-junit "$BRICK_TOP/reports/junit-unit.xml"
exit "$BRICK_STATUS"
