#!/bin/sh
# Enforcement lives in the pins: it outlives the loader, ends with unload,
# and a rebuilt loader replaces the programs while a client loops on
# socket() without one TCP socket slipping through.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "persistence and upgrade"

sysctl -qw net.core.bpf_jit_kallsyms=1
mkdir -p "$T/app"
check "attach (the loader exits)" mptcpify attach "$T/app"
check "the rewrite link is pinned" test -e /sys/fs/bpf/mptcpify/links/rewrite
is "a socket created after the loader exited is MPTCP" "$(in_cg "$T/app" sockcheck inet stream 0)" 262

# upgrade BINARY: a client loops on socket() in the cgroup while BINARY,
# another build whose rewrite program decides by other code, adopts the pins
# and swaps that program in under the hook, which stays.
# The JITed rewrite program's name (not its backup's).
rewrite_prog() {
	grep -oE 'bpf_prog_[0-9a-f]*_mptcpify_rewrite[[:space:]]' /proc/kallsyms | tr -d '[:space:]'
}

# JITed programs show in kallsyms as bpf_prog_<tag>_<name>.
progs_named() { # NAME: how many loaded programs have that name
	grep -cE "_${1}[[:space:]]" /proc/kallsyms
}
one_each() { [ "$(progs_named mptcpify_rewrite) $(progs_named mptcpify_rewrite_backup)" = "1 1" ]; }

upgrade() {
	hook=$(grep '_mptcpify_hook' /proc/kallsyms)
	rewrite=$(rewrite_prog)
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
	# The loader waits for the kernel to free the old programs, a while:
	# on a loaded machine the freeing can come later still.
	wait_for 300 one_each
	is "the old program is gone: one rewrite program loaded" "$(progs_named mptcpify_rewrite)" 1
	is "and one backup rewrite program" "$(progs_named mptcpify_rewrite_backup)" 1
	is "the attached hook stayed: no kernel text was re-patched" \
		"$(grep '_mptcpify_hook' /proc/kallsyms)" "$hook"
	# The tag in a JITed program's name is a hash of its instructions.
	new=$(rewrite_prog)
	check "the rewrite program is another's: $rewrite, now $new" test "$new" != "$rewrite"
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
