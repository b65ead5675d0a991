#!/bin/bash
# The DaemonSet's image, run as Kubernetes runs it: the init container and
# the agent with the manifest's own settings (tests/image/podman-args.py
# read them from tests/k8s/example, deploy/kubernetes/base with the README's
# example configuration, as kubectl kustomize renders it), on a node where
# nothing else of mptcpify is installed and bpffs is not mounted. Pods are
# laid out as kubelet's systemd driver does: a pod's slice, its sandbox
# first, then its containers; the pod's log directory under /var/log/pods.
# The example selects namespace shop's pods but its db-* ones. Last, the
# documented uninstall (deploy/kubernetes/README.md), after which the
# kernel, asked with bpftool, has no program of mptcpify, and bpffs no pin.
# shellcheck source=lib
. /usr/local/lib/vmtest/cases/lib
if ! grep -qw update_socket_protocol /proc/kallsyms; then
	skip "the DaemonSet's image" "kernel $(uname -r) has no update_socket_protocol (6.6+): the ConfigMap's example rewrites"
	exit 0
fi
# Every podman step is seconds under TCG: the image runs on the newest
# kernel of the matrix, whose preemptible hook is the harder case for the
# rolling update (README, Limits); 60-containers runs on 6.12 too.
case $(uname -r) in
6.*)
	skip "the DaemonSet's image" "runs on the newest kernel of the matrix (7.3) only, to keep make test short"
	exit 0
	;;
esac
# Where the ConfigMaps go, before the arguments that name it.
DS_CONFIGMAPS=/run/mptcpify-configmaps
# shellcheck disable=SC1091 # generated on the host
. /usr/local/bin/mptcpify-daemonset.args
IMG=localhost/mptcpify:$(dpkg-deb -f "$DEB" Version)
ds_write_configmaps "$DS_CONFIGMAPS"
mkdir -p "${DS_MKDIR[@]}"
# The pod network would only change where metrics are reached.
NET=--network=host

systemctl stop mptcpify-bpffs.service 2>/dev/null
umount /sys/fs/bpf 2>/dev/null
check "a node without bpffs mounted" sh -c '! mountpoint -q /sys/fs/bpf'
check "the init container ($DS_INIT_IMAGE)" \
	podman run --rm $NET "${DS_INIT[@]}" "$IMG" "${DS_INIT_ARGS[@]}"
check "mounted bpffs on the node (mount propagation)" mountpoint -q /sys/fs/bpf
check "the init container again: nothing to do" \
	podman run --rm $NET "${DS_INIT[@]}" "$IMG" "${DS_INIT_ARGS[@]}"
is "one bpffs, not two" "$(grep -c ' /sys/fs/bpf bpf ' /proc/self/mounts)" 1

# kubelet_pod NS NAME UID: the pod's slice held by its sandbox, and its log
# directory; prints the slice's name for --cgroup-parent.
kubelet_pod() {
	local slice="kubepods-besteffort-pod${3//-/_}.slice"
	mkdir -p "/var/log/pods/$1_$2_$3"
	podman run -d --rm $NET --name "sandbox-$2" --cgroup-parent="$slice" \
		--entrypoint=sleep "$IMG" infinity >/dev/null && echo "$slice"
}
WEB=$(kubelet_pod shop web-0 5a1f3c2e-8b7d-4e69-9c0a-1d2e3f405061)
DB=$(kubelet_pod shop db-0 0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b)
check "two pods in kubelet's layout (shop/web-0, shop/db-0)" \
	test -d "/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/$WEB" -a -n "$DB"

agent() { # IMAGE: the agent as the DaemonSet's pod runs it
	podman run -d $NET "${DS_AGENT[@]}" "$1" "${DS_AGENT_ARGS[@]}" >/dev/null
}
check "the agent ($DS_AGENT_IMAGE)" agent "$IMG"
wait_until "/healthz answers" "$HANG_S" curl -sf 127.0.0.1:9464/healthz
diag "agent started to /healthz: ${WAITED}s"
build_id() {
	curl -sf 127.0.0.1:9464/metrics | sed -n 's/^mptcpify_build_info{.*build_id="\([0-9a-f]*\)".*/\1/p'
}
wait_until "the pod selectors enforce shop/web-0 and shop/db-0" "$HANG_S" sh -c \
	"curl -sf 127.0.0.1:9464/metrics | grep -qx 'mptcpify_selector_cgroups{selector=\"shop\",mode=\"rewrite\"} 1' &&
	 curl -sf 127.0.0.1:9464/metrics | grep -qx 'mptcpify_selector_cgroups{selector=\"shop-db\",mode=\"exclude\"} 1'"
check "the pins are on the node's bpffs" test -d /sys/fs/bpf/mptcpify/maps

check "an MPTCP server on 127.0.0.1:7000" mptcp_server dsserver
container() { # POD-SLICE ARGS...: a container of the pod
	local slice=$1
	shift
	podman run $NET --cgroup-parent="$slice" -v /usr/local/bin:/t:ro "$@"
}
connect() { # POD-SLICE: what a container's first connection was
	first_connection "$IMG" $NET --cgroup-parent="$1"
}
is "a container of shop/web-0: its first connection MPTCP (MIB)" "$(connect "$WEB")" \
	"active=1 mptcp_active=1"
