# shellcheck shell=sh
# Helpers for the VM cases, installed in the guest as /usr/bin/mptcpify-guest-lib.sh.
# The guest has busybox, ip, ss and our static programs; no jq, so counters
# are picked out of the JSON with grep.

CG2=/sys/fs/cgroup
# shellcheck source=tap.sh
. "${TAP_SH:-/tap.sh}"
# shellcheck source=topology.sh
. /usr/bin/mptcpify-topology.sh

# stat_of CGROUP COUNTER: one counter from `mptcpify -j stats CGROUP`.
stat_of() {
	mptcpify -j stats "$1" | grep -o "\"$2\":[0-9]*" | cut -d: -f2
}

# stat_above CGROUP COUNTER N: that counter has passed N (an empty N is 0).
stat_above() {
	_sa=$(stat_of "$1" "$2")
	[ "${_sa:-0}" -gt "${3:-0}" ]
}

# wait_for SECONDS CMD...: run CMD until it succeeds, a tenth of a second
# apart; false once SECONDS have passed without. SECONDS is a hang guard,
# never what a test judges: make test runs beside other guests and CPU hogs,
# where this guest (TCG, one vCPU) runs several times slower than alone and
# its clock is the host's wall time. The test points after it judge the
# state it waited for; how long it took is a make bench figure.
wait_for() {
	read -r _wf_end _ </proc/uptime
	_wf_end=$((${_wf_end%.*} + $1))
	shift
	until "$@"; do
		read -r _wf_now _ </proc/uptime
		[ "${_wf_now%.*}" -le "$_wf_end" ] || return 1
		sleep 0.1
	done
}

# loop_in CGROUP ENTRY COUNTER: a socket() loop in CGROUP, in the
# background ($loop), that runs until SIGTERM (600 s is only a bound): it
# spans whatever the test does meanwhile, however slow the machine. Returns
# once its sockets are counted: ENTRY's COUNTER passed its value before.
loop_in() {
	_n=$(stat_of "$2" "$3")
	# Not in_cg: a function run with & is a subshell, whose pid SIGTERM
	# would reach instead of the loop's.
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$1" \
		sockcheck --loop 600 inet stream 0 >/tmp/loop.out &
	loop=$!
	wait_for 120 stat_above "$2" "$3" "$_n"
}

# loop_stop ENTRY COUNTER: once the loop's sockets are counted again (it
# ran on past what came before), SIGTERM: it prints its tally.
loop_stop() {
	wait_for 120 stat_above "$1" "$2" "$(stat_of "$1" "$2")"
	kill -TERM "$loop"
	wait "$loop"
}

# uptime_s: the guest's clock, in seconds; since T: seconds from T to now,
# for the diag lines that say how long something took (not judged).
uptime_s() {
	read -r _up _ </proc/uptime
	echo "$_up"
}
since() {
	awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.2f\n", b - a }'
}

verdict() {
	mptcpify -j probe | grep -o '"verdict":"[a-z ]*"' | cut -d'"' -f4
}

# The rewrite cases need the hook: on 6.1 they say why they skip.
need_rewrite() {
	if [ "$(verdict)" != rewrite ]; then
		skip "$1" "kernel $(uname -r) cannot rewrite: $(mptcpify -j probe |
			grep -o '"reason":"[^"]*"' | cut -d'"' -f4)"
		exit 0
	fi
}

# Every case keeps its cgroups below $T; this leaves nothing for the next.
T=$CG2/t
case_cleanup() {
	mptcpify unload >/dev/null 2>&1
	if [ -d "$T" ]; then
		find "$T" -depth -type d -exec rmdir {} \; 2>/dev/null
	fi
}
