#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/bench/daemon.sh BUILD_DIR OUTDIR [RESULTS]: the daemon's figures where
# it really runs, natively on this host, as root. Builds nothing: it runs
# BUILD_DIR/mptcpify, with perl, jq and curl. Writes OUTDIR/daemon.csv
# (every sample) and OUTDIR/daemon.txt (the report, also printed), and with
# RESULTS (make bench: tests/bench/RESULTS.md) replaces what is between its
# bench-daemon markers with the table.
#
# Audit mode throughout: this host's kernel refuses the rewrite's trampoline,
# and what the daemon does per cgroup (watch, match, one map entry) is the
# same for every mode. Everything it makes is its own: the pin dir
# /sys/fs/bpf/mptcpify-bench, the cgroups below CG2/mptcpify-bench, a pods
# directory in a temporary directory; all removed at the end.
#
# Each round measures, in this order:
# - mkdir to entry, p50 and p99, while pods come and go at 100 and then at
#   1,000 a second (see churn below: each pod cgroup's mkdir() to its entry
#   showing in the pinned policy map), on a tree with no other pod;
# - the same churn at 100 a second while 8 clients loop on /metrics, and
#   /healthz probes (1 s timeout) beside a slowloris flood, and beside the
#   review's floods (8 slowloris or idle from the prober's own 127.0.0.1,
#   64 from 8 addresses, 200 from 25): what the host tests no longer time,
#   as they must pass on a busy machine;
# - a full reconcile of 10,000 pod cgroups from nothing (no pins, no entry):
#   the daemon's own timing of the pass (its "reconcile ... took=" line:
#   from the walk's start to the last map write and the links checked), and
#   start to "ready" from outside, which adds the programs' load;
# - RSS with those 10,000 pods, after a /metrics scrape;
# - SIGHUP to applied, from outside: from kill -HUP to the daemon's
#   "reconcile trigger=reload" line, which it logs once every map write of
#   the pass is done (each change is checked in the map afterwards): a
#   change of one selector's 100 cgroups, and one of all 10,000;
# - a full reconcile with nothing to change: the periodic resync's own
#   timing (resync: 1), the median of three;
# - SIGHUP to a file of 8,000 selectors (two that match, 7,998 of other
#   tenants) and back, and the RSS with it;
# - kill -9 and a start with the pins in place (a crash, an upgrade) to
#   "ready", the pins removed under the daemon to its repair pass, and one
#   map's pin removed (so that only ids tell) to the running map pinned back.
set -u
BUILD=${1:?usage: daemon.sh BUILD_DIR OUTDIR [RESULTS]}
OUT=${2:?usage: daemon.sh BUILD_DIR OUTDIR [RESULTS]}
README=${3:-}
ROUNDS=${BENCH_DAEMON_ROUNDS:-2}
NPODS=${BENCH_DAEMON_PODS:-10000}
NDB=100 # db pods (of NPODS): the selector a small reload changes
TOL=${BENCH_DAEMON_TOLERANCE:-25} # % spread between runs said to agree
M=$BUILD/mptcpify
export MPTCPIFY_PIN_DIR=/sys/fs/bpf/mptcpify-bench
mkdir -p "$OUT"

