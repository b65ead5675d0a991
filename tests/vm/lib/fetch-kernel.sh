# shellcheck shell=bash
# Fetch a Debian kernel (vmlinuz, config, System.map, modules) into the cache
# (sourced by run.sh; needs common.sh).
#
# The system's apt configuration is never touched: every apt call runs with a
# private source list, lists, cache and (empty) dpkg status under
# $VMTEST_CACHE/apt/<suite>/, so only that one suite is visible and packages
# installed on the host cannot shadow the suite's candidate. Signatures are
# checked as usual with the Debian archive keyring (see KEYRING).

# Matrix name -> Debian suite whose linux-image-amd64 defines that kernel.
kernel_suite() {
	case $1 in
	6.1) echo bookworm ;;
	6.12) echo bookworm-backports ;;
	7.3) echo trixie-backports ;;
	*) return 1 ;;
	esac
}

# The URI serving the "debian" archive for bookworm, read from the host's own
# apt sources (one-line *.list and deb822 *.sources), so that whatever mirror
# or proxy the machine is set up for is used, and none is hard-coded here.
debian_mirror() {
	if [ -n "${VM_DEBIAN_MIRROR:-}" ]; then
		echo "$VM_DEBIAN_MIRROR"
		return
	fi
	local f uri=""
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		uri=$(awk '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
			if ($(i + 1) == "bookworm") { print $i; exit }
		}' "$f")
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ]; then
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -r "$f" ] || continue
			uri=$(awk '
			function flush() {
				if (tolower(f["enabled"]) != "no" && (" " f["types"] " ") ~ / deb / &&
				    (" " f["suites"] " ") ~ / bookworm /) {
					split(f["uris"], u, " "); print u[1]; done = 1; exit
				}
				delete f
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { f[key] = f[key] " " $0; next }  # continuation line
			{
				key = tolower($1); sub(/:$/, "", key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val); f[key] = val
			}
			END { if (!done) flush() }' "$f")
			[ -n "$uri" ] && break
		done
	fi
	[ -n "$uri" ] || die "no apt source serves Debian bookworm (set VM_DEBIAN_MIRROR)"
	echo "${uri%/}"
}

# apt-get/apt-cache against the private state of one suite.
apt_priv() {
	local d=$VMTEST_CACHE/apt/$1
	shift
	"$@" -o Dir::Etc::sourcelist="$d/sources.list" -o Dir::Etc::sourceparts="$d/parts" \
		-o Dir::Etc::preferences="$d/preferences" -o Dir::Etc::preferencesparts="$d/parts" \
		-o Dir::State::Lists="$d/lists" -o Dir::State::status="$d/status" \
		-o Dir::Cache="$d/cache" -o Acquire::Languages=none \
		-o APT::Sandbox::User=root
	# Sandbox::User=root: the cache may sit under a home directory that
	# the _apt user cannot enter; this changes privileges, not signatures.
}

# Signatures: trixie(-backports) Release files are signed by both the 12/bookworm
# and the 13/trixie archive keys, and bookworm's debian-archive-keyring
# (2023.3+deb12u2) holds both, so the system keyring verifies all three
# suites and signature checking stays fully on.
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

apt_update_suite() { # SUITE
	local d=$VMTEST_CACHE/apt/$1 log
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/parts"
	: >"$d/status"
	echo "deb [arch=amd64 signed-by=$KEYRING] $(debian_mirror) $1 main" >"$d/sources.list"
	# apt-get update exits 0 on some signature problems: look at W:/E: too.
	if ! log=$(apt_priv "$1" apt-get -q update 2>&1) ||
		printf '%s\n' "$log" | grep -q '^[WE]:'; then
		printf '%s\n' "$log" >&2
		return 1
	fi
}

# Names from a package's Depends (all alternatives, no versions).
pkg_depends() { # SUITE PKG
	apt_priv "$1" apt-cache show --no-all-versions "$2" |
		awk '/^Depends:/ { sub(/^Depends:/, ""); print; exit }' |
		sed -e 's/([^)]*)//g' -e 's/[,|]/ /g'
}

# Extract one package, whatever its data.tar compression: dpkg-deb handles
# xz (and zstd where dpkg is new enough); ar + zstd covers the rest.
deb_extract() { # DEB DIR
	dpkg-deb -x "$1" "$2" 2>/dev/null && return
	local m
	command -v ar >/dev/null || die "cannot extract $1: dpkg-deb failed and binutils' ar is missing"
	m=$(ar t "$1" | grep '^data\.tar') || return 1
	case $m in
	*.zst) ar p "$1" "$m" | zstd -dcq | tar -x -C "$2" ;;
	*.xz) ar p "$1" "$m" | xz -dc | tar -x -C "$2" ;;
	*) return 1 ;;
	esac
}

# Ensure $VMTEST_CACHE/kernels/NAME is complete; a warm cache does no I/O
# beyond reading kernel.env. Set VM_REFRESH=1 to fetch the suite's current
# kernel again. Under the kernel's lock, then its suite's (whose apt lists
# the busybox fetch shares): a run that waited finds the kernel there.
fetch_kernel() { # NAME
	local name=$1 kdir=$VMTEST_CACHE/kernels/$1 suite
	if [ -s "$kdir/kernel.env" ] && [ "${VM_REFRESH:-0}" != 1 ]; then
		return 0
	fi
	suite=$(kernel_suite "$name") || die "unknown kernel '$name' (known: 6.1 6.12 7.3)"
	cache_lock "kernel-$name"
	# A run this one waited for may have made it.
	if ! [ -s "$kdir/kernel.env" ] || [ "${VM_REFRESH:-0}" = 1 ]; then
		cache_lock "apt-$suite"
		fetch_kernel_locked "$name" "$suite"
		cache_unlock "apt-$suite"
	fi
	cache_unlock "kernel-$name"
}

