#!/bin/sh
# Enforcement lives in the pins: it outlives the loader, ends with unload,
# and another build's loader replaces the programs while a client loops on
# socket() without one TCP socket slipping through.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "persistence and upgrade"

sysctl -qw net.core.bpf_jit_kallsyms=1
mkdir -p "$T/app"
check "attach (the loader exits)" mptcpify attach "$T/app"
check "the rewrite link is pinned" test -e /sys/fs/bpf/mptcpify/links/rewrite
is "a socket created after the loader exited is MPTCP" "$(in_cg "$T/app" sockcheck inet stream 0)" 262

# upgrade BINARY: a client loops on socket() in the cgroup while BINARY,
# a build of another BPF object (another version), adopts the pins and
# swaps its rewrite programs into the slots under the hooks, which stay.
# JITed programs show in kallsyms as ADDRESS t bpf_prog_<tag>_<name>.
progs_named() { # NAME: how many loaded programs have that name
	grep -cE "_${1}[[:space:]]" /proc/kallsyms
}
one_each() { [ "$(progs_named mptcpify_rewrite) $(progs_named mptcpify_rewrite_backup)" = "1 1" ]; }
# prog_id NAME: the id of the pinned program progs/NAME (mptcpify list's program_costs).
prog_id() {
	mptcpify -j list | grep -o "\"$1\":{\"id\":[0-9]*" | grep -o '[0-9]*$'
}

upgrade() {
	hook=$(grep '_mptcpify_hook' /proc/kallsyms)
	hook_id=$(prog_id hook) rewrite_id=$(prog_id rewrite)
	# The loop spans the whole load, however long a loaded machine takes
	# over it: the load starts once its sockets are counted, and it stops
	# once it has made more after the load returned.
	loop_in "$T/app" "$T/app" rewritten
	out=$("$1" -j load)
	loop_stop "$T/app" rewritten
	diag "$1 load: $out; loop: $(cat /tmp/loop.out)"
	case "$out" in
	*'"upgraded":true'*) ok "$1 replaced the running programs" ;;
	*) not_ok "$1 replaced the running programs" "$out" ;;
	esac
	case "$(cat /tmp/loop.out)" in
	"tcp=0 mptcp="*" other=0 errors=0") ok "no TCP socket escaped during the upgrade to $1" ;;
	*) not_ok "no TCP socket escaped during the upgrade to $1" "$(cat /tmp/loop.out)" \
		"$(mptcpify -j stats "$T/app")" ;;
	esac
	is "the attached hook stayed: no kernel text was re-patched" \
		"$(grep '_mptcpify_hook' /proc/kallsyms) $(prog_id hook)" "$hook $hook_id"
	new=$(prog_id rewrite)
	check "the pinned rewrite program is the new build's: $rewrite_id, now $new" \
		test -n "$new" -a "$new" != "$rewrite_id"
	# The slots hold their programs too: the old ones go only once no slot
	# holds them. The loader waits for the kernel to free them, a while: on
	# a loaded machine the freeing can come later still.
	wait_for 300 one_each
	is "the old program is gone, so the slot holds the new one" \
		"$(progs_named mptcpify_rewrite)" 1
	is "and the same of the backup's" "$(progs_named mptcpify_rewrite_backup)" 1
	is "every tail call happened" \
		"$(mptcpify -j list | grep -o '"tail_call_misses":[0-9]*')" '"tail_call_misses":0'
}
upgrade mptcpify-next
is "the new build's pins work" "$(in_cg "$T/app" sockcheck inet stream 0)" 262
upgrade mptcpify
check "a second load of the same build changes nothing" \
	sh -c "mptcpify -j load | grep -q '\"upgraded\":false'"

check "unload" mptcpify unload
check "no pins left" test ! -e /sys/fs/bpf/mptcpify
is "after unload the next socket is TCP" "$(in_cg "$T/app" sockcheck inet stream 0)" 6
case_cleanup
