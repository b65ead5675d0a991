#!/bin/sh
# make bench, in the guest: what enforcement costs socket() and connect().
# Prints "csv,SECTION,ROUND,CONFIG,VALUE" lines for tests/bench/report.sh.
#
# Under QEMU's -icount (BENCH_CLOCK=icount) the guest's clock counts the
# instructions it executes (shift=0: one per ns), so a "ns per call" here is
# instructions per call, everything the vCPU ran meanwhile included:
# deterministic up to what the kernel itself does at random (RCU batches,
# slab refills), where plain TCG's wall time swings by tens of percent with
# the host's load. Instructions, not cycles: a cache miss costs nothing here.
# The daemon runs natively on the host; its figures are not taken here.
. /usr/bin/mptcpify-guest-lib.sh

ROUNDS=${BENCH_ROUNDS:-7}
N=${BENCH_CALLS:-10000}
MS=${BENCH_MS:-300}
CLOCK=${BENCH_CLOCK:-wall}
# Seconds of idle after programs come or go: the kernel frees a replaced
# trampoline after an RCU-tasks grace period, whose kthread otherwise runs
# during the first measurement (+2% to the empty program's figure, seen).
SETTLE=${BENCH_SETTLE:-2}
B=$CG2/bench
csv() { echo "csv,$1,$2,$3,$4"; }
# section TEXT: a heading, with the guest clock's reading (virtual seconds
# under icount: how many billion instructions the bench has taken so far)
section() {
	read -r _up _ </proc/uptime
	echo "# $* (at ${_up}s)"
}
rate() { "$@" | sed -n 's/^rate=//p'; }
ms_of() { # CMD...: wall time in ms (busybox date has no %N)
	bench time "$@" 2>/dev/null | sed -n 's/^ms=//p'
}
echo "# bench clock: $CLOCK"

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
	mptcpify unload >/dev/null
	mptcpify attach "$E" >/dev/null && mptcpify attach --exclude "$E/exc" >/dev/null
}

# series SECTION ROUND NAME CGROUP:PROTO [NAME CGROUP:PROTO...]: N calls of
# socket()+close() per config, in one process that moves itself between
# the cgroups (tests/progs/bench.c). ROUND 0: all $ROUNDS rounds in that
# process, interleaved; otherwise one round, reported as ROUND.
series() {
	_sec=$1 _round=$2 _names="" _cfgs="" _n=$ROUNDS
	shift 2
	while [ $# -ge 2 ]; do
		_names="$_names $1" _cfgs="$_cfgs $2"
		shift 2
	done
	[ "$_round" = 0 ] || _n=1
	# shellcheck disable=SC2086 # lists of words
	bench series "$_n" "$N" $_cfgs | while read -r _ r i v; do
		set -- $_names
		shift "$i"
		[ "$_round" = 0 ] || r=$_round
		csv "$_sec" "$r" "$1" "$v"
	done
}

# The trampoline's own floor: an fmod_ret program that only returns 0.
emptyhook_start() {
	emptyhook 600 >/tmp/emptyhook.out &
	EH=$!
	until grep -q attached /tmp/emptyhook.out || ! kill -0 $EH 2>/dev/null; do sleep 0.05; done
	sleep "$SETTLE"
}
emptyhook_stop() {
	kill $EH
	wait $EH 2>/dev/null
}

# Until two samples of native socket() agree within 1%: the guest's first
# seconds (module loads, first allocations of each slab) cost more.
section "warm-up: native socket()+close(), ns per call, until two agree within 1%"
prev=0
for w in $(seq 10); do
	cur=$(bench series 1 "$N" "$U:262" | awk '{ print $4 }')
	read -r up _ </proc/uptime
	echo "# warm-up $w at ${up}s: $cur"
	if [ "$w" -ge 3 ] && awk -v a="$prev" -v b="$cur" 'BEGIN { d = a / b - 1; exit !(d < 0.01 && d > -0.01) }'; then
		break
	fi
	prev=$cur
done
csv warmup 0 seconds "$up"

# headline SECTION: socket() with no program, the empty fmod_ret program,
# and mptcpify's programs, the three states in turn within each round, the
# order turned around every other round.
headline() {
	for r in $(seq "$ROUNDS"); do
		order="none empty enforced"
		[ $((r % 2)) = 1 ] || order="enforced empty none"
		for st in $order; do
			# From nothing each time: the last state's trampoline freed.
			mptcpify unload >/dev/null
			sleep "$SETTLE"
			case $st in
			none)
				series "$1" "$r" native "$U:262" noprog "$U:0"
				;;
			empty)
				emptyhook_start
				series "$1" "$r" emptyhook "$U:0"
				emptyhook_stop
				;;
			enforced)
				enforce
				sleep "$SETTLE"
				series "$1" "$r" unconfigured "$U:0" enforced "$E:0" excluded "$E/exc:0"
				;;
			esac
		done
	done
	mptcpify unload >/dev/null
}

