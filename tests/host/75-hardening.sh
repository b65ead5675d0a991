#!/bin/bash
# Nobody but root turns enforcement off, and nobody delays it. Each finding
# of the hardening review, tried as an unprivileged user, a careless
# operator or a hostile client would: the pin directory made first by a
# user, the lock, the metrics endpoint flooded, the pins removed under the
# daemon, hostile configurations and hostile names. The daemon is the ASan
# build.
. "$(dirname "$0")/env.sh"
PORT=19474
. "$(dirname "$0")/daemon-lib.sh"

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# 1. A world-writable bpffs (the kernel's default mode is 1777) where a user
# makes the pin directory before root does.
B=$WORK/bpffs
chmod 711 "$WORK" # for the user to reach the bpffs below
mkdir -p "$B" "$TESTCG/a"
mount -t bpf bpf "$B" -o mode=1777
trap 'umount "$B" 2>/dev/null; daemon_cleanup' EXIT
check "a user may create the pin directory on a 1777 bpffs" nobody mkdir -m 0777 "$B/mptcpify"
out=$("$M" --pin-dir "$B/mptcpify" attach --mode audit "$TESTCG/a" 2>&1)
is "root's attach refuses a pin directory another user made" "$?" 1
case $out in
*"belongs to another user"*"Hint: check who made it"*) ok "and says why, with a hint" ;;
*) not_ok "and says why, with a hint" "$out" ;;
esac
is "and attached nothing there" "$(ls -A "$B/mptcpify")" ""
case $("$M" --pin-dir "$B/mptcpify" probe) in
*"pins:            refused: the pin directory belongs to another user"*)
	ok "probe reports the pin directory" ;;
*) not_ok "probe reports the pin directory" "$("$M" --pin-dir "$B/mptcpify" probe)" ;;
esac
case $("$M" --pin-dir "$B/mptcpify" probe) in
*"(mode 1777: any user may create the pin directory first; mount it with mode=0700)"*)
	ok "and the world-writable bpffs" ;;
*) not_ok "and the world-writable bpffs" "$("$M" --pin-dir "$B/mptcpify" probe)" ;;
esac
check "unload removes what another user made" "$M" --pin-dir "$B/mptcpify" unload
check "then root makes its own" "$M" --pin-dir "$B/mptcpify" attach --mode audit "$TESTCG/a"
is "root's, and 0700" "$(stat -c '%u %a' "$B/mptcpify")" "0 700"
check "which no user may rename things in" sh -c "! nobody mv '$B/mptcpify/links' '$B/x'"

# 2. The lock is the pin directory itself: no user can open it, let alone
# hold it, and a user holding the bpffs root does not stop root.
check "a user cannot open, so cannot lock, the pin directory" \
	sh -c "! nobody flock -n '$B/mptcpify' true 2>/dev/null"
setpriv --reuid=65534 --regid=65534 --clear-groups flock -o "$B" sleep 30 &
holder=$!
sleep 0.3
check "root's list runs while a user holds a lock on the bpffs root" \
	timeout 5 "$M" --pin-dir "$B/mptcpify" list
check "and so does its attach" timeout 5 "$M" --pin-dir "$B/mptcpify" attach --exclude "$TESTCG/a"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
"$M" --pin-dir "$B/mptcpify" unload >/dev/null

# The daemon, in audit mode on this kernel, for what follows.
cat >"$CONF" <<EOF2
selectors:
  - {name: shop, pod: {namespace: shop}, mode: audit}
  - {name: hostile, cgroup: "${TESTCG#"$CG2"/}/h/*", mode: audit}
EOF2
mkdir -p "$TESTCG/h"
start_daemon

# 3. Metrics must not delay enforcement: 8 clients loop on /metrics while
# pods come, each pod's first process starting 40 ms after its mkdir, as a
# runtime's would.
for _ in $(seq 8); do
	(while :; do curl -s "http://127.0.0.1:$PORT/metrics" >/dev/null; done) &
	hammers="${hammers:-} $!"
