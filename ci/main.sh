#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the default
# scenario suite on the built-in simulator.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stage bootstrap "$BRICK_TOP/scripts/bootstrap"
stage build build_project
stage "connector properties (sample host)" "$BRICK_BUILD/lib/brick" --root "$BRICK_TOP/lib/tests/fixtures/host-tree" properties --ip 127.0.0.1 --multipath
exit "$BRICK_STATUS"
