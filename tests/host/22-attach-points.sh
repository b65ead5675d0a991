#!/bin/bash
# The cgroup programs attach where the entries are: a process outside every
# configured subtree runs none of them (their run counts stay still while
# it works), and one inside runs them, nested entries and exclusions
# deciding and counting once.
. "$(dirname "$0")/env.sh"
OPTCHECK=$BUILD/tests/optcheck
CONN=$BUILD/tests/mptcp_conn
[ -x "$OPTCHECK" ] && [ -x "$CONN" ] || skip_all "test programs not built (make test-build)"
command -v bpftool >/dev/null || skip_all "no bpftool"

stats_was=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled=$stats_was; host_cleanup' EXIT
sysctl -qw kernel.bpf_stats_enabled=1 || skip_all "cannot enable kernel.bpf_stats_enabled"

T=/$(basename "$TESTCG")
mkdir -p "$TESTCG/app/inner/deep" "$TESTCG/app/skip" "$TESTCG/other/deep"
check "attach --mode audit" "$M" attach --mode audit "$TESTCG/app"
check "a nested audit entry" "$M" attach --mode audit "$TESTCG/app/inner"
check "an exclusion below" "$M" attach --exclude "$TESTCG/app/skip"
is "one attach point: the topmost entry" \
	"$("$M" -j list | jq -r '[.attach_points[].cgroup] | join(" ")')" "$T/app"
is "with the four cgroup programs" \
	"$("$M" -j list | jq -r '.attach_points[0].programs | sort | join(" ")')" \
	"audit getsockopt setsockopt subflow"
is "list says where" "$("$M" list | grep -c "cgroup programs attached at $T/app:")" 1

# runs: how often the four cgroup programs ran, summed.
runs() {
	"$M" -j list |
		jq '[.program_costs | (.audit, .subflow, .setsockopt, .getsockopt) | .run_cnt // 0] | add'
}
# work CG: what a TCP application does, in CG and a network namespace of its
# own: socket(), setsockopt(), getsockopt(), a loopback connection with data.
work() {
	in_cgroup "$1" sh -c '
		ip link set lo up || exit 1
		"$0" TCP_NODELAY SO_KEEPALIVE && "$0" --get TCP_NODELAY || exit 1
		"$1" server --ready /tmp/mptcpify-ap-ready 127.0.0.1 9100 >/dev/null &
		while [ ! -e /tmp/mptcpify-ap-ready ]; do sleep 0.05; done
		"$1" client --bytes 1000 127.0.0.1 9100
		wait; rm -f /tmp/mptcpify-ap-ready' "$OPTCHECK" "$CONN"
}

before=$(runs)
out=$(work "$TESTCG/other/deep")
is "the unconfigured process worked" "$(echo "$out" | grep -c 'bytes=1000 reply=1000')" 1
diag "$out"
is "and ran none of mptcpify's cgroup programs" "$(runs)" "$before"
is "nor was it counted anywhere" "$(stat_of "$TESTCG/app" tcp_created)" 0

# The same work inside: the programs run (so the check above can fail).
work "$TESTCG/app/inner/deep" >/dev/null
after=$(runs)
is "a process below the entries runs them" "$([ "$after" -gt "$before" ] && echo ran)" ran
n=$(stat_of "$TESTCG/app/inner" tcp_created)
diag "one round of work creates $n TCP sockets"
is "its sockets count in the nearest entry" "$([ "$n" -gt 0 ] && echo counted)" counted
is "and not in the outer one" "$(stat_of "$TESTCG/app" tcp_created)" 0
work "$TESTCG/app/inner/deep" >/dev/null
is "once each: a second round counts as many" "$(stat_of "$TESTCG/app/inner" tcp_created)" \
	$((2 * n))
work "$TESTCG/app/skip" >/dev/null
is "an excluded child counts nowhere" \
	"$(($(stat_of "$TESTCG/app" tcp_created) + $(stat_of "$TESTCG/app/inner" tcp_created)))" \
	$((2 * n))

# The outer entry goes: the entries below become attach points before the
# outer one stops being one.
points() { "$M" -j list | jq -r '[.attach_points[].cgroup] | sort | join(" ")'; }
check "detach the outer entry" "$M" detach "$TESTCG/app"
is "the entries below are the attach points now" "$(points)" "$T/app/inner $T/app/skip"
before=$(runs)
work "$TESTCG/app" >/dev/null
is "the former outer cgroup runs nothing now" "$(runs)" "$before"
work "$TESTCG/app/inner/deep" >/dev/null
is "the inner entry still counts" "$(stat_of "$TESTCG/app/inner" tcp_created)" $((3 * n))

# A removed cgroup's attachment goes with it.
mkdir -p "$TESTCG/gone"
check "attach a cgroup that will be removed" "$M" attach --mode audit "$TESTCG/gone"
rmdir "$TESTCG/gone"
check "the next change runs" "$M" attach --mode audit "$TESTCG/app/inner"
is "and its attach point is gone" "$(points)" "$T/app/inner $T/app/skip"
is "with its pins: four programs at two attach points" \
	"$(find "$MPTCPIFY_PIN_DIR/links" -type f | wc -l)" 8
tap_done
