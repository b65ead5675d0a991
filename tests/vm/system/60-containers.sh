#!/bin/bash
# Containers for real: Debian's podman with crun, systemd's cgroups, images
# built on the host from the checkout (tests/image/build.sh). The daemon
# (the package, under systemd) selects them by the cgroups podman and
# systemd give them:
#   machine.slice/libpod-<id>.scope                  a container
#   machine.slice/machine-libpod_pod_<id>.slice/...  a podman pod's
#   <tenant>.slice/libpod-<id>.scope                 --cgroup-parent
# Whether each container's first connection was MPTCP, the kernel's MIB
# counters say.
# shellcheck source=lib
. /usr/local/lib/vmtest/cases/lib

if ! grep -qw update_socket_protocol /proc/kallsyms; then
	skip "containers under podman" "kernel $(uname -r) has no update_socket_protocol (6.6+): these cases judge the rewrite"
	exit 0
fi
check "dpkg -i $(basename "$DEB") (50-upgrade removed it)" dpkg -i "$DEB"
IMG=localhost/mptcpify:$(dpkg-deb -f "$DEB" Version)
check "podman has the images built on the host" podman image exists "$IMG"

check "an MPTCP server on 127.0.0.1:7000" mptcp_server ctserver
# client [PODMAN-OPTION...]: what a container's first connection was. A
# pod's containers share its network: the pod is on the node's.
client() {
	case "$*" in *--pod=*) ;; *) set -- --network=host "$@" ;; esac
	first_connection "$IMG" "$@"
}

cat >/etc/mptcpify/config.yaml <<EOS
selectors:
  - name: pods            # every podman pod: its slice, before its containers
    unit: "machine-libpod_pod_*.slice"
    mode: rewrite
  - name: tenant          # containers run with --cgroup-parent=tenant.slice
    unit: tenant.slice
    mode: rewrite
  - name: containers      # a container's own scope
    cgroup: "machine.slice/libpod-*.scope"
    mode: rewrite
EOS
check "reload with selectors for podman's layouts" systemctl reload mptcpify

# A tenant slice, started before its containers, as a unit file would: its
# entry is in place before any of them exists, and they inherit it.
check "systemctl start tenant.slice" systemctl start tenant.slice
wait_until "tenant.slice is enforced" "$HANG_S" sh -c "mptcpify -j list | grep -q tenant.slice"
is "a container under tenant.slice: its first connection (MIB)" "$(client --cgroup-parent=tenant.slice)" "active=1 mptcp_active=1"

# A podman pod: podman makes the pod's slice at pod create, before any of
# its containers; the daemon enforces the slice, the containers inherit.
pod=$(podman pod create --name shop --network=host 2>&1)
check "podman pod create --name shop --network=host" podman pod exists shop
slice=$(find /sys/fs/cgroup/machine.slice -maxdepth 1 -name "machine-libpod_pod_${pod}.slice" -printf '%f\n')
check "its slice exists before any container: $slice" test -n "$slice"
wait_until "and is enforced" "$HANG_S" sh -c "mptcpify -j list | grep -q 'machine-libpod_pod_$pod'"
is "the pod's first container: its first connection (MIB)" "$(client --pod=shop)" "active=1 mptcp_active=1"
is "its second container too" "$(client --pod=shop)" "active=1 mptcp_active=1"

# A container selected by its own scope: systemd makes the scope, then crun
# starts the container's process in it, racing the daemon's entry. How
# often the first connection wins is a figure (make bench's), reported
# here, not judged: a busy machine changes who wins. The documented way is
# a pod or a parent slice (above), whose entry comes first by construction.
n=3 won=0
for i in $(seq $n); do
	case $(client) in "active=1 mptcp_active=1") won=$((won + 1)) ;; esac
done
diag "containers selected by their own scope: $won of $n first connections MPTCP"
# What is judged: the selector enforces a container's scope; once its
# entry is there, a process started in the container (podman exec joins
# its cgroup) connects over MPTCP.
cid=$(podman run -d --network=host -v /usr/local/bin:/t:ro --entrypoint=sleep "$IMG" infinity 2>/tmp/run.err)
check "a container of its own scope (podman run -d)" podman container exists "${cid:-none}" ||
	diag "$(cat /tmp/run.err)"
wait_until "its scope is enforced (libpod-<id>.scope)" "$HANG_S" sh -c \
	"mptcpify -j list | grep -q 'libpod-$cid.scope'"
wait_until "the server listens again" "$HANG_S" server_listening
snap
podman exec "$cid" /t/mptcp_conn client 127.0.0.1 7000 >/tmp/client.out 2>&1 ||
	diag "podman exec: $(cat /tmp/client.out)"
is "then a process started in it connects over MPTCP (MIB)" "$(delta | cut -d' ' -f1-2)" \
	"active=1 mptcp_active=1"
podman kill "$cid" >/dev/null 2>&1
podman rm -f "$cid" >/dev/null 2>&1

is "an unselected container stays TCP (MIB)" "$(client --cgroup-parent=other.slice)" \
	"active=1 mptcp_active=0"

podman pod rm -f shop >/dev/null 2>&1
systemctl stop tenant.slice ctserver
check "dpkg --purge mptcpify (the DaemonSet's turn)" dpkg --purge mptcpify
