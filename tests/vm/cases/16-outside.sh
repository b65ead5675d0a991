#!/bin/sh
# Nothing for the rest of the node: with a rewrite entry and an audit entry
# elsewhere, a process outside every entry runs none of mptcpify's cgroup
# programs (their run counts stay still while it works), through an
# upgrade too; unload leaves no attach point.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "attach points of a rewrite entry"

sysctl -qw kernel.bpf_stats_enabled=1
mkdir -p "$T/app/skip" "$T/aud" "$T/other/deep"
check "attach $T/app" mptcpify attach "$T/app"
check "exclude below it" mptcpify attach --exclude "$T/app/skip"
check "audit $T/aud" mptcpify attach --mode audit "$T/aud"

# runs: how often the four cgroup programs ran, summed.
runs() {
	mptcpify -j list |
		grep -oE '"(audit|subflow|setsockopt|getsockopt)":\{"id":[0-9]*,"run_cnt":[0-9]*' |
		sed 's/.*://' | awk '{ n += $1 } END { print n + 0 }'
}
points() {
	mptcpify list | sed -n 's/^cgroup programs attached at \(.*\):.*/\1/p' | sort | tr '\n' ' '
}
# work CGROUP: socket(), setsockopt(), getsockopt() and a loopback
# connection with data, as a TCP application does.
work() {
	in_cg "$1" sh -c '
		optcheck TCP_NODELAY SO_KEEPALIVE && optcheck --get TCP_NODELAY || exit 1
		rm -f /tmp/outside-ready
		mptcp_conn server --ready /tmp/outside-ready 127.0.0.1 9200 >/dev/null &
		while [ ! -e /tmp/outside-ready ]; do sleep 0.05; done
		mptcp_conn client --bytes 1000 127.0.0.1 9200
		wait'
}
# Links under links/<program>/<cgroup id>, one per program and attach point.
link_pins() { find /sys/fs/bpf/mptcpify/links/audit /sys/fs/bpf/mptcpify/links/subflow \
	/sys/fs/bpf/mptcpify/links/setsockopt /sys/fs/bpf/mptcpify/links/getsockopt \
	-type f 2>/dev/null | sort | tr '\n' ' '; }

is "the attach points are the two entries, not the root" "$(points)" "/t/app /t/aud "
before=$(runs)
out=$(work "$T/other/deep")
diag "$out"
is "the unconfigured process's connection works, TCP" \
	"$(echo "$out" | grep -c 'protocol=6 fallback=0 subflows=1 bytes=1000')" 1
is "it ran none of mptcpify's cgroup programs" "$(runs)" "$before"

out=$(work "$T/app")
is "inside the rewrite entry the same work is MPTCP" \
	"$(echo "$out" | grep -c 'protocol=262 .*bytes=1000')" 1
is "and runs the cgroup programs" "$([ "$(runs)" -gt "$before" ] && echo ran)" ran
is "its connection counts once at each end, in its entry" \
	"$(stat_of "$T/app" mptcp_active) $(stat_of "$T/app" mptcp_passive)" "1 1"
diag "app: $(mptcpify stats "$T/app" | tail -n1)"

# An upgrade swaps the program of every link in place: same pins, same
# attach points, and still nothing outside.
if command -v mptcpify-next >/dev/null; then
	pins=$(link_pins)
	check "a newer build upgrades" mptcpify-next load
	is "the same link pins" "$(link_pins)" "$pins"
	is "at the same attach points" "$(points)" "/t/app /t/aud "
	before=$(runs)
	work "$T/other/deep" >/dev/null
	is "after the upgrade it still runs nothing outside" "$(runs)" "$before"
else
	skip "upgrade of the attach points" "no mptcpify-next in the guest"
fi

check "unload" mptcpify unload
is "no link pin left" "$(link_pins)" ""
out=$(work "$T/app")
is "after unload the entry's sockets are TCP again" \
	"$(echo "$out" | grep -c 'protocol=6 fallback=0 subflows=1 bytes=1000')" 1
tap_done
