#!/bin/bash
# The loader itself under AddressSanitizer/UBSan and valgrind, through the
# commands that touch the kernel (the unit tests cover the pure code).
. "$(dirname "$0")/env.sh"

ASAN=$BUILD/asan/mptcpify
export ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:exitcode=99
mkdir -p "$TESTCG/a"

# Each command with the exit status it must have: a run that fails for
# another reason never passes as "clean".
while IFS='|' read -r want args; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$ASAN" $args >/dev/null 2>/tmp/mptcpify-asan.$$
	rc=$?
	if [ "$rc" = 99 ] || grep -q 'Sanitizer' /tmp/mptcpify-asan.$$; then
		not_ok "asan/ubsan clean: mptcpify $args" "$(head -n 20 /tmp/mptcpify-asan.$$)"
	else
		is "asan/ubsan clean: mptcpify $args exits $want" "$rc" "$want"
	fi
done <<EOF2
0|probe
0|-j probe
0|attach --mode audit $TESTCG/a
0|attach --mode audit $TESTCG/a
0|subflow set $TESTCG/a join -> mark 0x20 ; initial -> tos 0x10
0|list
0|-p stats
0|stats $TESTCG/a
0|load
0|subflow clear $TESTCG/a
0|detach $TESTCG/a
0|list
0|unload
1|attach $CG2/nonexistent
64|frob
64|attach --help-me
0|attach --help
EOF2
rm -f /tmp/mptcpify-asan.$$

if command -v valgrind >/dev/null; then
	for args in "-j probe" "attach --mode audit $TESTCG/a" "stats" "detach $TESTCG/a"; do
		# shellcheck disable=SC2086
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--suppressions="$ROOT/tests/valgrind.supp" \
			"$M" $args >/dev/null 2>/tmp/mptcpify-vg.$$
		rc=$?
		is "valgrind clean: mptcpify $args, and it succeeded" "$rc" 0
		[ "$rc" = 0 ] || diag "$(head -n 30 /tmp/mptcpify-vg.$$)"
	done
	rm -f /tmp/mptcpify-vg.$$

	# The daemon: start, a matching cgroup, a scrape, a reload, SIGTERM.
	cfg=$(mktemp)
	printf 'selectors:\n  - {name: a, cgroup: "%s/d*", mode: audit}\n' "${TESTCG#"$CG2"/}" >"$cfg"
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--suppressions="$ROOT/tests/valgrind.supp" "$M" daemon --config "$cfg" \
		--metrics 127.0.0.1:19465 --pods-dir /nonexistent 2>/tmp/mptcpify-vg.$$ &
	vpid=$!
	# Under valgrind everything takes many times as long, on a busy machine
	# many times more: a wait is a hang guard three times HANG_S, cut short
	# if the daemon died, and what the test points judge is what came.
	vg_wait() { # SHELL-CONDITION
		HANG_S=$((HANG_S * 3)) poll "$1 || ! kill -0 $vpid 2>/dev/null" && eval "$1"
	}
	vg_wait "curl -sf -m 30 http://127.0.0.1:19465/healthz >/dev/null"
	mkdir "$TESTCG/d1"
	# A scrape shows what is a second or two old: asked again until it shows it.
	vg_wait "curl -s -m 30 http://127.0.0.1:19465/metrics |
		grep -q '^mptcpify_selector_cgroups{selector=\"a\",mode=\"audit\"} 1\$'"
	is "the daemon under valgrind enforced a cgroup" "$?" 0
	# SIGTERM once the reload has been applied (it logs so), not before:
	# valgrind is to see the reload run.
	kill -HUP "$vpid"
	vg_wait "grep -qE '^[^ ]+ info reload ' /tmp/mptcpify-vg.$$"
	is "the daemon under valgrind applied a reload" "$?" 0
	kill -TERM "$vpid"
	wait "$vpid"
	rc=$?
	is "valgrind clean: mptcpify daemon, through a reload and SIGTERM" "$rc" 0
	[ "$rc" = 0 ] || diag "$(head -n 30 /tmp/mptcpify-vg.$$)"
	rm -f "$cfg" /tmp/mptcpify-vg.$$
else
	skip "valgrind" "valgrind is not installed"
fi
tap_done
