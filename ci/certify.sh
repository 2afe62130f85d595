#!/usr/bin/env bash
# Certification of the reference backends on real kernels: one QEMU guest per
# target kind (LIO, tgt, nvmet) runs `brick-lab certify` with its provisioner.
# Writes reports/certify-KIND/ and reports/junit-certify-KIND.xml; each run is
# bounded by its backend file's guest timeout.
#
#   ci/certify.sh [KIND...]      (default: lio tgt nvmet)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kinds=("$@")
[[ ${#kinds[@]} -gt 0 ]] || kinds=(lio tgt nvmet)
for kind in "${kinds[@]}"; do
    stage "certify $kind (QEMU)" "$BRICK_BUILD/lab/brick-lab" certify \
        "$BRICK_TOP/certify/backends/$kind.json" \
        --report "$BRICK_TOP/reports/certify-$kind" \
        --junit "$BRICK_TOP/reports/junit-certify-$kind.xml" || true
done
exit "$BRICK_STATUS"
