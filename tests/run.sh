#!/bin/bash
# `make test`: the suites, each one's output kept under $BUILD/test-logs,
# one closing tally and where the time went. Exit status is non-zero when
# any test failed or any suite broke without saying which test.
#
# SUITES="host vm" runs those only, the same way the full run does (the
# system suite brings the image suite, whose images its guests run).
# Everything the suites use is built before (make's test-build) or made
# under a cache lock (tests/vm/lib/common.sh): no suite reads what another
# makes unless it waits for it here.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
LOGS=$BUILD/test-logs
ALL_SUITES="format structure harness package unit unit-asan unit-valgrind fuzz \
completion manifests host vm image system"
# shellcheck disable=SC2086 # one space between names
SUITES=$(echo ${SUITES:-$ALL_SUITES})
for s in $SUITES; do
	case " $ALL_SUITES " in
	*" $s "*) ;;
	*)
		echo "Error: no suite '$s' (suites: $ALL_SUITES)" >&2
		exit 64
		;;
	esac
done
wanted() { case " $SUITES " in *" $1 "*) return 0 ;; esac; return 1; }
if wanted system && ! wanted image; then SUITES="$SUITES image"; fi

mkdir -p "$LOGS"
passed=0 failed=0 skipped=0 broken="" times=""
run_start=$SECONDS
cd "$ROOT" || exit 1
# shellcheck source=vm/lib/common.sh
. tests/vm/lib/common.sh

# What the caches lacked at the start: a cold run fetches kernels and
# builds root filesystems and images, and takes longer for it.
cold=""
for k in 6.1 6.12 7.3; do
	[ -s "$VMTEST_CACHE/kernels/$k/kernel.env" ] || cold="$cold kernel-$k"
done
[ -x "$VMTEST_CACHE/busybox/busybox" ] || cold="$cold busybox"
compgen -G "$VMTEST_CACHE/rootfs/bookworm-*.tar" >/dev/null || cold="$cold rootfs"
podman image exists localhost/debian:bookworm-slim 2>/dev/null || cold="$cold base-images"

# tally NAME RC [SECONDS]: read NAME's log for Check summaries and TAP test
# points.
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
	times="$times$(printf '%-14s %6s s  %d passed, %d failed, %d skipped' "$1" "${3:--}" \
		$((p - s)) "$f" "$s")"$'\n'
}

suite() { # NAME CMD...
	local name=$1 rc start=$SECONDS
	shift
	wanted "$name" || return 0
	printf '\n=== %s\n' "$name"
	"$@" 2>&1 | tee "$LOGS/$name.log"
	rc=${PIPESTATUS[0]}
	tally "$name" "$rc" $((SECONDS - start))
}

# The test binaries of tests/unit, not whatever an older tree left in build/.
UNITS=$(cd tests/unit && ls test_*.c | sed 's/\.c$//')
# Check's 4 s per test is a hang guard that a busy machine, under ASan,
# could reach: ten times that.
unit_all() { # PREFIX [RUNNER...]
	local dir=$1 t rc=0
	shift
	for t in $UNITS; do CK_TIMEOUT_MULTIPLIER=10 "$@" "$dir/$t" || rc=1; done
	return $rc
}
# Check forks each test; valgrind follows the tests better without.
valgrind_one() {
	CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite "$1"
}

format_check() {
	make --no-print-directory check-format && echo "ok 1 - the C sources follow .clang-format"
}

