#!/bin/bash
# `make test`: every suite in turn, each one's output kept under
# $BUILD/test-logs, and one closing tally. Exit status is non-zero when any
# test failed or any suite broke without saying which test.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
passed=0 failed=0 skipped=0 broken=""

# tally NAME RC: read NAME's log for Check summaries and TAP test points.
tally() {
	local log=$LOGS/$1.log p f s checks failures errors
	p=$(grep -cE '^ok ' "$log")
	s=$(grep -cE '^ok .*# (SKIP|skip)' "$log")
	f=$(grep -cE '^not ok ' "$log")
	while read -r checks failures errors; do
		p=$((p + checks - failures - errors))
		f=$((f + failures + errors))
	done < <(sed -nE 's/^[0-9]+%: Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+)$/\1 \2 \3/p' "$log")
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
	if [ "$2" != 0 ] && [ "$f" = 0 ]; then
		broken="$broken $1"
		failed=$((failed + 1))
	fi
	printf '# %s: %d passed, %d failed, %d skipped (exit %s%s)\n' "$1" $((p - s)) "$f" "$s" "$2" \
		"${3:+, $3 s}"
}

suite() {
	local name=$1 rc start=$SECONDS
	shift
	printf '\n=== %s\n' "$name"
	"$@" 2>&1 | tee "$LOGS/$name.log"
	rc=${PIPESTATUS[0]}
	tally "$name" "$rc" $((SECONDS - start))
}

cd "$ROOT" || exit 1
# The test binaries of tests/unit, not whatever an older tree left in build/.
UNITS=$(cd tests/unit && ls test_*.c | sed 's/\.c$//')
unit_all() {
	local t rc=0
	for t in $UNITS; do "$BUILD/tests/$t" || rc=1; done
	return $rc
}
asan_all() {
	local t rc=0
	for t in $UNITS; do "$BUILD/asan/tests/$t" || rc=1; done
	return $rc
}
valgrind_all() {
	local t rc=0
	for t in $UNITS; do
		t=$BUILD/tests/$t
		CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite "$t" || rc=1
	done
	return $rc
}

format_check() {
	make --no-print-directory check-format && echo "ok 1 - the C sources follow .clang-format"
}

suite format format_check
suite structure tests/structure.sh
suite package env BUILD="$BUILD" tests/package.sh

# The Debian guest (systemd as PID 1, the package installed with dpkg,
# podman) on every kernel of the matrix: the longest suite, so it boots as
# soon as the package is there, beside the other suites; each QEMU runs on
# one of the machine's two cores. The DaemonSet's image, which only its
# rewrite kernels' container cases need, builds meanwhile beside 6.1's boot.
system_run() { # KERNEL... (VM_TREES from the environment)
	local v a
	v=$(dpkg-parsechangelog -S Version) a=$(dpkg --print-architecture)
	VM_SYSTEM="$BUILD/deb/mptcpify_${v}_$a.deb" \
		VM_FILES="$BUILD/deb/mptcpify_${v}_$a.deb $BUILD/deb-next/mptcpify_${v}+next1_$a.deb
			$BUILD/vm-bin/sockcheck $BUILD/vm-bin/mptcp_conn $BUILD/images/mptcpify-daemonset.args" \
		VM_CASES=tests/vm/system VM_OUT="$BUILD/vm-system" VM_MODULES="veth overlay" \
		VM_SMP="${VM_SMP:-1}" VM_TIMEOUT=1200 CASE_TIMEOUT=400 tests/vm/run.sh "$@"
}
system_all() {
	local image_pid rc=0
	env BUILD="$BUILD" tests/image/build.sh >"$LOGS/image.log" 2>&1 &
	image_pid=$!
	VM_TREES="" system_run 6.1 || rc=1
	wait "$image_pid"
	echo $? >"$LOGS/image.rc"
	VM_TREES="$BUILD/images/mptcpify-storage.tar" system_run 6.12 7.3 || rc=1
	return $rc
}
printf '\n=== system and image: started in the background; their logs follow the vm suite\n'
system_start=$SECONDS
system_all >"$LOGS/system.log" 2>&1 &
system_pid=$!

suite unit unit_all
suite unit-asan asan_all
suite unit-valgrind valgrind_all
suite fuzz env BUILD="$BUILD" tests/fuzz/run.sh "${FUZZ_SECONDS:-10}"
suite completion tests/completion.sh
suite manifests tests/manifests.sh
suite host env BUILD="$BUILD" tests/host/run.sh
# A kernel's whole run: 7.3's takes about 300 s with the Debian guest on
# the other core, so 600 s before it counts as hung.
suite vm env VM_BINDIR="$BUILD/vm-bin" VM_CASES=tests/vm/cases VM_OUT="$BUILD/vm" \
	VM_SMP="${VM_SMP:-1}" VM_TIMEOUT="${VM_TIMEOUT:-600}" \
	VM_MODULES="${VM_MODULES:-veth sch_tbf sch_netem tcp_diag}" tests/vm/run.sh

wait "$system_pid"
system_rc=$?
printf '\n=== image\n'
cat "$LOGS/image.log"
tally image "$(cat "$LOGS/image.rc")"
printf '\n=== system\n'
cat "$LOGS/system.log"
tally system "$system_rc" $((SECONDS - system_start))

echo
[ -n "$broken" ] && echo "# suites that failed without a failing test:$broken"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
