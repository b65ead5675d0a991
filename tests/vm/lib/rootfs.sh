# shellcheck shell=bash
# A real Debian guest for the kernel matrix (sourced by run.sh; needs
# common.sh and fetch-kernel.sh): a bookworm root filesystem made with
# mmdebstrap, with systemd as PID 1, the mptcpify package's runtime
# dependencies and what the system cases use. It is cached as a tarball
# under $VMTEST_CACHE/rootfs, named after a hash of its package list and of
# this recipe, so that a change to either builds a new one. Per boot, the
# tarball, the cases and the .deb go into an ext4 image (mke2fs -d: no
# mount, no loop device).

# What the system cases need besides the package's dependencies: systemd,
# the tools the cases call, busybox for a tiny web server, man-db
# (systemd-analyze verify checks the unit's Documentation= pages), and
# podman with crun for the container cases (dbus: crun asks systemd for
# their scopes; catatonit: the pause process of
# podman's pods, so that no pause image is pulled), and bpftool, the
# kernel's own view of what programs and links a node has after an
# uninstall (the DaemonSet's image has no mptcpify to ask once it is gone).
ROOTFS_PACKAGES="systemd systemd-sysv dbus iproute2 curl busybox procps kmod man-db podman crun conmon catatonit bpftool"
ROOTFS_RECIPE=3 # bump when the recipe below changes

# The runtime dependencies of DEB, as package names.
deb_runtime_depends() { # DEB
	dpkg-deb -f "$1" Depends | sed -e 's/([^)]*)//g' -e 's/|[^,]*//g' -e 's/,/ /g'
}

# Ensure the rootfs tarball for DEB's dependencies exists; print its path.
ensure_rootfs() { # DEB
	local pkgs key out tmp
	pkgs=$(printf '%s\n' $ROOTFS_PACKAGES $(deb_runtime_depends "$1") | sort -u | paste -sd ' ')
	key=$(printf '%s %s\n' "$ROOTFS_RECIPE" "$pkgs" | sha256sum | cut -c1-12)
	out=$VMTEST_CACHE/rootfs/bookworm-$key.tar
	if [ -s "$out" ]; then
		echo "$out"
		return 0
	fi
	command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (apt-get install mmdebstrap)"
	cache_lock rootfs
	if [ -s "$out" ]; then # made by the run this one waited for
		cache_unlock rootfs
		echo "$out"
		return 0
	fi
	msg "building the Debian guest's root filesystem: $pkgs"
	mkdir -p "$VMTEST_CACHE/rootfs"
	# An interrupted build's; nobody else builds while we hold the lock.
	rm -f "$VMTEST_CACHE"/rootfs/.bookworm-*.tar
	tmp=$VMTEST_CACHE/rootfs/.bookworm-$key.tar
	# The machine's own mirror, as for the kernels; apt's lists and cache
	# are left out of the image.
	mmdebstrap --quiet --variant=essential --include="${pkgs// /,}" \
		--aptopt="Acquire::Languages \"none\"" \
		--customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
		bookworm "$tmp" "deb [signed-by=$KEYRING] $(debian_mirror) bookworm main" >&2 ||
		die "mmdebstrap failed"
	mv "$tmp" "$out"
	# Older ones are of no use any more.
	find "$VMTEST_CACHE/rootfs" -name 'bookworm-*.tar' ! -path "$out" -delete
	cache_unlock rootfs
	echo "$out"
}

# The guest's disk: the rootfs, the cases and files to carry, and a unit
# that runs the cases once the system is up and powers off.
mkrootimage() { # ROOTFS.tar DEST.img NAME
	local tar=$1 img=$2 root
	root=$(mktemp -d "${img%/*}/.sysroot.XXXXXX")
	tar -xf "$tar" -C "$root" || die "$tar: cannot extract"
	mkdir -p "$root/usr/local/lib/vmtest/cases" \
		"$root/etc/vmtest" "$root/etc/systemd/system/multi-user.target.wants"
	install -m 0755 "$VMTEST_DIR/runner.sh" "$root/usr/local/lib/vmtest/runner.sh"
	install -m 0644 "$VMTEST_DIR/tap.sh" "$root/usr/local/lib/vmtest/tap.sh"
	cp -RL "$VM_CASES_SRC"/. "$root/usr/local/lib/vmtest/cases/"
	# shellcheck disable=SC2086 # a list of files
	[ -z "${VM_FILES:-}" ] || cp -L $VM_FILES "$root/usr/local/bin/"
	# Trees to put in place, as tarballs of paths from / (xattrs kept:
	# overlay layers mark opaque directories with them).
	for t in ${VM_TREES:-}; do
		tar --xattrs --xattrs-include='*' -xf "$t" -C "$root" || die "$t: cannot extract"
	done
	cat >"$root/etc/systemd/system/vmtest.service" <<-'EOF'
		[Unit]
		Description=mptcpify system tests
		After=multi-user.target
		[Service]
		Type=exec
		ExecStart=/usr/local/lib/vmtest/runner.sh /usr/local/lib/vmtest/cases
		StandardOutput=tty
		StandardError=tty
		TTYPath=/dev/ttyS0
		[Install]
		WantedBy=multi-user.target
	EOF
	ln -s ../vmtest.service "$root/etc/systemd/system/multi-user.target.wants/vmtest.service"
	# No login prompts on the serial ports: the cases own ttyS1. No podman
	# API service or auto-update at boot: the cases run podman themselves.
	for u in podman.socket podman.service podman-auto-update.timer podman-auto-update.service \
		podman-restart.service; do
		ln -sf /dev/null "$root/etc/systemd/system/$u"
	done
	ln -sf /dev/null "$root/etc/systemd/system/serial-getty@.service"
	ln -sf /dev/null "$root/etc/systemd/system/getty@.service"
	ln -sf /dev/null "$root/etc/systemd/system/getty-static.service"
	echo vmtest >"$root/etc/hostname"
	printf '127.0.0.1 localhost vmtest\n::1 localhost\n' >"$root/etc/hosts"
	vm_env "$3" >"$root/etc/vmtest/env"
	rm -f "$img"
	mke2fs -q -t ext4 -d "$root" -L vmtest-root "$img" 2G || die "mke2fs failed"
	rm -rf "$root"
}
