#!/bin/bash
# tests/bench/report.sh RAW OUTDIR [RESULTS [MORE...]]: turn the guest's
# csv lines into OUTDIR/results.csv (every sample) and OUTDIR/report.txt
# (medians, per-round spread, ratios against their targets), print the
# report, and put the table between the "bench:begin" and "bench:end"
# markers of RESULTS (make bench: tests/bench/RESULTS.md).
#
# A ratio is taken per round between two numbers measured side by side; the
# report gives the median of those per-round ratios and their spread (the
# largest distance of one round from the median). The socket() comparisons
# run twice in one boot ("socket" and "socket2"): how far the two medians
# differ says whether two runs of the bench agree.
#
# MORE: other reports (the host's daemon.txt from tests/bench/daemon.sh,
# which keeps its own RESULTS table): appended to report.txt as they are.
set -euo pipefail
raw=$1 out=$2 readme=${3:-}
more=("${@:4}")
mkdir -p "$out"
{
	echo section,round,config,value
	grep '^csv,' "$raw" | cut -d, -f2-
} >"$out/results.csv"
rm -f "$out/table.md" "$out/nodetax.md"
clock=$(sed -n 's/^# bench clock: //p' "$raw" | head -n1)
clock=${clock:-wall}
if [ "$clock" = icount ]; then
	method="QEMU TCG with -icount shift=0,sleep=off: the guest's clock counts the instructions it executes (1 per ns), so per-call figures are instructions (insns), not cycles or time"
	unit=insns
else
	method="QEMU ${clock}: per-call figures are wall-clock ns, as noisy as the host"
	unit=ns
fi
rounds=$(awk -F, 'NR > 1 && $2 > r { r = $2 } END { print r + 0 }' "$out/results.csv")

