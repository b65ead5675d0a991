#!/bin/sh
# The README's "Getting multipath", run as the README says it: its command
# blocks (copied from README.md to the guest by tests/tests.mk, between the
# multipath-* markers) in two network namespaces joined by two paths, an
# enforced unmodified client, and what `mptcpify stats` then shows against
# the README's own output. First, a new namespace as the kernel makes it:
# one subflow, whatever mptcpify does ("Only one subflow" in the README's
# troubleshooting).
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "the README's multipath commands with an enforced client"

B=/usr/bin/mptcpify-multipath

# bare_paths: the README's two networks, eth0 10.0.1.0/24 and eth1
# 10.0.2.0/24 between cli (.1) and srv (.2), in namespaces as new as a
# pod's: no MPTCP limit or endpoint set.
bare_paths() {
	two_paths_cleanup
	ip netns add cli && ip netns add srv || return 1
	for i in 0 1; do
		ip link add "c$i" netns cli type veth peer name "s$i" netns srv &&
			ip -n cli link set "c$i" name "eth$i" &&
			ip -n srv link set "s$i" name "eth$i" &&
			ip -n cli addr add "10.0.$((i + 1)).1/24" dev "eth$i" &&
			ip -n srv addr add "10.0.$((i + 1)).2/24" dev "eth$i" &&
			ip -n cli link set "eth$i" up && ip -n srv link set "eth$i" up || return 1
	done
	ip -n cli link set lo up && ip -n srv link set lo up
}

# block NAME: the README's multipath-NAME block; fails when it is empty
# (markers moved or gone), so a README that loses its commands fails here.
block() {
	[ -s "$B-$1.txt" ] || {
		echo "README.md has no multipath-$1 block" >&2
		return 1
	}
	cat "$B-$1.txt"
}

# run_in NETNS NAME: the block's commands, as a shell there runs them.
run_in() {
	block "$2" >/tmp/block.sh && ip netns exec "$1" sh -ex /tmp/block.sh
}

# conn CGROUP [ARGS]: an unmodified client in CGROUP to srv's 10.0.1.2,
# against the enforced server; prints the client's report line. It joins
# CGROUP inside cli, by a descriptor opened before (ip netns exec mounts a
# sysfs of the namespace over /sys), so its socket() is the cgroup's only
# one: not ip's netlink socket.
conn() {
	_conn_cg=$1 # not _cg: start_server's
	shift
	mkdir -p "$_conn_cg"
	mptcpify attach "$_conn_cg" >/dev/null || return 1
	start_server "$T/server" >/tmp/server.out || return 1
	sh -c 'exec 3>"$0/cgroup.procs" && exec ip netns exec cli sh -c '\''echo $$ >&3 && exec 3>&- "$@"'\'' sh "$@"' \
		"$_conn_cg" mptcp_conn client --bytes 100000 "$@" 10.0.1.2 8080 2>&1
	wait
}

# json_of CGROUP KEY: "KEY":VALUE from `mptcpify -j stats CGROUP`.
json_of() {
	mptcpify -j stats "$1" | grep -o "\"$2\":\(\[[0-9,]*\]\|[0-9]*\)" | head -n1
}

mkdir -p "$T/server"
check "the server's cgroup enforced" mptcpify attach "$T/server"

# --- A new namespace: the kernel's defaults, one subflow ---
check "two namespaces, two paths, nothing of MPTCP set" bare_paths
is "a new namespace's limits are as the README says" \
	"$(ip -n cli mptcp limits show | sed 's/ *$//')" "add_addr_accepted 0 subflows 2"
is "and it has no endpoint" "$(ip -n cli mptcp endpoint show)" ""
out=$(conn "$T/c0")
is "an enforced client there gets MPTCP with one subflow" "$out" \
	"protocol=262 fallback=0 subflows=1 bytes=100000 reply=100000"
is "stats: no join" "$(json_of "$T/c0" joins_established)" '"joins_established":0'
is "stats: one connection, one subflow" "$(json_of "$T/c0" connections_by_subflows)" \
	'"connections_by_subflows":[1,0,0,0,0,0,0,0]'

# --- Client side: the README's client block on the client alone ---
check "two new namespaces again" bare_paths
check "the README's client-side commands, in the client's namespace" run_in cli client
diag "client endpoints: $(ip -n cli mptcp endpoint show | tr '\n' ';')"
out=$(conn "$T/c1" --subflows 2)
diag "server: $(cat /tmp/server.out)"
is "the enforced client's connection has two subflows" "$out" \
	"protocol=262 fallback=0 subflows=2 bytes=100000 reply=100000"
is "stats: the join came up" "$(json_of "$T/c1" joins_established)" '"joins_established":1'
is "stats: one connection, with two subflows" "$(json_of "$T/c1" connections_by_subflows)" \
	'"connections_by_subflows":[1,1,0,0,0,0,0,0]'
is "and the server's side counted the join" "$(json_of "$T/server" joins_established)" \
	'"joins_established":1'
# The README's `mptcpify stats` output, its cgroup column aside, and the
# share of bytes as a number: which subflow carries a byte is the
# scheduler's choice.
share='s/[0-9]*% of bytes/N% of bytes/'
want=$(block stats | grep -v '^\$' | sed -e '/^[a-z]/ s/  *[^ ]*$//' -e "$share")
got=$(mptcpify stats "$T/c1" | sed -e '/^[a-z]/ s/  *[^ ]*$//' -e "$share")
diag "mptcpify stats:" "$(mptcpify stats "$T/c1")"
if [ -n "$want" ] && [ "$got" = "$want" ]; then
	ok "mptcpify stats shows what the README says"
else
	not_ok "mptcpify stats shows what the README says" "got:" "$got" "README:" "$want"
fi

# --- Server side: the README's server block; the client accepts ADD_ADDR ---
check "two new namespaces again" bare_paths
check "the README's server-side commands, in the server's namespace" run_in srv server
check "the client's limits line of the README (add_addr_accepted)" sh -c \
	"grep 'ip mptcp limits set' $B-client.txt | ip netns exec cli sh -ex"
out=$(conn "$T/c2" --subflows 2)
is "the client opened a subflow to the announced address: two subflows" "$out" \
	"protocol=262 fallback=0 subflows=2 bytes=100000 reply=100000"
is "stats: the join came up" "$(json_of "$T/c2" joins_established)" '"joins_established":1'

# --- A pod: the README's nsenter block, by the PID of a process in it ---
check "two new namespaces again" bare_paths
ip netns exec cli sleep 600 &
PID=$!
# ip netns exec enters the namespace, then execs sleep.
wait_for 60 sh -c "[ \"\$(readlink /proc/$PID/ns/net)\" = \"\$(ip netns exec cli readlink /proc/self/ns/net)\" ]"
block pod >/tmp/pod.sh
check "the README's pod commands, from outside it, with PID=$PID" env PID=$PID sh -ex /tmp/pod.sh
kill "$PID"
wait "$PID" 2>/dev/null
out=$(conn "$T/c3" --subflows 2)
is "the pod's enforced client gets two subflows" "$out" \
	"protocol=262 fallback=0 subflows=2 bytes=100000 reply=100000"
is "stats: one connection, with two subflows" "$(json_of "$T/c3" connections_by_subflows)" \
	'"connections_by_subflows":[1,1,0,0,0,0,0,0]'

two_paths_cleanup
case_cleanup
