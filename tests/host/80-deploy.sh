#!/bin/bash
# What deploy/ ships, tried for what it does: the README's configuration is
# the one shipped; the DaemonSet's container, started natively with exactly
# the manifest's arguments, environment, mounts and capabilities (read from
# the manifest, not typed again), enforces a kubelet-layout pod and answers
# its probes; its init container's step, with the manifest's command and
# mount propagation, mounts bpffs where the host and the agent see it; the
# image carries the libraries the binary links; `make install` honours
# DESTDIR and PREFIX and keeps an operator's config; and `make uninstall`
# leaves no program of mptcpify attached and no pin.
. "$(dirname "$0")/env.sh"

WORK=$(mktemp -d)
DEPLOY=$ROOT/deploy
DPID=
MADE="" # mount points this test had to create on the host
APID= # the agent's namespace of the propagation checks
deploy_cleanup() {
	[ -z "$DPID" ] || kill -KILL "$DPID" 2>/dev/null
	[ -z "$APID" ] || kill -KILL "$APID" 2>/dev/null
	umount -R "$WORK/host" 2>/dev/null
	umount "$WORK/ctr" 2>/dev/null
	# shellcheck disable=SC2086
	[ -z "$MADE" ] || rmdir $MADE 2>/dev/null
	[ -d "$WORK/bpffs/mptcpify" ] && "$M" --pin-dir "$WORK/bpffs/mptcpify" unload >/dev/null 2>&1
	umount "$WORK/bpffs" 2>/dev/null
	rm -rf "$WORK"
	host_cleanup
}
trap deploy_cleanup EXIT

"$ROOT/tests/readme-config.sh" >"$WORK/readme.yaml"
check "the README's example is deploy/examples/config.yaml" \
	cmp "$WORK/readme.yaml" "$DEPLOY/examples/config.yaml"
check "which the daemon accepts" "$M" daemon --check --config "$WORK/readme.yaml"
# The ConfigMap's (base/config.yaml) selects nothing; the tests' overlay,
# tests/k8s/example, gives the agent the README's example instead.
check "the daemon accepts the ConfigMap's, which selects nothing" \
	"$M" daemon --check --config "$DEPLOY/kubernetes/base/config.yaml"
cp "$WORK/readme.yaml" "$WORK/configmap.yaml"

# The init container's step and the agent's view of bpffs, each in a mount
# namespace of its own, as runc makes them: the host's /sys/fs/bpf bound
# into the container with the propagation the manifest names. The "host"
# is a shared tmpfs of the test's whose sys/fs/bpf holds no bpffs, the
# containers' root a private one: nothing reaches the real /sys/fs/bpf.
"$ROOT/tests/yaml2json" "$DEPLOY/kubernetes/base/daemonset.yaml" |
	jq '.spec.template.spec as $s | {init: $s.initContainers[0], agent: $s.containers[0],
		bpffs: ($s.volumes[] | select(.hostPath.path == "/sys/fs/bpf") | .name)}' >"$WORK/pod.json"
pod() { jq -r "$@" "$WORK/pod.json"; }
HOSTBPF=$WORK/host/sys/fs/bpf CTRBPF=$WORK/ctr/bpf
mkdir -p "$WORK/host" "$WORK/ctr"
mount -t tmpfs -o mode=0755 mptcpify-host "$WORK/host" && mount --make-shared "$WORK/host"
mount -t tmpfs -o mode=0755 mptcpify-ctr "$WORK/ctr" && mount --make-private "$WORK/ctr"
mkdir -p "$HOSTBPF" "$CTRBPF"
propagation() { # CONTAINER: mount(8)'s flag for its bpffs volume mount
	case $(pod --arg c "$1" '.bpffs as $v | .[$c].volumeMounts[] | select(.name == $v) |
		.mountPropagation // "None"') in
	Bidirectional) echo --make-rshared ;;
	HostToContainer) echo --make-rslave ;;
	*) echo --make-rprivate ;;
	esac
}
bpf_mounts() { # how many mounts /proc/self/mountinfo has at DIR
	awk -v d="$1" '$5 == d' /proc/self/mountinfo | wc -l
}
fstype() { stat -f -c %T "$1"; }
# in_ctr FLAG CMD...: CMD with the host's bpf directory at $CTRBPF, bound
# as a propagation FLAG mount; then the file system the container sees
# there. A bind of a shared mount is its peer: FLAG then says what it
# sends and what it receives.
in_ctr() {
	local flag=$1
	shift
	unshare -m --propagation unchanged sh -c 'mount --bind "$0" "$1" && mount "$2" "$1" || exit
		d=$1 && shift 2 && "$@" && stat -f -c %T "$d"' "$HOSTBPF" "$CTRBPF" "$flag" "$@"
}
# The agent's mount, made before the host has bpffs: it sees one mounted
# later (by the init step below, or by hand on the host) with
# HostToContainer, not with None. It says when its mount is made, and the
# init step waits for that: started in the background, it may come late.
in_ctr "$(propagation agent)" sh -c ': >"$0/agent.ready"; while [ ! -e "$0/go" ]; do sleep 0.05; done' \
	"$WORK" >"$WORK/agent.fstype" 2>&1 &
