#!/bin/bash
# The daemon's path-manager block: applied in the namespace of a selected
# cgroup's process, reported, refused in the host's namespace unless the
# selector says so, and undone once the process is gone. Audit mode: the
# host kernel refuses the rewrite, and the settings do not depend on it.
. "$(dirname "$0")/env.sh"
command -v jq >/dev/null || skip_all "no jq"
ip mptcp limits show >/dev/null 2>&1 || skip_all "no MPTCP path manager on this kernel"
. "$(dirname "$0")/daemon-lib.sh"

NS=mptcpify-pma-$HOSTTEST_TAG
app=
cleanup() {
	[ -z "$app" ] || kill "$app" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	daemon_cleanup
}
trap cleanup EXIT
ip netns del "$NS" 2>/dev/null

lim() { ip -n "$NS" mptcp limits show; }
eps() { ip -n "$NS" mptcp endpoint show | sed 's/ *$//' | sort; }
check "a namespace with one endpoint of the operator's" sh -c "
	ip netns add $NS && ip -n $NS link add v0 type veth peer name v1 &&
	ip -n $NS link set v0 up && ip -n $NS addr add 10.8.0.1/24 dev v0 &&
	ip -n $NS mptcp endpoint add 10.8.0.5 signal"
lim_before=$(lim)
eps_before=$(eps)
host_before=$(ip mptcp limits show; ip mptcp endpoint show)

# A bad block changes nothing and says where.
cat >"$WORK/bad.yaml" <<-EOF2
	selectors:
	  - name: app
	    cgroup: x
	    path-manager:
	      endpoints:
	        - {dev: v0, flags: [subflow, signall]}
EOF2
out=$("$M" daemon --check --config "$WORK/bad.yaml" 2>&1)
is "--check: an unknown flag, with its line and column" "$out" \
	"Error: $WORK/bad.yaml:6:38: unknown endpoint flag 'signall' (signal, subflow, backup, fullmesh). Hint: see the README's daemon section"

mkdir -p "$TESTCG/app" "$TESTCG/hostns"
cat >"$CONF" <<-EOF2
	resync: 1
	selectors:
	  - name: app
	    cgroup: "$(rel "$TESTCG/app")"
	    mode: audit
	    path-manager:
	      limits: {subflows: 4, add-addr-accepted: 3}
	      endpoints:
	        - {dev: v0, flags: [subflow]}
	        - {address: 10.8.0.9, flags: [signal, backup]}
	  - name: hostns
	    cgroup: "$(rel "$TESTCG/hostns")"
	    mode: audit
	    path-manager:
	      limits: {subflows: 5}
EOF2
check "the configuration passes --check" "$M" daemon --check --config "$CONF"
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$TESTCG/app" ip netns exec "$NS" sleep 600 &
app=$!
sh -c 'echo $$ > "$0/cgroup.procs" && exec sleep 600' "$TESTCG/hostns" &
hostproc=$!
poll '[ -s "$TESTCG/app/cgroup.procs" ] && [ -s "$TESTCG/hostns/cgroup.procs" ]'
start_daemon

wait_for "the limits are set in the process's namespace" \
	"[ \"\$(ip -n '$NS' mptcp limits show)\" = 'add_addr_accepted 3 subflows 4 ' ]"
got=$(eps)
diag "$got"
check "an endpoint for v0's address, bound to v0" grep -q '^10.8.0.1 id [0-9]* subflow dev v0$' <<<"$got"
check "the signal endpoint" grep -q '^10.8.0.9 id [0-9]* signal backup$' <<<"$got"
check "the operator's endpoint is still there" grep -q '^10.8.0.5 id [0-9]* signal$' <<<"$got"
ino=$(stat -L -c %i "/run/netns/$NS")
metric_is "metrics: applied" \
	"mptcpify_path_manager_namespace{selector=\"app\",cgroup=\"$(rel "$TESTCG/app")\",netns=\"$ino\",result=\"applied\",errno=\"0\"}" 1
metric_is "metrics: the host's namespace refused (EPERM)" \
	"mptcpify_path_manager_namespace{selector=\"hostns\",cgroup=\"$(rel "$TESTCG/hostns")\",netns=\"$(stat -L -c %i /proc/self/ns/net)\",result=\"refused\",errno=\"1\"}" 1
check "the daemon's log says why" grep -q "path-manager.*hostns.*host-namespace is not set" "$LOG"
is "the host's namespace is untouched" "$(ip mptcp limits show; ip mptcp endpoint show)" "$host_before"
is "pm show sees what was set" \
	"$("$M" -j pm show "$TESTCG/app" | jq -c '.namespaces[0].limits')" \
	'{"subflows":4,"add_addr_accepted":3}'

kill "$app"
wait "$app" 2>/dev/null
app=
wait_for "once the process is gone, the limits are as before" "[ \"\$(ip -n '$NS' mptcp limits show)\" = '$lim_before' ]"
is "and the endpoints: the operator's alone" "$(eps)" "$eps_before"
check "the restore is logged" grep -q "path-manager-restore" "$LOG"
metric_is "and no longer reported" \
	"mptcpify_path_manager_namespace{selector=\"app\",cgroup=\"$(rel "$TESTCG/app")\",netns=\"$ino\",result=\"applied\",errno=\"0\"}" ""
# Again, and this time the entry goes: the selector leaves the configuration.
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$TESTCG/app" ip netns exec "$NS" sleep 600 &
app=$!
wait_for "a new process in the namespace: applied again" \
	"[ \"\$(ip -n '$NS' mptcp limits show)\" = 'add_addr_accepted 3 subflows 4 ' ]"
sed -i '/^  - name: app$/,/^  - name: hostns$/{/^  - name: hostns$/!d}' "$CONF"
kill -HUP "$DPID"
wait_for "once its entry goes (a reload without it), the limits are as before" \
	"[ \"\$(ip -n '$NS' mptcp limits show)\" = '$lim_before' ]"
is "and the endpoints" "$(eps)" "$eps_before"
kill "$hostproc"
stop_daemon "the daemon stops cleanly (ASan)"
is "the host's namespace is still untouched" "$(ip mptcp limits show; ip mptcp endpoint show)" "$host_before"
tap_done
