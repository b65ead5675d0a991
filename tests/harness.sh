#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test harness's own promises, checked: what goes into the cache is made
# once however many runs want it at the same time, and a run that waited
# finds it made; `make test` refuses a suite it does not know. TAP.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
. tests/vm/tap.sh
MPTCPIFY_CACHE=$(mktemp -d)
trap 'rm -rf "$MPTCPIFY_CACHE"' EXIT
# shellcheck source=vm/lib/common.sh
. tests/vm/lib/common.sh
# shellcheck source=vm/lib/fetch-kernel.sh
. tests/vm/lib/fetch-kernel.sh
LOG=$MPTCPIFY_CACHE/log

# Two holders of one lock never overlap: each writes "in" and "out" with a
# pause between; any interleaving breaks the in/out pairs.
for id in a b c d; do
	(
		cache_lock item
		echo "in $id" >>"$LOG"
		sleep 0.2
		echo "out $id" >>"$LOG"
		cache_unlock item
	) 2>/dev/null &
done
wait
pairs=$(paste -d' ' - - <"$LOG" | awk '$1 != "in" || $3 != "out" || $2 != $4' | wc -l)
is "four runs holding one cache lock took turns" "$pairs/$(wc -l <"$LOG")" "0/8"

# A process started under the lock that outlives the maker (an agent) keeps
# a copy of the fd; the lock is released all the same.
rm -f "$LOG"
cache_lock item
sleep 60 &
lingering=$!
cache_unlock item
check "a process the maker left running does not keep the lock" \
	flock -n "$MPTCPIFY_CACHE/locks/item.lock" true
kill "$lingering"
wait "$lingering" 2>/dev/null

# fetch_kernel by three runs at once: one fetches (here a stand-in that
# takes its time), the others wait and find it made.
fetch_kernel_locked() { # NAME SUITE
	echo "fetch $1" >>"$LOG"
	sleep 0.5
	mkdir -p "$VMTEST_CACHE/kernels/$1"
	echo "KVER=$1.0-test" >"$VMTEST_CACHE/kernels/$1/kernel.env"
}
for _ in 1 2 3; do fetch_kernel 6.12 2>/dev/null & done
wait
is "three runs that need one kernel at once fetch it once" "$(cat "$LOG")" "fetch 6.12"
is "and each finds it there" "$(cat "$VMTEST_CACHE/kernels/6.12/kernel.env")" "KVER=6.12.0-test"

# A finished kernel is not fetched again, and no lock is taken for it.
fetch_kernel 6.12
is "a kernel in the cache is not fetched again" "$(wc -l <"$LOG")" 1

out=$(SUITES="host nosuch" tests/run.sh 2>&1)
is "make test SUITES= refuses an unknown suite: exit 64" "$?" 64
is "and says which and what there is" "${out%%(*}" "Error: no suite 'nosuch' "
tap_done
