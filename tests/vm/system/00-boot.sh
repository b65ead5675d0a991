#!/bin/bash
# The Debian guest itself: systemd is PID 1 and the system came up.
. "$TAP_SH"
is "PID 1 is systemd" "$(cat /proc/1/comm)" systemd
state=$(systemctl is-system-running --wait)
diag "system: $state, up $(cut -d' ' -f1 /proc/uptime)s" "$(systemctl --failed --no-legend)"
case $state in
running | degraded) ok "the system is up ($state)" ;;
*) not_ok "the system is up" "$state" ;;
esac
check "bpffs is mounted (by systemd)" mountpoint -q /sys/fs/bpf
check "cgroup v2 only" test -f /sys/fs/cgroup/cgroup.controllers
