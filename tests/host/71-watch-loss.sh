#!/bin/bash
# The daemon out of inotify watches, as anyone with a delegated cgroup
# subtree can make it: fs.inotify.max_user_watches lowered for the test
# (root's watches are one pool: the daemon's, and any other root
# process's), more cgroups made than it allows. A container made below an
# unwatched cgroup is enforced by the next resync; a pod whose log
# directory comes after its cgroup (the kubelet's order) is enforced when
# the directory appears; the count shows in /metrics and goes back to 0
# once the cgroups are gone. Then, with cgroup globs alone, a subtree no
# glob can match spends no watch.
. "$(dirname "$0")/env.sh"

. "$(dirname "$0")/daemon-lib.sh"

SYSCTL=/proc/sys/fs/inotify/max_user_watches
SAVED=$(cat "$SYSCTL")
restore() {
	echo "$SAVED" >"$SYSCTL"
	daemon_cleanup
}
trap restore EXIT

# The inotify watches of root's processes now.
root_watches() {
	local p n=0
	for p in /proc/[0-9]*; do
		[ "$(stat -c %u "$p" 2>/dev/null)" = 0 ] || continue
		n=$((n + $(cat "$p"/fdinfo/* 2>/dev/null | grep -c '^inotify wd:')))
	done
	echo "$n"
}

# Cgroups the daemon has an entry for, watched or not.
known() {
	curl -s -m 30 "http://127.0.0.1:$PORT/metrics" |
		awk '$1 == "mptcpify_cgroups_watched" || $1 == "mptcpify_cgroups_unwatched" { n += $2 }
		     END { print n + 0 }'
}

# Another mptcpify daemon on this host (a checkout testing beside this one)
# shares root's watches: it would run out with ours.
others() { pgrep -f 'mptcpify daemon ' >/dev/null; }

out_of_watches() {
	local ID UID_ SEL FLOOD made round before i unwatched podcg ctr
	ID=5e1ec7ed$(printf '%056x' 1)
	UID_=aaaaaaaa-0000-4000-8000-$(printf '%012x' 71)
	SEL=$TESTCG/sel
	FLOOD=$TESTCG/flood
	cat >"$CONF" <<-EOF
		resync: 3600
		selectors:
		  - name: ctr
		    container: ${ID:0:12}
		    mode: audit
		  - name: shop
		    pod: {namespace: shop}
		    mode: audit
		  - name: sel
		    cgroup: "$(rel "$SEL" | cut -c2-)/*"
		    mode: audit
	EOF
	mkdir "$SEL" "$FLOOD"
	start_daemon

	# Watches for the daemon and whatever runs as root now, and 50 more.
	echo $(($(root_watches) + 50)) >"$SYSCTL"
	made=0
	for round in 1 2 3 4 5 6 7 8 9 10; do
		before=$(known)
		for i in $(seq $((made + 1)) $((made + 300))); do mkdir "$FLOOD/f$i"; done
		made=$((made + 300))
		poll "[ \$(known) -ge $((before + 300)) ] || daemon_gone"
		# Not there (a daemon of an older build): no use making more.
		[ "$(metric mptcpify_cgroups_unwatched)" != 0 ] && break
	done
	unwatched=$(metric mptcpify_cgroups_unwatched)
	diag "$made cgroups made, $unwatched unwatched, in $round rounds"
	check "the flood leaves cgroups unwatched" test "$unwatched" -gt 0
	is "one watch-lost line for all of them" "$(grep -c 'watch-lost' "$LOG")" 1
	is "and no line per cgroup" "$(grep -c 'out of inotify watches' "$LOG")" 1
	is "/healthz stays ok: a restart would get no watches back" \
		"$(curl -s -m 30 "http://127.0.0.1:$PORT/healthz")" ok

	# The kubelet's order: the pod's cgroup (its watch fails), then its log
	# directory. The daemon reads their events in order, and no resync
	# comes within the test: the directory's event must find the cgroup.
	podcg=$K/kubepods-burstable-pod${UID_//-/_}.slice
	mkdir "$podcg"
	mkdir "$PODS/shop_web-0_$UID_"
	wait_for "a pod is enforced when its log directory comes after its cgroup" \
		"[ \"\$(entry '$podcg')\" = 'audit daemon' ]"

	# Resyncs every 2 s from now on.
	sed -i 's/^resync: 3600/resync: 2/' "$CONF"
	kill -HUP "$DPID"
	metric_is "the reload applies" 'mptcpify_config_reloads_total{result="applied"}' 1

	# A slice whose watch fails, below a watched one with no other child,
	# and once the daemon has it (its entry), a container made in it: no
	# event tells of that, and none gives a watch back (which would try
	# the cgroup again), so only a resync can find it. It used to stop at
	# the watched parent, with no watched child.
	mkdir "$SEL/c.slice"
	wait_for "a cgroup whose watch failed is enforced" \
		"[ \"\$(entry '$SEL/c.slice')\" = 'audit daemon' ]"
	ctr=$SEL/c.slice/docker-$ID.scope
	mkdir "$ctr"
	wait_for "a container made in it is enforced by a resync" \
		"[ \"\$(entry '$ctr')\" = 'audit daemon' ]"

	# The flood goes: its watches come back, and the others take them.
	rmdir "$FLOOD"/f*
	metric_is "every cgroup is watched again" mptcpify_cgroups_unwatched 0
	wait_for "which the log says once" "[ \$(grep -c 'watch-restored' '$LOG') = 1 ]"
	echo "$SAVED" >"$SYSCTL"
	rmdir "$ctr"
	wait_for "the container's removal, heard now, releases its entry" \
		"[ \"\$(metric 'mptcpify_selector_cgroups{selector=\"ctr\",mode=\"audit\"}')\" = 0 ]"
	stop_daemon "the daemon exits 0, ASan clean"
}

poll '! others'
if others; then
	skip "out of inotify watches" "another mptcpify daemon runs on this host"
else
	out_of_watches
fi

# Cgroup globs alone: only the root, the test's cgroup and jobs can have a
# matching cgroup below them. The rest of the host's cgroups, the pods'
# and other/ spend no watch.
cat >"$CONF" <<EOF
resync: 3600
selectors:
  - name: jobs
    cgroup: "$(rel "$TESTCG" | cut -c2-)/jobs/*"
    mode: audit
EOF
mkdir "$TESTCG/jobs" "$TESTCG/other"
start_daemon
metric_is "three cgroups watched" mptcpify_cgroups_watched 3
for i in $(seq 1 50); do mkdir "$TESTCG/other/x$i"; done
mkdir "$TESTCG/jobs/j1"
wait_for "a job is enforced" "[ \"\$(entry '$TESTCG/jobs/j1')\" = 'audit daemon' ]"
mkdir "$TESTCG/jobs/j1/sub"
metric_is "its cgroups, and the others, spend no watch" mptcpify_cgroups_watched 3
is "what is below a job inherits its entry" "$(entry "$TESTCG/jobs/j1/sub")" ""
metric_is "one enforced" 'mptcpify_selector_cgroups{selector="jobs",mode="audit"}' 1
rmdir "$TESTCG/jobs/j1/sub" "$TESTCG/jobs/j1"
metric_is "its removal, heard from jobs, releases its entry" \
	'mptcpify_selector_cgroups{selector="jobs",mode="audit"}' 0
metric_is "nothing is unwatched" mptcpify_cgroups_unwatched 0
stop_daemon "the daemon exits 0, ASan clean"
tap_done