is "a container of shop/db-0 (excluded) stays TCP (MIB)" "$(connect "$DB")" "active=1 mptcp_active=0"

# /metrics renders a snapshot the loop publishes, at most once a second.
wait_until "metrics: shop/web-0's cgroup with its namespace and pod" "$HANG_S" sh -c \
	"curl -sf 127.0.0.1:9464/metrics | grep -qE '^mptcpify_[a-z_]+\{.*namespace=\"shop\".*pod=\"web-0\"'"

# The rolling update: a container of web-0 loops on socket() while the old
# agent is stopped (SIGTERM, the manifest's grace period) and the newer
# image's agent starts and adopts the pins. The loop runs until podman stop
# ends it (its hour is only a guard), however long the update takes.
skips=$(hook_skips)
check "a container of shop/web-0 looping on socket()" \
	container "$WEB" -d --name loop --entrypoint=/t/sockcheck "$IMG" --loop 3600 inet stream 0
old=$(build_id)
check "the old agent stopped (podman stop -t 10)" podman stop -t 10 mptcpify
podman rm mptcpify >/dev/null
check "the newer image's agent" agent "$IMG-next"
wait_until "/healthz answers" "$HANG_S" curl -sf 127.0.0.1:9464/healthz
diag "newer agent started to /healthz: ${WAITED}s"
# One scrape may miss (a busy guest, the server's 5 s deadline): asked again.
another_build() { local b; b=$(build_id) && [ -n "$b" ] && [ "$b" != "$old" ]; }
wait_until "the newer agent's metrics name another BPF object" "$HANG_S" another_build
new=$(build_id)
diag "BPF object: $old before, $new after"
check "the newer agent's programs are in place" test -n "$new" -a "$old" != "$new"
is "and the loop ran across the whole update" "$(podman inspect -f '{{.State.Running}}' loop)" true
# Its tally comes at SIGTERM (the grace period only guards a hang).
podman stop -t "$HANG_S" loop >/dev/null
out=$(podman logs loop 2>&1)
podman rm loop >/dev/null
judge_tally "the rolling update: no socket escaped" "$out" $(($(hook_skips) - skips))

# The uninstall: `kubectl apply -k` of the overlay with components/uninstall
# rolls the DaemonSet, the agent's pod stopped (SIGTERM: the pins stay) and
# the uninstall's started, with its manifest's settings and the image the
# agents run; `kubectl rollout status` returns once every pod is Ready, its
# readiness command run in the container; then `kubectl delete -k` stops
# it. Meanwhile the kernel's view, with bpftool: mptcpify's programs (their
# names start so) and the links that hold them.
progs() { bpftool prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .* name mptcpify_.*/\1/p'; }
links() { # "PROG-ID...": the node's links of those programs
	bpftool link show 2>/dev/null |
		awk -v ids=" $1 " '/^[0-9]+:/ && index(ids, " " $4 " ") && $3 == "prog" { print $1 + 0 }'
}
before=$(progs | tr '\n' ' ')
diag "mptcpify's programs: $before; their links: $(links "$before" | tr '\n' ' ')"
check "bpftool: the agent's programs and links are on the node" \
	test -n "$before" -a -n "$(links "$before")"
# shellcheck disable=SC1091 # generated on the host
. /usr/local/bin/mptcpify-daemonset-uninstall.args
check "the uninstall's agent has a readiness command" test "${#DS_AGENT_READY[@]}" -gt 0
ds_write_configmaps "$DS_CONFIGMAPS"
check "the agent's pod stopped (podman stop -t 10)" podman stop -t 10 mptcpify
podman rm mptcpify >/dev/null
check "the uninstall's init container" \
	podman run --rm $NET "${DS_INIT[@]}" "$IMG-next" "${DS_INIT_ARGS[@]}"
check "the uninstall's agent ($DS_AGENT_IMAGE)" agent "$IMG-next"
wait_until "it is Ready (rollout status): no pins left" "$HANG_S" \
	podman exec mptcpify "${DS_AGENT_READY[@]}"
diag "uninstall's pod started to Ready: ${WAITED}s"
[ "$(podman inspect -f '{{.State.Running}}' mptcpify)" = true ] ||
	diag "$(podman logs mptcpify 2>&1 | tail -n 5)"
is "and keeps running until the delete" "$(podman inspect -f '{{.State.Running}}' mptcpify)" true
check "kubectl delete -k: its pod stopped (podman stop -t 10)" podman stop -t 10 mptcpify
is "TERM ended it, exit 0 (not the grace period's KILL)" \
	"$(podman inspect -f '{{.State.ExitCode}}' mptcpify)" 0
podman rm mptcpify >/dev/null
# A program lives until its last link, pin and descriptor are gone; the
# kernel frees a released link from a work queue: asked again.
wait_until "bpftool: no program of mptcpify on the node" "$HANG_S" sh -c \
	"bpftool prog show >/run/progs && ! grep -q ' name mptcpify_' /run/progs"
is "no link of those it had" "$(links "$before")" ""
is "no pin on the node's bpffs" "$(find /sys/fs/bpf -mindepth 1 | head -n 5)" ""
is "a container of shop/web-0: its first connection TCP again (MIB)" "$(connect "$WEB")" \
	"active=1 mptcp_active=0"

podman rm -f sandbox-web-0 sandbox-db-0 >/dev/null 2>&1
systemctl stop dsserver