skip() {
	echo "daemon bench: SKIP: $*" | tee "$OUT/daemon.txt"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "needs root (BPF, cgroups)"
[ -x "$M" ] || skip "no $M (make BUILD=$BUILD)"
perl -MTime::HiRes -e 1 2>/dev/null || skip "no perl with Time::HiRes (Debian: perl)"
command -v jq >/dev/null || skip "no jq"
CG2=$(findmnt -rn -t cgroup2 -o TARGET | head -n1)
[ -n "$CG2" ] || skip "no cgroup2 mount"
findmnt -rn -t bpf /sys/fs/bpf >/dev/null || mount -t bpf bpf /sys/fs/bpf ||
	skip "no bpffs at /sys/fs/bpf"

BASE=$CG2/mptcpify-bench
K=$BASE/kubepods.slice/kubepods-burstable.slice
WORK=$(mktemp -d)
PODS=$WORK/pods
CONF=$WORK/config.yaml
LOG=$WORK/daemon.log
SOCK=$WORK/metrics.sock
CSV=$OUT/daemon.csv
DPID=
# Pod UIDs of this run's own: the host tests' pods use others.
TAG=$(printf '%08x' $$)

# What an earlier run left (killed), and what this one made.
clean_tree() {
	[ -z "$DPID" ] || { kill -KILL "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null; }
	DPID=
	"$M" unload >/dev/null 2>&1
	[ -d "$BASE" ] && find "$BASE" -depth -type d -exec rmdir {} + 2>/dev/null
}
trap 'clean_tree; rm -rf "$WORK"' EXIT
clean_tree
mkdir -p "$K" "$PODS"
# Two watches per pod and cgroup, with the host's own beside them.
[ "$(sysctl -n fs.inotify.max_user_watches)" -ge 200000 ] ||
	sysctl -qw fs.inotify.max_user_watches=200000

echo "round,figure,value" >"$CSV"
csv() { echo "$ROUND,$1,$2" >>"$CSV"; }
now_us() { echo "${EPOCHREALTIME/./}"; }

conf() { # SHOP_MODE DB_MODE RESYNC_S
	cat >"$CONF" <<-EOF
		resync: $3
		selectors:
		  - name: shop-db
		    pod: {namespace: shop, name: "db-*"}
		    mode: $2
		  - name: shop
		    pod: {namespace: shop}
		    mode: $1
	EOF
}

# conf_8k SHOP_MODE DB_MODE: the same two selectors first, then 7,998 that
# match nothing here (namespaces and globs of other tenants): a large
# multi-tenant file, which every cgroup is matched against.
conf_8k() {
	conf "$1" "$2" 3600
	for i in $(seq 3999); do
		printf '  - {name: tenant-%d, pod: {namespace: tenant-%d}, mode: audit}\n' "$i" "$i"
		printf '  - {name: svc-%d, cgroup: "tenants.slice/t%d.slice/*", mode: audit}\n' "$i" "$i"
	done >>"$CONF"
}

mark() { MARK=$(stat -c %s "$LOG"); }
# await PATTERN TIMEOUT_S: the first log line after the mark that matches,
# and AT, when it was seen (us). tail follows the file with inotify.
await() {
	LINE=$(grep -m1 -e "$1" < <(exec timeout "$2" tail -c +"$((MARK + 1))" -f "$LOG"))
	AT=$(now_us)
	[ -n "$LINE" ]
}
# The daemon's CPU time so far, all its threads, in ms: what a pass costs
# however busy the host is (wall time here shares 2 cores with the rest).
cpu_ms() { cat /proc/"$DPID"/task/*/schedstat | awk '{ ns += $1 } END { printf "%.1f", ns / 1e6 }'; }
took_ms() { echo "$LINE" | sed -n 's/.* took=\([0-9.]*\)ms.*/\1/p'; }

start_daemon() { # [METRICS-ADDRESS]
	: >"$LOG"
	mark
	T0=$(now_us)
	"$M" daemon --config "$CONF" --pods-dir "$PODS" --metrics "${1:-unix:$SOCK}" 2>>"$LOG" &
	DPID=$!
	await ' ready ' 120 || {
		echo "daemon bench: the daemon did not start:" >&2
		tail -n 5 "$LOG" >&2
		exit 1
	}
}

stop_daemon() {
	kill -TERM "$DPID"
	wait "$DPID"
	DPID=
	"$M" unload >/dev/null 2>&1
}

# mode_count MODE: entries of that mode, as the pinned map has them.
mode_count() { "$M" -j list | jq --arg m "$1" '[.cgroups[]? | select(.mode == $m)] | length'; }

# hup WHAT EXPECT_MODE EXPECT_N: SIGHUP after a change of the file, timed to
# the daemon's pass, which must leave EXPECT_N entries of EXPECT_MODE.
hup() {
	local t0 n c0
	mark
	c0=$(cpu_ms)
	t0=$(now_us)
	kill -HUP "$DPID"
	await 'reconcile trigger=reload' 60 || {
		echo "daemon bench: no reload pass after SIGHUP" >&2
		exit 1
	}
	csv "sighup_${1}_ms" "$(awk -v a="$t0" -v b="$AT" 'BEGIN { printf "%.1f", (b - a) / 1000 }')"
	csv "sighup_${1}_took_ms" "$(took_ms)"
	csv "sighup_${1}_cpu_ms" "$(awk -v a="$c0" -v b="$(cpu_ms)" 'BEGIN { printf "%.1f", b - a }')"
	n=$(mode_count "$2")
	[ "$n" = "$3" ] || {
		echo "daemon bench: after SIGHUP ($1): $n $2 entries, not $3" >&2
		exit 1
	}
}

# The pod churn: pods come at RATE a second for SECONDS, the way a kubelet
# makes them (the pod cgroup, then its log directory), and go 300 ms later.
# Two in three are pods of namespace shop (web and db, both selected), one
# in three of another namespace (no selector). Each selected pod's entry is
# looked up in the pinned policy map every 50 us from its mkdir() until it
# shows: mkdir to entry. Pods are not paced by the daemon: the next comes
# when due, whatever came of the last. Perl (its syscall() reaches bpf(2))
# and not podchurn, which starts a process in each pod: that alone holds it
# to about 40 pods a second on a 2-core host.
CHURN_PL='
use strict; use warnings;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC usleep);
my ($kube, $pods, $pin, $rate, $secs, $tag, $nr_bpf) = @ARGV;
my $BPF_OBJ_GET = 7, my $BPF_MAP_LOOKUP_ELEM = 1;
my $path = $pin;
my $fd = syscall($nr_bpf, $BPF_OBJ_GET, pack("p L L", $path, 0, 0), 16);
die "churn: $pin: $!\n" if $fd < 0;
my $val = "\0" x 256;
sub has_entry {
	my $key = pack("Q", $_[0]);
	my $attr = pack("L L P P Q", $fd, 0, $key, $val, 0);
	return syscall($nr_bpf, $BPF_MAP_LOOKUP_ELEM, $attr, length($attr)) == 0;
}
sub now { clock_gettime(CLOCK_MONOTONIC) }
my @kind = (["shop", "web"], ["shop", "db"], ["other", "app"]);
my $n = $rate * $secs;
my (@pending, @alive, @lat);
my $late = 0;
my $t0 = now();
for (my $i = 0; $i <= $n; $i++) {
	my $due = $t0 + $i / $rate;
	# Until the next pod is due: the entries awaited, the pods to remove.
	while (1) {
		my $t = now();
		@pending = grep {
			my $p = $_;
			if (has_entry($p->{id})) { push @lat, ($t - $p->{born}) * 1e6; 0 }
			elsif ($t - $p->{born} > 10) { $late++; 0 }
			else { 1 }
		} @pending;
		while (@alive && $t - $alive[0]{born} > 0.3) {
			my $p = shift @alive;
			rmdir $p->{cg}; rmdir $p->{log};
		}
		last if $i == $n ? !@pending : $t >= $due;
		usleep(50);
	}
	last if $i == $n;
	my $k = $kind[$i % 3];
	my $uid = sprintf("%s-0000-4000-8000-%012x", $tag, $i + 1);
	(my $uid_ = $uid) =~ tr/-/_/;
	my %p = (cg => "$kube/kubepods-burstable-pod$uid_.slice",
		 log => "$pods/$k->[0]_$k->[1]-$i" . "_$uid");
	$p{born} = now();
	mkdir $p{cg} or die "churn: $p{cg}: $!\n";
	$p{id} = (stat $p{cg})[1];
	mkdir $p{log} or die "churn: $p{log}: $!\n";
	push @alive, \%p;
	push @pending, \%p if $k->[0] eq "shop";
}
my $took = now() - $t0;
for my $p (@alive) { rmdir $p->{cg}; rmdir $p->{log}; }
@lat = sort { $a <=> $b } @lat;
printf "pods=%d per_s=%.0f timed=%d late=%d p50_us=%.0f p99_us=%.0f\n", $n, $n / $took,
	scalar @lat, $late, @lat ? $lat[int(@lat / 2)] : -1, @lat ? $lat[int(@lat * 99 / 100)] : -1;
'
case $(uname -m) in
x86_64) NR_BPF=321 ;;
aarch64 | riscv64) NR_BPF=280 ;;
*) NR_BPF= ;;
esac

