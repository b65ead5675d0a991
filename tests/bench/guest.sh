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

# The enforced entry sits at depth 1 ($E), the deepest caller at depth 30.
E=$CG2/benf
U=$CG2/bunc
A=$CG2/baud # audit: outcomes and option calls counted
deep=$E
udeep=$U
for d in $(seq 2 30); do deep=$deep/c; udeep=$udeep/c; done
mkdir -p "$E/exc" "$A" "$deep" "$udeep"
# depth_path DEPTH [TOP]: the cgroup that deep below the root, within $E
# (or TOP): depth ratios compare enforced and native callers equally deep.
depth_path() {
	_p=${2:-$E}
	_i=2
	while [ $_i -le "$1" ]; do
		_p=$_p/c
		_i=$((_i + 1))
	done
	echo "$_p"
}
enforce() {
	mptcpify attach "$E" >/dev/null && mptcpify attach --exclude "$E/exc" >/dev/null
}

echo "# socket()+close() per second, ${MS} ms per measurement, $ROUNDS rounds"
for r in $(seq "$ROUNDS"); do
	mptcpify unload >/dev/null
	csv socket "$r" native "$(rate in_cg "$U" bench socket "$MS" 262)"
	csv socket "$r" noprog "$(rate in_cg "$U" bench socket "$MS" 0)"
	# The trampoline's own floor: an fmod_ret program that returns 0.
	emptyhook 30 >/tmp/emptyhook.out &
	eh=$!
	until grep -q attached /tmp/emptyhook.out || ! kill -0 $eh 2>/dev/null; do sleep 0.05; done
	csv socket "$r" emptyhook "$(rate in_cg "$U" bench socket "$MS" 0)"
	kill $eh
	wait $eh 2>/dev/null
	enforce
	csv socket "$r" unconfigured "$(rate in_cg "$U" bench socket "$MS" 0)"
	csv socket "$r" enforced "$(rate in_cg "$E" bench socket "$MS" 0)"
	csv socket "$r" excluded "$(rate in_cg "$E/exc" bench socket "$MS" 0)"
	for d in 1 4 16 30; do
		csv depth "$r" "depth$d" "$(rate in_cg "$(depth_path "$d")" bench socket "$MS" 0)"
		csv depth "$r" "native$d" "$(rate in_cg "$(depth_path "$d" "$U")" bench socket "$MS" 262)"
	done
done
echo "# in-process pairs: one process alternating 50 ms slices between two cgroups"
enforce
pair() { # NAME CG_A PROTO_A CG_B PROTO_B
	_out=$(bench pair "${BENCH_PAIRS:-40}" 50 "$2" "$3" "$4" "$5")
	for _k in ratio min max a b; do
		csv pair 0 "$1_$_k" "$(echo "$_out" | tr ' ' '\n' | sed -n "s/^$_k=//p")"
	done
}
pair enforced_native "$E" 0 "$U" 262
for d in 1 4 16 30; do
	pair "depth$d" "$(depth_path "$d")" 0 "$(depth_path "$d" "$U")" 262
done
# What the kernel says each program costs, in a pass of its own: with
# bpf_stats_enabled every run reads the clock twice, which would bias the
# ratios above. The hook's time includes the tail-called rewrite program.
sysctl -qw kernel.bpf_stats_enabled=1
rate in_cg "$E" bench socket "$MS" 0 >/dev/null
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
		csv count "$r" "n$n" "$(rate in_cg "$E" bench socket "$MS" 0)"
	done
	# And enforced against native in 50 ms slices, at this count.
	pair "count$n" "$E" 0 "$U" 262
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
	in_cg "$E" ip netns exec bl bench sink 127.0.0.1 7002 &
	sleep 0.3
	csv conn "$r" enforced "$(rate in_cg "$E" ip netns exec bl bench connect "$MS" \
		127.0.0.1 7002)"
	kill $!
	wait $! 2>/dev/null
	# Native MPTCP again, now in an audit cgroup: outcomes and options counted.
	mptcpify attach --mode audit "$A" >/dev/null
	in_cg "$A" ip netns exec bl bench sink 127.0.0.1 7004 262 &
	sleep 0.3
	csv conn "$r" counted "$(rate in_cg "$A" ip netns exec bl bench connect "$MS" \
		127.0.0.1 7004 262)"
	kill $!
	wait $! 2>/dev/null
