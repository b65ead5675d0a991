#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/fuzz/run.sh SECONDS: each libFuzzer target for SECONDS, from the
# checked-in corpus (read only; what it finds goes to build/fuzz), as TAP.
# A crash, a leak or a failed check is a failing test point, with the input
# that did it kept as build/fuzz/<target>-crash-*. How many inputs a run
# got through is the machine's speed, not a test: a diag line. An input
# counts as hung (-timeout) only after a minute, which no busy machine
# explains for inputs of a few kilobytes.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SECONDS_EACH=${1:-10}
. "$ROOT/tests/vm/tap.sh"

for bin in "$BUILD"/fuzz/fuzz_*; do
	name=${bin##*/fuzz_}
	[ -x "$bin" ] || continue
	work=$BUILD/fuzz/corpus-$name
	mkdir -p "$work"
	out=$("$bin" -max_total_time="$SECONDS_EACH" -timeout=60 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$BUILD/fuzz/$name-" "$work" \
		"$ROOT/tests/fuzz/corpus/$name" 2>&1)
	rc=$?
	runs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
	if [ "$rc" = 0 ]; then
		ok "fuzz $name: ${SECONDS_EACH}s from the corpus, no crash, leak or failed check"
		diag "fuzz $name: ${runs:-?} inputs in ${SECONDS_EACH}s"
	else
		not_ok "fuzz $name: exit $rc after ${runs:-?} inputs" \
			"$(printf '%s\n' "$out" | grep -E 'ERROR|SUMMARY|artifact|==' | head -n 20)"
	fi
done
tap_done
