# shellcheck shell=bash
# QEMU invocation and the once-per-run KVM probe (sourced by run.sh).

VM_MEM=${VM_MEM:-1024}
VM_SMP=${VM_SMP:-2}
VM_ACCEL_RESULT="" # kvm or tcg, decided once per run by probe_kvm
VM_ACCEL_WHY=""    # why not kvm

qemu_accel_args() { # kvm|tcg
	if [ "$1" = kvm ]; then
		echo "-accel kvm -cpu host"
	elif [ -n "${VM_ICOUNT:-}" ]; then
		# make bench: the guest's clock counts the instructions it runs
		# (shift=0: one per ns), so a timing repeats within a fraction of a
		# percent whatever the host's load. icount needs one TCG thread.
		# Without cx16: under icount this QEMU now and then leaves bits
		# of RBX in EFLAGS after a cmpxchg16b (SLUB's per-CPU freelist
		# swap), and the guest dies in kmem_cache_alloc() of a GPF, a
		# double fault or a spurious #DB (TF set): 3 of 4 make bench runs
		# on 2026-12-06. Without it, SLUB takes its locked path.
		echo "-accel tcg,thread=single -cpu max,-cx16 -icount $VM_ICOUNT"
	else
		# Multi-threaded TCG runs one host thread per vCPU.
		echo "-accel tcg,thread=multi -cpu max"
	fi
}

# /dev/kvm may exist and still fail under nested virtualisation: QEMU aborts
# on an MSR assertion, or reports "KVM internal error" and then hangs. So a
# tiny boot (busybox printing a marker) decides, and errors on stderr end it
# early rather than waiting for the time limit.
probe_kvm() { # VMLINUZ
	local verdict
	if [ -n "${VM_ACCEL:-}" ]; then
		VM_ACCEL_RESULT=$VM_ACCEL VM_ACCEL_WHY="VM_ACCEL=$VM_ACCEL"
		return
	fi
	VM_ACCEL_RESULT=tcg
	if [ ! -w /dev/kvm ]; then
		VM_ACCEL_WHY="no writable /dev/kvm"
		return
	fi
	# Once per boot of the host: a KVM that hangs costs the probe its whole
	# wait, and make test boots QEMU from three runs of run.sh.
	verdict=$VMTEST_CACHE/kvm-probe.$(cat /proc/sys/kernel/random/boot_id)
	if [ -s "$verdict" ]; then
		read -r VM_ACCEL_RESULT VM_ACCEL_WHY <"$verdict"
		return
	fi
	probe_kvm_boot "$1"
	mkdir -p "$VMTEST_CACHE"
	rm -f "$VMTEST_CACHE"/kvm-probe.*
	echo "$VM_ACCEL_RESULT $VM_ACCEL_WHY" >"$verdict.$$" && mv "$verdict.$$" "$verdict"
}

probe_kvm_boot() { # VMLINUZ
	local tmp pid i
	tmp=$(mktemp -d)
	mkdir -p "$tmp/root/bin"
	cp /bin/busybox "$tmp/root/bin/"
	printf '#!/bin/busybox sh\n/bin/busybox echo VMTEST-KVM-OK\n/bin/busybox poweroff -f\n' >"$tmp/root/init"
	chmod +x "$tmp/root/init"
	(cd "$tmp/root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$tmp/probe.cpio"
	# The subshell (not exec'ed: `true` follows) reaps QEMU itself, so an
	# abort is not reported as a job message on our stderr. Killing the
	# subshell would leave a hung QEMU spinning for ever (seen: one per
	# run.sh, each taking half a core for the rest of make test): QEMU is
	# killed by its pid file, and timeout ends it if we cannot.
	# shellcheck disable=SC2046 # the accel arguments are words
	(
		timeout -k 5 30 qemu-system-x86_64 -nodefaults -no-user-config -display none \
			-no-reboot $(qemu_accel_args kvm) -m 256 -smp 1 -kernel "$1" \
			-initrd "$tmp/probe.cpio" -append "console=ttyS0 panic=-1 rdinit=/init quiet" \
			-pidfile "$tmp/qemu.pid" -serial "file:$tmp/out" </dev/null >/dev/null 2>"$tmp/err"
		true
	) 2>/dev/null &
	pid=$!
	VM_ACCEL_WHY="no marker within 20s"
	for ((i = 0; i < 200; i++)); do
		if grep -q VMTEST-KVM-OK "$tmp/out" 2>/dev/null; then
			VM_ACCEL_RESULT=kvm VM_ACCEL_WHY=""
			break
		fi
		if grep -qi -e error -e assert "$tmp/err" 2>/dev/null || ! kill -0 "$pid" 2>/dev/null; then
			VM_ACCEL_WHY=$(grep -m1 -i -e error -e assert "$tmp/err" ||
				echo "qemu exited without the marker")
			break
		fi
		sleep 0.1
	done
	[ -s "$tmp/qemu.pid" ] && kill -KILL "$(cat "$tmp/qemu.pid")" 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	VM_ACCEL_WHY=${VM_ACCEL_WHY#qemu-system-x86_64: }
	rm -rf "$tmp"
}

# Boot one kernel. ttyS0 (the kernel console) goes to CONSOLE; ttyS1, the
# guest's clean output, comes out on stdout. No stdin: CI has none, and
# QEMU must never wait on a terminal. The host enforces VM_TIMEOUT.
run_vm() { # VMLINUZ INITRD CONSOLE
	local append
	# loglevel=5 keeps info noise off the console but shows warnings, so
	# WARN() splats land in console.log; printk.time marks kernel lines.
	# 8250.nr_uarts=2: ttyS1 exists even where the default is one port.
	append="console=ttyS0 loglevel=5 printk.time=1 panic=-1 rdinit=/init 8250.nr_uarts=2 ${VM_APPEND:-}"
	local disk=()
	# The Debian guest's root disk: the initramfs switches to it.
	if [ -n "${VM_DISK:-}" ]; then
		disk=(-drive "file=${VM_DISK//,/,,},format=raw,if=virtio,cache=unsafe")
		append="$append vmtest.root=/dev/vda"
	fi
	# --foreground: stay in our process group so ^C reaches QEMU too.
	# shellcheck disable=SC2046 # the accel arguments are words
	timeout --foreground -k 10 "${VM_TIMEOUT:-300}" qemu-system-x86_64 \
		-nodefaults -no-user-config -display none -no-reboot \
		$(qemu_accel_args "$VM_ACCEL_RESULT") -m "$VM_MEM" -smp "$VM_SMP" \
		-kernel "$1" -initrd "$2" -append "$append" "${disk[@]}" \
		-serial "file:${3//,/,,}" -chardev stdio,id=tap,signal=off -serial chardev:tap \
		</dev/null
}