APID=$!
poll "[ -e '$WORK/agent.ready' ] || ! kill -0 $APID 2>/dev/null"
mapfile -t init_cmd < <(pod '.init.command[], .init.args[]?')
mpath=$(pod '.bpffs as $v | .init.volumeMounts[] | select(.name == $v) | .mountPath')
# The manifest's command, the container's path for /sys/fs/bpf in it.
init_cmd=("${init_cmd[@]//"$mpath"/"$CTRBPF"}")
is "the init step without propagation: a bpffs in the container" \
	"$(in_ctr --make-rprivate "${init_cmd[@]}" 2>&1)" bpf_fs
is "which the host would not have" "$(fstype "$HOSTBPF")" tmpfs
is "with the manifest's propagation" "$(in_ctr "$(propagation init)" "${init_cmd[@]}" 2>&1)" bpf_fs
is "the host has it" "$(fstype "$HOSTBPF")" bpf_fs
is "root's alone (bpffs adds the sticky bit)" "$(stat -c %a "$HOSTBPF")" 1700
is "a second run (the pod again)" "$(in_ctr "$(propagation init)" "${init_cmd[@]}" 2>&1)" bpf_fs
is "mounts none over it" "$(bpf_mounts "$HOSTBPF")" 1
touch "$WORK/go"
wait "$APID"
APID=
is "the agent, HostToContainer, sees the bpffs the host got after it started" \
	"$(cat "$WORK/agent.fstype")" bpf_fs

# The DaemonSet's one container, as the kubelet would start it.
"$ROOT/tests/yaml2json" "$DEPLOY/kubernetes/base/daemonset.yaml" |
	jq '.spec.template.spec as $s | $s.containers[0] + {volumes: $s.volumes}' >"$WORK/ctr.json"
ctr() { jq -r "$@" "$WORK/ctr.json"; }

# Each volume from where this test keeps it: the example's ConfigMap file
# (audit where it says rewrite: this kernel refuses the rewrite), the host's
# cgroup2 tree, a bpffs of the test's own, pods and containers directories
# of its own.
mkdir -p "$WORK/config" "$WORK/pods" "$WORK/containers" "$WORK/bpffs" "$WORK/root"
sed 's/mode: rewrite/mode: audit/' "$WORK/configmap.yaml" >"$WORK/config/config.yaml"
mount -t bpf bpf "$WORK/bpffs" -o mode=0700
source_of() { # VOLUME: the directory this test gives it
	case $(ctr --arg v "$1" '.volumes[] | select(.name == $v) |
		if .configMap then "configmap" else .hostPath.path end') in
	configmap) echo "$WORK/config" ;;
	/sys/fs/cgroup) echo "$CG2" ;;
	/sys/fs/bpf) echo "$WORK/bpffs" ;;
	/var/log/pods) echo "$WORK/pods" ;;
	/var/log/containers) echo "$WORK/containers" ;;
	*) return 1 ;;
	esac
}
mounts=""
while read -r name path ro; do
	src=$(source_of "$name") || {
		not_ok "volume $name has a source here"
		continue
	}
	d=$path
	while [ ! -e "$d" ]; do
		MADE="$MADE $d"
		d=$(dirname "$d")
	done
	mounts+="mkdir -p '$path' && mount --bind '$src' '$path'"
	[ "$ro" = true ] && mounts+=" && mount -o remount,bind,ro '$path'"
	mounts+=" && "
