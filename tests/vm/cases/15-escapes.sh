#!/bin/sh
# Every TCP socket of a rewrite entry's cgroups that stays TCP is counted
# there, by cause: the promise is "MPTCP, or counted". The counts are
# checked against what the case's own programs saw, exactly.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "escape accounting"

# escaped CGROUP: the entry's escapes, every cause.
escaped() {
	mptcpify -j stats "$1" | grep -o '"escaped":{[^}]*}' | grep -o '[0-9]\+' |
		awk '{ n += $1 } END { print n + 0 }'
}

mkdir -p "$T/app" "$T/other" "$T/churn"
check "attach $T/app" mptcpify attach "$T/app"

# io_uring's IORING_OP_SOCKET creates the socket without socket(), so
# without the hook: inline in io_uring_enter(), or in an io-wq worker.
got=$(in_cg "$T/app" uringsock inet stream 0)
case $got in
unsupported*) skip "io_uring escapes" "$got" ;;
*)
	is "an io_uring TCP socket stays TCP: the hook never sees it" "$got" 6
	is "counted as an io_uring escape" "$(stat_of "$T/app" io_uring)" 1
	is "an io-wq worker's socket too" "$(in_cg "$T/app" uringsock --async inet6 stream 6)" 6
	is "counted as an io_uring escape of its entry" "$(stat_of "$T/app" io_uring)" 2
	in_cg "$T/app" uringsock inet dgram 0 >/dev/null
	in_cg "$T/app" uringsock inet stream 262 >/dev/null
	in_cg "$T/other" uringsock inet stream 0 >/dev/null
	is "UDP, native MPTCP and unconfigured cgroups are no escapes" "$(escaped "$T/app")" 2
	;;
esac

# With the hooks gone (pins removed by hand), every TCP socket escapes:
# each must be counted, while entries change beside it and userspace
# rewrites the state the programs read. What the programs count lives
# where userspace never writes, so nothing is lost.
e0=$(escaped "$T/app")
r0=$(stat_of "$T/app" rewritten)
rm /sys/fs/bpf/mptcpify/links/rewrite /sys/fs/bpf/mptcpify/links/rewrite-backup*
sh -c 'while :; do mptcpify attach --mode audit "$0"; mptcpify detach "$0"; done' "$T/churn" \
	>/dev/null 2>&1 &
churn=$!
out=$(in_cg "$T/app" sockcheck --count 20000 inet stream 0)
kill "$churn"
wait "$churn" 2>/dev/null
tcp=$(echo "$out" | sed 's/^tcp=\([0-9]*\).*/\1/')
diag "hooks detached, entries churning: $out"
is "without the hooks every socket stays TCP" "$tcp" 20000
is "and every one is counted as an escape" $(($(escaped "$T/app") - e0)) "$tcp"
is "the hook_skipped cause says why" "$(stat_of "$T/app" hook_skipped)" "$tcp"
is "nothing counted as rewritten" "$(stat_of "$T/app" rewritten)" "$r0"
check "attach again brings the hooks back" mptcpify attach "$T/app"
is "and sockets are MPTCP again" "$(in_cg "$T/app" sockcheck inet stream 0)" 262
check "mptcpify stats says it in the entry's verdict" \
	sh -c "mptcpify stats '$T/app' | grep -q '$((e0 + tcp)) TCP sockets escaped MPTCP (hook_skipped $tcp'"

# An enforced socket() loop beside three loops of an unconfigured cgroup,
# on one CPU. A task preempted inside a trampoline program makes the
# kernel skip that program for the next socket() on the CPU: on a
# preemptible kernel, that is where sockets escape. Whatever the rate, the
# sockets left TCP must equal the escapes counted, exactly.
n=${ESCAPE_SOCKETS:-1000000}
# Measuring designs with fewer hooks (README, Limits): ESCAPE_HOOKS=1..3.
case ${ESCAPE_HOOKS:-4} in
1) rm /sys/fs/bpf/mptcpify/links/rewrite-backup* ;;
2) rm /sys/fs/bpf/mptcpify/links/rewrite-backup[23] ;;
3) rm /sys/fs/bpf/mptcpify/links/rewrite-backup3 ;;
esac
e0=$(escaped "$T/app")
r0=$(stat_of "$T/app" rewritten)
m0=$(mptcpify -j list | grep -o '"hook_recursion_misses":[0-9]*' | cut -d: -f2)
pids=""
for i in 1 2 3; do
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$T/other" \
		sockcheck --loop 100000 inet stream 0 >/dev/null &
	pids="$pids $!"
done
t0=$(uptime_s)
out=$(in_cg "$T/app" sockcheck --count "$n" inet stream 0)
secs=$(since "$t0")
# shellcheck disable=SC2086 # a list of pids
kill -TERM $pids
wait
tcp=$(echo "$out" | sed 's/^tcp=\([0-9]*\).*/\1/')
mptcp=$(echo "$out" | sed 's/.*mptcp=\([0-9]*\).*/\1/')
left=$(($(escaped "$T/app") - e0))
m1=$(mptcpify -j list | grep -o '"hook_recursion_misses":[0-9]*' | cut -d: -f2)
diag "$n sockets beside 3 loops in ${secs}s on $(uname -r) ($(cat /sys/kernel/debug/sched/preempt 2>/dev/null || echo 'preempt mode unknown')): $out; escapes counted $left ($(awk -v t="$tcp" -v n="$n" 'BEGIN { printf "%.1f", t * 1e6 / n }') per million); first hook skipped $((m1 - m0)) times, all loops"
is "the loop made $n sockets, no error" "$(echo "$out" | grep -o 'errors=[0-9]*')" errors=0
is "TCP sockets left equal the escapes counted" "$left" "$tcp"
is "MPTCP sockets equal the rewritten count" $(($(stat_of "$T/app" rewritten) - r0)) "$mptcp"
case_cleanup