churn() { # RATE SECONDS [FIGURE-SUFFIX]
	local out
	out=$(perl -e "$CHURN_PL" "$K" "$PODS" "$MPTCPIFY_PIN_DIR/maps/policy" "$1" "$2" \
		"$TAG" "$NR_BPF") || exit 1
	echo "# churn at $1/s${3:+ ($3)}: $out"
	field() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	csv "churn${1}${3:-}_pods_per_s" "$(field per_s)"
	csv "churn${1}${3:-}_p50_us" "$(field p50_us)"
	csv "churn${1}${3:-}_p99_us" "$(field p99_us)"
	csv "churn${1}${3:-}_late" "$(field late)"
}

# The daemon's figures while its metrics endpoint is abused, which the host
# tests only check for what must hold (every entry comes; /healthz answers):
# pods coming while 8 clients loop on /metrics, and kubelet-like /healthz
# probes (1 s timeout, every half second) beside 40 slowloris connections
# from another address, then beside the floods of flood_missed.
BPORT=${BENCH_DAEMON_PORT:-19499}
abused_endpoint() {
	local hammers="" missed=0 slow
	start_daemon "127.0.0.1:$BPORT"
	for _ in $(seq 8); do
		(while :; do curl -s "http://127.0.0.1:$BPORT/metrics" >/dev/null; done) &
		hammers="$hammers $!"
	done
	churn 100 10 _metrics
	# shellcheck disable=SC2086 # a list of pids
	kill $hammers
	wait $hammers 2>/dev/null
	"$(dirname "$0")/../slowloris.py" 127.0.0.2 127.0.0.1 "$BPORT" 40 8 >"$WORK/slow.out" &
	slow=$!
	sleep 1
	missed=$(probes_missed)
	wait "$slow"
	echo "# /healthz beside 40 slowloris connections: $missed of 12 probes missed; $(cat "$WORK/slow.out")"
	csv healthz_flood_missed "$missed"
	# The review's floods, which open again what the server closes.
	flood_missed local_slow 127.0.0.1 8 dribble
	flood_missed local_idle 127.0.0.1 8 idle
	flood_missed 64x8 127.0.0.2-9 8 dribble
	flood_missed 200x25 127.0.0.10-34 8 dribble
	stop_daemon
}