done
ip netns del bl

echo "# setsockopt() per second on a TCP socket: TCP_NODELAY (1), and IP_TTL (0, 2),"
echo "# which an MPTCP socket refuses: in an audit cgroup, a predicted refusal counted"
for r in $(seq "$ROUNDS"); do
	mptcpify unload >/dev/null
	csv sockopt "$r" noprog "$(rate in_cg "$U" bench setsockopt "$MS" 6 1)"
	mptcpify attach --mode audit "$A" >/dev/null
	csv sockopt "$r" unconfigured "$(rate in_cg "$U" bench setsockopt "$MS" 6 1)"
	csv sockopt "$r" audit "$(rate in_cg "$A" bench setsockopt "$MS" 6 1)"
	csv sockopt "$r" counted "$(rate in_cg "$A" bench setsockopt "$MS" 0 2)"
done

echo "# two paths, 20 mbit each: enforced (MPTCP) vs the same client as TCP"
enforce
two_paths
for i in 1 2; do
	ip netns exec cli tc qdisc add dev "c$i" root tbf rate 20mbit burst 32kb latency 100ms
done
in_cg "$E" ip netns exec srv bench sink 0.0.0.0 7003 &
sleep 0.3
for r in $(seq "$ROUNDS"); do
	csv stream "$r" enforced "$(rate in_cg "$E" ip netns exec cli bench stream 2000 \
		10.0.1.2 7003)"
	csv stream "$r" tcp "$(rate in_cg "$U" ip netns exec cli bench stream 2000 \
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

echo "# the daemon (README example): mkdir to entry while 100 pods/s come and go"
sysctl -qw fs.inotify.max_user_watches=200000
K=$CG2/kubepods.slice/kubepods-burstable.slice
PODS=/tmp/bench-pods
mkdir -p "$K" "$PODS"
daemon_start() {
	mptcpify daemon --config /usr/bin/mptcpify-example.yaml --pods-dir "$PODS" 2>>/tmp/bd.log &
	DPID=$!
	_i=0
	until wget -qO- http://127.0.0.1:9464/healthz >/dev/null 2>&1 || [ $_i -gt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
metric() { wget -qO- http://127.0.0.1:9464/metrics | awk -v k="$1" '$1 == k { print $2 }'; }
daemon_start
out=$(podchurn "$K" "$PODS" /sys/fs/bpf/mptcpify/maps/policy 100 10)
echo "# podchurn: $out"
csv daemon 1 mkdir_to_entry_p50_us "$(echo "$out" | tr ' ' '\n' | sed -n 's/^p50_us=//p')"
csv daemon 1 mkdir_to_entry_p99_us "$(echo "$out" | tr ' ' '\n' | sed -n 's/^p99_us=//p')"
kill "$DPID"
wait "$DPID"

echo "# the daemon: a full reconcile of 10,000 pods of namespace shop, from nothing"
seq 1 10000 | awk -v k="$K" '{ printf "%s/kubepods-burstable-podcccccccc_0000_4000_8000_%012x.slice\n", k, $1 }' |
	xargs mkdir
seq 1 10000 | awk -v p="$PODS" '{ printf "%s/shop_web-%d_cccccccc-0000-4000-8000-%012x\n", p, $1, $1 }' |
	xargs mkdir
daemon_start
csv daemon 1 reconcile_10k_ms "$(metric 'mptcpify_reconcile_last_seconds' | awk '{ printf "%.0f", $1 * 1000 }')"
csv daemon 1 entries "$(metric 'mptcpify_selector_cgroups{selector="shop",mode="rewrite"}')"
csv daemon 1 updates_per_s "$(metric 'mptcpify_reconcile_last_seconds' | awk '{ printf "%.0f", 10000 / $1 }')"
csv daemon 1 rss_kb "$(awk '/^VmRSS/ { print $2 }' /proc/$DPID/status)"
kill -HUP "$DPID"
sleep 2
csv daemon 1 resync_10k_ms "$(metric 'mptcpify_reconcile_last_seconds' | awk '{ printf "%.0f", $1 * 1000 }')"
kill "$DPID"
wait "$DPID"
find "$K" -mindepth 1 -depth -type d -exec rmdir {} +
rm -rf "$PODS"
mptcpify unload >/dev/null
echo "# done"
