#!/bin/bash
# The daemon with a unit: selector, and a real service that systemd starts
# and restarts. What its connections were, the kernel says (rewrite on
# kernels that can; audit, which changes nothing, on the others). Each
# start waits for the daemon's entry (await-entry): that it comes, for
# each new cgroup, is tested; how soon after systemd made the cgroup is a
# make bench figure (README, Limits), reported here only.
# shellcheck source=lib
. /usr/local/lib/vmtest/cases/lib

web_unit web 8080 await
cat >/etc/mptcpify/config.yaml <<EOS
selectors:
  - name: web
    unit: web.service
    mode: $MODE
EOS
check "systemctl reload mptcpify (the new configuration)" systemctl reload mptcpify
is "the reload was applied before it returned" \
	"$(systemctl show -p StatusText --value mptcpify | cut -d' ' -f3-6)" "enforced by 1 selectors"

# A configuration the daemon refuses: reload fails, and it keeps the old one.
cp /etc/mptcpify/config.yaml /tmp/good.yaml
echo "  - {name: bad, cgroup: x, mode: fast}" >>/etc/mptcpify/config.yaml
out=$(systemctl reload mptcpify 2>&1)
is "a bad configuration makes systemctl reload fail" "$?" 1
is "and the daemon runs on" "$(systemctl is-active mptcpify)" active
cp /tmp/good.yaml /etc/mptcpify/config.yaml
check "a good one again" systemctl reload mptcpify
check "the pins are on the host's bpffs, not in the service's namespace" \
	test -d /sys/fs/bpf/mptcpify/maps
# bpffs unmounted under the daemon: a mount in its own namespace would hide
# the pins from the host, so it exits, and its next start mounts bpffs on
# the host and makes the pins again.
check "bpffs unmounted under the running daemon" unmount /sys/fs/bpf
wait_until "it exits, and its restart mounts bpffs on the host and pins again" "$HANG_S" \
	sh -c 'mountpoint -q /sys/fs/bpf && test -d /sys/fs/bpf/mptcpify/maps && systemctl is-active -q mptcpify'
diag "unmounted to pinned again: ${WAITED}s"

snap
check "systemctl start web (once its entry is in place)" systemctl start web
wait_until "web fetched its page" "$HANG_S" fetched web 1
if [ "$MODE" = rewrite ]; then
	check "the kernel lists web's listener as MPTCP (ss -M)" \
		sh -c "ss -HMltn 'sport = :8080' | grep -q ."
	is "its connection: outgoing and accepted, both MPTCP (MIB)" "$(delta)" \
		"active=1 mptcp_active=1 mptcp_passive=1"
	snap
	restart_each web 10
	is "10 restarts: each new instance, its new cgroup's entry in place, connected over MPTCP (MIB)" \
		"$(delta)" "active=10 mptcp_active=10 mptcp_passive=10"
else
	is "audit: web's connection stayed TCP (MIB)" "$(delta)" \
		"active=1 mptcp_active=0 mptcp_passive=0"
	cg=$(systemctl show -p ControlGroup --value web)
	is "and mptcpify counted web's TCP sockets" \
		"$(mptcpify -j stats "$cg" | grep -o '"tcp_created":[0-9]*' | cut -d: -f2)" 2
fi
diag "web's entry already in place when its start's first process ran: $(entry_figure web)"
# journalctl exits 0 when nothing matches: the entry itself is looked for,
# until journald has written it.
wait_until "the journal has the entry's event with SELECTOR= and CGROUP=" "$HANG_S" sh -c \
	"journalctl -u mptcpify -o verbose SELECTOR=web --no-pager -q | grep -q ."
systemctl stop web
