#!/bin/bash
# The Debian package and its documentation, as an operator gets them: the
# package make test built from the tree (make deb's way: tests/tests.mk),
# lintian, the files the package installs, the man pages rendered by man
# itself, and a man page that documents every command and option that
# `mptcpify help` prints; and the "next" package that the systemd guest
# upgrades to ($BUILD/deb-next). It builds nothing: the system suite reads
# the same packages meanwhile.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
# shellcheck source=vm/tap.sh
. "$ROOT/tests/vm/tap.sh"
cd "$ROOT" || exit 1

VERSION=$(dpkg-parsechangelog -S Version)
ARCH=$(dpkg --print-architecture)
DEB=$BUILD/deb/mptcpify_${VERSION}_$ARCH.deb
NEXT=$BUILD/deb-next/mptcpify_${VERSION}+next1_$ARCH.deb

check "make test built $(basename "$DEB")" test -f "$DEB"
tags=$(lintian --pedantic "$BUILD"/deb/*.changes 2>&1 | grep -E '^[EW]: ')
is "lintian: no error and no warning" "$tags" ""

files=$(dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/sbin/mptcpify /lib/systemd/system/mptcpify.service \
	/lib/systemd/system/mptcpify-bpffs.service /etc/mptcpify/config.yaml \
	/usr/share/man/man8/mptcpify.8.gz /usr/share/man/man5/mptcpify.yaml.5.gz \
	/usr/share/bash-completion/completions/mptcpify \
	/usr/share/doc/mptcpify/examples/config.yaml; do
	is "the package has $f" "$(grep -cx "$f" <<<"$files")" 1
done
is "its one conffile is the configuration" \
	"$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles)" /etc/mptcpify/config.yaml
dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./etc/mptcpify/config.yaml >"$BUILD/deb/config.yaml"
is "which is deploy/config.yaml" "$(cmp "$BUILD/deb/config.yaml" deploy/config.yaml && echo same)" same
is "and selects nothing" "$("$BUILD/mptcpify" daemon --check --config "$BUILD/deb/config.yaml")" \
	"$BUILD/deb/config.yaml: 0 selectors, 0 profiles: ok"

for page in "$BUILD"/man/mptcpify.8 "$BUILD"/man/mptcpify.yaml.5; do
	warn=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
	is "man --warnings renders $(basename "$page") cleanly" "$warn" ""
done

# Every command and every option of the help is in mptcpify(8).
rst=deploy/man/mptcpify.8.rst
help=$("$BUILD/mptcpify" help)
for c in $(sed -n 's/^  mptcpify \([a-z]*\).*/\1/p' <<<"$help"); do
	check "mptcpify(8) documents the command $c" grep -qE "^\*\*$c(\*\*| )" "$rst"
done
missing=""
for c in $(sed -n 's/^  mptcpify \([a-z]*\).*/\1/p' <<<"$help"); do
	for o in $("$BUILD/mptcpify" "$c" --help | grep -oE -- '--[a-z-]+' | sort -u); do
		grep -qF -- "**$o**" "$rst" || missing="$missing $c:$o"
	done
done
is "mptcpify(8) documents the options of each command's help" "$missing" ""
for o in $(grep -oE -- '^  (-[a-zA-Z], )?--[a-z-]+' <<<"$help" | grep -oE -- '--[a-z-]+'); do
	check "mptcpify(8) documents the global option $o" grep -qF -- "**$o**" "$rst"
done
tests/readme-config.sh README.md first-use-config >"$BUILD/deb/first-use.yaml"
is "the README's first-use configuration is valid" \
	"$("$BUILD/mptcpify" daemon --check --config "$BUILD/deb/first-use.yaml" 2>&1)" \
	"$BUILD/deb/first-use.yaml: 1 selectors, 0 profiles: ok"

# The troubleshooting guide: mptcpify(8) has the README's symptoms, in the
# README's order, and every alert's runbook_url names a README section.
readme_ts=$(awk '/^## / { on = ($0 == "## Troubleshooting") } on && sub(/^### /, "")' README.md)
man_ts=$(awk '/^[A-Z][A-Z ]*$/ { on = ($0 == "TROUBLESHOOTING") } on && sub(/^\*\*/, "") && sub(/\*\*$/, "")' "$rst")
check "the README has a Troubleshooting section" test -n "$readme_ts"
is "mptcpify(8)'s TROUBLESHOOTING has the README's symptoms" "$man_ts" "$readme_ts"
# GitHub's anchors: lower case, punctuation dropped, spaces made dashes.
anchors=$(sed -n 's/^#\{1,6\} //p' README.md | tr 'A-Z ' 'a-z-' | tr -cd 'a-z0-9_\n-')
runbooks=$(grep -ho 'runbook_url:.*' deploy/prometheus/*.yaml | grep -o '#[a-z0-9_-]*' | sort -u)
if [ -z "$runbooks" ]; then
	skip "every runbook_url names a section of the README" "no runbook_url in deploy/prometheus"
else
	missing=""
	for a in $runbooks; do
		grep -qx -- "${a#\#}" <<<"$anchors" || missing="$missing $a"
	done
	is "every runbook_url names a section of the README" "$missing" ""
fi

check "and $(basename "$NEXT") (for the upgrade test)" test -f "$NEXT"
# build_id DEB: the hash of the BPF object its mptcpify runs, which says
# whether a load upgrades.
build_id() {
	local dir
	dir=$(mktemp -d) && dpkg-deb -x "$1" "$dir" &&
		"$dir/usr/sbin/mptcpify" -j version | jq -r .build_id
	rm -rf "$dir"
}
old=$(build_id "$DEB") new=$(build_id "$NEXT")
check "whose BPF object is another ($old, $new): its upgrade swaps the programs" \
	test -n "$old" -a -n "$new" -a "$old" != "$new"
tap_done