section "socket()+close(): ns per call over $N calls, $ROUNDS rounds (run 1)"
headline socket

section "by depth: enforced and native callers equally deep, interleaved in one process"
enforce
sleep "$SETTLE"
# shellcheck disable=SC2046 # name and config pairs
series depth 0 $(for d in 1 4 16 30; do
	echo "enforced$d $(depth_path "$d"):0 native$d $(depth_path "$d" "$U"):262"
done)

section "configured cgroups: extra entries of cgroups that do not exist"
for n in 1 1000 10000 100000; do
	bench_fill /sys/fs/bpf/mptcpify "$n"
	series count 0 "enforced$n" "$E:0" "native$n" "$U:262"
done

# What the kernel says each program costs: in passes of their own, as
# with kernel.bpf_stats_enabled every run reads the clock twice. The hook's
# figure includes its tail-called program; the empty program's figure is
# what the measurement itself adds.
section "the programs, from the kernel's statistics"
csv meta 0 ms "$MS"
progs() { mptcpify -j list | grep -o '"[a-z-]*":{"id":[^}]*}'; }
field() { echo "$1" | grep -o "\"$2\":[0-9]*" | cut -d: -f2; }
# progdiff NAME CMD...: run CMD, then each program's calls and time in it
progdiff() {
	_name=$1
	shift
	_before=$(progs)
	_rate=$("$@" | sed -n 's/^rate=//p')
	[ -z "$_rate" ] || csv "prog_$_name" 0 per_s "$_rate"
	progs | while read -r obj; do
		prog=$(echo "$obj" | cut -d'"' -f2)
		old=$(echo "$_before" | grep "^\"$prog\":")
		cnt=$(($(field "$obj" run_cnt) - $(field "$old" run_cnt)))
		ns=$(($(field "$obj" run_time_ns) - $(field "$old" run_time_ns)))
		[ "$cnt" -gt 0 ] || continue
		csv "prog_$_name" 0 "${prog}_calls" "$cnt"
		csv "prog_$_name" 0 "${prog}_ns" "$ns"
	done
}
enforce
mptcpify attach --mode audit "$A" >/dev/null
sysctl -qw kernel.bpf_stats_enabled=1
for path in enforced:$E:0 unconfigured:$U:0 excluded:$E/exc:0 audit:$A:0 native:$U:262; do
	progdiff "${path%%:*}" bench series 1 "$N" "${path#*:}"
