#!/bin/sh
# make bench, in the guest: every figure is measured in alternating rounds
# so that a ratio compares two numbers taken side by side (TCG is noisy).
# Prints "csv,SECTION,ROUND,CONFIG,VALUE" lines for tests/bench/report.sh.
. /usr/bin/mptcpify-guest-lib.sh

ROUNDS=${BENCH_ROUNDS:-7}
MS=${BENCH_MS:-300}
B=$CG2/bench
csv() { echo "csv,$1,$2,$3,$4"; }
rate() { "$@" | sed -n 's/^rate=//p'; }
ms_of() { # CMD...: wall time in ms (busybox date has no %N)
	bench time "$@" 2>/dev/null | sed -n 's/^ms=//p'
}

deep=$B/enf
for d in $(seq 2 30); do deep=$deep/c; done
mkdir -p "$B/unc" "$B/enf/exc" "$deep"
# depth_path DEPTH: the cgroup that deep below the root, within $B/enf
# (which is at depth 2, the shallowest an enforced test cgroup can be here).
depth_path() {
	_p=$B/enf
	_i=3
	while [ $_i -le "$1" ]; do
		_p=$_p/c
		_i=$((_i + 1))
	done
	echo "$_p"
}
enforce() {
	mptcpify attach "$B/enf" >/dev/null && mptcpify attach --exclude "$B/enf/exc" >/dev/null
}

echo "# socket()+close() per second, ${MS} ms per measurement, $ROUNDS rounds"
for r in $(seq "$ROUNDS"); do
	mptcpify unload >/dev/null
	csv socket "$r" native "$(rate in_cg "$B/unc" bench socket "$MS" 262)"
	csv socket "$r" noprog "$(rate in_cg "$B/unc" bench socket "$MS" 0)"
	enforce
	csv socket "$r" unconfigured "$(rate in_cg "$B/unc" bench socket "$MS" 0)"
	csv socket "$r" enforced "$(rate in_cg "$B/enf" bench socket "$MS" 0)"
	csv socket "$r" excluded "$(rate in_cg "$B/enf/exc" bench socket "$MS" 0)"
	for d in 4 16 30; do
		csv depth "$r" "depth$d" "$(rate in_cg "$(depth_path "$d")" bench socket "$MS" 0)"
	done
	csv depth "$r" depth2 "$(rate in_cg "$B/enf" bench socket "$MS" 0)"
done
# What the kernel says each program costs, in a pass of its own: with
# bpf_stats_enabled every run reads the clock twice, which would bias the
# ratios above. The hook's time includes the tail-called rewrite program.
sysctl -qw kernel.bpf_stats_enabled=1
rate in_cg "$B/enf" bench socket "$MS" 0 >/dev/null
sysctl -qw kernel.bpf_stats_enabled=0
for prog in hook rewrite; do
	obj=$(mptcpify -j list | grep -o "\"$prog\":{[^}]*}")
	for f in run_cnt run_time_ns verified_insns jited_bytes; do
		csv "prog_$prog" 0 "$f" "$(echo "$obj" | grep -o "\"$f\":[0-9]*" | cut -d: -f2)"
	done
done
echo "# configured cgroups: extra entries of cgroups that do not exist"
for n in 1 1000 10000 100000; do
	bench_fill /sys/fs/bpf/mptcpify "$n"
	for r in $(seq "$ROUNDS"); do
		csv count "$r" "n$n" "$(rate in_cg "$B/enf" bench socket "$MS" 0)"
	done
done

echo "# connections per second on loopback, one byte each way"
ip netns add bl && ip -n bl link set lo up
for r in $(seq "$ROUNDS"); do
	mptcpify unload >/dev/null
	ip netns exec bl bench sink 127.0.0.1 7001 262 &
	sleep 0.3
	csv conn "$r" native "$(rate ip netns exec bl bench connect "$MS" 127.0.0.1 7001 262)"
	kill $!
	wait $! 2>/dev/null
	enforce
	in_cg "$B/enf" ip netns exec bl bench sink 127.0.0.1 7002 &
	sleep 0.3
	csv conn "$r" enforced "$(rate in_cg "$B/enf" ip netns exec bl bench connect "$MS" \
		127.0.0.1 7002)"
	kill $!
	wait $! 2>/dev/null
done
ip netns del bl

echo "# two paths, 20 mbit each: enforced (MPTCP) vs the same client as TCP"
enforce
two_paths
for i in 1 2; do
	ip netns exec cli tc qdisc add dev "c$i" root tbf rate 20mbit burst 32kb latency 100ms
done
in_cg "$B/enf" ip netns exec srv bench sink 0.0.0.0 7003 &
sleep 0.3
for r in $(seq "$ROUNDS"); do
	csv stream "$r" enforced "$(rate in_cg "$B/enf" ip netns exec cli bench stream 2000 \
		10.0.1.2 7003)"
	csv stream "$r" tcp "$(rate in_cg "$B/unc" ip netns exec cli bench stream 2000 \
		10.0.1.2 7003)"
done
kill $!
two_paths_cleanup

echo "# the loader: attach and detach of one more cgroup, in ms"
mkdir -p "$B/other"
for r in $(seq "$ROUNDS"); do
	csv loader "$r" attach_ms "$(ms_of mptcpify attach "$B/other")"
	csv loader "$r" detach_ms "$(ms_of mptcpify detach "$B/other")"
done
mptcpify unload >/dev/null
echo "# done"
