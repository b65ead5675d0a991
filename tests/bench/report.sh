#!/bin/bash
# tests/bench/report.sh RAW OUTDIR [README]: turn the guest's csv lines into
# OUTDIR/results.csv (every sample) and OUTDIR/report.txt (medians, spread,
# ratios against their targets), print the report, and put the ratios as a
# table between README's "bench:begin" and "bench:end" markers.
#
# A ratio is taken per round between two numbers measured side by side, and
# the report gives the median of those per-round ratios with their range.
set -euo pipefail
raw=$1 out=$2 readme=${3:-}
mkdir -p "$out"
grep '^csv,' "$raw" | cut -d, -f2- >"$out/results.csv"
rm -f "$out/table.md"
sed -i '1i section,round,config,value' "$out/results.csv"

{
	echo "mptcpify bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	grep -m1 '^# kernel ' "$raw" | sed 's/^# /guest: /'
	echo "method: QEMU TCG, one vCPU; each figure alternates with its reference in the same round"
	echo "        (${BENCH_ROUNDS:-7} rounds); medians with [min, max] of the per-round values"
	echo
	awk -F, -v table="$out/table.md" '
	NR == 1 { next }
	{ v[$1 "," $3 "," $2] = $4; cfg[$1 "," $3] = 1; if ($2 > rounds) rounds = $2 }
	function sort(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	}
	function median(a, n) { sort(a, n); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	# stat(sec, cfg): median and range of one configuration
	function stat(sec, c,   a, n, r) {
		n = 0
		for (r = 1; r <= rounds; r++) if ((sec "," c "," r) in v) a[++n] = v[sec "," c "," r]
		if (!n) return "n/a"
		sort(a, n)
		return sprintf("%.0f [%.0f, %.0f]", median(a, n), a[1], a[n])
	}
	# ratio(sa, ca, sb, cb, target): per-round a/b, median and range
	function ratio(label, sa, ca, sb, cb, target, kind,   a, n, r, m, verdict) {
		n = 0
		for (r = 1; r <= rounds; r++)
			if ((sa "," ca "," r) in v && (sb "," cb "," r) in v && v[sb "," cb "," r] > 0)
				a[++n] = v[sa "," ca "," r] / v[sb "," cb "," r]
		if (!n) { printf "  %-44s n/a\n", label; return }
		m = median(a, n); sort(a, n)
		if (kind == "min")
			verdict = m >= target ? "meets >= " target : sprintf("MISSES >= %s by %.1f%%", target, (target - m) * 100)
		else
			verdict = ""
		printf "  %-48s %.3f [%.3f, %.3f]  %s\n", label, m, a[1], a[n], verdict
		printf "| %s | %.3f | %.3f to %.3f | %s |\n", label, m, a[1], a[n],
			(verdict == "" ? "-" : verdict) >> table
	}
	# cost(label, a, b, unit): per round 1/rate_a - 1/rate_b, the added time per call
	function cost(label, sa, ca, sb, cb, unit,   a, n, r, m, scale) {
		scale = unit == "us" ? 1e6 : 1e9
		n = 0
		for (r = 1; r <= rounds; r++)
			if (v[sa "," ca "," r] > 0 && v[sb "," cb "," r] > 0)
				a[++n] = scale / v[sa "," ca "," r] - scale / v[sb "," cb "," r]
		if (!n) { printf "  %-44s n/a\n", label; return }
		m = median(a, n); sort(a, n)
		printf "  %-48s %.1f %s [%.1f, %.1f]\n", label, m, unit, a[1], a[n]
		printf "| %s | %.1f %s | %.1f to %.1f | - |\n", label, m, unit, a[1], a[n] >> table
	}
	function pairline(label, name, target,   m, verdict) {
		if (!(("pair," name "_ratio,0") in v)) return
		m = v["pair," name "_ratio,0"]
		verdict = m >= target ? "meets >= " target : sprintf("MISSES >= %s by %.1f%%", target, (target - m) * 100)
		printf "  %-48s %.3f [%.3f, %.3f]  %s\n", label, m, v["pair," name "_min,0"], v["pair," name "_max,0"], verdict
		printf "| %s | %.3f | %.3f to %.3f | %s |\n", label, m, v["pair," name "_min,0"], v["pair," name "_max,0"], verdict >> table
	}
	END {
		# Per round, enforced / native at each depth: "flat" compares these.
		for (r = 1; r <= rounds; r++)
			for (dd = 1; dd <= 30; dd++)
				if (("depth,depth" dd "," r) in v && v["depth,native" dd "," r] > 0)
					v["depthrel,depth" dd "," r] = v["depth,depth" dd "," r] / v["depth,native" dd "," r]
		print "1. socket()+close() per second"
		split("native noprog emptyhook unconfigured enforced excluded", c, " ")
		for (i = 1; i <= 6; i++) printf "  %-44s %s\n", c[i], stat("socket", c[i])
		ratio("socket(): enforced / native MPTCP", "socket", "enforced", "socket", "native", 0.98, "min")
		ratio("socket(): unconfigured / no program", "socket", "unconfigured", "socket", "noprog", 0.99, "min")
		ratio("socket(): excluded / no program", "socket", "excluded", "socket", "noprog", 0, "")
		ratio("socket(): empty fmod_ret / no program (floor)", "socket", "emptyhook", "socket", "noprog", 0, "")
		ratio("socket(): unconfigured / empty fmod_ret", "socket", "unconfigured", "socket", "emptyhook", 0, "")
		ratio("socket(): enforced / empty fmod_ret", "socket", "enforced", "socket", "emptyhook", 0, "")
		print ""
		print "1b. the same, at a finer grain: one process alternating 50 ms slices between an"
		print "    enforced and an unconfigured cgroup (ABBA), median [min, max] of per-pair ratios"
		pairline("socket(), slices: enforced / native MPTCP", "enforced_native", 0.98)
		split("1 4 16 30", d, " ")
		for (i = 1; i <= 4; i++) pairline("socket(), slices, depth " d[i] ": enforced / native", "depth" d[i], 0.98)
		print ""
		print "2. enforced / native MPTCP by depth (both callers this deep; the entry at depth 1)"
		split("1 4 16 30", d, " ")
		for (i = 1; i <= 4; i++) ratio("socket() at depth " d[i] ": enforced / native", "depth", "depth" d[i], "depth", "native" d[i], 0.98, "min")
		for (i = 2; i <= 4; i++) ratio("enforced/native at depth " d[i] " / at depth 1", "depthrel", "depth" d[i], "depthrel", "depth1", 0.95, "min")
		print "   and by configured cgroups (enforced rate; not interleaved across counts:"
		print "   filling 100,000 entries takes seconds), relative to 1:"
		split("1 1000 10000 100000", k, " ")
		for (i = 1; i <= 4; i++) printf "  %-44s %s\n", "n=" k[i], stat("count", "n" k[i])
		for (i = 2; i <= 4; i++) ratio("socket() with " k[i] " cgroups / with 1", "count", "n" k[i], "count", "n1", 0.95, "min")
		for (i = 1; i <= 4; i++) pairline("socket(), slices, " k[i] " cgroups: enforced / native", "count" k[i], 0.98)
		for (i = 2; i <= 4; i++) if (("pair,count" k[i] "_ratio,0") in v && v["pair,count1_ratio,0"] > 0) {
			m = v["pair,count" k[i] "_ratio,0"] / v["pair,count1_ratio,0"]
			printf "  %-48s %.3f  %s\n", "slices: with " k[i] " cgroups / with 1", m, (m >= 0.95 ? "meets >= 0.95" : sprintf("MISSES >= 0.95 by %.1f%%", (0.95 - m) * 100))
			printf "| slices: enforced/native with %s cgroups / with 1 | %.3f | one pair series | %s |\n", k[i], m, (m >= 0.95 ? "meets >= 0.95" : sprintf("MISSES >= 0.95 by %.1f%%", (0.95 - m) * 100)) >> table
		}
		print ""
		print "3. connections per second (connect, 1 byte each way, close), loopback"
		printf "  %-44s %s\n", "native MPTCP", stat("conn", "native")
		printf "  %-44s %s\n", "enforced", stat("conn", "enforced")
		ratio("connections/s: enforced / native MPTCP", "conn", "enforced", "conn", "native", 0.98, "min")
		printf "  %-44s %s\n", "native MPTCP, outcomes counted (audit)", stat("conn", "counted")
		ratio("connections/s: counted / native MPTCP", "conn", "counted", "conn", "native", 0, "")
		cost("added per connection, outcomes counted", "conn", "counted", "conn", "native", "us")
		print ""
		print "3b. setsockopt() per second on one TCP socket"
		split("noprog unconfigured audit counted", c, " ")
		for (i = 1; i <= 4; i++) printf "  %-44s %s\n", c[i], stat("sockopt", c[i])
		ratio("setsockopt(): unconfigured / no program", "sockopt", "unconfigured", "sockopt", "noprog", 0, "")
		ratio("setsockopt(): audit cgroup / no program", "sockopt", "audit", "sockopt", "noprog", 0, "")
		cost("added per setsockopt(), unconfigured", "sockopt", "unconfigured", "sockopt", "noprog", "ns")
		cost("added per setsockopt(), audit cgroup", "sockopt", "audit", "sockopt", "noprog", "ns")
		cost("added per setsockopt(), refusal counted", "sockopt", "counted", "sockopt", "noprog", "ns")
		print ""
		print "4. two paths at 20 mbit each, bytes per second"
		printf "  %-44s %s\n", "enforced client (MPTCP)", stat("stream", "enforced")
		printf "  %-44s %s\n", "same client as TCP (one path)", stat("stream", "tcp")
		ratio("two paths: enforced / TCP on one", "stream", "enforced", "stream", "tcp", 1.8, "min")
		print ""
		print "5. the loader, wall time per command in ms"
		printf "  %-44s %s\n", "attach", stat("loader", "attach_ms")
		printf "  %-44s %s\n", "detach", stat("loader", "detach_ms")
		print ""
		print "5b. the daemon (README example; one run)"
		printf "  %-44s %s us\n", "mkdir to entry, p50, 100 pods/s", v["daemon,mkdir_to_entry_p50_us,1"]
		printf "  %-44s %s us\n", "mkdir to entry, p99, 100 pods/s", v["daemon,mkdir_to_entry_p99_us,1"]
		printf "  %-44s %s ms (%s entries)\n", "full reconcile of 10,000 pods, from nothing", v["daemon,reconcile_10k_ms,1"], v["daemon,entries,1"]
		printf "  %-44s %s ms\n", "full reconcile of 10,000 pods, nothing to do", v["daemon,resync_10k_ms,1"]
		printf "  %-44s %s\n", "policy updates per second (that reconcile)", v["daemon,updates_per_s,1"]
		printf "  %-44s %s kB\n", "daemon RSS with 10,000 pods", v["daemon,rss_kb,1"]
		printf "| daemon: mkdir to entry at 100 pods/s, p50 / p99 | %s / %s us | one run | - |\n",
			v["daemon,mkdir_to_entry_p50_us,1"], v["daemon,mkdir_to_entry_p99_us,1"] >> table
		printf "| daemon: full reconcile of 10,000 pods (updates/s) | %s ms (%s/s) | one run | - |\n",
			v["daemon,reconcile_10k_ms,1"], v["daemon,updates_per_s,1"] >> table
		printf "| daemon: RSS with 10,000 pods | %.1f MiB | one run | - |\n", v["daemon,rss_kb,1"] / 1024 >> table
		print ""
		print "6. the programs, from the kernel (a separate enforced pass with bpf_stats_enabled)"
		for (p = 1; p <= 2; p++) {
			name = p == 1 ? "hook" : "rewrite"
			s = "prog_" name
			cnt = v[s ",run_cnt,0"]; t = v[s ",run_time_ns,0"]
			printf "  %-10s %s ns/call over %s calls, %s insns verified, %s bytes JITed\n", name,
				(cnt > 0 ? sprintf("%.0f", t / cnt) : "n/a (run through the hook)"), cnt + 0,
				v[s ",verified_insns,0"], v[s ",jited_bytes,0"]
		}
	}' "$out/results.csv"
} >"$out/report.txt"
cat "$out/report.txt"

# The README's table: ratios only, with how they were made.
if [ -n "$readme" ] && grep -q '<!-- bench:begin -->' "$readme"; then
	{
		echo '<!-- bench:begin -->'
		echo "\`make bench\`, $(sed -n 1p "$out/report.txt" | sed 's/^mptcpify bench, //');" \
			"$(sed -n 3p "$out/report.txt" | sed 's/^guest: //'), QEMU TCG, one vCPU," \
			"${BENCH_ROUNDS:-7} interleaved rounds (median, range of per-round ratios):"
		echo
		echo '| ratio | median | range | target |'
		echo '| --- | --- | --- | --- |'
		cat "$out/table.md"
		echo '<!-- bench:end -->'
	} >"$out/readme-table.md"
	awk -v t="$out/readme-table.md" '
		/<!-- bench:begin -->/ { while ((getline l < t) > 0) print l; skip = 1; next }
		/<!-- bench:end -->/ { skip = 0; next }
		!skip' "$readme" >"$readme.new" && mv "$readme.new" "$readme"
fi
