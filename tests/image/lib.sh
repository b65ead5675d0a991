# shellcheck shell=bash
# The container images of the tests, made here (sourced by build.sh; needs
# tests/vm/lib/common.sh and fetch-kernel.sh for the machine's mirror).
#
# No registry is reachable from these machines, so the two images the
# Containerfile's FROM lines name, debian:bookworm and debian:bookworm-slim,
# are made from Debian packages with mmdebstrap and imported into the local
# store under those names: podman resolves a short name to localhost/ first,
# and --pull=never keeps it from looking anywhere else.

BASE_RECIPE=1 # bump when the recipe below changes
KEYRING=${KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}

# base_image NAME VARIANT [MMDEBSTRAP-OPTIONS...]: import a bookworm root
# filesystem as localhost/NAME unless one of this recipe is there.
base_image() {
	local name=$1 variant=$2 tmp
	shift 2
	if [ "$(podman image inspect --format '{{index .Labels "mptcpify.base-recipe"}}' \
		"localhost/$name" 2>/dev/null)" = "$BASE_RECIPE" ]; then
		return 0
	fi
	msg "making the base image $name with mmdebstrap"
	tmp=$(mktemp -d)
	# apt's lists and caches are left out, as in Debian's own images; its
	# sources stay, so that the image's apt-get update works.
	mmdebstrap --quiet --variant="$variant" --aptopt='Acquire::Languages "none"' \
		--customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
		"$@" bookworm "$tmp/root.tar" "deb [signed-by=$KEYRING] $(debian_mirror) bookworm main" >&2 ||
		{ rm -rf "$tmp"; return 1; }
	podman import --quiet --change 'CMD ["bash"]' \
		--change "LABEL mptcpify.base-recipe=$BASE_RECIPE" \
		"$tmp/root.tar" "localhost/$name" >/dev/null
	local rc=$?
	rm -rf "$tmp"
	return $rc
}

# What debian:bookworm and debian:bookworm-slim are: minbase; slim without
# documentation, manuals and translations.
base_images() {
	base_image debian:bookworm minbase &&
		base_image debian:bookworm-slim minbase \
			--dpkgopt='path-exclude=/usr/share/doc/*' \
			--dpkgopt='path-include=/usr/share/doc/*/copyright' \
			--dpkgopt='path-exclude=/usr/share/man/*' \
			--dpkgopt='path-exclude=/usr/share/locale/*' \
			--dpkgopt='path-exclude=/usr/share/info/*'
}
