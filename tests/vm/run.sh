#!/bin/bash
# Kernel-matrix test harness: boot each kernel under QEMU with a busybox
# initramfs, run the guest test cases there and report their TAP.
# shellcheck source-path=SCRIPTDIR
set -u -o pipefail

VMTEST_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$VMTEST_DIR/../.." && pwd)
# shellcheck disable=SC1091 source=lib/common.sh
. "$VMTEST_DIR/lib/common.sh"
# shellcheck disable=SC1091 source=lib/fetch-kernel.sh
. "$VMTEST_DIR/lib/fetch-kernel.sh"
# shellcheck disable=SC1091 source=lib/mkinitramfs.sh
. "$VMTEST_DIR/lib/mkinitramfs.sh"
# shellcheck disable=SC1091 source=lib/qemu.sh
. "$VMTEST_DIR/lib/qemu.sh"
# shellcheck disable=SC1091 source=lib/rootfs.sh
. "$VMTEST_DIR/lib/rootfs.sh"

usage() {
	cat <<EOF
usage: tests/vm/run.sh [KERNEL...]
  KERNELS="6.1 6.12 7.3"  kernels to boot (arguments override; default all)
  KERNEL_IMAGE=bzImage    boot this kernel as "custom" (KERNEL_MODULES=
                          .../lib/modules/VER for its modules)
  VM_CASES=dir|file.sh    guest test cases (default tests/vm/cases)
  VM_BINDIR=dir           files copied to the guest's /usr/bin
  VM_OUT=dir              console.log, tap.log, initramfs (default build/vm)
  VM_MODULES="..."        modules to insmod (default: veth sch_tbf sch_netem)
  VM_TIMEOUT=300          seconds per kernel boot; CASE_TIMEOUT=120 per case
  VM_KERNEL_APPEND="6.12=preempt=full"
                          kernel command-line words for one kernel
  VM_DEMO=1|script.sh     stream the guest's output, exit with its status
  VM_ACCEL=kvm|tcg        skip the KVM probe; VM_ENV="A=1 B=2" guest env
  MPTCPIFY_CACHE=dir      download cache (default ~/.cache/mptcpify)
  VM_SYSTEM=DEB           boot the Debian guest (systemd as PID 1, built with
                          mmdebstrap for DEB's dependencies) from a disk; its
                          vmtest.service runs VM_CASES; VM_FILES="..." go to
                          its /usr/local/bin; VM_TREES="a.tar ..." are
                          extracted into its root (xattrs kept)
EOF
}
case ${1:-} in -h | --help)
	usage
	exit 0
	;;
esac

KERNEL_IMAGE=${KERNEL_IMAGE:-}
VM_DEMO=${VM_DEMO:-0}
VM_DEMO_MODE=0
[ "$VM_DEMO" = 0 ] || VM_DEMO_MODE=1
if [ $# -gt 0 ]; then
	KERNELS="$*"
elif [ -z "${KERNELS:-}" ]; then
	if [ -n "$KERNEL_IMAGE" ]; then
		KERNELS=custom
	elif [ "$VM_DEMO_MODE" = 1 ]; then
		KERNELS=6.12
	else
		KERNELS="6.1 6.12 7.3"
	fi
fi
VM_OUT=${VM_OUT:-$ROOT/build/vm}
VM_CASES=${VM_CASES:-$VMTEST_DIR/cases}
VM_MODULES=${VM_MODULES-veth sch_tbf sch_netem}
export VM_TIMEOUT=${VM_TIMEOUT:-300} CASE_TIMEOUT=${CASE_TIMEOUT:-120}

# What goes to the guest's /cases: a directory, or one script.
VM_CASES_SRC=$VM_CASES
[ "$VM_DEMO_MODE" = 0 ] || [ ! -f "$VM_DEMO" ] || VM_CASES_SRC=$VM_DEMO
[ -e "$VM_CASES_SRC" ] || die "VM_CASES=$VM_CASES_SRC: no such file or directory"
if [ -d "$VM_CASES_SRC" ] && ! compgen -G "$VM_CASES_SRC/*.sh" >/dev/null; then
	msg "warning: no *.sh test cases in $VM_CASES_SRC"
fi
[ -z "${VM_BINDIR:-}" ] || [ -d "$VM_BINDIR" ] || die "VM_BINDIR=$VM_BINDIR is not a directory"

ensure_tools
ROOTFS=""
if [ -n "${VM_SYSTEM:-}" ]; then
	[ -f "$VM_SYSTEM" ] || die "VM_SYSTEM=$VM_SYSTEM: no such package"
	ROOTFS=$(ensure_rootfs "$VM_SYSTEM") || exit 2
	# The root disk's drivers, loaded by the initramfs before it switches:
	# the virtio PCI transport (a module on 6.1, built in later), crc32c
	# for ext4 under the name each kernel gives it.
	VM_MODULES="?virtio_pci virtio_blk ?crc32c_generic ?crc32c_cryptoapi ext4 $VM_MODULES"
fi

# Fetch everything first: a download problem shows before any boot.
declare -A VMLINUZ MODDIR
for k in $KERNELS; do
	if [ "$k" = custom ]; then
		[ -f "$KERNEL_IMAGE" ] || die "kernel custom: KERNEL_IMAGE=$KERNEL_IMAGE is not a file"
		VMLINUZ[$k]=$KERNEL_IMAGE
		MODDIR[$k]=${KERNEL_MODULES:-}
		continue
	fi
	fetch_kernel "$k"
	KVER=$(sed -n 's/^KVER=//p' "$VMTEST_CACHE/kernels/$k/kernel.env")
	VMLINUZ[$k]=$VMTEST_CACHE/kernels/$k/vmlinuz-$KVER
	MODDIR[$k]=$VMTEST_CACHE/kernels/$k/lib/modules/$KVER
done

# shellcheck disable=SC2086 # the first of a list
set -- $KERNELS
fetch_busybox
probe_kvm "${VMLINUZ[$1]}"
if [ "$VM_ACCEL_RESULT" = kvm ]; then
	echo "# accel: kvm"
elif [ -n "${VM_ACCEL:-}" ]; then
	echo "# accel: $VM_ACCEL (VM_ACCEL=$VM_ACCEL, no probe)"
else
	echo "# accel: tcg (kvm probe failed: $VM_ACCEL_WHY)"
fi

# Stream the guest's lines as they come, keeping a copy in tap.log. The
# guest's markers stay out of stdout; \r comes from the serial line.
stream() { # TAPLOG
	local l
	while IFS= read -r l || [ -n "$l" ]; do
		l=${l%$'\r'}
		printf '%s\n' "$l" >>"$1"
		case $l in MPTCPIFY-VMTEST-*) continue ;; esac
		printf '%s\n' "$l"
	done
}

