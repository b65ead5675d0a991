#!/bin/bash
# deploy/build-deb.sh OUTDIR VERSION: build OUTDIR/mptcpify_VERSION_ARCH.deb
# from a copy of the tree as it is (tracked files and new ones, not what git
# ignores: no build/ leftovers get in). A VERSION other than debian/
# changelog's gets a changelog entry of its own in the copy, so that a
# rebuilt package can upgrade an installed one.
set -eu
# Called from make: its variables (BUILD=... in MAKEFLAGS) must not reach
# the package's own make, whose "clean" would remove the caller's build/.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES BUILD
mkdir -p "$1"
out=$(cd "$1" && pwd)
version=$2
root=$(cd "$(dirname "$0")/.." && pwd)
src=$out/mptcpify-$version

rm -rf "$out"
mkdir -p "$src"
cd "$root"
git ls-files -z -c -o --exclude-standard | while IFS= read -r -d '' f; do
	[ -e "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp -a --parents -t "$src"

cd "$src"
if [ "$(dpkg-parsechangelog -S Version)" != "$version" ]; then
	{
		printf 'mptcpify (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Rebuilt as %s.\n\n' "$version"
		printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -S Maintainer)" "$(date -R)"
		cat debian/changelog
	} >debian/changelog.new
	mv debian/changelog.new debian/changelog
fi
dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log" >&2
	echo "Error: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
	exit 1
}
ls "$out"/*.deb