done < <(ctr '.volumeMounts[] | "\(.name) \(.mountPath) \(.readOnly // false)"')
env_args=$(ctr '[.env[] | "\(.name)=\(.value)"] | join(" ")')
caps=$(ctr '.securityContext.capabilities | "-all," + (.add | map("+" + ascii_downcase) | join(","))')
port=$(ctr --arg p "$(ctr .livenessProbe.httpGet.port)" \
	'.ports[] | select(.name == $p or (.containerPort | tostring) == $p) | .containerPort')
is "the probes' port is the metrics port" "$(ctr '.args[] | select(startswith("--metrics"))')" \
	"--metrics=0.0.0.0:$port"
mapfile -t args < <(ctr '.args[]')
# A mount namespace of its own, like the container's; its only
# privileges the four capabilities the manifest adds.
# shellcheck disable=SC2086 # env_args are words
unshare -m --propagation private sh -c "$mounts exec env -i $env_args \
	setpriv --bounding-set=$caps --inh-caps=-all \"\$0\" \"\$@\"" \
	"$M" "${args[@]}" 2>"$WORK/daemon.log" &
DPID=$!
# Started (and each answer) when a busy machine gets to it: asked again.
live=$(ctr .livenessProbe.httpGet.path) ready=$(ctr .readinessProbe.httpGet.path)
poll "curl -sf -m 30 'http://127.0.0.1:$port$live' >/dev/null || ! kill -0 $DPID 2>/dev/null"
poll "[ \"\$(curl -s -m 30 'http://127.0.0.1:$port$live')\" = ok ] || ! kill -0 $DPID 2>/dev/null"
is "the liveness probe answers" "$(curl -s -m 30 "http://127.0.0.1:$port$live")" ok
poll "[ \"\$(curl -s -m 30 'http://127.0.0.1:$port$ready')\" = ok ] || ! kill -0 $DPID 2>/dev/null"
is "and so does the readiness probe" "$(curl -s -m 30 "http://127.0.0.1:$port$ready")" ok

# A pod the kubelet's way, in namespace shop: the ConfigMap's "shop" selector.
uid=dddddddd-0000-4000-8000-000000000001
pod=$TESTCG/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid//-/_}.slice
mkdir -p "$WORK/pods/shop_web-0_$uid" "$pod/ctr"
mode_of() {
	"$M" --pin-dir "$WORK/bpffs/mptcpify" -j list 2>/dev/null |
		jq -r --arg c "/${pod#"$CG2"/}" '.cgroups[]? | select(.cgroup == $c) | .mode'
}
poll '[ -n "$(mode_of)" ] || ! kill -0 $DPID 2>/dev/null'
is "it enforces a pod the ConfigMap selects, through the manifest's mounts" "$(mode_of)" audit
in_cgroup "$pod/ctr" "$SOCKCHECK" inet stream 0 >/dev/null
counted() {
	curl -s -m 30 "http://127.0.0.1:$port/metrics" |
		awk '$1 == "mptcpify_sockets_total{selector=\"shop\",result=\"tcp_created\"}" { print $2 }'
}
# A scrape shows what is at most a second or two old: asked again.
poll '[ "$(counted)" = 1 ] || ! kill -0 $DPID 2>/dev/null'
is "and counts its socket" "$(counted)" 1
kill -TERM "$DPID"
wait "$DPID"
is "SIGTERM: it exits 0" "$?" 0
DPID=
[ -s "$WORK/daemon.log" ] && grep -qE '^[^ ]+ error ' "$WORK/daemon.log" && diag "$(cat "$WORK/daemon.log")"
is "with no error logged" "$(grep -cE '^[^ ]+ error ' "$WORK/daemon.log")" 0

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
check "the default configuration, which selects nothing" \
	cmp "$dest/etc/mptcpify/config.yaml" "$DEPLOY/config.yaml"