done
out=$("$CHURN" "$K" "$PODS" "$MPTCPIFY_PIN_DIR/maps/policy" 20 5 40)
# shellcheck disable=SC2086
kill $hammers
wait $hammers 2>/dev/null
diag "churn under 8 clients looping on /metrics: $out"
field() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
is "every pod's entry was there before its first process" "$(field late)" 0
is "and its first socket counted" "$(field web_tcp)" 34
# A slowloris flood from another address: /healthz still answers.
"$ROOT/tests/slowloris.py" 127.0.0.2 127.0.0.1 "$PORT" 40 8 >"$WORK/slow.out" &
slow=$!
sleep 1
fails=0
for _ in $(seq 12); do
	[ "$(curl -s -m 1 "http://127.0.0.1:$PORT/healthz")" = ok ] || fails=$((fails + 1))
	sleep 0.5
done
wait "$slow"
diag "40 dribbling connections from 127.0.0.2 for 8 s: $(cat "$WORK/slow.out")"
is "/healthz answered every time during a slowloris flood" "$fails" 0
most=$(sed -n 's/.*most_open=\([0-9]*\).*/\1/p' "$WORK/slow.out")
check "one address got at most 8 connections at once (had $most)" test "${most:-99}" -le 8
is "and none outlived the 5 s deadline" "$(sed -n 's/.*held=\([0-9]*\).*/\1/p' "$WORK/slow.out")" 0
stop_daemon "the daemon exits 0 after the floods"

# Metrics on a Unix socket only root may use, without per-cgroup paths.
"$DAEMON" daemon --config "$CONF" --pods-dir "$PODS" --metrics "unix:$WORK/m.sock" \
	--cgroup-metrics off 2>>"$LOG" &
DPID=$!
wait_for "metrics on a Unix socket" \
	"curl -sf --unix-socket '$WORK/m.sock' http://x/healthz >/dev/null"
is "the socket is root's alone" "$(stat -c '%u %a' "$WORK/m.sock")" "0 600"
check "a user cannot connect" sh -c "! nobody curl -sf --unix-socket '$WORK/m.sock' http://x/healthz"
check "no cgroup path in the exposition" sh -c \
	"! curl -s --unix-socket '$WORK/m.sock' http://x/metrics | grep -q 'cgroup=\"'"
stop_daemon "and exits 0"

# 4. Pins removed under the daemon come back within a second or so.
start_daemon
web=$(pod shop web-0 1)
wait_for "a pod is enforced" "[ \"\$(entry '$web')\" = 'audit daemon' ]"
rm -rf "$MPTCPIFY_PIN_DIR"
wait_for "rm -rf of the pins: restored" "[ \"\$(entry '$web')\" = 'audit daemon' ]"
"$M" unload >/dev/null
wait_for "mptcpify unload beside the daemon: restored" "[ \"\$(entry '$web')\" = 'audit daemon' ]"
check "and logged" grep -q 'pins-lost' "$LOG"
stop_daemon "the daemon exits 0"
rm "$MPTCPIFY_PIN_DIR/links/audit"
out=$("$M" list 2>&1 >/dev/null)
is "list warns when a program of the pins is missing" "$out" \
	"Warning: an entry's program is not attached: run 'mptcpify load' to repair"
check "load repairs it" "$M" load
is "and list is quiet again" "$("$M" list 2>&1 >/dev/null)" ""

# 5. Hostile configurations: refused, with a position, quickly (the bound is
# a hang guard), under ASan.
hostile() { # NAME EXIT PATTERN: $WORK/hostile.yaml is refused so
	local t0 rc out ms
	t0=$(date +%s%N)
	out=$(timeout 10 "$DAEMON" daemon --check --config "$WORK/hostile.yaml" 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	diag "$1: refused in $ms ms: $out"
	is "$1: exit $2" "$rc" "$2"
	if printf '%s\n' "$out" | grep -qE -- "$3"; then ok "$1: $3"; else not_ok "$1: $3" "$out"; fi
}
head -c 1048576 /dev/zero | tr '\0' '[' >"$WORK/hostile.yaml"
hostile "1 MiB of nested [" 64 'hostile.yaml:1:17: nested too deep'
{
	echo "selectors: []"
	for i in $(seq 30000); do echo "k$i: 1"; done
	echo "k7: 2"
} >"$WORK/hostile.yaml"
hostile "30,000 keys, one twice" 64 "hostile.yaml:30002:1: 'k7' is given twice"
printf 'selectors: []\n---\nselectors: []\n' >"$WORK/hostile.yaml"
hostile "a second document" 64 'hostile.yaml:2:1: a second document'
printf 'resync: !!binary MTA=\nselectors: []\n' >"$WORK/hostile.yaml"
hostile "a tag" 64 'hostile.yaml:1:9: tags'
printf 'a: &a ["x","x"]\nb: [*a,*a]\n' >"$WORK/hostile.yaml"
hostile "anchors and aliases" 64 'hostile.yaml:1:4: anchors'
head -c 2000000 /dev/zero | tr '\0' '#' >"$WORK/hostile.yaml"
hostile "a file over 1 MiB" 1 'larger than 1048576 bytes'

# A reload of a hostile file is refused, and enforcement goes on.
start_daemon
cp "$CONF" "$WORK/good.yaml"
head -c 1048576 /dev/zero | tr '\0' '[' >"$CONF"
kill -HUP "$DPID"
wait_for "a hostile reload is refused" "grep -q 'reload-refused.*nested too deep' '$LOG'"
web2=$(pod shop web-1 2)
wait_for "and the next pod is enforced" "[ \"\$(entry '$web2')\" = 'audit daemon' ]"
cp "$WORK/good.yaml" "$CONF"

# 6. Hostile names: bytes that are not UTF-8, escapes, carriage returns
# (cgroupfs refuses newlines).
for name in $'bad\xff' $'esc\e[31m' $'cr\rline' 'back\slash'; do
	mkdir "$TESTCG/h/$name"
done
wait_for "cgroups with hostile names are enforced" \
	"[ \$(\"$M\" -j list | jq '[.cgroups[] | select(.cgroup | test(\"/h/\"))] | length') = 4 ]"
curl -s "http://127.0.0.1:$PORT/metrics" >"$WORK/expo.txt"
sleep 1.1
curl -s "http://127.0.0.1:$PORT/metrics" >"$WORK/expo.txt"
check "the exposition is valid UTF-8" iconv -f UTF-8 -t UTF-8 -o /dev/null "$WORK/expo.txt"
check "promtool finds it valid" sh -c "promtool check metrics <'$WORK/expo.txt'"
is "with the four names escaped" \
	"$(grep -c 'mptcpify_cgroup_sockets_total{selector="hostile"' "$WORK/expo.txt")" 12
check "list -j is valid JSON with them" sh -c "'$M' -j list | jq -e . >/dev/null"
check "the log has none of their raw bytes" \
	sh -c "! grep -qP '[\\x00-\\x08\\x0b-\\x1f\\x7f\\xff]' '$LOG'"

# The pods directory: a file, a user's directory, a second directory with a
# live pod's UID.
uid=aaaaaaaa-0000-4000-8000-$(printf '%012x' 3)
live=$(pod shop web-2 3)
wait_for "a pod is enforced" "[ \"\$(entry '$live')\" = 'audit daemon' ]"
uid4=aaaaaaaa-0000-4000-8000-$(printf '%012x' 4)
mkdir "$K/kubepods-burstable-pod${uid4//-/_}.slice"
touch "$PODS/shop_file_$uid4"
# Made by a user, then moved in: no moment as root's.
theirs=$(nobody mktemp -d)
mv "$theirs" "$PODS/shop_theirs_$uid4"
sleep 0.5
is "a plain file or a user's directory names no pod" \
	"$(entry "$K/kubepods-burstable-pod${uid4//-/_}.slice")" ""
mkdir "$PODS/other_copy_$uid"
sleep 0.3
rmdir "$PODS/other_copy_$uid"
sleep 0.5
is "a second directory with a live pod's UID, removed, leaves the pod enforced" \
	"$(entry "$live")" "audit daemon"
stop_daemon "the daemon exits 0, ASan clean"
tap_done
