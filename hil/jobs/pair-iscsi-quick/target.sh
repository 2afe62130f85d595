# HIL job, pair: the target of pair-iscsi, unchanged (it serves whatever the
# initiator asks for).
source /brick/src/hil/jobs/pair-iscsi/target.sh
