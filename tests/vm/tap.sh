# shellcheck shell=sh
# TAP helpers for the guest test cases: `. "$TAP_SH"` (the file is /tap.sh).
#
# Each case numbers its own test points; the guest's /init renumbers them
# into one stream for the whole boot and prefixes the case name, so cases
# need no shared state. Every helper returns non-zero exactly when it
# reported `not ok`, so `check ... || return` and `set -e` behave as expected.

TAP_N=0

# diag MSG...: each argument (and each line in it) as a "# " line.
diag() {
	for _l in "$@"; do printf '%s\n' "$_l"; done | sed 's/^/# /'
}

ok() { # DESC
	TAP_N=$((TAP_N + 1))
	printf 'ok %d - %s\n' "$TAP_N" "$1"
}

not_ok() { # DESC [DIAG...]
	TAP_N=$((TAP_N + 1))
	printf 'not ok %d - %s\n' "$TAP_N" "$1"
	shift
	[ $# -eq 0 ] || diag "$@"
	return 1
}

skip() { # DESC REASON
	TAP_N=$((TAP_N + 1))
	printf 'ok %d - %s # SKIP %s\n' "$TAP_N" "$1" "$2"
}

# check DESC CMD...: ok if CMD succeeds, else not ok with its output.
check() {
	_desc=$1
	shift
	if _out=$("$@" 2>&1); then
		ok "$_desc"
	else
		_rc=$?
		not_ok "$_desc" "\$ $*" "$_out" "exit status $_rc"
	fi
}

# unmount MOUNTPOINT: umount, tried again while the mount is busy. A daemon
# under test opens its pin directory for a moment about once a second, and
# umount refuses while it has it open: the tests are about what follows an
# unmount, not that instant. Gives up after 10 tries, with umount's error.
unmount() {
	_tries=1
	while ! _err=$(umount "$1" 2>&1); do
		case $_err in
		*busy*) [ "$_tries" -lt 10 ] && sleep 1 && _tries=$((_tries + 1)) && continue ;;
		esac
		echo "$_err" >&2
		return 1
	done
}

# is DESC GOT WANT: string equality (numbers compare as their text).
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got:  $2" "want: $3"
	fi
}

# The plan, for running a case outside the VM (there /init prints it).
tap_done() {
	[ -n "${VMTEST_CASE:-}" ] || printf '1..%d\n' "$TAP_N"
}
