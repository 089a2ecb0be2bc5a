#!/bin/sh
# Run one libFuzzer harness for SECONDS from the seed corpus:
#   run.sh HARNESS SECONDS WORKDIR SEED_DIR...
# WORKDIR/corpus-NAME keeps what it learns between runs; a crash is written to
# WORKDIR/crash-NAME-* (copy it to tests/fuzz/regressions/ once fixed). Exit 0: no finding.
set -eu
harness=$1 seconds=$2 work=$3
shift 3
name=$(basename "$harness")
mkdir -p "$work/corpus-$name"
# stdin from /dev/null: an input that includes /dev/stdin reads nothing instead of waiting
exec "$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
	-print_final_stats=1 -artifact_prefix="$work/crash-$name-" "$work/corpus-$name" "$@" \
	</dev/null
