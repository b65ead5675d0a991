#!/bin/bash
# The DaemonSet's image, built as a user builds it: deploy/kubernetes/
# Containerfile on the checkout with podman (buildah), from base images made
# here from Debian packages (lib.sh). Then what the Debian guest needs to
# run it as Kubernetes would (tests/vm/system/70-daemonset.sh):
#   $BUILD/images/mptcpify-images.tar mptcpify:VERSION and mptcpify:VERSION-next,
#                              a newer image (the same tree built as a later
#                              version, another BPF object) for the
#                              rolling update (podman save)
#   $BUILD/images/mptcpify-storage.tar  the same, as the guest's podman
#                              store (/var/lib/containers/storage)
#   $BUILD/images/mptcpify-daemonset.args  the manifest's settings as podman
#                              arguments (podman-args.py), of tests/k8s/example
#   $BUILD/images/mptcpify-daemonset-uninstall.args  the same of its
#                              uninstall (components/uninstall)
# Reports the image's size and build time.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
OUT=$BUILD/images
# shellcheck source=../vm/tap.sh
. "$ROOT/tests/vm/tap.sh"
# shellcheck source=../vm/lib/common.sh
. "$ROOT/tests/vm/lib/common.sh"
# shellcheck source=../vm/lib/fetch-kernel.sh
. "$ROOT/tests/vm/lib/fetch-kernel.sh"
# shellcheck source=lib.sh
. "$ROOT/tests/image/lib.sh"
cd "$ROOT" || exit 1
mkdir -p "$OUT"
VERSION=$(sed -n 's/^VERSION := //p' Makefile)
IMAGE=localhost/mptcpify:$VERSION

check "the base images, made with mmdebstrap (debian:bookworm, debian:bookworm-slim)" base_images

# The build as the Containerfile's comment tells a user to run it. The
# host's build/ is full of objects: were it in the context, make in the
# image would find them up to date and link nothing. A sentinel there shows
# whether it was, however much of the build came from the layer cache (a
# machine that built these sources before reuses every layer, make's too).
# The RUN steps run chrooted: crun refuses this host's hybrid cgroup layout
# (the Debian guest, pure cgroup2, runs the image with crun).
mkdir -p "$ROOT/build"
sentinel=context-sentinel-$$
: >"$ROOT/build/$sentinel"
start=$(date +%s.%N)
if podman build --pull=never --network=host --isolation=chroot --layers \
	-f deploy/kubernetes/Containerfile \
	-t "$IMAGE" . >"$OUT/build.log" 2>&1; then
	ok "podman build -f deploy/kubernetes/Containerfile ."
else
	not_ok "podman build -f deploy/kubernetes/Containerfile ." "$(tail -n 20 "$OUT/build.log")"
	rm -f "$ROOT/build/$sentinel"
	exit 1
fi
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
cached=$(grep -c '^--> Using cache' "$OUT/build.log")
diag "$cached of the build's steps from the layer cache"

# The build stage as an image of its own (every layer cached by now), to
# read what make worked on without running anything.
podman build --pull=never --network=host --isolation=chroot --layers --target build \
	-f deploy/kubernetes/Containerfile -t "$IMAGE-build" . >>"$OUT/build.log" 2>&1
rm -f "$ROOT/build/$sentinel"
if stage=$(podman image mount "$IMAGE-build" 2>>"$OUT/build.log"); then
	is "the build context left out .git and the host's build/ (.containerignore)" \
		"$(cd "$stage/src" && ls -d .git "build/$sentinel" 2>/dev/null)" ""
	check "make in the image linked the loader the image holds" \
		cmp "$stage/src/build/mptcpify" \
		"$(podman image mount "$IMAGE")/usr/sbin/mptcpify"
	podman image unmount "$IMAGE" "$IMAGE-build" >/dev/null
else
	not_ok "the build stage's image, mounted" "$(tail -n 5 "$OUT/build.log")"
