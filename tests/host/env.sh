# shellcheck shell=bash
# Sourced by every host test: where things are, and a scratch cgroup and pin
# directory of the test's own, so a real mptcpify on the host is left alone.

HOST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HOST_DIR/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
M=${MPTCPIFY:-$BUILD/mptcpify}
SOCKCHECK=$BUILD/tests/sockcheck
NEXT=$BUILD/vm-bin/mptcpify-next
# shellcheck source=../vm/tap.sh
. "$ROOT/tests/vm/tap.sh"

# HOSTTEST_TAG lets two checkouts run host tests side by side.
HOSTTEST_TAG=${HOSTTEST_TAG:-hosttest}
export MPTCPIFY_PIN_DIR=/sys/fs/bpf/mptcpify-$HOSTTEST_TAG
CG2=$(findmnt -rn -t cgroup2 -o TARGET | head -n1)
TEST_NAME=$(basename "$0" .sh)
TESTCG=$CG2/mptcpify-$HOSTTEST_TAG-$TEST_NAME

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

[ "$(id -u)" = 0 ] || skip_all "needs root (BPF and cgroups)"
[ -n "$CG2" ] || skip_all "no cgroup2 mount on this host"

# in_cgroup CG CMD...: CMD as a new process inside CG and a fresh network
# namespace; nothing else runs there, so the counters are CMD's alone.
in_cgroup() {
	local cg=$1
	shift
	sh -c 'echo $$ > "$0/cgroup.procs" && exec unshare -n "$@"' "$cg" "$@"
}

# What must come is waited for, never timed: make test runs beside QEMU
# guests and whatever else the machine does, where anything may take ten
# times as long as alone. HANG_S bounds a wait so a hang ends; a test point
# judges the state it waited for, and how long that took is a make bench
# figure (at most a diag line here).
HANG_S=${HANG_S:-120}

# poll SHELL-CONDITION: true once it holds (tried every 0.05 s), false if it
# still does not after HANG_S seconds.
poll() {
	local _poll_end=$((SECONDS + HANG_S))
	until eval "$1"; do
		[ "$SECONDS" -lt "$_poll_end" ] || return 1
		sleep 0.05
	done
}

# stat_of CG FIELD: one counter of CG from `mptcpify -j stats`.
stat_of() {
	"$M" -j stats "$1" | jq -r ".cgroups[0].$2"
}

# Remove the scratch cgroups (deepest first) and every pin.
host_cleanup() {
	"$M" unload >/dev/null 2>&1
	if [ -d "$TESTCG" ]; then
		find "$TESTCG" -depth -type d -exec rmdir {} + 2>/dev/null
	fi
}
trap host_cleanup EXIT
host_cleanup
mkdir -p "$TESTCG"
