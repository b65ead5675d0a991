#!/bin/bash
# mptcpify pm show: the path manager of each network namespace a cgroup's
# processes are in, as the kernel's own tool (ip mptcp) sees it inside.
. "$(dirname "$0")/env.sh"
command -v jq >/dev/null || skip_all "no jq"
ip mptcp limits show >/dev/null 2>&1 || skip_all "no MPTCP path manager on this kernel"

NS=mptcpify-pm-$HOSTTEST_TAG
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	host_cleanup
}
trap cleanup EXIT
ip netns del "$NS" 2>/dev/null

# A namespace set up as an operator would, with a veth for a device endpoint.
check "a namespace with limits and endpoints" sh -c "
	ip netns add $NS && ip -n $NS link add v0 type veth peer name v1 &&
	ip -n $NS link set v0 up && ip -n $NS addr add 10.9.0.1/24 dev v0 &&
	ip -n $NS addr add 10.9.0.2/24 dev v0 &&
	ip -n $NS mptcp limits set subflows 3 add_addr_accepted 4 &&
	ip -n $NS mptcp endpoint add 10.9.0.1 dev v0 subflow backup &&
	ip -n $NS mptcp endpoint add 10.9.0.2 port 1234 signal"

mkdir -p "$TESTCG/app/worker" "$TESTCG/empty"
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$TESTCG/app" ip netns exec "$NS" sleep 600 &
pids+=($!)
# A fresh namespace, as a container's: the kernel's defaults.
sh -c 'echo $$ > "$0/cgroup.procs" && exec unshare -n sleep 600' "$TESTCG/app/worker" &
fresh=$!
pids+=($!)
# A second process in the configured one: one namespace, counted twice.
sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$TESTCG/app/worker" ip netns exec "$NS" sleep 600 &
pids+=($!)
poll '[ "$(cat "$TESTCG/app/cgroup.procs" "$TESTCG/app/worker/cgroup.procs" | wc -l)" = 3 ] &&
	[ "$(readlink /proc/$fresh/ns/net)" != "$(readlink /proc/self/ns/net)" ]'
conf_ino=$(stat -L -c %i "/run/netns/$NS")
fresh_ino=$(stat -L -c %i "/proc/$fresh/ns/net")

out=$("$M" -j pm show "$TESTCG/app")
diag "$out"
is "two namespaces, the descendants' processes included" "$(jq '.namespaces | length' <<<"$out")" 2
ns() { # INO FILTER: of the namespace INO
	jq -c --argjson ino "$1" ".namespaces[] | select(.netns == \$ino) | $2" <<<"$out"
}
is "the configured one: its two processes" "$(ns "$conf_ino" .processes)" 2
is "its limits" "$(ns "$conf_ino" .limits)" '{"subflows":3,"add_addr_accepted":4}'
is "its subflow endpoint, with the device named inside the namespace" \
	"$(ns "$conf_ino" '.endpoints[] | select(.address == "10.9.0.1") | [.port, .dev, .flags]')" \
	'[0,"v0",["subflow","backup"]]'
is "its signal endpoint, with the port" \
	"$(ns "$conf_ino" '.endpoints[] | select(.address == "10.9.0.2") | [.port, .dev, .flags]')" \
	'[1234,null,["signal"]]'
is "and the ids ip mptcp gives them" \
	"$(ns "$conf_ino" '[.endpoints[].id] | sort')" \
	"[$(ip -n "$NS" mptcp endpoint show | sed -n 's/.* id \([0-9]*\).*/\1/p' | sort -n | paste -sd,)]"
want=$(nsenter -t "$fresh" -n ip mptcp limits show)
is "the fresh namespace: the kernel's defaults, as ip mptcp shows them inside" \
	"$(ns "$fresh_ino" '"add_addr_accepted \(.limits.add_addr_accepted) subflows \(.limits.subflows)"')" \
	"\"${want% }\""
is "and no endpoint" "$(ns "$fresh_ino" '.endpoints')" '[]'
is "neither is the host's" "$(jq '[.namespaces[] | select(.host)] | length' <<<"$out")" 0

text=$("$M" pm show "$TESTCG/app")
diag "$text"
is "text: the count" "$(head -n1 <<<"$text")" "/$(basename "$TESTCG")/app: 2 network namespaces"
check "text: the limits" grep -qx '  limits: subflows 3 add_addr_accepted 4' <<<"$text"
check "text: an endpoint as ip mptcp would list it" \
	grep -qx '  endpoint [0-9]*: 10.9.0.1 dev v0 subflow backup' <<<"$text"
check "text: the one with a port" grep -qx '  endpoint [0-9]*: 10.9.0.2 port 1234 signal' <<<"$text"
check "text: none in the fresh namespace" grep -qx '  no endpoint' <<<"$text"

is "a cgroup without processes has none" "$("$M" pm show "$TESTCG/empty")" \
	"/$(basename "$TESTCG")/empty: no process, no network namespace"
sh -c 'echo $$ > "$0/cgroup.procs" && exec sleep 600' "$TESTCG/empty" &
pids+=($!)
poll '[ -s "$TESTCG/empty/cgroup.procs" ]'
is "a process in mptcpify's own namespace: marked the host's" \
	"$("$M" -j pm show "$TESTCG/empty" | jq -c '[.namespaces[].host]')" '[true]'

err=$("$M" pm show "$TESTCG/nonexistent" 2>&1)
rc=$?
is "a cgroup that does not exist: exit 1" "$rc" 1
is "with one error line" "$(wc -l <<<"$err") $(cut -c1-7 <<<"$err")" "1 Error: "
"$M" pm >/dev/null 2>&1
is "pm without a command: a usage error" "$?" 64
is "nothing changed in the namespace" "$(ip -n "$NS" mptcp limits show)" \
	"add_addr_accepted 4 subflows 3 "
tap_done