fi
# Where make's step ran in this build rather than from the cache, its own
# line says it compiled and linked (up-to-date host objects would not).
if ! grep -q '^ *LD *build/mptcpify$' "$OUT/build.log" &&
	! grep -A1 'RUN make build/mptcpify' "$OUT/build.log" | grep -q 'Using cache'; then
	not_ok "make's step ran and linked nothing" "$(grep -A3 'RUN make build/mptcpify' "$OUT/build.log")"
fi
bytes=$(podman image inspect --format '{{.Size}}' "$IMAGE")
diag "image $IMAGE: $((bytes / 1048576)) MiB, built in $(printf '%.0f' "$secs") s"
printf 'image_bytes=%s build_seconds=%.1f\n' "$bytes" "$secs" >"$OUT/figures"
files=$(podman create -q "$IMAGE" | { read -r c && podman export "$c" | tar -t; podman rm -f "$c" >/dev/null; })
is "the image holds /usr/sbin/mptcpify and its configuration" \
	"$(grep -cxE 'usr/sbin/mptcpify|etc/mptcpify/config.yaml' <<<"$files")" 2
is "and no build tree, compiler or headers" \
	"$(grep -E '^(src/|usr/bin/(clang|gcc|cc|make)$|usr/include/bpf/)' <<<"$files")" ""

# The newer image: the same one with the loader built as a later version,
# whose BPF object (it carries the version) an upgrade swaps in.
make -s --no-print-directory BUILD="$BUILD/next" VERSION="$VERSION+next" \
	"$BUILD/next/mptcpify" >/dev/null
ctx=$(mktemp -d)
cp "$BUILD/next/mptcpify" "$ctx/mptcpify"
printf 'FROM %s\nCOPY mptcpify /usr/sbin/mptcpify\n' "$IMAGE" >"$ctx/Containerfile"
check "the newer image, $IMAGE-next" \
	podman build --pull=never --network=host --isolation=chroot -t "$IMAGE-next" "$ctx"
rm -rf "$ctx"

rm -f "$OUT/mptcpify-images.tar" "$OUT/mptcpify-storage.tar"
check "podman save both" podman save -q -m -o "$OUT/mptcpify-images.tar" "$IMAGE" "$IMAGE-next"
# The guest's image store, filled here from that archive: podman load under
# TCG takes minutes (it digests every layer), here seconds. Its libpod
# database names this host's paths: the guest's podman makes its own.
store=$(mktemp -d)
if podman --root "$store/storage" --runroot "$store/run" --storage-driver overlay \
	load -q -i "$OUT/mptcpify-images.tar" >/dev/null 2>"$OUT/load.log"; then
	rm -rf "$store/storage/libpod"
	check "the guest's image store, loaded from it" \
		tar --xattrs --xattrs-include='*' -C "$store" -cf "$OUT/mptcpify-storage.tar" \
		--transform 's|^storage|var/lib/containers/storage|' storage
else
	not_ok "the guest's image store, loaded from it" "$(cat "$OUT/load.log")"
fi
rm -rf "$store"
# The manifests as kubectl applies them: tests/k8s/example (the base with
# the README's example configuration), and its uninstall. Components need
# kubectl 1.24 or newer (Debian 12's kubernetes-client is 1.20).
render() { # OVERLAY NAME
	kubectl version --client 2>/dev/null | grep -q '^Kustomize Version: v\?[4-9]' || {
		echo "needs kubectl 1.24 or newer, whose kustomize has components: $(kubectl version --client 2>&1 | head -n1)"
		return 1
	}
	kubectl kustomize --load-restrictor LoadRestrictionsNone "tests/k8s/$1" >"$OUT/$2.yaml" &&
		/usr/bin/python3 tests/image/podman-args.py "$OUT/$2.yaml" >"$OUT/$2.args"
}
check "the DaemonSet's settings, rendered from tests/k8s/example" \
	render example mptcpify-daemonset
check "and from its uninstall, tests/k8s/example-uninstall" \
	render example-uninstall mptcpify-daemonset-uninstall
diag "$(cat "$OUT/mptcpify-daemonset.args")"
tap_done
