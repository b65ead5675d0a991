#!/bin/bash
# mptcpify run: the command runs in a transient enforced cgroup that goes
# away with it, and its exit status comes back.
. "$(dirname "$0")/env.sh"

# Run from the test's own cgroup so the transient one lands below it.
run_here() {
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$TESTCG" "$@"
}

out=$(run_here "$M" run --mode audit -- sh -c "
	cat /proc/self/cgroup
	$SOCKCHECK inet stream 0 >/dev/null
	$SOCKCHECK inet6 stream 0 >/dev/null
	$M -j stats \$(sed -n 's/^0:://p' /proc/self/cgroup)")
cg=$(printf '%s\n' "$out" | sed -n 's/^0:://p')
case "$cg" in
*/mptcpify-run-*) ok "the command ran in a transient cgroup ($cg)" ;;
*) not_ok "the command ran in a transient cgroup" "got: $cg" ;;
esac
is "its sockets were counted while it ran" \
	"$(printf '%s\n' "$out" | grep '^{' | jq -r '.cgroups[0].tcp_created')" 2
check "the transient cgroup is gone" test ! -e "$CG2$cg"
check "and its entry with it (nothing left loaded)" test ! -e "$MPTCPIFY_PIN_DIR"

run_here "$M" run --mode audit -- sh -c 'exit 7'
is "exit status passes through" "$?" 7
run_here "$M" run --mode audit -- sh -c 'kill -TERM $$'
is "death by signal is 128+N" "$?" 143
run_here "$M" run --mode audit -- /nonexistent/command 2>/dev/null
is "a missing command exits 127" "$?" 127
is "no transient cgroup is left" "$(find "$TESTCG" -name 'mptcpify-run-*' | wc -l)" 0
tap_done
