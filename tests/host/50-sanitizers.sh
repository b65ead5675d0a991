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
	for _ in $(seq 300); do
		curl -sf http://127.0.0.1:19465/healthz >/dev/null && break
		sleep 0.1
	done
	mkdir "$TESTCG/d1"
	# A scrape shows what is at most a second or two old.
	for _ in $(seq 100); do
		curl -s http://127.0.0.1:19465/metrics |
			grep -q '^mptcpify_selector_cgroups{selector="a",mode="audit"} 1$' && break
		sleep 0.1
	done
	curl -s http://127.0.0.1:19465/metrics | grep -q '^mptcpify_selector_cgroups{selector="a",mode="audit"} 1$'
	is "the daemon under valgrind enforced a cgroup" "$?" 0
	kill -HUP "$vpid"
	sleep 1
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
