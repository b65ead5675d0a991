#!/bin/sh
# probe tells what this kernel allows; where the hook is missing (6.1),
# rewrite is refused with the reason and nothing changes.
. /usr/bin/mptcpify-guest-lib.sh

out=$(mptcpify probe)
diag "$(echo "$out" | tr '\n' ';')"
v=$(verdict)
case "$KERNEL_NAME" in
6.1)
	is "probe verdict on 6.1" "$v" "audit only"
	check "probe says the hook is missing (kernel older than 6.6)" \
		sh -c "mptcpify probe | grep -q 'verdict: *audit only: kernel older than 6.6: no update_socket_protocol hook'"
	mkdir -p "$T/a"
	err=$(mptcpify attach "$T/a" 2>&1)
	is "attach --mode rewrite fails with exit 1" "$?" 1
	case "$err" in
	"Error: cannot rewrite sockets here: kernel older than 6.6"*"Hint: use --mode audit"*)
		ok "with the reason and a hint" ;;
	*) not_ok "with the reason and a hint" "$err" ;;
	esac
	check "and creates no pin" test ! -e /sys/fs/bpf/mptcpify
	;;
*)
	is "probe verdict on $KERNEL_NAME" "$v" "rewrite"
	check "the fmod_ret trial attached" sh -c "mptcpify probe | grep -q 'fmod_ret trial: *loaded and attached'"
	check "net.mptcp.enabled is readable per namespace" \
		sh -c "mptcpify -j probe | grep -q '\"netns_switch_readable\":true'"
	;;
esac
case_cleanup
