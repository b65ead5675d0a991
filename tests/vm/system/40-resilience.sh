#!/bin/bash
# Enforcement outlives the daemon: stopped, killed or stuck, with a
# service looping on socket() meanwhile; systemd restarts it where it should.
# shellcheck source=lib
. /usr/local/lib/vmtest/cases/lib
# What is judged here is whether a socket escaped the rewrite: on the
# kernels that can rewrite (make test's time goes to them).
if [ "$MODE" = audit ]; then
	skip "the daemon stopped, killed and stuck under a looping service" "kernel $(uname -r) cannot rewrite; this runs on 6.12 and 7.3"
	exit 0
fi

cat >/etc/mptcpify/config.yaml <<EOS
selectors:
  - name: loop
    unit: loop.service
    mode: $MODE
EOS
check "reload with a selector for loop.service" systemctl reload mptcpify
# A transient loop.service, socket()+close() until stopped. The daemon
# learns of a unit's cgroup when systemd makes it, just before the main
# process starts, so that process's very first socket() could come first
# (README, Limits; mptcpify enable has no such window): the loop starts
# once its cgroup's entry is in place (loop_unit), since what is tried here
# is the daemon stopped, killed and stuck.
skips=$(hook_skips)
check "a service looping on socket(), from its cgroup's entry on" loop_unit loop
diag "loop's entry already in place when its start's first process ran: $(entry_figure loop)"
wait_until "its cgroup is enforced" "$HANG_S" sh -c "mptcpify -j list | grep -q loop.service"

check "systemctl stop mptcpify" systemctl stop mptcpify
check "leaves the entry in place" sh -c "mptcpify -j list | grep -q loop.service"
check "systemctl start mptcpify" systemctl start mptcpify
before=$(systemctl show -p NRestarts --value mptcpify)
pid=$(systemctl show -p MainPID --value mptcpify)
check "systemctl kill -s KILL mptcpify" systemctl kill -s KILL mptcpify
wait_until "systemd restarts it" "$HANG_S" sh -c \
	"[ \$(systemctl show -p NRestarts --value mptcpify) -gt $before ] && systemctl is-active -q mptcpify"
diag "SIGKILL to active again: ${WAITED}s"
before=$(systemctl show -p NRestarts --value mptcpify)
pid=$(systemctl show -p MainPID --value mptcpify)
check "SIGSTOP: the daemon's loop stops" kill -STOP "$pid"
wait_until "the watchdog has systemd restart it (WatchdogSec=)" "$HANG_S" sh -c \
	"[ \$(systemctl show -p NRestarts --value mptcpify) -gt $before ] && systemctl is-active -q mptcpify"
diag "SIGSTOP to active again: ${WAITED}s"
judge_loop loop "no socket escaped while the daemon was stopped, killed and stuck" "$skips"
