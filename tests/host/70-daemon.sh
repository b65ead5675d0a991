#!/bin/bash
# The daemon on the host kernel, with the README's example configuration:
# audit mode (this kernel refuses the rewrite; the VM case proves that part),
# pods churned the kubelet's way, reloads good and bad, kill -9 and restart,
# metrics, and entries made by hand left alone. The daemon runs the
# AddressSanitizer build: a leak or a memory error fails its exit status.
. "$(dirname "$0")/env.sh"

. "$(dirname "$0")/daemon-lib.sh"
mkdir -p "$TESTCG/system.slice" "$TESTCG/manual"

"$ROOT/tests/readme-config.sh" >"$WORK/readme.yaml"
# The README's example as is, but audit where it says rewrite.
sed 's/mode: rewrite/mode: audit/' "$WORK/readme.yaml" >"$CONF"

# Bad input: one line, its exit code, nothing created.
out=$("$M" daemon --config "$WORK/readme.yaml" --check)
is "the README's example is valid" "$out" "$WORK/readme.yaml: 4 selectors, 1 profiles: ok"
printf 'selectors:\n  - {name: a, cgroup: x, mode: fast}\n' >"$WORK/bad.yaml"
out=$("$M" daemon --config "$WORK/bad.yaml" 2>&1)
is "a bad mode exits 64" "$?" 64
is "with file, line and column" "$out" \
	"Error: $WORK/bad.yaml:2:32: mode must be rewrite, audit or exclude. Hint: see the README's daemon section"
"$M" daemon --config "$WORK/missing.yaml" >/dev/null 2>&1
is "a missing file exits 1" "$?" 1
"$M" daemon --config "$CONF" --bogus >/dev/null 2>&1
is "an unknown option exits 64" "$?" 64
is "a missing value is named" "$("$M" daemon --config 2>&1 | cut -d. -f1)" \
	"Error: a value is missing after '--config'"
out=$("$M" daemon --config "$WORK/readme.yaml" --pods-dir "$PODS" --metrics off 2>&1)
is "rewrite selectors on this kernel exit 1" "$?" 1
case "$out" in
*"Hint: see 'mptcpify probe'; 'mode: audit' works without the rewrite") ok "and say why" ;;
*) not_ok "and say why" "$out" ;;
esac
is "nothing was left pinned" "$(ls "$MPTCPIFY_PIN_DIR" 2>&1 >/dev/null | grep -c 'No such')" 1

# Entries made by hand: one the daemon never matches, one on a pod it would.
check "a manual audit entry" "$M" attach --mode audit "$TESTCG/manual"
manual_pod=$K/kubepods-burstable-pod$(printf 'aaaaaaaa_0000_4000_8000_%012x' 1).slice
mkdir "$manual_pod"
check "a manual exclude on a pod" "$M" attach --exclude "$manual_pod"
mkdir "$PODS/shop_web-manual_$(printf 'aaaaaaaa-0000-4000-8000-%012x' 1)"

start_daemon
wait_for "/healthz says ok" "[ \"\$(curl -s -m 30 'http://127.0.0.1:$PORT/healthz')\" = ok ]"
is "the manual pod entry is left as made" "$(entry "$manual_pod")" "exclude cli"
is "the manual entry is left alone" "$(entry "$TESTCG/manual")" "audit cli"

mkdir "$TESTCG/system.slice/nginx.service"
wait_for "a systemd unit's cgroup is enforced" \
	"[ \"\$(entry '$TESTCG/system.slice/nginx.service')\" = 'audit daemon' ]"
socket_in "$TESTCG/system.slice/nginx.service"
is "and its sockets counted" "$(stat_of "$TESTCG/system.slice/nginx.service" tcp_created)" 1

keep=$(pod shop web-keep 2)
wait_for "a pod of namespace shop is enforced" "[ \"\$(entry '$keep')\" = 'audit daemon' ]"
# The profile is written just after the entry.
wait_for "with the selector's subflow profile" \
	"[ \"\$('$M' -j subflow show '$keep' | jq -r '.profiles[0].rules[0].rule')\" = 'join -> mark 0x20' ]"
