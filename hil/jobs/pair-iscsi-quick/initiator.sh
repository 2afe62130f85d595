# HIL job, pair: the initiator of pair-iscsi with the checks that fit every CI run
# (the whole job, ~6 minutes under TCG, is `hil: pair-iscsi`, see hil/README.md).
PAIR_ONLY="pair-discovery link-short-outage held-open-delete"
source /brick/src/hil/jobs/pair-iscsi/initiator.sh
