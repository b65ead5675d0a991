#!/bin/sh
# mptcpify run -- CMD: the mptcpize run of this project, without LD_PRELOAD.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "mptcpify run"

is "the command's socket() is MPTCP" "$(mptcpify run -- sockcheck inet stream 0)" 262
is "its raw syscall too" "$(mptcpify run -- sockcheck --raw inet6 stream 6)" 262
is "outside, TCP" "$(sockcheck inet stream 0)" 6
is "no transient cgroup is left" "$(find "$CG2" -name 'mptcpify-run-*' | wc -l)" 0
check "no pins are left" test ! -e /sys/fs/bpf/mptcpify
mptcpify run -- sh -c 'exit 3'
is "the exit status passes through" "$?" 3

# Beside a configured cgroup, run's entry comes and goes alone.
mkdir -p "$T/app"
check "attach another cgroup" mptcpify attach "$T/app"
is "run still enforces" "$(mptcpify run -- sockcheck inet stream 0)" 262
is "only the attached cgroup remains" "$(mptcpify list | grep -c '^rewrite')" 1
case_cleanup
