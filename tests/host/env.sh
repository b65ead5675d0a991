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

export MPTCPIFY_PIN_DIR=/sys/fs/bpf/mptcpify-hosttest
CG2=$(findmnt -rn -t cgroup2 -o TARGET | head -n1)
TEST_NAME=$(basename "$0" .sh)
TESTCG=$CG2/mptcpify-$TEST_NAME

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
