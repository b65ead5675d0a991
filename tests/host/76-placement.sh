#!/bin/bash
# Selectors match only where the thing lives. A workload with a delegated
# subtree (a service with Delegate=, a rootless container) can name its
# own cgroups like an excluded unit or like a pod whose UID it can read in
# /var/log/pods: those get no entry of their own, and inherit the one that
# encloses them. Units of a user's manager are selected only by a cgroup
# glob.
. "$(dirname "$0")/env.sh"
PORT=${PORT:-19476}
. "$(dirname "$0")/daemon-lib.sh"

cat >"$CONF" <<EOF2
selectors:
  - {name: legacy, unit: legacy.service, mode: exclude}
  - {name: shop-db, pod: {namespace: shop, name: "db-*"}, mode: exclude}
  - {name: web, unit: web.service, mode: audit}
  - {name: shop, pod: {namespace: shop}, mode: audit}
EOF2
S=$TESTCG/system.slice
U=$TESTCG/user.slice/user-1000.slice/user@1000.service
mkdir -p "$S/web.service" "$U/app.slice"
start_daemon
wait_for "web.service is enforced" "[ \"\$(entry '$S/web.service')\" = 'audit daemon' ]"
db=$(pod shop db-0 1)
wait_for "the pod db-0 is excluded" "[ \"\$(entry '$db')\" = 'exclude daemon' ]"
uid=$(printf 'aaaaaaaa_0000_4000_8000_%012x' 1)

# Inside web.service, names that copy the excluded ones.
fakes=("$S/web.service/legacy.service" "$S/web.service/sub.slice/legacy.service"
	"$S/web.service/kubepods-burstable-pod$uid.slice"
	"$S/web.service/kubepods/burstable/pod${uid//_/-}"
	"$S/web.service/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$uid.slice"
	"$U/app.slice/web.service")
for f in "${fakes[@]}"; do mkdir -p "$f"; done
# Then the real legacy.service: once it has its entry, the daemon has seen
# the fakes (events come in order) and a resync has nothing to add.
mkdir "$S/legacy.service"
wait_for "the real legacy.service is excluded" "[ \"\$(entry '$S/legacy.service')\" = 'exclude daemon' ]"
kill -HUP "$DPID"
wait_for "a reload (a full pass) done" "[ \$(grep -c 'info reload ' '$LOG') -ge 1 ]"
for f in "${fakes[@]}"; do
	is "no entry of its own: ${f#"$TESTCG"/}" "$(entry "$f")" ""
done
socket_in "$S/web.service/legacy.service"
is "its sockets count in web.service's entry, which encloses it" \
	"$(stat_of "$S/web.service" tcp_created)" 1
is "and not as excluded by legacy" "$(metric 'mptcpify_sockets_total{selector="legacy",result="excluded"}')" 0
is "a user manager's web.service is not the unit web.service" "$(entry "$U/app.slice/web.service")" ""
stop_daemon "the daemon exits 0"
tap_done
