#!/usr/bin/env bash
# One cell of the CI matrix: a protocol's scenarios on one backend.
#
#   ci/cell.sh PROTOCOL BACKEND [SHARD] [--certify]
#
# PROTOCOL: iscsi | nvmeof | fc | nfs | rbd | local | luks (a scenarios/ folder).
# BACKEND: sim | lio | tgt | nvmet | nfsd | loop | ceph (all but sim boot a QEMU
# guest with that target; FC has no real-kernel cell: a guest has no FC HBA and
# Debian's kernel no FC loopback). SHARD: I/N (default 1/1).
# Writes JUnit XML to reports/junit-PROTOCOL-BACKEND.xml and a report folder.
# --certify (lio, tgt, nvmet): the same guest then certifies the reference
# backend certify/backends/BACKEND.json, as ci/certify.sh would in a guest of
# its own: reports/certify-BACKEND/ and reports/junit-certify-BACKEND.xml.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

certify=false
positional=()
for arg in "$@"; do
    if [[ $arg == --certify ]]; then certify=true; else positional+=("$arg"); fi
done
protocol=${positional[0]:?protocol}
backend=${positional[1]:?backend}
shard=${positional[2]:-1/1}
case "$protocol/$backend" in
    iscsi/sim | iscsi/lio | iscsi/tgt | nvmeof/sim | nvmeof/nvmet | fc/sim) ;;
    nfs/sim | rbd/sim | local/sim | luks/sim | nfs/nfsd | local/loop | luks/lio | luks/loop) ;;
    rbd/ceph | luks/ceph) ;;
    *) echo "ci/cell.sh: no such matrix cell: $protocol x $backend" >&2; exit 2 ;;
esac
args=(run "$BRICK_TOP/scenarios/$protocol" --shard "$shard"
      --junit "$BRICK_TOP/reports/junit-$protocol-$backend.xml"
      --report "$BRICK_TOP/reports/$protocol-$backend")
if [[ $backend == sim ]]; then
    args+=(--backend sim --jobs "$(nproc)")
else
    args+=(--backend hil --target "$backend")
fi
if $certify; then
    case $backend in
        lio | tgt | nvmet) ;;
        *) echo "ci/cell.sh: --certify: no reference backend for $backend" >&2; exit 2 ;;
    esac
    # No verdict of an earlier run may stand for this one.
    rm -rf "$BRICK_TOP/reports/certify-$backend" "$BRICK_TOP/reports/junit-certify-$backend.xml"
    args+=(--certify "$BRICK_TOP/certify/backends/$backend.json"
           --certify-report "$BRICK_TOP/reports/certify-$backend"
           --certify-junit "$BRICK_TOP/reports/junit-certify-$backend.xml")
fi
stage "cell $protocol x $backend ($shard)" "$BRICK_BUILD/lab/brick-lab" "${args[@]}"
exit "$BRICK_STATUS"
