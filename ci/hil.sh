#!/usr/bin/env bash
# The whole hardware-in-the-loop suite: every QEMU guest job (`ctest -L hil`),
# the two-guest pair-iscsi job among them (link outages, loss and delay,
# dm-flakey and dm-delay backstores, a remapped LUN, a removed portal,
# multipathd killed; about 3.5 minutes under TCG). `ci/test.sh` runs the same.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
stage build build_project
stage "hil: guest jobs" ctest --test-dir "$BRICK_BUILD" -L hil --output-on-failure \
    --repeat until-pass:2 --output-junit "$BRICK_TOP/reports/junit-hil.xml"
exit "$BRICK_STATUS"