# probes_missed: 12 /healthz probes, as kubelet's (1 s timeout), every half
# second: how many did not say ok.
probes_missed() {
	local missed=0
	for _ in $(seq 12); do
		[ "$(curl -s -m 1 "http://127.0.0.1:$BPORT/healthz")" = ok ] || missed=$((missed + 1))
		sleep 0.5
	done
	echo "$missed"
}

flood_missed() { # NAME SOURCES N MODE: healthz_NAME_missed, of 12 probes
	local missed flood
	"$(dirname "$0")/../slowloris.py" "$2" 127.0.0.1 "$BPORT" "$3" 60 "$4" again \
		>"$WORK/flood.out" &
	flood=$!
	sleep 2
	missed=$(probes_missed)
	kill "$flood"
	wait "$flood" 2>/dev/null
	echo "# /healthz beside $1 ($3 $4 from each of $2, opened again): $missed of 12 probes missed"
	csv "healthz_$1_missed" "$missed"
}

make_pods() { # N: pod cgroups and their log directories, one in NDB a db pod
	seq 1 "$1" | awk -v k="$K" -v t="$TAG" '{ printf "%s/kubepods-burstable-pod%s_0000_4000_8000_%012x.slice\n", k, t, $1 }' |
		xargs mkdir
	seq 1 "$1" | awk -v p="$PODS" -v t="$TAG" -v d="$((NPODS / NDB))" '{
		printf "%s/shop_%s-%d_%s-0000-4000-8000-%012x\n", p, $1 % d ? "web" : "db", $1, t, $1 }' |
		xargs mkdir
}

