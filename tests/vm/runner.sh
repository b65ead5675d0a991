#!/bin/sh
# The cases' runner, shared by both guests of the matrix: sourced by the
# busybox initramfs's /init, and run by the systemd guest's vmtest.service
# (runner.sh CASEDIR). It turns the cases' output into one TAP stream on
# ttyS1 (the host's clean copy) and ttyS0 (the console), then powers off.
#
# Output goes to two serial ports: ttyS0 is the kernel console (printk and a
# copy of everything below, for console.log); ttyS1 carries only what the
# guest prints, which the host reads as the clean TAP stream, so kernel
# messages can never tear a TAP line apart.

# Open the TAP port and the state kept across the boot (/run survives the
# initramfs's switch to a root disk: its count goes on in the system).
tap_open() {
	# A failed redirection on exec would end the shell (and panic the kernel).
	if (exec 3>/dev/ttyS1) 2>/dev/null; then exec 3>/dev/ttyS1; else exec 3>/dev/null; fi
	ST=/run/vmtest
	mkdir -p $ST
	[ -s $ST/count ] || echo 0 >$ST/count
	EOC="VMTEST-END-OF-CASE-$$-$(cat /proc/sys/kernel/random/uuid 2>/dev/null)"
}

# A line for both the console and the TAP port.
say() {
	printf '%s\n' "$*"
	printf '%s\n' "$*" >&3
}

# Number a test point in the single stream of this boot.
point() { # "ok"|"not ok" DESC
	n=$(($(cat $ST/count) + 1))
	echo "$n" >$ST/count
	say "$1 $n - $2"
}

# Copy a case's output to both ports. Its test points are renumbered and
# prefixed with the case name; any other line becomes a "# " diagnostic so
# the stream stays valid TAP. Stops at the end marker init writes, not at
# EOF, because leftover background processes may keep the pipe open.
relay() { # CASE
	pts=0 bad=0 blank=0
	while IFS= read -r l || [ -n "$l" ]; do
		case $l in
		"$EOC") break ;;
		# Blank lines are dropped from TAP; a demo gets them once more
		# output follows (init puts one before its end marker).
		'') blank=$((blank + 1)) && continue ;;
		esac
		if [ "$VM_DEMO" = 1 ]; then
			while [ $blank -gt 0 ]; do
				say ""
				blank=$((blank - 1))
			done
			say "$l"
			continue
		fi
		case $l in
		'not ok' | 'not ok '*) s='not ok' r=${l#not ok} ;;
		'ok' | 'ok '*) s=ok r=${l#ok} ;;
		'#'*) say "$l" && continue ;;
		*) say "# $l" && continue ;;
		esac
		r=${r# }
		r=${r#"${r%%[!0-9]*}"}
		r=${r# }
		r=${r#- }
		point "$s" "$1${r:+: $r}"
		pts=$((pts + 1))
		[ "$s" = ok ] || bad=$((bad + 1))
	done
	echo "$pts $bad" >$ST/result
}

# Run one case in its own session, so that on return or timeout the whole
# process group (servers it left in the background too) can be killed.
run_case() { # FILE NAME
	rm -f $ST/fifo $ST/timedout
	mkfifo $ST/fifo
	relay "$2" <$ST/fifo &
	rpid=$!
	exec 4>$ST/fifo
	# Its own interpreter (#!) when it is executable: the system cases are bash.
	interp=sh
	[ -x "$1" ] && interp=""
	VMTEST_CASE=$2 setsid $interp "$1" >&4 2>&1 </dev/null 3>&- 4>&- &
	pid=$!
	(
		sleep "$CASE_TIMEOUT"
		: >$ST/timedout
		kill -KILL -"$pid"
	) >/dev/null 2>&1 3>&- 4>&- &
	wd=$!
	wait "$pid"
	rc=$?
	kill "$wd" 2>/dev/null
	kill -KILL -"$pid" 2>/dev/null
	# A newline first: the case's last line may lack one.
	printf '\n%s\n' "$EOC" >&4
	exec 4>&-
	wait "$rpid"
	read -r pts bad <$ST/result
	[ "$VM_DEMO" = 1 ] && return "$rc"
	if [ -e $ST/timedout ]; then
		point "not ok" "$2 timed out after ${CASE_TIMEOUT}s"
	elif [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		point "not ok" "$2 exited with rc $rc"
	elif [ "$rc" -ne 0 ]; then
		say "# $2 exited with rc $rc"
	elif [ "$pts" -eq 0 ]; then
		point "not ok" "$2 printed no test points"
	fi
	return "$rc"
}

# Every case of CASEDIR in turn, then the plan and the end marker; off.
run_all() { # CASEDIR
	cd /tmp || exit 1
	demo_rc=0
	for c in "$1"/*.sh; do
		[ -f "$c" ] || continue
		name=${c##*/}
		name=${name%.sh}
		[ "$VM_DEMO" = 1 ] || say "# case $name"
		read -r t0 _ </proc/uptime
		run_case "$c" "$name"
		rc=$?
		# Where a boot's time went (the guest's clock: the host's wall time).
		read -r t1 _ </proc/uptime
		[ "$VM_DEMO" = 1 ] || say "# case $name took $((${t1%.*} - ${t0%.*})) s"
		[ "$demo_rc" -ne 0 ] || demo_rc=$rc
	done
	if [ "$VM_DEMO" = 1 ]; then
		say "MPTCPIFY-VMTEST-RC=$demo_rc"
	else
		say "1..$(cat $ST/count)"
	fi
	say "MPTCPIFY-VMTEST-END"
	sync
	if [ -d /run/systemd/system ]; then
		systemctl poweroff -ff
	else
		poweroff -f
	fi
	# Only reached if poweroff failed: panic=-1 and -no-reboot end QEMU.
	echo o >/proc/sysrq-trigger
}

# Run by the systemd guest's unit: the cases of $1.
if [ -n "${1:-}" ] && [ -d "$1" ]; then
	export PATH=/usr/local/bin:/usr/bin:/usr/sbin:/sbin:/bin HOME=/root TMPDIR=/tmp
	export TAP_SH=/usr/local/lib/vmtest/tap.sh
	set -a
	# shellcheck source=/dev/null # written by lib/mkinitramfs.sh
	. /etc/vmtest/env
	set +a
	KERNEL_RELEASE=$(uname -r)
	export KERNEL_RELEASE
	tap_open
	run_all "$1"
fi
