#!/usr/bin/env bash
# The whole hardware-in-the-loop suite: every QEMU guest job, including the
# long two-guest pair-iscsi job (link outages, loss and delay, dm-flakey and
# dm-delay backstores, a remapped LUN, a removed portal, multipathd killed;
# about 6 minutes under TCG) that `ci/test.sh` leaves out of its 45-minute
# budget (it runs three of its checks as pair-iscsi-quick).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
stage build build_project
stage "hil: guest jobs" ctest --test-dir "$BRICK_BUILD" -L hil --output-on-failure \
    --repeat until-pass:2 --output-junit "$BRICK_TOP/reports/junit-hil.xml"
stage "hil: pair-iscsi (long)" "$BRICK_BUILD/lab/brick-lab" hil run \
    --job "$BRICK_TOP/hil/jobs/pair-iscsi" --out "$BRICK_BUILD/hil-runs/pair-iscsi" --timeout 720
exit "$BRICK_STATUS"