is "the example beside the documentation" \
	"$(cmp "$dest/usr/share/doc/mptcpify/examples/config.yaml" "$DEPLOY/examples/config.yaml" && echo same)" same
check "the daemon accepts the default configuration" "$M" daemon --check --config "$DEPLOY/config.yaml"
echo "# edited" >>"$dest/etc/mptcpify/config.yaml"
make -s -C "$ROOT" BUILD="$BUILD" install DESTDIR="$dest" PREFIX=/usr >/dev/null
is "a reinstall keeps an edited configuration" "$(tail -n1 "$dest/etc/mptcpify/config.yaml")" \
	"# edited"
if command -v systemd-analyze >/dev/null; then
	# Documentation=man:... pages: the installed ones.
	out=$(cd "$dest" && MANPATH=$dest/usr/share/man SYSTEMD_LOG_LEVEL=err \
		systemd-analyze verify --root="$dest" \
		"$unit" 2>&1 | grep -v 'not executable\|No such file\|Failed to')
	is "systemd-analyze verify finds nothing" "$out" ""
else
	skip "systemd-analyze verify" "systemd-analyze is not installed on this host"
fi
check "Type=notify: the daemon sends READY=1" grep -q '^Type=notify$' "$unit"

# make uninstall on a running system (no DESTDIR) of this test's: PREFIX
# and SYSCONFDIR under $WORK, systemctl a stub that logs its calls, the
# pins this test's (MPTCPIFY_PIN_DIR). The installed binary enforces a
# cgroup and `mptcpify enable` left a drop-in; after the uninstall nothing
# of it is attached or pinned, as after the package's removal.
live=$WORK/live
mk=(make -s -C "$ROOT" BUILD="$BUILD" PREFIX="$live/usr" SYSCONFDIR="$live/etc"
	SYSTEMDUNITDIR="$live/usr/lib/systemd/system")
check "make install PREFIX, on the running system" "${mk[@]}" install
mkdir -p "$TESTCG/installed" "$live/etc/systemd/system/web.service.d"
printf '[Service]\n' >"$live/etc/systemd/system/web.service.d/mptcpify.conf"
attached() { # mptcpify's programs attached at the cgroup
	bpftool -j cgroup show "$TESTCG/installed" |
		jq -s '[.[][]? | select(.name | startswith("mptcpify_"))] | length'
}
check "the installed binary enforces a cgroup (audit)" \
	"$live/usr/sbin/mptcpify" attach --mode audit "$TESTCG/installed"
check "its programs are attached there" test "$(attached)" -gt 0
check "and pinned" test -d "$MPTCPIFY_PIN_DIR"
check "make uninstall DESTDIR (a staging tree)" \
	make -s -C "$ROOT" BUILD="$BUILD" uninstall DESTDIR="$dest" PREFIX=/usr
check "removes its files, keeps its configuration" \
	test ! -e "$dest/usr/sbin/mptcpify" -a ! -e "$unit" -a -f "$dest/etc/mptcpify/config.yaml"
check "and leaves the running system alone: still pinned" test -d "$MPTCPIFY_PIN_DIR"
printf '#!/bin/sh\necho "$*" >>"%s"\n' "$WORK/systemctl.log" >"$WORK/systemctl"
chmod +x "$WORK/systemctl"
check "make uninstall" "${mk[@]}" uninstall SYSTEMCTL="$WORK/systemctl" SYSTEMD_RUNNING=yes
is "it stopped and disabled the service, then reloaded systemd after the drop-ins" \
	"$(tr '\n' , <"$WORK/systemctl.log")" "disable --now mptcpify.service,daemon-reload,"
check "removed the drop-in of mptcpify enable" test ! -e "$live/etc/systemd/system/web.service.d"
is "no program of mptcpify is attached any more" "$(attached)" 0
check "nothing is pinned" test ! -e "$MPTCPIFY_PIN_DIR"
check "the binary is gone, the configuration kept" \
	test ! -e "$live/usr/sbin/mptcpify" -a -f "$live/etc/mptcpify/config.yaml"
tap_done