# The daemon reads the cgroups' and the pods' events in order: once the db
# pod, made after the other one, has its entry, the other one's events have
# been seen too.
other=$(pod other app-0 4)
db=$(pod shop db-0 3)
wait_for "a db pod gets its exclude entry" "[ \"\$(entry '$db')\" = 'exclude daemon' ]"
is "a pod no selector matches gets nothing" "$(entry "$other")" ""

# 1000 pods, 100 a second if the machine keeps up: podchurn starts each web
# and db pod's process once the pod's entry is there (waiting 120 s at most),
# so its first socket comes after the entry. How long entries took (p50_us,
# p99_us) is a make bench figure; stale (entries left 120 s after their pod)
# is judged below, with a longer wait.
out=$("$CHURN" "$K" "$PODS" "$MPTCPIFY_PIN_DIR/maps/policy" 100 10)
diag "churn: $out"
field() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
is "1000 pods churned" "$(field pods)" 1000
is "every web and db pod got its entry (within podchurn's 120 s)" "$(field late)" 0
metric_is "every web pod's first socket, made after its entry, was counted" \
	'mptcpify_sockets_total{selector="shop",result="tcp_created"}' "$(field web_tcp)"
is "web pods made sockets" "$(field web_tcp)" 334
metric_is "nothing else counted for nginx" \
	'mptcpify_sockets_total{selector="nginx",result="tcp_created"}' 1
# A removed cgroup's entry lists as null until the daemon removes it.
wait_for "no entry outlived its pod: no churned pod's entry is left" \
	"[ \"\$('$M' -j list | jq '[.cgroups[] | select(.cgroup == null or (.cgroup | test(\"pod00000\")))] | length')\" = 0 ]"
metric_is "cgroup removals seen" 'mptcpify_cgroup_events_total{event="removed"}' 2000
metric_is "the daemon stays healthy" mptcpify_healthy 1

# A CLI of another build upgrades the programs; the daemon does not fight it.
if [ -x "$NEXT" ]; then
	check "another build's load upgrades under the running daemon" \
		sh -c "'$NEXT' -j load | grep -q '\"upgraded\":true'"
	next_pod=$(pod shop web-next 6)
	wait_for "the daemon goes on enforcing" "[ \"\$(entry '$next_pod')\" = 'audit daemon' ]"
	check "and leaves that build in place" sh -c "'$NEXT' -j load | grep -q '\"upgraded\":false'"
else
	skip "a CLI of another build" "no second build at $NEXT (make vm-bin)"
fi

# SIGHUP with a broken file: refused, the old policy stays.
cp "$CONF" "$WORK/good.yaml"
sed -i 's/mode: exclude/mode: sometimes/' "$CONF"
kill -HUP "$DPID"
wait_for "a broken reload is refused" "grep -q 'reload-refused' '$LOG'"
line=$(grep -n 'mode: sometimes' "$CONF" | head -n1 | cut -d: -f1)
case "$(grep reload-refused "$LOG")" in
*"config.yaml:$line:11: mode must be rewrite, audit or exclude"*) ok "with its line and column" ;;
*) not_ok "with its line and column" "$(grep reload-refused "$LOG")" ;;
esac
metric_is "the refusal is counted" 'mptcpify_config_reloads_total{result="refused"}' 1
is "the old policy stays" "$(entry "$db") $(entry "$TESTCG/system.slice/nginx.service")" \
	"exclude daemon audit daemon"

# SIGHUP moving nginx from audit to exclude: the same entry, changed in place.
id_before=$("$M" -j list | jq --arg c "$(rel "$TESTCG/system.slice/nginx.service")" \
	'.cgroups[] | select(.cgroup == $c) | .id')
awk '/unit: nginx.service/ { n = 1 } n && /mode:/ { sub(/audit/, "exclude"); n = 0 } 1' \
	"$WORK/good.yaml" >"$CONF"
kill -HUP "$DPID"
wait_for "a good reload applies" \
	"[ \"\$(entry '$TESTCG/system.slice/nginx.service')\" = 'exclude daemon' ]"
is "in place: the same cgroup id" "$("$M" -j list | jq --arg c \
	"$(rel "$TESTCG/system.slice/nginx.service")" '.cgroups[] | select(.cgroup == $c) | .id')" \
	"$id_before"
metric_is "the reload is counted" 'mptcpify_config_reloads_total{result="applied"}' 1