done
# stop_sink PORT JOB: the sink itself, not the shell that started it ($! of
# `in_cg ... &` is that shell): a sink left running holds its port, and the
# next round's sink could not listen.
sink_pids() { # PORT (busybox has no pgrep)
	for _d in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$_d/cmdline"; } 2>/dev/null | grep -q "^bench sink [0-9.]* $1 " &&
			echo "${_d#/proc/}"
	done
}
stop_sink() { # PORT JOB
	# shellcheck disable=SC2046 # a list of pids
	kill $(sink_pids "$1") 2>/dev/null
	while [ -n "$(sink_pids "$1")" ]; do sleep 0.05; done
	wait "$2" 2>/dev/null # the shell's "Terminated" for its job, here and not later
}
# A connection: the subflow program (sockops) runs on its events.
ip netns add bs && ip -n bs link set lo up
in_cg "$E" ip netns exec bs bench sink 127.0.0.1 7005 &
sink=$!
sleep 0.3
progdiff conn_enforced in_cg "$E" ip netns exec bs bench connect "$MS" 127.0.0.1 7005
stop_sink 7005 "$sink"
ip netns del bs
progs | while read -r obj; do
	prog=$(echo "$obj" | cut -d'"' -f2)
	csv prog_static 0 "${prog}_verified_insns" "$(field "$obj" verified_insns)"
	csv prog_static 0 "${prog}_jited_bytes" "$(field "$obj" jited_bytes)"
done
mptcpify unload >/dev/null
emptyhook_start
bench series 1 "$N" "$U:0" >/dev/null
emptyhook_stop
eh=$(grep run_cnt /tmp/emptyhook.out)
csv prog_empty 0 emptyhook_calls "$(echo "$eh" | tr ' ' '\n' | sed -n 's/^run_cnt=//p')"
csv prog_empty 0 emptyhook_ns "$(echo "$eh" | tr ' ' '\n' | sed -n 's/^run_time_ns=//p')"
sysctl -qw kernel.bpf_stats_enabled=0

section "connections per second on loopback, one byte each way, ${MS} ms each"
ip netns add bl && ip -n bl link set lo up
conn() { # ROUND NAME PORT CGROUP PROTO
	in_cg "$4" ip netns exec bl bench sink 127.0.0.1 "$3" "$5" &
	_sink=$!
	sleep 0.3
	csv conn "$1" "$2" "$(rate in_cg "$4" ip netns exec bl bench connect "$MS" 127.0.0.1 "$3" "$5")"
	stop_sink "$3" "$_sink"
}
for r in $(seq "$ROUNDS"); do
	order="none enforced"
	[ $((r % 2)) = 1 ] || order="enforced none"
	for st in $order; do
		mptcpify unload >/dev/null
		case $st in
		none) conn "$r" native 7001 "$U" 262 ;;
		enforced)
			enforce
			conn "$r" enforced 7002 "$E" 0
			# Native MPTCP again, in an audit cgroup: outcomes and options counted.
			mptcpify attach --mode audit "$A" >/dev/null
			conn "$r" counted 7004 "$A" 262
			;;
		esac
	done
done
ip netns del bl

section "setsockopt() per second on a TCP socket: TCP_NODELAY (1), and IP_TTL (0, 2),"
echo "# which an MPTCP socket refuses: in an audit cgroup, a predicted refusal counted"
for r in $(seq "$ROUNDS"); do
	mptcpify unload >/dev/null
	csv sockopt "$r" noprog "$(rate in_cg "$U" bench setsockopt "$MS" 6 1)"
	mptcpify attach --mode audit "$A" >/dev/null
	csv sockopt "$r" unconfigured "$(rate in_cg "$U" bench setsockopt "$MS" 6 1)"
	csv sockopt "$r" audit "$(rate in_cg "$A" bench setsockopt "$MS" 6 1)"
	csv sockopt "$r" counted "$(rate in_cg "$A" bench setsockopt "$MS" 0 2)"
done

