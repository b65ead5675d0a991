#!/bin/bash
# The path-manager block where it is needed: a podman pod with a network
# namespace of its own (nothing set on the host reaches it), selected by
# its slice, under the package's daemon and its systemd sandbox. The
# daemon sets the selector's MPTCP limits and endpoint inside; a container
# outside the selection keeps the kernel's defaults; when the selector
# goes, the pod's namespace is as it was.
# shellcheck source=lib
. /usr/local/lib/vmtest/cases/lib

if ! grep -qw update_socket_protocol /proc/kallsyms; then
	skip "a pod's network namespace" "kernel $(uname -r) has no update_socket_protocol (6.6+): the selector rewrites"
	exit 0
fi
check "dpkg -i $(basename "$DEB") (60-containers purged it)" dpkg -i "$DEB"
IMG=localhost/mptcpify:$(dpkg-deb -f "$DEB" Version)

# limits PID: the MPTCP limits of PID's network namespace, as ip prints them.
limits() { nsenter -t "$1" -n ip mptcp limits show | sed 's/ *$//'; }
endpoints() { nsenter -t "$1" -n ip mptcp endpoint show; }
# A container of the pod or of another slice, with a namespace of its own
# (only lo): its PID.
sleeper() {
	local cid
	cid=$(podman run -d "$@" --entrypoint=sleep "$IMG" infinity) &&
		podman inspect -f '{{.State.Pid}}' "$cid"
}

# resync 2: a namespace is found after a pass; a process joining a cgroup
# makes no event of its own.
cat >/etc/mptcpify/config.yaml <<EOS
resync: 2
selectors:
  - name: pods
    unit: "machine-libpod_pod_*.slice"
    mode: rewrite
    path-manager:
      limits: {subflows: 4, add-addr-accepted: 3}
      endpoints:
        - {address: 10.9.9.1, flags: [signal]}
EOS
check "mptcpify daemon --check accepts the block" mptcpify daemon --config /etc/mptcpify/config.yaml --check
check "reload with a path-manager block for podman pods" systemctl reload mptcpify

check "podman pod create --network=none (a namespace of its own)" \
	podman pod create --name pm --network=none
pod_pid=$(sleeper --pod=pm)
check "a container in the pod: pid ${pod_pid:-none}" test -n "$pod_pid"
other_pid=$(sleeper --network=none --cgroup-parent=other.slice)
check "a container outside the selection: pid ${other_pid:-none}" test -n "$other_pid"
check "the pod's namespace is not the host's" \
	test "$(readlink /proc/"$pod_pid"/ns/net)" != "$(readlink /proc/1/ns/net)"

wait_until "the pod's namespace has the selector's limits" "$HANG_S" \
	sh -c "nsenter -t $pod_pid -n ip mptcp limits show | grep -q '^add_addr_accepted 3 subflows 4 *$'" ||
	diag "the daemon: $(journalctl -u mptcpify -o cat | grep path-manager | tail -n 5)"
diag "pod: $(limits "$pod_pid"); $(endpoints "$pod_pid")"
is "and its signal endpoint" "$(endpoints "$pod_pid" | grep -c '^10.9.9.1 .*signal')" 1
is "the unselected container keeps the kernel's defaults" "$(limits "$other_pid")" \
	"add_addr_accepted 0 subflows 2"
is "and no endpoint" "$(endpoints "$other_pid")" ""
is "the host's namespace is untouched" "$(ip mptcp endpoint show | grep -c 10.9.9.1)" 0
check "mptcpify pm show finds the pod's settings" \
	sh -c "mptcpify pm show machine.slice | grep -q 'subflows 4'"

# The selector goes: what was there before comes back.
cat >/etc/mptcpify/config.yaml <<EOS
resync: 2
selectors: []
EOS
check "reload without the selector" systemctl reload mptcpify
wait_until "the pod's namespace is as it was" "$HANG_S" \
	sh -c "nsenter -t $pod_pid -n ip mptcp limits show | grep -q '^add_addr_accepted 0 subflows 2 *$'"
is "with no endpoint left" "$(endpoints "$pod_pid")" ""
is "no path-manager warning logged" "$(journalctl -u mptcpify -p warning -o cat | grep -c path-manager)" 0

podman pod rm -f pm >/dev/null 2>&1
podman ps -aq | xargs -r podman rm -f >/dev/null 2>&1
check "dpkg --purge mptcpify" dpkg --purge mptcpify
