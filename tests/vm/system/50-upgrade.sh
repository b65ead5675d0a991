#!/bin/bash
# An upgrade to a package of a later version (another BPF object: it
# carries the version), while an enforced service loops on socket(); then
# dpkg -r and --purge.
# shellcheck source=lib
. /usr/local/lib/vmtest/cases/lib
# What is judged here is whether a socket escaped the rewrite: on the
# kernels that can rewrite (make test's time goes to them).
if [ "$MODE" = audit ]; then
	skip "the upgrade under a looping service, then dpkg -r and --purge" "kernel $(uname -r) cannot rewrite; this runs on 6.12 and 7.3"
	exit 0
fi

[ "$DEB_NEXT" != "$DEB" ] || { not_ok "a second package to upgrade to" "only $DEB"; exit 1; }
cat >/etc/mptcpify/config.yaml <<EOS
selectors:
  - name: loop
    unit: loop2.service
    mode: $MODE
EOS
check "reload with a selector for loop2.service" systemctl reload mptcpify
# From its cgroup's entry on, as in 40-resilience.
skips=$(hook_skips)
check "a service looping on socket(), from its cgroup's entry on" loop_unit loop2
diag "loop2's entry already in place when its start's first process ran: $(entry_figure loop2)"
wait_until "its cgroup is enforced" "$HANG_S" sh -c "mptcpify -j list | grep -q loop2.service"
old=$(mptcpify -j version | grep -o '"build_id":"[0-9a-f]*"')
# prog_id NAME: the id of a pinned program (mptcpify list's program_costs).
prog_id() {
	mptcpify -j list | grep -o "\"$1\":{\"id\":[0-9]*" | grep -o '[0-9]*$'
}
old_hook=$(prog_id hook) old_rewrite=$(prog_id rewrite)
check "dpkg -i $(basename "$DEB_NEXT") (the upgrade)" dpkg -i "$DEB_NEXT"
new=$(mptcpify -j version | grep -o '"build_id":"[0-9a-f]*"')
diag "BPF object: $old before, $new after"
check "the new package's BPF object is another" test "$old" != "$new"
diag "hook program $old_hook -> $(prog_id hook), rewrite program $old_rewrite -> $(prog_id rewrite)"
is "in place: the hook the kernel patched stays" "$(prog_id hook)" "$old_hook"
check "and the rewrite program behind it is the new one" test "$(prog_id rewrite)" != "$old_rewrite"
is "the daemon runs the new version" "$(systemctl is-active mptcpify)" active
check "the configuration was kept" grep -q loop2.service /etc/mptcpify/config.yaml
judge_loop loop2 "no socket escaped during the upgrade" "$skips"

web_unit web3 8095
mptcpify enable web3.service --mode "$MODE" >/dev/null
check "dpkg -r mptcpify" dpkg -r mptcpify
check "removes enforcement: no pins left" test ! -e /sys/fs/bpf/mptcpify
check "and the drop-ins of mptcpify enable" test ! -e /etc/systemd/system/web3.service.d/mptcpify.conf
check "keeps the configuration (a conffile)" test -f /etc/mptcpify/config.yaml
check "dpkg --purge mptcpify" dpkg --purge mptcpify
check "removes the configuration" test ! -e /etc/mptcpify