{
	echo "mptcpify bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	grep -m1 '^# kernel ' "$raw" | sed 's/^# /guest: /'
	echo "method: $method;"
	echo "        one vCPU, $rounds interleaved rounds; a socket() figure is the median of 9 chunks"
	echo "        of calls, each after 20 ms idle (tests/progs/bench.c, series); medians with"
	echo "        [min, max], spread: the largest distance of one round's ratio from the median"
	sed -n 's/^# warm-up \([0-9]*\) at \(.*\): \(.*\)/  warm-up sample \1 at uptime \2: \3/p' "$raw"
	echo
	awk -F, -v table="$out/table.md" -v nodetax="$out/nodetax.md" -v unit="$unit" -v clock="$clock" '
	NR == 1 { next }
	{ v[$1 "," $3 "," $2] = $4; if ($2 > rounds) rounds = $2 }
	function sort(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	}
	function median(a, n) { sort(a, n); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	function abs(x) { return x < 0 ? -x : x }
	# row(...): a row of the main table, unless NOROW (a figure that goes
	# into a table of its own)
	function row(fig, val, spread, meth, target) {
		if (NOROW) return
		printf "| %s | %s | %s | %s | %s |\n", fig, val, spread, meth, target >> table
	}
	function verdict(m, target, kind) {
		if (kind == "min")
			return m >= target ? "meets >= " target : sprintf("MISSES >= %s by %.1f%%", target, (target - m) * 100)
		if (kind == "flat")
			return abs(m - 1) <= target ? sprintf("meets: flat within %.0f%%", target * 100) : sprintf("MISSES: flat within %.0f%% by %.1f%%", target * 100, (abs(m - 1) - target) * 100)
		return "-"
	}
	# stat(sec, cfg): median [min, max] of one configuration
	function stat(sec, c,   a, n, r) {
		n = 0
		for (r = 0; r <= rounds; r++) if ((sec "," c "," r) in v) a[++n] = v[sec "," c "," r]
		if (!n) return "n/a"
		sort(a, n)
		return sprintf("%.0f [%.0f, %.0f]", median(a, n), a[1], a[n])
	}
	# per-round values of fn(sec, a, b) into R[], their count in RN
	function collect(sa, ca, sb, cb, how,   r, x, y) {
		RN = 0
		for (r = 1; r <= rounds; r++) {
			if (!((sa "," ca "," r) in v) || !((sb "," cb "," r) in v)) continue
			x = v[sa "," ca "," r]; y = v[sb "," cb "," r]
			if (x <= 0 || y <= 0) continue
			# cost: per-call figures, a rate ratio is b/a; rate: a/b
			R[++RN] = how == "cost" ? y / x : x / y # rate, tput: a/b
		}
	}
	function spread(m,   i, s) {
		s = 0
		for (i = 1; i <= RN; i++) if (abs(R[i] / m - 1) > s) s = abs(R[i] / m - 1)
		return s
	}
	# ratio(label, sa, ca, sb, cb, how, target, kind): the median of per-round
	# ratios (as rates: above 1 is faster), its spread, the added cost; the
	# spread, added cost and verdict of the last stay in LS, LADD and LVD
	function ratio(label, sa, ca, sb, cb, how, target, kind,   m, s, lo, hi, c, d, i, n, vd, add, addtext, meth) {
		collect(sa, ca, sb, cb, how)
		LS = ""; LADD = ""; LVD = ""
		if (!RN) { printf "  %-52s n/a\n", label; return "" }
		m = median(R, RN); s = spread(m); lo = R[1]; hi = R[RN]
		# the added cost per call: a - b, per round
		n = 0
		for (i = 1; i <= rounds; i++)
			if (((sa "," ca "," i) in v) && ((sb "," cb "," i) in v) && v[sa "," ca "," i] > 0 && v[sb "," cb "," i] > 0)
				d[++n] = how == "cost" ? v[sa "," ca "," i] - v[sb "," cb "," i] : (1e9 / v[sa "," ca "," i] - 1e9 / v[sb "," cb "," i])
		add = n ? median(d, n) : 0
		# bytes per second: no cost per call to speak of
		addtext = how == "tput" ? "" : sprintf("%+.0f %s per %s", add, unit, sa == "conn" ? "connection" : "call")
		vd = verdict(m, target, kind)
		LS = s; LADD = addtext; LVD = vd
		printf "  %-52s %.4f [%.4f, %.4f] spread %.2f%% %s %s  %s\n", label, m, lo, hi, s * 100,
			(s <= 0.02 ? "(<= 2%)" : "(> 2%!)"), addtext, vd
		meth = sprintf("median of %d per-round ratios%s", RN, addtext == "" ? "" : "; " addtext)
		row(label, sprintf("%.4f", m), sprintf("%.2f%%", s * 100), meth, vd)
		return m
	}
	function flat(label, s, a, b, a1, b1, target,   r, n, x, m, sp, vd, i) {
		RN = 0
		for (r = 1; r <= rounds; r++)
			if (v[s "," a "," r] > 0 && v[s "," b "," r] > 0 && v[s "," a1 "," r] > 0 && v[s "," b1 "," r] > 0)
				R[++RN] = (v[s "," b "," r] / v[s "," a "," r]) / (v[s "," b1 "," r] / v[s "," a1 "," r])
		if (!RN) return
		m = median(R, RN); sp = spread(m); vd = verdict(m, target, "flat")
		printf "  %-52s %.4f spread %.2f%%  %s\n", label, m, sp * 100, vd
		row(label, sprintf("%.4f", m), sprintf("%.2f%%", sp * 100),
			sprintf("median of %d per-round ratios of ratios", RN), vd)
	}
	function headline(sec, run,   m, floor) {
		print "  run " run ", " unit " per socket()+close():"
		split("native noprog emptyhook unconfigured enforced excluded", c, " ")
		for (i = 1; i <= 6; i++) printf "    %-50s %s\n", c[i], stat(sec, c[i])
		M[run, "en"] = ratio("socket(), run " run ": enforced / native MPTCP", sec, "enforced", sec, "native", "cost", 0.98, "min")
		floor = ratio("socket(), run " run ": empty fmod_ret / no program (floor)", sec, "emptyhook", sec, "noprog", "cost", 0, "")
		M[run, "floor"] = floor
		M[run, "un"] = ratio("socket(), run " run ": unconfigured / no program", sec, "unconfigured", sec, "noprog", "cost", 0.99, floor < 0.99 ? "" : "min")
		M[run, "uf"] = ratio("socket(), run " run ": unconfigured / empty fmod_ret", sec, "unconfigured", sec, "emptyhook", "cost", 0.995, "min")
		M[run, "ex"] = ratio("socket(), run " run ": excluded / no program", sec, "excluded", sec, "noprog", "cost", 0, "")
		M[run, "ef"] = ratio("socket(), run " run ": enforced / empty fmod_ret", sec, "enforced", sec, "emptyhook", "cost", 0.99, "min")
		if (floor != "" && floor < 0.99)
			print "    (the empty program alone is below 0.99: unconfigured / no program has no target; unconfigured is held to within 0.5% of it)"
	}
	function agree(label, k,   a, b, d) {
		a = M[1, k]; b = M[2, k]
		if (a == "" || b == "") return
		d = abs(a / b - 1)
		printf "  %-52s %.4f vs %.4f: %.2f%%  %s\n", label, a, b, d * 100, (d <= 0.01 ? "meets <= 1%" : "MISSES <= 1%")
		row("run 1 vs run 2: " label, sprintf("%.4f / %.4f", a, b), sprintf("%.2f%%", d * 100),
			"two runs of the comparison in one boot", d <= 0.01 ? "meets <= 1%" : sprintf("MISSES <= 1%% by %.2f%%", (d - 0.01) * 100))
	}
	END {
		print "1. socket()+close(), " unit " per call: no program, native MPTCP, the empty fmod_ret"
		print "   program, and mptcpify unconfigured, enforced, excluded (states in turn per round)"
		headline("socket", 1)
		headline("socket2", 2)
		print "   how far the two runs agree (target: within 1%):"
		agree("enforced / native", "en")
		agree("unconfigured / no program", "un")
		agree("unconfigured / empty fmod_ret", "uf")
		agree("empty fmod_ret / no program", "floor")
		print ""
		print "2. by depth: enforced and native callers equally deep (entry at depth 1), in one"
		print "   process, interleaved; flat: enforced/native at depth d over that at depth 1"
		split("1 4 16 30", d, " ")
		for (i = 1; i <= 4; i++) printf "    %-50s %s / %s\n", "depth " d[i] ": enforced / native " unit, stat("depth", "enforced" d[i]), stat("depth", "native" d[i])
		for (i = 1; i <= 4; i++) ratio("socket() at depth " d[i] ": enforced / native", "depth", "enforced" d[i], "depth", "native" d[i], "cost", 0.98, "min")
		for (i = 2; i <= 4; i++) flat("depth " d[i] " vs depth 1 (enforced / native)", "depth", "enforced" d[i], "native" d[i], "enforced1", "native1", 0.01)
		print ""
		print "3. configured cgroups (entries of cgroups that do not exist): enforced and native"
		print "   interleaved at each count; flat: enforced/native with n over that with 1"
		split("1 1000 10000 100000", k, " ")
		for (i = 1; i <= 4; i++) printf "    %-50s %s / %s\n", k[i] " cgroups: enforced / native " unit, stat("count", "enforced" k[i]), stat("count", "native" k[i])
		for (i = 1; i <= 4; i++) ratio("socket() with " k[i] " cgroups: enforced / native", "count", "enforced" k[i], "count", "native" k[i], "cost", 0.98, "min")
		for (i = 2; i <= 4; i++) flat(k[i] " vs 1 configured cgroups (enforced / native)", "count", "enforced" k[i], "native" k[i], "enforced1", "native1", 0.01)
		print ""
		print "4. connections (connect, 1 byte each way, close) on loopback, per second of the guest clock"
		printf "    %-50s %s\n", "native MPTCP", stat("conn", "native")
		printf "    %-50s %s\n", "enforced", stat("conn", "enforced")
		printf "    %-50s %s\n", "native MPTCP, outcomes counted (audit)", stat("conn", "counted")
		ratio("connections/s: enforced / native MPTCP", "conn", "enforced", "conn", "native", "rate", 0.98, "min")
		ratio("connections/s: counted / native MPTCP", "conn", "counted", "conn", "native", "rate", 0, "")
		print ""
		print "5. setsockopt() per second of the guest clock, one TCP socket"
		split("noprog unconfigured audit counted", c, " ")
		for (i = 1; i <= 4; i++) printf "    %-50s %s\n", c[i], stat("sockopt", c[i])
		ratio("setsockopt(): unconfigured / no program", "sockopt", "unconfigured", "sockopt", "noprog", "rate", 0, "")
		ratio("setsockopt(): audit cgroup / no program", "sockopt", "audit", "sockopt", "noprog", "rate", 0, "")
		ratio("setsockopt(): refusal counted / no program", "sockopt", "counted", "sockopt", "noprog", "rate", 0, "")
		print ""
		print "5a. the node tax: a process outside every entry, " unit " per call with mptcpify"
		print "    unloaded (none), with a rewrite entry elsewhere, with an audit entry elsewhere;"
		print "    ratios: rate loaded / rate unloaded, target >= 0.99 each"
		split("setsockopt getsockopt socket connect sendrecv", nt, " ")
		ntl["setsockopt"] = "`setsockopt(IPPROTO_TCP, TCP_NODELAY)`, one TCP socket"
		ntl["getsockopt"] = "`getsockopt(SOL_SOCKET, SO_RCVBUF)`, one TCP socket"
		ntl["socket"] = "`socket(AF_INET, SOCK_STREAM, 0)+close()`"
		ntl["connect"] = "`connect()+accept()`, TCP on loopback (one process)"
		ntl["sendrecv"] = "`send()` of one byte + the peer\047s `recv()`, TCP on loopback"
		split("rewrite audit", st, " ")
		for (i = 1; i <= 5; i++)
			printf "    %-50s %s / %s / %s\n", nt[i] ": none / rewrite / audit", stat("nodetax", "none_" nt[i]), stat("nodetax", "rewrite_" nt[i]), stat("nodetax", "audit_" nt[i])
		NOROW = 1
		ntn = 0 # ratios found: none in a run without the section
		for (i = 1; i <= 5; i++) {
			line = "| " ntl[nt[i]]
			for (j = 1; j <= 2; j++) {
				m = ratio(nt[i] ": " st[j] " elsewhere / unloaded", "nodetax", st[j] "_" nt[i], "nodetax", "none_" nt[i], "cost", 0.99, "min")
				if (m != "") ntn++
				line = line " | " (m == "" ? "n/a" : sprintf("%.4f (spread %.2f%%; %s): %s", m, LS * 100, LADD, LVD))
			}
			NTROWS = NTROWS line " | >= 0.99 |\n"
		}
		NOROW = 0
		if (ntn) {
			print "| call | a rewrite entry elsewhere | an audit entry elsewhere | target |" > nodetax
			print "| --- | --- | --- | --- |" >> nodetax
			printf "%s", NTROWS >> nodetax
		}
		print ""
		print "5b. send() of one byte (and the peer\047s recv()) on loopback: a pair mptcpify made"
		print "    MPTCP (enforced) and a pair that asked for MPTCP (native), interleaved"
		printf "    %-50s %s\n", "enforced (rewritten to MPTCP)", stat("send", "enforced")
		printf "    %-50s %s\n", "native MPTCP", stat("send", "native")
		ratio("send() of one byte (+ peer recv()): enforced / native MPTCP", "send", "enforced", "send", "native", "cost", 0.99, "min")
		print ""
		print "5c. socket()+close() with the hook and its three backups (four), with the hook"
		print "    alone (one), and with the empty fmod_ret program, " unit " per call; no"
		print "    targets: the figures behind keeping four hooks (README, Limits)"
		split("empty_unconfigured four_unconfigured one_unconfigured four_enforced one_enforced", c, " ")
		for (i = 1; i <= 5; i++) printf "    %-50s %s\n", c[i], stat("hooks", c[i])
		ratio("socket() unconfigured: four hooks / empty fmod_ret", "hooks", "four_unconfigured", "hooks", "empty_unconfigured", "cost", 0, "")
		ratio("socket() unconfigured: one hook / empty fmod_ret", "hooks", "one_unconfigured", "hooks", "empty_unconfigured", "cost", 0, "")
		ratio("socket() unconfigured: four hooks / one hook", "hooks", "four_unconfigured", "hooks", "one_unconfigured", "cost", 0, "")
		ratio("socket() enforced: four hooks / one hook", "hooks", "four_enforced", "hooks", "one_enforced", "cost", 0, "")
		print ""
		print "6. each program, from the kernel (kernel.bpf_stats_enabled=1, a pass per path):"
		print "   " unit " per call as the kernel times it, and less the empty program (the"
		print "   trampoline and the timing itself); a hook includes its tail-called program"
		ecnt = v["prog_empty,emptyhook_calls,0"]
		efloor = ecnt > 0 ? v["prog_empty,emptyhook_ns,0"] / ecnt : 0
		printf "    %-50s %.0f %s per call over %d calls\n", "empty fmod_ret program", efloor, unit, ecnt
		if (ecnt > 0)
			row("program: the empty fmod_ret (the floor below)", sprintf("%.0f %s/call", efloor, unit), "one pass",
				"kernel bpf_stats, run_time_ns / run_cnt", "-")
		split("enforced unconfigured excluded audit native conn_enforced", p, " ")
		split("hook hook-backup audit subflow", g, " ")
		# connections in the conn pass: its rate times its length
		nconn = v["prog_conn_enforced,per_s,0"] * v["meta,ms,0"] / 1000
		for (i = 1; i <= 6; i++)
			for (j = 1; j <= 4; j++) {
				cnt = v["prog_" p[i] "," g[j] "_calls,0"]
				# a program that ran for a handful of the calls says nothing
				if (cnt < 100) continue
				per = v["prog_" p[i] "," g[j] "_ns,0"] / cnt
				what = p[i] == "conn_enforced" ? "enforced connection" : p[i] " socket()"
				extra = p[i] == "conn_enforced" && nconn > 0 ? sprintf(", %.1f calls and %.0f %s per connection", cnt / nconn, v["prog_" p[i] "," g[j] "_ns,0"] / nconn, unit) : ""
				printf "    %-50s %.0f %s per call (%+.0f over the floor), %d calls%s\n", g[j] ", " what, per, unit, per - efloor, cnt, extra
				# the table: the paths the targets are about; report.txt: all
				if (p[i] == "enforced" || p[i] == "unconfigured" || p[i] == "conn_enforced")
					row("program " g[j] ", " what, sprintf("%.0f %s/call (%+.0f over the floor)%s", per, unit, per - efloor, extra),
					"one pass", "kernel bpf_stats, run_time_ns / run_cnt", "-")
			}
		for (j = 1; j <= 4; j++)
			if (("prog_static," g[j] "_verified_insns,0") in v)
				printf "    %-50s %s insns verified, %s bytes JITed\n", g[j], v["prog_static," g[j] "_verified_insns,0"], v["prog_static," g[j] "_jited_bytes,0"]
		print ""
		print "7. two paths at 20 mbit each, bytes per second"
		printf "    %-50s %s\n", "enforced client (MPTCP)", stat("stream", "enforced")
		printf "    %-50s %s\n", "same client as TCP (one path)", stat("stream", "tcp")
		ratio("two paths: enforced / TCP on one", "stream", "enforced", "stream", "tcp", "tput", 1.8, "min")
		print ""
		print "8. the loader, ms of the guest clock per command" (clock == "icount" ? " (millions of insns)" : "")
		printf "    %-50s %s\n", "attach", stat("loader", "attach_ms")
		printf "    %-50s %s\n", "detach", stat("loader", "detach_ms")
	}' "$out/results.csv"
	echo
	echo "9. published anchors (real hardware, wall time; from the kernel's own BPF benchmarks)"
	echo "    fmod_ret trampoline: bench trig-fmodret 71.8 M/s, 13.9 ns per triggered call, of"
	echo "      which the trigger loop (trig-kernel-count 437 M/s) is 2.3 ns: about 12 ns per"
	echo "      fmod_ret call (Menglong Dong, bpf-next \"fprobe: use rhltable\", v5, Aug 2025)"
	echo "    hash map lookup: bench bpf-hashmap-lookup, 8-byte keys, 65,536 entries 25% full:"
	echo "      49.6 M lookups/s, 20 ns per lookup (Anton Protopopov, bpf-next \"bpf: optimize"
	echo "      hashmap lookups when key_size is divisible by 4\", Apr 2023)"
	for f in "${more[@]}"; do
		[ -f "$f" ] || continue
		echo
		cat "$f"
	done
} >"$out/report.txt"
cat "$out/report.txt"

# The README's table: every figure with how it was made and in what unit.
if [ -n "$readme" ] && grep -q '<!-- bench:begin -->' "$readme"; then
	{
		echo '<!-- bench:begin -->'
		echo "\`make bench\`, $(sed -n 1p "$out/report.txt" | sed 's/^mptcpify bench, //');" \
			"$(sed -n 3p "$out/report.txt" | sed 's/^guest: //'), one vCPU, $rounds interleaved rounds."
		echo "Guest figures: $method. A ratio is a rate ratio (above 1 is faster), the median of"
		echo "per-round ratios; spread is the largest distance of one round from it."
		echo
		echo '| figure | value | spread | method, unit | target |'
		echo '| --- | --- | --- | --- | --- |'
		cat "$out/table.md"
		# shellcheck disable=SC2016 # backquotes are markdown
		echo '| published anchor: fmod_ret trampoline, per call | about 12 ns | - | kernel `bench trig-fmodret` (71.8 M/s) less `trig-kernel-count`, real hardware, wall time | - |'
		# shellcheck disable=SC2016 # backquotes are markdown
		echo '| published anchor: BPF hash map lookup, 8-byte key | 20 ns | - | kernel `bench bpf-hashmap-lookup` (49.6 M/s, 65,536 entries 25% full), real hardware, wall time | - |'
		if [ -s "$out/nodetax.md" ]; then
			echo
			echo "**Node tax: a process outside every entry.** What a process in a cgroup that no"
			echo "entry covers pays: a call's rate with mptcpify loaded over its rate with mptcpify"
			echo "unloaded (no pins at all), the three states in turn within each round, the five"
			echo "calls interleaved in one process per state; median of per-round ratios, spread,"
			echo "the $unit added per call. The same guest and clock as above."
			echo
			cat "$out/nodetax.md"
		fi
		echo '<!-- bench:end -->'
	} >"$out/readme-table.md"
	awk -v t="$out/readme-table.md" '
		/<!-- bench:begin -->/ { while ((getline l < t) > 0) print l; skip = 1; next }
		/<!-- bench:end -->/ { skip = 0; next }
		!skip' "$readme" >"$readme.new" && mv "$readme.new" "$readme"
fi