# The node tax: what a process outside every entry (in $U) pays with
# mptcpify loaded, for five calls, against mptcpify unloaded (no pins at
# all). Loaded: a rewrite entry elsewhere ($E), or an audit entry elsewhere
# ($A). The three states take turns within each round, as the headline's
# do; in each, one process measures the five calls, interleaved chunk by
# chunk (bench series), on TCP sockets (checked: protocol 6). OP:CALLS,
# about 150 ms of the guest's clock each on 6.12. connect: connect()+
# accept() on loopback; sendrecv: send() of one byte and the peer's recv().
NT_CALLS=${BENCH_NT_CALLS:-setsockopt:180000 getsockopt:180000 socket:15000 connect:4000 sendrecv:9000}
section "node tax: a process outside every entry, ns per call, mptcpify unloaded,"
echo "# a rewrite entry elsewhere, an audit entry elsewhere (states in turn per round)"
for r in $(seq "$ROUNDS"); do
	order="none rewrite audit"
	[ $((r % 2)) = 1 ] || order="audit rewrite none"
	for st in $order; do
		mptcpify unload >/dev/null
		sleep "$SETTLE"
		case $st in
		rewrite) mptcpify attach "$E" >/dev/null ;;
		audit) mptcpify attach --mode audit "$A" >/dev/null ;;
		esac
		[ "$st" = none ] || sleep "$SETTLE"
		# shellcheck disable=SC2046 # name and config pairs
		series nodetax "$r" $(for oc in $NT_CALLS; do echo "${st}_${oc%%:*} $U:0:$oc:6"; done)
	done
done

# One hook against four. Issue 25 chose four (the hook and three backups)
# because one alone lets sockets escape on preemptible kernels; this is
# what the other three cost. The same socket() calls with all four hooks,
# with the three backups' link pins removed (their links go with them),
# and with the empty fmod_ret program, the states in turn per round.
section "socket(): four hooks, one hook, the empty fmod_ret program"
for r in $(seq "$ROUNDS"); do
	order="empty four one"
	[ $((r % 2)) = 1 ] || order="one four empty"
	for st in $order; do
		mptcpify unload >/dev/null
		sleep "$SETTLE"
		case $st in
		empty) emptyhook_start ;;
		four) enforce ;;
		one) enforce && rm /sys/fs/bpf/mptcpify/links/rewrite-backup* ;;
		esac
		sleep "$SETTLE"
		if [ "$st" = empty ]; then
			series hooks "$r" empty_unconfigured "$U:0"
			emptyhook_stop
		else
			series hooks "$r" "${st}_unconfigured" "$U:0" "${st}_enforced" "$E:0"
		fi
	done
done
mptcpify unload >/dev/null

# send() of one byte (and the peer's recv() of it) on a loopback pair that
# mptcpify made MPTCP, against a pair that asked for MPTCP itself: both
# checked to be MPTCP (protocol 262), interleaved in one process.
NS=${BENCH_SEND_CALLS:-7000}
section "send() of one byte: enforced (rewritten to MPTCP) vs native MPTCP, $NS calls"
enforce
sleep "$SETTLE"
series send 0 enforced "$E:0:sendrecv:$NS:262" native "$U:262:sendrecv:$NS:262"
mptcpify unload >/dev/null

section "socket()+close(): run 2, to say how far two runs of the same bench differ"
headline socket2

section "two paths, 20 mbit each: enforced (MPTCP) vs the same client as TCP"
enforce
two_paths
for i in 1 2; do
	ip netns exec cli tc qdisc add dev "c$i" root tbf rate 20mbit burst 32kb latency 100ms
done
in_cg "$E" ip netns exec srv bench sink 0.0.0.0 7003 &
sink=$!
sleep 0.3
for r in $(seq "$ROUNDS"); do
	csv stream "$r" enforced "$(rate in_cg "$E" ip netns exec cli bench stream 2000 \
		10.0.1.2 7003)"
	csv stream "$r" tcp "$(rate in_cg "$U" ip netns exec cli bench stream 2000 \
		10.0.1.2 7003)"
done
stop_sink 7003 "$sink"
two_paths_cleanup

section "the loader: attach and detach of one more cgroup, in ms"
mkdir -p "$B/other"
for r in $(seq "$ROUNDS"); do
	csv loader "$r" attach_ms "$(ms_of mptcpify attach "$B/other")"
	csv loader "$r" detach_ms "$(ms_of mptcpify detach "$B/other")"
done
mptcpify unload >/dev/null
section "done"