total_pass=0 total_fail=0 total_skip=0 failed_kernels="" demo_rc=0
for k in $KERNELS; do
	out=$VM_OUT/$k
	mkdir -p "$out"
	rm -f "$out/console.log" "$out/tap.log" "$out/qemu.err"
	mkinitramfs "$k" "${MODDIR[$k]}" "$out/initramfs.cpio"
	VM_DISK=""
	if [ -n "$ROOTFS" ]; then
		mkrootimage "$ROOTFS" "$out/root.img" "$k"
		VM_DISK=$out/root.img
	fi
	append=""
	for a in ${VM_KERNEL_APPEND:-}; do
		[ "${a%%=*}" != "$k" ] || append="$append ${a#*=}"
	done
	echo "# kernel $k (${VMLINUZ[$k]##*/}) accel=$VM_ACCEL_RESULT${append:+ append:$append}"
	start=$SECONDS
	VM_APPEND="${VM_APPEND:-}$append" run_vm "${VMLINUZ[$k]}" "$out/initramfs.cpio" "$out/console.log" 2>"$out/qemu.err" |
		stream "$out/tap.log"
	qrc=${PIPESTATUS[0]}
	secs=$((SECONDS - start))
	touch "$out/tap.log" "$out/console.log"

	problems=()
	case $qrc in
	124 | 137) problems+=("QEMU timeout after ${VM_TIMEOUT}s") ;;
	0) ;;
	*) problems+=("QEMU exit status $qrc: $(head -c 300 "$out/qemu.err")") ;;
	esac
	grep -qx MPTCPIFY-VMTEST-END "$out/tap.log" || problems+=("end sentinel missing")
	# Kernel lines carry a printk timestamp; userspace copies do not.
	splat=$(grep -aE '\[ *[0-9]+\.[0-9]+\] .*(BUG:|WARNING:|Call Trace:|KASAN|Oops|Kernel panic)' \
		"$out/console.log" | head -n 3)
	[ -z "$splat" ] || problems+=("kernel splat: ${splat//$'\n'/ | }")

	if [ "$VM_DEMO_MODE" = 1 ]; then
		rc=$(sed -n 's/^MPTCPIFY-VMTEST-RC=//p' "$out/tap.log")
		[ -n "$rc" ] || rc=1
	else
		fail=$(grep -cE '^not ok( |$)' "$out/tap.log")
		skip=$(grep -ciE '^ok( [0-9]+)?( |$).*# *skip' "$out/tap.log")
		pass=$(($(grep -cE '^ok( |$)' "$out/tap.log") - skip))
		plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$out/tap.log")
		if [ -n "$plan" ] && [ "$plan" != $((pass + fail + skip)) ]; then
			problems+=("TAP plan 1..$plan but $((pass + fail + skip)) test points")
		fi
		[ "$fail" -eq 0 ] || problems+=("$fail test point(s) not ok")
		total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail))
		total_skip=$((total_skip + skip))
		echo "# $k: $pass passed, $fail failed, $skip skipped in ${secs}s"
	fi
	if [ ${#problems[@]} -gt 0 ]; then
		for p in "${problems[@]}"; do echo "# $k: FAIL: $p"; done
		echo "# $k: console log: $out/console.log"
		failed_kernels="$failed_kernels $k"
		[ "$VM_DEMO_MODE" = 0 ] || [ "$rc" -ne 0 ] || rc=1
	fi
	[ "$VM_DEMO_MODE" = 0 ] || [ "$demo_rc" -ne 0 ] || demo_rc=$rc
done

if [ "$VM_DEMO_MODE" = 1 ]; then
	exit "$demo_rc"
fi
[ -z "$failed_kernels" ] || echo "# failed kernels:$failed_kernels"
skipped=""
[ "$total_skip" -eq 0 ] || skipped=", $total_skip skipped"
echo "vmtest: $total_pass passed, $total_fail failed$skipped"
[ -z "$failed_kernels" ]