# kill -9: enforcement stays; a restart adopts it and remakes nothing.
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
DPID=
socket_in "$keep"
is "with the daemon dead, sockets are still counted" "$(stat_of "$keep" tcp_created)" 1
late=$(pod shop web-late 5)
start_daemon
wait_for "a pod made while it was down is enforced at restart" \
	"[ \"\$(entry '$late')\" = 'audit daemon' ]"
metric_is "the restart set only that entry" 'mptcpify_entry_changes_total{change="set"}' 1
metric_is "and removed none" 'mptcpify_entry_changes_total{change="removed"}' 0
is "the counters went on" "$(stat_of "$keep" tcp_created)" 1

# SIGTERM leaves enforcement; --cleanup-on-exit removes the daemon's own.
kill -TERM "$DPID"
wait "$DPID"
is "SIGTERM exits 0, ASan clean" "$?" 0
DPID=
is "enforcement stays after SIGTERM" "$(entry "$keep")" "audit daemon"
start_daemon --cleanup-on-exit
kill -TERM "$DPID"
wait "$DPID"
is "--cleanup-on-exit exits 0" "$?" 0
DPID=
is "the daemon's entries are gone" "$("$M" -j list | jq '[.cgroups[] | select(.owner == "daemon")] | length')" 0
is "the manual ones stay" "$(entry "$TESTCG/manual") $(entry "$manual_pod")" "audit cli exclude cli"

# A selector dropped while the daemon was down: its entries go at start.
start_daemon
wait_for "a shop pod is enforced again" "[ \"\$(entry '$keep')\" = 'audit daemon' ]"
kill -TERM "$DPID"
wait "$DPID"
sed -i 's/pod: {namespace: shop}/pod: {namespace: elsewhere}/' "$CONF"
start_daemon
wait_for "an entry the new configuration does not want is removed at start" \
	"[ -z \"\$(entry '$keep')\" ]"

# Everything unloaded under it, then a scrape with nothing pinned: the
# daemon and the CLI carry on (a failed open used to keep the lock).
check "mptcpify unload while the daemon runs" "$M" unload
curl -s -m 30 "http://127.0.0.1:$PORT/metrics" >/dev/null
db2=$(pod shop db-1 8)
wait_for "the next pod is enforced" "[ \"\$(entry '$db2')\" = 'exclude daemon' ]"
# A lock kept would make list wait for ever: the bound is a hang guard.
check "and the CLI is not locked out" timeout "$HANG_S" "$M" list
kill -TERM "$DPID"
wait "$DPID"
is "SIGTERM exits 0" "$?" 0
DPID=

# -j: a JSON object per log line.
"$M" -j daemon --config "$CONF" --pods-dir "$PODS" --metrics off 2>"$WORK/json.log" &
DPID=$!
poll "grep -q '\"ready\"' '$WORK/json.log' || daemon_gone"
kill -TERM "$DPID"
wait "$DPID"
DPID=
is "-j logs are JSON lines" "$(jq -r 'select(.event == "ready") | .level' "$WORK/json.log")" info

# Each line's time: RFC 3339, UTC, milliseconds, as date(1) reads it back.
stamp_ok() {
	[[ $1 =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$ ]] &&
		date -u -d "$1" +%s >/dev/null
}
t=$(grep -m1 ' ready ' "$LOG" | cut -d' ' -f1)
check "a text log line starts with its time" stamp_ok "$t"
t=$(jq -r 'select(.event == "ready") | .time' "$WORK/json.log")
check "a -j log line has its time" stamp_ok "$t"
bad=$(jq -r '.time' "$WORK/json.log" | while read -r t; do stamp_ok "$t" || echo "$t"; done)
is "and so has every -j line" "$bad" ""
# Under the journal (JOURNAL_STREAM names stderr) the journal stamps each
# entry: no time of the daemon's own.
: >"$WORK/journal.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$WORK/journal.log") \
	"$M" -j daemon --config "$CONF" --pods-dir "$PODS" --metrics off 2>>"$WORK/journal.log" &
DPID=$!
poll "grep -q '\"ready\"' '$WORK/journal.log' || daemon_gone"
kill -TERM "$DPID"
wait "$DPID"
DPID=
is "under the journal, no time in the line" \
	"$(jq -r 'select(.event == "ready") | has("time")' "$WORK/journal.log")" false
tap_done
