#!/bin/bash
# What deploy/ ships agrees with the README and with the binary: one
# configuration text everywhere, an install that honours DESTDIR and PREFIX
# and keeps an operator's config, a unit systemd accepts, and an image that
# carries the libraries the binary links.
. "$(dirname "$0")/env.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; host_cleanup' EXIT
DEPLOY=$ROOT/deploy

"$ROOT/tests/readme-config.sh" >"$WORK/readme.yaml"
check "the README's example is deploy/config.yaml" cmp "$WORK/readme.yaml" "$DEPLOY/config.yaml"
# The ConfigMap's config.yaml block, four spaces in.
awk '/^  config.yaml: \|$/ { on = 1; next } on { sub(/^    /, ""); print }' \
	"$DEPLOY/kubernetes/configmap.yaml" >"$WORK/configmap.yaml"
check "and the ConfigMap's" cmp "$WORK/readme.yaml" "$WORK/configmap.yaml"
check "which the daemon accepts" "$M" daemon --check --config "$WORK/configmap.yaml"

ds=$DEPLOY/kubernetes/daemonset.yaml
check "the DaemonSet reads the ConfigMap's file" grep -q -- '--config=/etc/mptcpify/config.yaml' "$ds"
check "where the ConfigMap is mounted" grep -q 'name: config, mountPath: /etc/mptcpify,' "$ds"
check "and finds the host's cgroup2 where it mounts it" \
	sh -c "grep -q 'value: /host/cgroup' '$ds' && grep -q 'mountPath: /host/cgroup,' '$ds'"
is "capabilities: all dropped, four added" "$(grep -E '^ *(drop|add):' "$ds" | tr -s ' ')" \
	" drop: [ALL]
 add: [BPF, PERFMON, NET_ADMIN, DAC_READ_SEARCH]"

# The image installs the Debian packages of the binary's own libraries.
want=$(objdump -p "$M" | awk '$1 == "NEEDED" { print $2 }' | while read -r lib; do
	dpkg -S "*/$lib" 2>/dev/null | head -n1 | cut -d: -f1
done | grep -v '^libc6$' | sort -u | tr '\n' ' ')
got=$(sed -n '/apt-get install/,/rm -rf/p' "$DEPLOY/kubernetes/Containerfile" |
	tr ' \t\\' '\n\n\n' | grep -E '^(lib|zlib)' | sort -u | tr '\n' ' ')
is "the image has the packages of the libraries mptcpify links" "$got" "$want"

# make install, twice: the second keeps a changed configuration.
dest=$WORK/root
check "make install DESTDIR PREFIX" make -s -C "$ROOT" BUILD="$BUILD" install DESTDIR="$dest" PREFIX=/usr
check "the binary" test -x "$dest/usr/sbin/mptcpify"
unit=$dest/usr/lib/systemd/system/mptcpify.service
is "the unit starts the installed binary" "$(grep '^ExecStart=' "$unit")" \
	"ExecStart=/usr/sbin/mptcpify daemon --config /etc/mptcpify/config.yaml"
check "the default configuration" cmp "$dest/etc/mptcpify/config.yaml" "$DEPLOY/config.yaml"
echo "# edited" >>"$dest/etc/mptcpify/config.yaml"
make -s -C "$ROOT" BUILD="$BUILD" install DESTDIR="$dest" PREFIX=/usr >/dev/null
is "a reinstall keeps an edited configuration" "$(tail -n1 "$dest/etc/mptcpify/config.yaml")" \
	"# edited"
if command -v systemd-analyze >/dev/null; then
	out=$(cd "$dest" && SYSTEMD_LOG_LEVEL=err systemd-analyze verify --root="$dest" \
		"$unit" 2>&1 | grep -v 'not executable\|No such file\|Failed to')
	is "systemd-analyze verify finds nothing" "$out" ""
else
	skip "systemd-analyze verify" "systemd-analyze is not installed on this host"
fi
check "Type=notify: the daemon sends READY=1" grep -q '^Type=notify$' "$unit"
tap_done