# The Debian guest (systemd as PID 1, the package installed with dpkg,
# podman) on every kernel of the matrix: the longest suite, so it boots
# beside the other suites; each QEMU runs on one of the machine's two
# cores. The DaemonSet's image, which only its rewrite kernels' container
# cases need, builds meanwhile beside 6.1's boot, and those boots wait for
# it. Timeouts are hang guards, sized for a machine busy with other work.
system_run() { # KERNEL... (VM_TREES and VM_IMAGE_FILES from the environment)
	local v a
	v=$(dpkg-parsechangelog -S Version) a=$(dpkg --print-architecture)
	VM_SYSTEM="$BUILD/deb/mptcpify_${v}_$a.deb" \
		VM_FILES="$BUILD/deb/mptcpify_${v}_$a.deb $BUILD/deb-next/mptcpify_${v}+next1_$a.deb
			$BUILD/vm-bin/sockcheck $BUILD/vm-bin/mptcp_conn $VM_IMAGE_FILES" \
		VM_CASES=tests/vm/system VM_OUT="$BUILD/vm-system" VM_MODULES="veth overlay" \
		VM_SMP="${VM_SMP:-1}" VM_TIMEOUT="${SYSTEM_TIMEOUT:-5400}" \
		CASE_TIMEOUT="${SYSTEM_CASE_TIMEOUT:-1800}" tests/vm/run.sh "$@"
}
# The image suite: made under the cache's lock, as the podman store it
# fills is the machine's, shared with any other checkout's run.
image_suite() {
	local start=$SECONDS rc
	cache_lock images
	# A hang guard: a cold build takes minutes, a busy machine's more.
	timeout -k 10 "${IMAGE_TIMEOUT:-3600}" env BUILD="$BUILD" tests/image/build.sh \
		>"$LOGS/image.log" 2>&1
	rc=$?
	cache_unlock images
	echo "$rc" >"$LOGS/image.rc"
	echo $((SECONDS - start)) >"$LOGS/image.secs"
}
system_all() {
	local image_pid rc=0
	# No boot runs an earlier run's images if this one's build fails.
	rm -f "$LOGS/image.rc" "$LOGS/image.secs" "$BUILD/images/mptcpify-storage.tar" \
		"$BUILD/images/mptcpify-daemonset.args" "$BUILD/images/mptcpify-daemonset-uninstall.args"
	image_suite &
	image_pid=$!
	wanted system || { wait "$image_pid"; return 0; }
	VM_TREES="" VM_IMAGE_FILES="" system_run 6.1 || rc=1
	# The images' outputs exist from here on, and not before.
	wait "$image_pid"
	VM_TREES="$BUILD/images/mptcpify-storage.tar" \
		VM_IMAGE_FILES="$BUILD/images/mptcpify-daemonset.args $BUILD/images/mptcpify-daemonset-uninstall.args" \
		system_run 6.12 7.3 || rc=1
	return $rc
}
# ^C or a TERM ends the suites in the background too: they ignore SIGINT,
# as a non-interactive shell's jobs do, and timeout puts what it guards in
# a process group of its own. Children first, so that none is left orphaned.
kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do kill_tree "$c"; done
	kill -TERM "$1" 2>/dev/null
}
trap 'trap - INT TERM; for p in $(jobs -p); do kill_tree "$p"; done; exit 130' INT TERM
if wanted image; then
	printf '\n=== system and image: started in the background; their logs follow the others\n'
	system_start=$SECONDS
	system_all >"$LOGS/system.log" 2>&1 &
	system_pid=$!
fi

suite format format_check
suite structure tests/structure.sh
suite harness tests/harness.sh
suite package env BUILD="$BUILD" tests/package.sh
suite unit unit_all "$BUILD/tests"
suite unit-asan unit_all "$BUILD/asan/tests"
suite unit-valgrind unit_all "$BUILD/tests" valgrind_one
suite fuzz env BUILD="$BUILD" tests/fuzz/run.sh "${FUZZ_SECONDS:-10}"
suite completion tests/completion.sh
suite manifests tests/manifests.sh
suite host env BUILD="$BUILD" tests/host/run.sh
# A kernel's whole run: 7.3's takes about 300 s with the Debian guest on
# the other core; a busy machine can make it several times that.
suite vm env VM_BINDIR="$BUILD/vm-bin" VM_CASES=tests/vm/cases VM_OUT="$BUILD/vm" \
	VM_SMP="${VM_SMP:-1}" VM_TIMEOUT="${VM_TIMEOUT:-2400}" CASE_TIMEOUT="${CASE_TIMEOUT:-600}" \
	VM_KERNEL_APPEND="${VM_KERNEL_APPEND-6.12=preempt=full}" \
	VM_MODULES="${VM_MODULES:-veth sch_tbf sch_netem tcp_diag}" tests/vm/run.sh

if wanted image; then
	wait "$system_pid"
	system_rc=$?
	printf '\n=== image\n'
	cat "$LOGS/image.log"
	tally image "$(cat "$LOGS/image.rc" 2>/dev/null || echo 1)" "$(cat "$LOGS/image.secs" 2>/dev/null)"
	if wanted system; then
		printf '\n=== system\n'
		cat "$LOGS/system.log"
		tally system "$system_rc" $((SECONDS - system_start))
	fi
fi

# make test's build, before the suites (TEST_START: when make test began).
build_secs=""
[ -z "${TEST_START:-}" ] || build_secs=$(($(date +%s) - (SECONDS - run_start) - TEST_START))
echo
echo "# where the time went (system and image ran beside the others):"
[ -z "$build_secs" ] || printf '#   %-14s %6s s\n' build "$build_secs"
printf '%s' "$times" | sed 's/^/#   /'
printf '#   %-14s %6s s  caches %s\n' total $((SECONDS - run_start + ${build_secs:-0})) \
	"$([ -n "$cold" ] && echo "cold (made:$cold)" || echo warm)"
[ -n "$broken" ] && echo "# suites that failed without a failing test:$broken"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