rm_pods() {
	find "$K" -mindepth 1 -depth -type d -exec rmdir {} +
	find "$PODS" -mindepth 1 -maxdepth 1 -exec rmdir {} +
}

for ROUND in $(seq "$ROUNDS"); do
	echo "# round $ROUND: pods come and go"
	conf audit exclude 3600
	start_daemon
	churn 100 10
	churn 1000 4
	stop_daemon
	echo "# round $ROUND: the metrics endpoint abused"
	abused_endpoint

	echo "# round $ROUND: $NPODS pods, from nothing"
	make_pods "$NPODS"
	start_daemon
	csv start_cpu_ms "$(cpu_ms)"
	csv start_to_ready_ms "$(awk -v a="$T0" -v b="$AT" 'BEGIN { printf "%.1f", (b - a) / 1000 }')"
	LINE=$(grep -m1 'reconcile trigger=start' "$LOG")
	csv reconcile_start_ms "$(took_ms)"
	csv reconcile_start_entries "$(echo "$LINE" | sed -n 's/.* entries=\([0-9]*\).*/\1/p')"
	csv updates_per_s "$(awk -v ms="$(took_ms)" -v n="$NPODS" 'BEGIN { printf "%.0f", n / ms * 1000 }')"
	n=$(mode_count audit)
	[ "$n" = $((NPODS - NDB)) ] || {
		echo "daemon bench: $n audit entries after the start, not $((NPODS - NDB))" >&2
		tail -n 3 "$LOG" >&2
		exit 1
	}
	# The daemon's own, and then with what a /metrics scrape of 10,000
	# cgroups' series leaves behind (its rendering, served for a second).
	csv rss_unscraped_kb "$(awk '/^VmRSS/ { print $2 }' "/proc/$DPID/status")"
	if command -v curl >/dev/null; then
		curl -sf --unix-socket "$SOCK" http://daemon/metrics >/dev/null
	fi
	csv rss_kb "$(awk '/^VmRSS/ { print $2 }' "/proc/$DPID/status")"
	csv hwm_kb "$(awk '/^VmHWM/ { print $2 }' "/proc/$DPID/status")"

	conf audit exclude 3600
	hup same audit $((NPODS - NDB))
	conf audit audit 3600
	hup db_100 audit "$NPODS"
	conf exclude audit 3600
	hup all_10k exclude $((NPODS - NDB))
	csv change_updates_per_s "$(awk -v ms="$(sed -n "s/^$ROUND,sighup_all_10k_took_ms,//p" "$CSV")" \
		-v n=$((NPODS - NDB)) 'BEGIN { printf "%.0f", n / ms * 1000 }')"

	echo "# round $ROUND: the periodic resync, nothing to change"
	conf exclude audit 1
	hup resync1 exclude $((NPODS - NDB))
	resyncs=()
	for _ in 1 2 3; do
		mark
		await 'reconcile trigger=resync' 10 || exit 1
		resyncs+=("$(took_ms)")
	done
	csv resync_ms "$(printf '%s\n' "${resyncs[@]}" | sort -n | sed -n 2p)"

	echo "# round $ROUND: a reload to 8,000 selectors, and back"
	conf_8k exclude audit
	hup sel8k exclude $((NPODS - NDB))
	csv rss_8k_kb "$(awk '/^VmRSS/ { print $2 }' "/proc/$DPID/status")"
	conf exclude audit 3600
	hup sel2 exclude $((NPODS - NDB))

	echo "# round $ROUND: kill -9, a start with the pins in place; the pins removed"
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null
	# No resync to come first: the once-a-second pin check repairs.
	conf exclude audit 3600
	start_daemon
	csv restart_to_ready_ms "$(awk -v a="$T0" -v b="$AT" 'BEGIN { printf "%.1f", (b - a) / 1000 }')"
	mark
	t0=$(now_us)
	rm -rf "$MPTCPIFY_PIN_DIR"
	await 'reconcile trigger=repair' 60 || {
		echo "daemon bench: no repair after the pins were removed" >&2
		exit 1
	}
	csv pins_removed_to_repaired_ms "$(awk -v a="$t0" -v b="$AT" 'BEGIN { printf "%.1f", (b - a) / 1000 }')"
	# One map's pin removed: by name all looks in place; by id it is not.
	mark
	t0=$(now_us)
	rm "$MPTCPIFY_PIN_DIR/maps/policy"
	await 'reconcile trigger=repair' 60 || {
		echo "daemon bench: no repair after a map's pin was removed" >&2
		exit 1
	}
	csv map_pin_removed_to_repaired_ms "$(awk -v a="$t0" -v b="$AT" 'BEGIN { printf "%.1f", (b - a) / 1000 }')"
	stop_daemon
	rm_pods
