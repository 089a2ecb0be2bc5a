#!/bin/sh
# One short scenario under valgrind: no memory error and no definitely lost block.
#   run.sh PTSIM [VALGRIND]
# The machine is never freed (SimGrid's actors hold it until the process ends: app/run.c),
# but it stays reachable from the engine's actor list, so valgrind counts it as "still
# reachable", not lost: no suppression is needed, and none is used.
set -eu
ptsim=$1
valgrind=${2:-valgrind}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
"$valgrind" --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
	--errors-for-leak-kinds=definite --log-file="$log" \
	"$ptsim" run configs/default.yaml --set workload.frames=20 --quiet || status=$?
grep -E "ERROR SUMMARY|definitely lost|still reachable" "$log" || true
if [ "$status" -ne 0 ]; then
	cat "$log"
	echo "valgrind: exit $status (99: memory errors or definite leaks)"
	exit 1
fi
