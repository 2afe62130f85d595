#!/usr/bin/env bash
# One cell of the CI matrix: a protocol's scenarios on one backend.
#
#   ci/cell.sh PROTOCOL BACKEND [SHARD]
#
# PROTOCOL: iscsi | nvmeof | fc | nfs | rbd | local | luks (a scenarios/ folder).
# BACKEND: sim | lio | tgt | nvmet | nfsd | loop | ceph (all but sim boot a QEMU
# guest with that target; FC has no real-kernel cell: a guest has no FC HBA and
# Debian's kernel no FC loopback). SHARD: I/N (default 1/1).
# Writes JUnit XML to reports/junit-PROTOCOL-BACKEND.xml and a report folder.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

protocol=${1:?protocol}
backend=${2:?backend}
shard=${3:-1/1}
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
stage "cell $protocol x $backend ($shard)" "$BRICK_BUILD/lab/brick-lab" "${args[@]}"
exit "$BRICK_STATUS"
