# shellcheck shell=bash
# Build the guest's initramfs (sourced by run.sh; needs common.sh).
#
# Layout of the guest:
#   /init               tests/vm/init
#   /tap.sh             tests/vm/tap.sh, sourced by the cases ($TAP_SH)
#   /cases/*.sh         the test cases (VM_CASES, or the VM_DEMO script)
#   /usr/bin/*          VM_BINDIR (static mptcpify and test programs)
#   /usr/bin/iperf3     the host's, where it has one
#   /sbin/ip /sbin/tc /bin/ss   iproute2 with their ELF interpreter and
#                       libraries (busybox's ip lacks `ip mptcp`, its tc netem)
#   /bin/busybox        + a link for every applet not provided otherwise
#                       (Debian's dynamic busybox: see fetch_busybox)
#   /lib/modules/VER/   the VM_MODULES and their dependencies, decompressed
#   /etc/vmtest/        modules (load order) and env (facts for the cases)

VMTEST_DIR=${VMTEST_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# Copy the ELF interpreter and every library ldd lists for a program,
# keeping their paths, so that it runs without a distribution. Static
# programs and scripts have none (ldd fails for them).
copy_libs() { # PROGRAM ROOT
	local lib
	for lib in $(ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		[ -e "$2$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$2$lib"
	done
}

copy_elf() { # SRC ROOT DEST
	install -D -m 0755 "$(readlink -f "$1")" "$2$3"
	copy_libs "$1" "$2"
}

# Print the module files (relative to MODDIR) to load, dependencies first,
# for each wanted module name; a built-in one is skipped with a note on
# stderr, an unknown one is an error unless its name starts with "?".
resolve_modules() { # MODDIR NAME...
	local moddir=$1
	shift
	awk -v want="$*" -v dir="$moddir" '
	function norm(s) {
		sub(/.*\//, "", s); sub(/\.ko(\.xz|\.zst|\.gz)?:?$/, "", s)
		gsub(/-/, "_", s); return s
	}
	function emit(p) { if (!(p in done)) { done[p] = 1; print p } }
	FILENAME ~ /modules\.builtin$/ { builtin[norm($1)] = 1; next }
	{ sub(/:$/, "", $1); n = norm($1); line[n] = $0; path[n] = $1 }
	END {
		k = split(want, w, " ")
		for (i = 1; i <= k; i++) {
			# "?name": only where the kernel has it (names change).
			opt = sub(/^\?/, "", w[i])
			n = norm(w[i])
			if (n in builtin) { if (!opt) printf "vmtest: module %s is built in\n", w[i] > "/dev/stderr"; continue }
			if (!(n in path) && opt) continue
			if (!(n in path)) { printf "vmtest: module %s not found in %s\n", w[i], dir > "/dev/stderr"; bad = 1; continue }
			m = split(line[n], d, " ")
			# modules.dep lists the closure so that the last one loads first.
			for (j = m; j >= 2; j--) emit(d[j])
			emit(path[n])
		}
		exit bad
	}' "$moddir/modules.builtin" "$moddir/modules.dep"
}

# Decompress one module: busybox insmod only reads plain ELF.
unpack_module() { # SRC DEST
	mkdir -p "$(dirname "$2")"
	case $1 in
	*.xz) xz -dc "$1" >"$2" ;;
	*.zst) zstd -dcq "$1" >"$2" ;;
	*.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

# Single-quote a value for the guest's sh.
shquote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# Facts for the cases, as /etc/vmtest/env (both guests read it).
vm_env() { # NAME
	local v
	echo "KERNEL_NAME=$(shquote "$1")"
	echo "CASE_TIMEOUT=$(shquote "${CASE_TIMEOUT:-120}")"
	echo "VM_DEMO=$(shquote "${VM_DEMO_MODE:-0}")"
	# VM_ENV="A=1 B=2": extra variables for the cases.
	for v in ${VM_ENV:-}; do
		echo "${v%%=*}=$(shquote "${v#*=}")"
	done
}

mkinitramfs() { # NAME MODDIR|"" OUT.cpio
	local name=$1 moddir=$2 out=$3 root m rel kver f v
	root=$(mktemp -d "${out%/*}/.root.XXXXXX")
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,proc,sys,dev,tmp,run,root,cases,etc/vmtest,var}
	ln -s ../run "$root/var/run" # iproute2 keeps netns names in /var/run/netns
	install -m 0755 "$VMTEST_DIR/init" "$root/init"
	install -m 0755 "$VMTEST_DIR/runner.sh" "$root/runner.sh"
	install -m 0644 "$VMTEST_DIR/tap.sh" "$root/tap.sh"
	copy_elf "$(command -v ip)" "$root" /sbin/ip
	copy_elf "$(command -v tc)" "$root" /sbin/tc
	copy_elf "$(command -v ss)" "$root" /bin/ss
	# Throughput over two paths (the path-manager case): where the host has it.
	if command -v iperf3 >/dev/null; then
		copy_elf "$(command -v iperf3)" "$root" /usr/bin/iperf3
	fi
	if [ -n "${VM_BINDIR:-}" ]; then
		for f in "$VM_BINDIR"/*; do
			[ -f "$f" ] || continue
			cp -L "$f" "$root/usr/bin/"
			copy_libs "$f" "$root" # in case it is not static after all
		done
	fi
	# A case directory is copied whole (helpers and data files too); the
	# guest runs only its *.sh. A single file is copied alone.
	if [ -d "$VM_CASES_SRC" ]; then
		cp -RL "$VM_CASES_SRC"/. "$root/cases/"
	else
		f=${VM_CASES_SRC##*/}
		cp "$VM_CASES_SRC" "$root/cases/${f%.sh}.sh"
	fi
	copy_elf "$VMTEST_CACHE/busybox/busybox" "$root" /bin/busybox
	for f in $("$root/bin/busybox" --list-full); do
		[ -e "$root/$f" ] || [ -L "$root/$f" ] || ln -s /bin/busybox "$root/$f"
	done
	: >"$root/etc/vmtest/modules"
	if [ -n "$moddir" ] && [ -n "${VM_MODULES:-}" ]; then
		kver=${moddir##*/}
		# shellcheck disable=SC2086 # a list of module names
		rel=$(resolve_modules "$moddir" $VM_MODULES) || die "kernel $name: missing modules"
		for m in $rel; do
			unpack_module "$moddir/$m" "$root/lib/modules/$kver/${m%.ko*}.ko"
			echo "${m%.ko*}.ko" >>"$root/etc/vmtest/modules"
		done
		# Their part of modules.dep, so busybox modprobe/rmmod work by name.
		awk -v list="$rel" 'BEGIN { n = split(list, a, " "); for (i = 1; i <= n; i++) w[a[i] ":"] = 1 }
			$1 in w { gsub(/\.ko\.(xz|zst|gz)/, ".ko"); print }' \
			"$moddir/modules.dep" >"$root/lib/modules/$kver/modules.dep"
	elif [ -n "${VM_MODULES:-}" ]; then
		msg "kernel $name: no modules directory, assuming VM_MODULES are built in"
	fi
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\n' >"$root/etc/group"
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"
	vm_env "$name" >"$root/etc/vmtest/env"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out"
	rm -rf "$root"
}
