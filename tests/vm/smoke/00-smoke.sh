#!/bin/sh
# Harness smoke test: the guest facilities the real cases rely on.
# shellcheck disable=SC1091 source-path=SCRIPTDIR source=../tap.sh
. "$TAP_SH"

diag "uname -r: $(uname -r) (KERNEL_NAME=$KERNEL_NAME)"
check "cgroup2 at /sys/fs/cgroup" grep -q '^cgroup2 /sys/fs/cgroup cgroup2 ' /proc/mounts
check "bpffs at /sys/fs/bpf" grep -q '^bpf /sys/fs/bpf bpf ' /proc/mounts
check "kernel BTF at /sys/kernel/btf/vmlinux" test -s /sys/kernel/btf/vmlinux
is "net.mptcp.enabled" "$(sysctl -n net.mptcp.enabled 2>&1)" 1
check "ip mptcp endpoint show" ip mptcp endpoint show
check "ss runs" ss -tan

# The harness ships a modules.dep for the modules it included.
if grep -q '^sch_tbf ' /proc/modules; then
	check "rmmod + modprobe by name" sh -c 'modprobe -r sch_tbf && modprobe sch_tbf'
else
	skip "rmmod + modprobe by name" "sch_tbf is not a loaded module"
fi

# Two namespaces joined by a veth pair, the setup most cases build on.
check "ip netns add" sh -c 'ip netns add vt-a && ip netns add vt-b'
check "veth pair between the namespaces" \
	ip link add va netns vt-a type veth peer name vb netns vt-b
for ns in a b; do
	n=1
	[ $ns = a ] || n=2
	ip -n vt-$ns addr add 10.99.0.$n/24 dev v$ns
	ip -n vt-$ns link set v$ns up
	ip -n vt-$ns link set lo up
done
check "ping across the veth pair" ip netns exec vt-a ping -c 1 -W 5 10.99.0.2
ip netns del vt-a
ip netns del vt-b
