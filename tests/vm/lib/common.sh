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
	apt-get update -qq >&2 || die "apt-get update failed"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$missing >&2 || die "apt-get install failed: $missing"
}
