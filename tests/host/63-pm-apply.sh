#!/bin/bash
# The daemon's path-manager block: applied in the namespace of a selected
# cgroup's process, reported (metrics, `stats`), refused in the host's
# namespace unless the selector says so, tried again at the resync when
# refused, set anew when a reload changes it, and undone once the process
# is gone. Audit mode: the host kernel refuses the rewrite, and the
# settings do not depend on it.
. "$(dirname "$0")/env.sh"
command -v jq >/dev/null || skip_all "no jq"
ip mptcp limits show >/dev/null 2>&1 || skip_all "no MPTCP path manager on this kernel"
. "$(dirname "$0")/daemon-lib.sh"

NS=mptcpify-pma-$HOSTTEST_TAG
NS2=mptcpify-pml-$HOSTTEST_TAG
app=
late=
cleanup() {
	[ -z "$app" ] || kill "$app" 2>/dev/null
	[ -z "$late" ] || kill "$late" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
	daemon_cleanup
}
trap cleanup EXIT
ip netns del "$NS" 2>/dev/null
ip netns del "$NS2" 2>/dev/null

# pmrows CGROUP: what `-j stats` shows of its namespaces' path manager.
pmrows() {
	"$M" -j stats 2>/dev/null | jq -c --arg c "$(rel "$1")" \
		'[.cgroups[]? | select(.cgroup == $c) | .path_manager[]? |
		  {netns, result, errno, error, selector}]'
}

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

mkdir -p "$TESTCG/app" "$TESTCG/hostns" "$TESTCG/late"
check "a namespace without the device its selector names" ip netns add "$NS2"
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
	  - name: late
	    cgroup: "$(rel "$TESTCG/late")"
	    mode: audit
	    path-manager:
	      endpoints:
	        - {dev: late0, flags: [subflow]}
EOF2
check "the configuration passes --check" "$M" daemon --check --config "$CONF"
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$TESTCG/app" ip netns exec "$NS" sleep 600 &
app=$!
sh -c 'echo $$ > "$0/cgroup.procs" && exec sleep 600' "$TESTCG/hostns" &
hostproc=$!
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$TESTCG/late" ip netns exec "$NS2" sleep 600 &
late=$!
poll '[ -s "$TESTCG/app/cgroup.procs" ] && [ -s "$TESTCG/hostns/cgroup.procs" ] && [ -s "$TESTCG/late/cgroup.procs" ]'
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
hostino=$(stat -L -c %i /proc/self/ns/net)
is "-j stats: applied, in the cgroup's namespace" "$(pmrows "$TESTCG/app")" \
	"[{\"netns\":$ino,\"result\":\"applied\",\"errno\":0,\"error\":null,\"selector\":\"app\"}]"
is "-j stats: refused in the host's namespace, with EPERM" "$(pmrows "$TESTCG/hostns")" \
	"[{\"netns\":$hostino,\"result\":\"refused\",\"errno\":1,\"error\":\"EPERM\",\"selector\":\"hostns\"}]"
out=$("$M" stats 2>&1)
diag "$out"
check "stats: one line for the applied namespace" \
	grep -q "^ *path manager, netns $ino: applied, selector app$" <<<"$out"
check "stats: one for the refused one, with its errno and step" \
	grep -q "^ *path manager, netns $hostino: refused EPERM (the host's namespace (host-namespace is not set)), selector hostns$" <<<"$out"

# Refused (no device late0 there), then the device comes: the next resync sets it.
ino2=$(stat -L -c %i "/run/netns/$NS2")
is "-j stats: refused while the device is missing, with ENODEV" "$(pmrows "$TESTCG/late")" \
	"[{\"netns\":$ino2,\"result\":\"refused\",\"errno\":19,\"error\":\"ENODEV\",\"selector\":\"late\"}]"
n=$(grep -c ' reconcile .*trigger=resync' "$LOG")
wait_for "resyncs pass, the refusal stands" "[ \$(grep -c ' reconcile .*trigger=resync' '$LOG') -ge $((n + 2)) ]"
is "a refusal is logged once, not at each retry" \
	"$(grep -c 'path-manager.*selector=late.*result=' "$LOG")" 1
check "the device comes" sh -c "ip -n $NS2 link add late0 type veth peer name late1 &&
	ip -n $NS2 link set late0 up && ip -n $NS2 addr add 10.9.0.1/24 dev late0"
wait_for "the resync tries again: applied" \
	"[ \"\$(pmrows '$TESTCG/late' | jq -r '.[0].result')\" = applied ]"
check "the endpoint is there" sh -c "ip -n $NS2 mptcp endpoint show | grep -q '^10.9.0.1 .*subflow dev late0'"
is "and the change is logged, once" "$(grep -c 'path-manager.*selector=late.*result=' "$LOG")" 2

kill "$app"
wait "$app" 2>/dev/null
app=
wait_for "once the process is gone, the limits are as before" "[ \"\$(ip -n '$NS' mptcp limits show)\" = '$lim_before' ]"
is "and the endpoints: the operator's alone" "$(eps)" "$eps_before"
check "the restore is logged" grep -q "path-manager-restore" "$LOG"
metric_is "and no longer reported" \
	"mptcpify_path_manager_namespace{selector=\"app\",cgroup=\"$(rel "$TESTCG/app")\",netns=\"$ino\",result=\"applied\",errno=\"0\"}" ""
is "-j stats: restored, while the entry stays" "$(pmrows "$TESTCG/app")" \
	"[{\"netns\":$ino,\"result\":\"restored\",\"errno\":0,\"error\":null,\"selector\":\"app\"}]"
# Again, and this time the entry goes: the selector leaves the configuration.
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$TESTCG/app" ip netns exec "$NS" sleep 600 &
app=$!
wait_for "a new process in the namespace: applied again" \
	"[ \"\$(ip -n '$NS' mptcp limits show)\" = 'add_addr_accepted 3 subflows 4 ' ]"
eps_applied=$(eps)
# A reload that changes the block: set anew where it was set.
sed -i 's/subflows: 4,/subflows: 2,/' "$CONF"
kill -HUP "$DPID"
wait_for "a reload that changes the block sets it in the namespace already found" \
	"[ \"\$(ip -n '$NS' mptcp limits show)\" = 'add_addr_accepted 3 subflows 2 ' ]"
is "with the same endpoints" "$(eps | sed 's/ id [0-9]* / /')" "$(sed 's/ id [0-9]* / /' <<<"$eps_applied")"
wait_for "-j stats: applied" "[ \"\$(pmrows '$TESTCG/app' | jq -r '.[0].result')\" = applied ]"
check "the new block is logged" grep -q "path-manager .*selector=app .*result=applied why=\"its selector's block changed\"" "$LOG"
sed -i '/^  - name: app$/,/^  - name: hostns$/{/^  - name: hostns$/!d}' "$CONF"
kill -HUP "$DPID"
wait_for "once its entry goes (a reload without it), the limits are as before" \
	"[ \"\$(ip -n '$NS' mptcp limits show)\" = '$lim_before' ]"
is "and the endpoints" "$(eps)" "$eps_before"
kill "$hostproc" "$late"
late=
stop_daemon "the daemon stops cleanly (ASan)"
is "the host's namespace is still untouched" "$(ip mptcp limits show; ip mptcp endpoint show)" "$host_before"
tap_done
