# shellcheck shell=bash
# Sourced by the host tests that run the daemon, after env.sh: a work
# directory, a configuration, and helpers to start the daemon and read what
# it did. DAEMON is the ASan build unless MPTCPIFY_DAEMON says otherwise.

DAEMON=${MPTCPIFY_DAEMON:-$BUILD/asan/mptcpify}
CHURN=$BUILD/tests/podchurn
PORT=${PORT:-19464}
WORK=$(mktemp -d)
PODS=$WORK/pods
CONF=$WORK/config.yaml
LOG=$WORK/daemon.log
K=$TESTCG/kubepods.slice/kubepods-burstable.slice
mkdir -p "$PODS" "$K"
DPID=

daemon_cleanup() {
	[ -z "$DPID" ] || kill -KILL "$DPID" 2>/dev/null
	rm -rf "$WORK"
	host_cleanup
}
trap daemon_cleanup EXIT

start_daemon() { # [ARGS...]: start it and wait until it says ready
	local n
	n=$(grep -c ' ready ' "$LOG" 2>/dev/null)
	"$DAEMON" daemon --config "$CONF" --pods-dir "$PODS" --metrics "127.0.0.1:$PORT" "$@" \
		2>>"$LOG" &
	DPID=$!
	wait_for "the daemon is ready" "[ \$(grep -c ' ready ' '$LOG') -gt ${n:-0} ]"
}

stop_daemon() { # DESC: SIGTERM, and it exits 0 (ASan clean)
	kill -TERM "$DPID"
	wait "$DPID"
	is "$1" "$?" 0
	DPID=
}

# The daemon started last has exited: nothing it was to do will come.
daemon_gone() {
	[ -n "$DPID" ] && ! kill -0 "$DPID" 2>/dev/null
}

# wait_for DESC SHELL-CONDITION: ok once it holds; not ok if it still does
# not after HANG_S seconds (a hang guard: see env.sh), or once the daemon
# has exited.
wait_for() {
	local held=false
	poll "if $2; then held=true; else daemon_gone; fi"
	if $held; then
		ok "$1"
		return 0
	fi
	if daemon_gone; then
		not_ok "$1" "the daemon exited; still false: $2" "$(tail -n 5 "$LOG")"
	else
		not_ok "$1" "still false after $HANG_S s: $2" "$(tail -n 5 "$LOG")"
	fi
}

rel() { echo "/${1#"$CG2"/}"; }

entry() { # CGROUP: "MODE OWNER" of its entry, or nothing
	"$M" -j list 2>/dev/null |
		jq -r --arg c "$(rel "$1")" '.cgroups[]? | select(.cgroup == $c) | "\(.mode) \(.owner)"'
}

metric() { # NAME{LABELS}: its value, as /metrics shows it
	curl -s -m 30 "http://127.0.0.1:$PORT/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}

# metric_is DESC NAME{LABELS} VALUE: a scrape shows what is at most a second
# or two old (a snapshot a second, a rendering served for a second), and the
# server runs at nice 10, below enforcement, where make test boots QEMU
# guests beside this suite: asked again until it shows VALUE, for HANG_S
# seconds at most (a hang guard), or until the daemon has exited.
metric_is() {
	# shellcheck disable=SC2034 # name and want: read by the condition poll evaluates
	local name=$2 want=$3 got
	poll 'got=$(metric "$name"); [ "$got" = "$want" ] || daemon_gone'
	is "$1" "$got" "$want"
}

pod() { # NAMESPACE NAME N: a pod cgroup and its log directory; prints the cgroup
	local uid
	uid=$(printf 'aaaaaaaa-0000-4000-8000-%012x' "$3")
	mkdir "$K/kubepods-burstable-pod${uid//-/_}.slice"
	mkdir "$PODS/$1_$2_$uid"
	echo "$K/kubepods-burstable-pod${uid//-/_}.slice"
}

socket_in() { # CGROUP: one TCP socket from a process in a new child cgroup
	mkdir -p "$1/ctr"
	in_cgroup "$1/ctr" "$SOCKCHECK" inet stream 0 >/dev/null
}
