# shellcheck shell=bash
# Shared helpers for the host side of the QEMU kernel matrix (sourced).

# Downloads live outside the work tree so `make clean` and fresh checkouts
# keep them, and a warm cache means no network at all.
export VMTEST_CACHE=${MPTCPIFY_CACHE:-${HOME:-/root}/.cache/mptcpify}

# Progress goes to stderr: stdout is reserved for headers, TAP and summaries.
msg() { printf 'vmtest: %s\n' "$*" >&2; }
die() {
	printf 'vmtest: error: %s\n' "$*" >&2
	exit 2
}

# Everything made into the cache is made under a lock of its own, so that
# two suites (or two checkouts) that need the same kernel, root filesystem
# or image at once make it once: the second waits, then finds it done. A
# maker cleans what an interrupted one left only while it holds the lock,
# when nobody else can be using it.
#
# cache_lock NAME: wait for NAME's lock; the fd goes in CACHE_LOCK_FD[NAME].
# cache_unlock NAME: release it. LOCK_UN, not a close alone: a process the
# maker started and that lives on (an agent, a helper) would hold a copy of
# the fd, and the lock with it.
declare -gA CACHE_LOCK_FD
cache_lock() {
	local fd
	mkdir -p "$VMTEST_CACHE/locks"
	exec {fd}>>"$VMTEST_CACHE/locks/$1.lock"
	if ! flock -n "$fd"; then
		msg "waiting for $1, which another run is making"
		flock "$fd"
	fi
	CACHE_LOCK_FD[$1]=$fd
}
cache_unlock() {
	local fd=${CACHE_LOCK_FD[$1]}
	flock -u "$fd"
	exec {fd}>&-
	unset "CACHE_LOCK_FD[$1]"
}

# The Debian package providing each host tool the harness needs.
VMTEST_TOOLS="qemu-system-x86_64:qemu-system-x86 ip:iproute2 ss:iproute2
tc:iproute2 cpio:cpio xz:xz-utils zstd:zstd apt-get:apt dpkg-deb:dpkg
timeout:coreutils ldd:libc-bin depmod:kmod"

# CI machines start bare: install what is missing, once, with the system's
# own apt (an `apt-get update` is needed before the first install there).
ensure_tools() {
	local t cmd pkg missing=""
	for t in $VMTEST_TOOLS; do
		cmd=${t%%:*} pkg=${t#*:}
		command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
	done
	# The KVM probe boots a bare static busybox (the guest proper gets
	# Debian's dynamic busybox, see fetch_busybox).
	if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
		missing="$missing busybox-static"
	fi
	[ -z "$missing" ] && return 0
	# shellcheck disable=SC2086 # word splitting wanted: a package list
	missing=$(printf '%s\n' $missing | sort -u | paste -sd ' ')
	[ "$(id -u)" = 0 ] || die "missing packages: $missing (run as root or install them)"
	msg "installing: $missing"
	# Two suites may find the same tools missing: apt waits for dpkg's lock.
	apt-get update -qq -o DPkg::Lock::Timeout=600 >&2 || die "apt-get update failed"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o DPkg::Lock::Timeout=600 $missing >&2 || die "apt-get install failed: $missing"
}
