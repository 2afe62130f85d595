#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the default
# scenario suite on the built-in simulator. The report lands in reports/main.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stage bootstrap "$BRICK_TOP/scripts/bootstrap"
stage build build_project
stage "scenario suite (simulator)" "$BRICK_BUILD/lab/brick-lab" run --jobs "$(nproc)" \
    --report "$BRICK_TOP/reports/main" --junit "$BRICK_TOP/reports/main/junit.xml"
exit "$BRICK_STATUS"