done

# The report: each figure per round, the spread between rounds, the target.
# figure|label|target (< N, or -)|unit
FIGS="churn100_p50_us|mkdir to entry, p50, 100 pods/s|-|us
churn100_p99_us|mkdir to entry, p99, 100 pods/s|10000|us
churn1000_p50_us|mkdir to entry, p50, 1,000 pods/s|-|us
churn1000_p99_us|mkdir to entry, p99, 1,000 pods/s|-|us
churn1000_pods_per_s|pods/s achieved when asked for 1,000|-|/s
churn100_metrics_p99_us|mkdir to entry, p99, 100 pods/s, 8 clients looping on /metrics|40000|us
churn100_metrics_late|  entries that took over 10 s (of 667)|1|
healthz_flood_missed|/healthz probes missed (1 s timeout, of 12) beside 40 slowloris connections|1|
healthz_local_slow_missed|  the same beside 8 slowloris from 127.0.0.1, the prober's address, opened again|1|
healthz_local_idle_missed|  the same beside 8 idle connections from 127.0.0.1, opened again|1|
healthz_64x8_missed|  the same beside 64 slowloris from 8 addresses, opened again|1|
healthz_200x25_missed|  the same beside 200 slowloris from 25 addresses, opened again|1|
reconcile_start_ms|full reconcile of $NPODS pods from nothing|1000|ms
start_to_ready_ms|start to ready with $NPODS pods (adds the programs' load)|-|ms
start_cpu_ms|  the daemon's CPU time for it|-|ms
updates_per_s|policy updates per second (entries made, from nothing)|-|/s
resync_ms|full reconcile, nothing to change (periodic resync)|100|ms
sighup_same_ms|SIGHUP to applied, $NPODS pods, same file|100|ms
sighup_same_cpu_ms|  the daemon's CPU time for it|-|ms
sighup_db_100_ms|SIGHUP to applied, $NPODS pods, one selector's $NDB change|100|ms
sighup_db_100_cpu_ms|  the daemon's CPU time for it|-|ms
sighup_all_10k_ms|SIGHUP to applied, $NPODS pods, $((NPODS - NDB)) change mode|-|ms
sighup_sel8k_ms|SIGHUP to applied, $NPODS pods, to 8,000 selectors|1000|ms
sighup_sel8k_cpu_ms|  the daemon's CPU time for it|-|ms
rss_8k_kb|  RSS then (8,000 selectors held, and the heap their parse left)|-|KiB
sighup_sel2_ms|  and back to 2 selectors|1000|ms
change_updates_per_s|policy updates per second (entries changed, reload)|-|/s
restart_to_ready_ms|kill -9, then start to ready, $NPODS pods, pins in place|-|ms
pins_removed_to_repaired_ms|pins removed under the daemon to repaired, $NPODS pods|1000|ms
map_pin_removed_to_repaired_ms|a map's pin removed beside the daemon to the running map pinned back|1000|ms
rss_unscraped_kb|RSS with $NPODS pods, before any scrape|16384|KiB
rss_kb|RSS with $NPODS pods, after a /metrics scrape|16384|KiB"

report() {
	echo "mptcpify daemon bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$(dirname "$0")" describe --always --dirty 2>/dev/null)"
	echo "host: kernel $(uname -r), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); native, audit mode"
	echo "$ROUNDS runs; spread = (max - min) / mean; runs agree within $TOL%, or within a tenth of the target"
	echo
	echo "$FIGS" | awk -F'|' -v csv="$CSV" -v tol="$TOL" -v table="$OUT/daemon.md" '
	BEGIN {
		while ((getline l < csv) > 0) {
			split(l, f, ",")
			if (f[1] == "round") continue
			v[f[2], f[1]] = f[3]; if (f[1] > rounds) rounds = f[1]
		}
		print "| figure | " (rounds > 1 ? "run 1 | run 2" : "run 1") " | spread | target | verdict | method |" > table
		print "| --- | " (rounds > 1 ? "--- | ---" : "---") " | --- | --- | --- | --- |" > table
	}
	function fmt(x, u) { return u == "KiB" ? sprintf("%.1f MiB", x / 1024) : sprintf("%.0f %s", x, u) }
	{
		fig = $1; lo = ""; hi = ""; sum = 0; n = 0; runs = ""; worst = ""
		for (r = 1; r <= rounds; r++) {
			if (!((fig, r) in v) || v[fig, r] == "") continue
			x = v[fig, r] + 0; n++; sum += x
			if (lo == "" || x < lo) lo = x
			if (hi == "" || x > hi) hi = x
			runs = runs (runs == "" ? "" : " | ") fmt(x, $4)
		}
		if (!n) { printf "  %-62s n/a\n", $2; next }
		for (; r <= rounds; r++) runs = runs " | n/a"
		spread = sum > 0 ? (hi - lo) / (sum / n) * 100 : 0
		agree = spread <= tol || ($3 != "-" && hi - lo <= $3 / 10)
		if ($3 == "-") { target = "-"; verdict = "-" }
		else {
			target = "< " fmt($3, $4)
			verdict = hi < $3 ? "meets" : lo < $3 ? "MISSES in one run" : sprintf("MISSES by %.0f%%", (lo - $3) / $3 * 100)
		}
		printf "  %-62s %s  spread %.0f%%%s  %s %s\n", $2, runs, spread, agree ? "" : " (RUNS DISAGREE)", target, verdict
		printf "| %s | %s | %.0f%%%s | %s | %s | %s, host, native |\n", $2, runs, spread,
			agree ? "" : " (disagree)", target, verdict, $2 ~ /CPU time/ ? "CPU time (schedstat)" : $4 == "KiB" ? "VmRSS" : "wall time" > table
	}'
}
report | tee "$OUT/daemon.txt"

if [ -n "$README" ]; then
	grep -q '<!-- bench-daemon:begin -->' "$README" || {
		echo "daemon bench: no bench-daemon markers in $README" >&2
		exit 1
	}
	{
		echo "\`tests/bench/daemon.sh\`, $(date -u '+%Y-%m-%d %H:%M UTC'); host kernel $(uname -r), $(nproc) cores, native, audit mode, $ROUNDS runs:"
		echo
		cat "$OUT/daemon.md"
	} >"$WORK/table.md"
	awk -v t="$WORK/table.md" '
		/<!-- bench-daemon:begin -->/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
		/<!-- bench-daemon:end -->/ { skip = 0 }
		!skip' "$README" >"$WORK/readme" && cat "$WORK/readme" >"$README"
fi