fetch_kernel_locked() { # NAME SUITE
	local name=$1 suite=$2 kdir=$VMTEST_CACHE/kernels/$1 tmp img abi queue pkgs="" p d ver mods
	msg "fetching kernel $name from $suite"
	apt_update_suite "$suite" || die "apt-get update $suite failed"
	# linux-image-amd64 is a metapackage: follow it to the versioned image
	# and from there to its split-out parts (7.x has linux-binary-*,
	# linux-modules-*, linux-base-*), i.e. every dependency with the ABI name.
	img=$(pkg_depends "$suite" linux-image-amd64 | tr ' ' '\n' | grep -m1 '^linux-image-[0-9]') ||
		die "no versioned linux-image in $suite"
	abi=${img#linux-image-}
	abi=${abi%-unsigned}
	queue=$img
	while [ -n "$queue" ]; do
		# shellcheck disable=SC2086 # split the queue
		set -- $queue
		p=$1
		shift
		queue=$*
		pkgs="$pkgs $p"
		for d in $(pkg_depends "$suite" "$p"); do
			case $d in linux-*"$abi"*) ;; *) continue ;; esac
			case " $pkgs $queue " in *" $d "*) continue ;; esac
			queue="$queue $d"
		done
	done
	msg "downloading$pkgs"
	mkdir -p "$VMTEST_CACHE/kernels"
	# Left by an interrupted fetch: nobody else fetches it while we hold its lock.
	rm -rf "$VMTEST_CACHE/kernels/.$name".*
	tmp=$(mktemp -d "$VMTEST_CACHE/kernels/.$name.XXXXXX")
	# shellcheck disable=SC2086 # a package list
	(cd "$tmp" && apt_priv "$suite" apt-get -qq download $pkgs) || die "download failed:$pkgs"
	mkdir "$tmp/root" "$tmp/k"
	for p in "$tmp"/*.deb; do
		deb_extract "$p" "$tmp/root" || die "cannot extract $p"
	done
	# bookworm ships /boot/{vmlinuz,config,System.map}-VER and /lib/modules;
	# the split 7.x packages put all of it under /usr/lib/modules/VER/.
	set -- "$tmp"/root/lib/modules/* "$tmp"/root/usr/lib/modules/*
	for mods; do [ -d "$mods" ] && break; done
	[ -d "$mods" ] || die "no modules directory in$pkgs"
	ver=${mods##*/}
	mkdir -p "$tmp/k/lib/modules"
	for p in vmlinuz config System.map; do
		if [ -f "$mods/$p" ]; then
			mv "$mods/$p" "$tmp/k/$p-$ver"
		elif [ -f "$tmp/root/boot/$p-$ver" ]; then
			mv "$tmp/root/boot/$p-$ver" "$tmp/k/"
		fi
	done
	[ -f "$tmp/k/vmlinuz-$ver" ] || die "no vmlinuz for $ver in$pkgs"
	mv "$mods" "$tmp/k/lib/modules/$ver"
	# Debian generates modules.dep in postinst, so the package lacks it.
	depmod -b "$tmp/k" "$ver" || die "depmod failed for $ver"
	case $ver in "$name".*) ;; *) msg "warning: $suite now has $ver, not $name.x" ;; esac
	{
		echo "KVER=$ver"
		echo "SUITE=$suite"
		echo "PACKAGES=\"$(apt_priv "$suite" apt-cache show --no-all-versions "$img" |
			awk '/^Version:/ { print $2; exit }')$pkgs\""
	} >"$tmp/k/kernel.env"
	rm -rf "$kdir"
	mv "$tmp/k" "$kdir"
	rm -rf "$tmp"
}

# The guest's busybox. Debian's busybox-static prefers its own applets over
# $PATH (in ash and whenever an applet such as timeout executes a program),
# so `ip mptcp` would always hit busybox's ip. The regular Debian busybox
# package (same version, dynamically linked) follows $PATH; the guest gets
# glibc for iproute2 anyway.
fetch_busybox() {
	local d=$VMTEST_CACHE/busybox
	[ -x "$d/busybox" ] && return 0
	cache_lock busybox
	if ! [ -x "$d/busybox" ]; then
		cache_lock apt-bookworm
		fetch_busybox_locked
		cache_unlock apt-bookworm
	fi
	cache_unlock busybox
}

fetch_busybox_locked() {
	local d=$VMTEST_CACHE/busybox tmp
	msg "fetching busybox from bookworm"
	mkdir -p "$d"
	rm -rf "$d"/.tmp.* # an interrupted fetch's
	tmp=$(mktemp -d "$d/.tmp.XXXXXX")
	# Lists left by an earlier kernel fetch may be stale: update on failure.
	if ! (cd "$tmp" && apt_priv bookworm apt-get -qq download busybox 2>/dev/null); then
		apt_update_suite bookworm || die "apt-get update bookworm failed"
		(cd "$tmp" && apt_priv bookworm apt-get -qq download busybox) || die "cannot download busybox"
	fi
	deb_extract "$tmp"/busybox_*.deb "$tmp/x" || die "cannot extract busybox"
	mv "$tmp/x/bin/busybox" "$d/busybox"
	rm -rf "$tmp"
}
