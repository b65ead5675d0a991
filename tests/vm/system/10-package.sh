#!/bin/bash
# The package as an operator installs it: dpkg -i, then the service with
# the shipped configuration, which must change nothing.
# shellcheck source=lib
. /usr/local/lib/vmtest/cases/lib

# The guest is a slow machine, and under make test a busy one: as its
# operator would, a drop-in gives the service minutes to start and stop
# instead of 90 s, and its watchdog a minute rather than 10 s (a reload
# loads programs on the daemon's loop, which a guest running ten times
# slower than alone may take more than 10 s over). Hang guards, all.
mkdir -p /etc/systemd/system/mptcpify.service.d
printf '[Service]\nTimeoutStartSec=%s\nTimeoutStopSec=%s\nWatchdogSec=60\n' "$HANG_S" "$HANG_S" \
	>/etc/systemd/system/mptcpify.service.d/vmtest-slow-machine.conf
check "dpkg -i $(basename "$DEB")" dpkg -i "$DEB"
check "the binary, the man pages and the completion are where Debian wants them" \
	test -x /usr/sbin/mptcpify -a -f /usr/share/man/man8/mptcpify.8.gz \
	-a -f /usr/share/man/man5/mptcpify.yaml.5.gz \
	-a -f /usr/share/bash-completion/completions/mptcpify
check "dpkg knows the configuration as a conffile" \
	grep -qx ' /etc/mptcpify/config.yaml [0-9a-f]*' <(dpkg-query -W -f='${Conffiles}\n' mptcpify)
is "the package enabled and started it" "$(systemctl is-enabled mptcpify) $(systemctl is-active mptcpify)" \
	"enabled active"
check "systemctl enable --now mptcpify" systemctl enable --now mptcpify || diag "$(journal mptcpify)"
# As on a host that does not mount bpffs at boot: the unit mounts it, in
# the host's mount namespace, not in the service's own.
check "systemctl stop mptcpify" systemctl stop mptcpify
check "bpffs unmounted, as on a host that does not mount it" umount /sys/fs/bpf
check "systemctl start mptcpify" systemctl start mptcpify || diag "$(journal mptcpify)"
check "the unit mounted bpffs where the host sees it" mountpoint -q /sys/fs/bpf
# bpffs sets the sticky bit on its root whatever the mode.
is "root's only (mode=0700)" "$(stat -c %a /sys/fs/bpf)" 1700
is "active" "$(systemctl is-active mptcpify)" active
is "and nothing enforced" "$(mptcpify -j list | grep -o '"cgroups":\[[^]]*\]')" '"cgroups":[]'
status=$(systemctl show -p StatusText --value mptcpify)
diag "STATUS=: $status"
case $status in
"0 cgroups enforced by 0 selectors of /etc/mptcpify/config.yaml") ok "its status says so" ;;
*) not_ok "its status says so" "$status" ;;
esac
out=$(systemd-analyze verify /lib/systemd/system/mptcpify.service 2>&1)
is "systemd-analyze verify finds nothing" "$out" ""
exposure=$(systemd-analyze security mptcpify.service | sed -n 's/.*Overall exposure level for mptcpify.service: \([0-9.]*\).*/\1/p')
diag "systemd-analyze security: exposure $exposure"
check "exposure at most 4.5" awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 4.5) }'
# journalctl exits 0 when nothing matches: the entry itself is looked for,
# until journald has written it.
wait_until "the journal has the daemon's ready event, with its fields" "$HANG_S" sh -c \
	"journalctl -u mptcpify -o verbose MPTCPIFY_EVENT=ready --no-pager -q | grep -q ."
# The journal stamps the entry: the message carries no time of its own.
is "and a message without a time of its own" \
	"$(journalctl -u mptcpify -o cat MPTCPIFY_EVENT=ready --no-pager -q -n 1 | cut -d' ' -f1-2)" \
	"info ready"
