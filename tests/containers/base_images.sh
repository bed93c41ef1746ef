# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Base images for the container tests (sourced, not run). No registry is
# reachable from CI, so the images the Dockerfiles start FROM are made here
# from Debian packages with mmdebstrap and imported into the private podman of
# podman_env.sh under the names the Dockerfiles use.
#
#   base_tarball <name> [package ...]    prints the path of a cached root tarball
#   import_base <tarball> <tag> [tag ...]
#   base_tarball_arch <arch> <name> [package ...]   the same for another architecture
#   import_base_arch <arch> <tarball> <tag> [tag ...]  (arm64: mmdebstrap runs its
#       packages' scripts under qemu-user, so scripts/qemu-binfmt.sh must have run)
#
# The tarballs are kept in $SMTRAIN_CONTAINERS_CACHE (default
# /var/cache/smtrain-test), one per package list, so only the first run on a
# machine pays for mmdebstrap (about 80 s each); delete the directory to
# rebuild them with today's packages.

containers_cache=${SMTRAIN_CONTAINERS_CACHE:-/var/cache/smtrain-test}

# Like Debian's own -slim images: minbase, without documentation, man pages
# and translations. Bump the version when these options change.
base_layout_version=1
base_dpkg_options=(
    --dpkgopt='path-exclude=/usr/share/doc/*'
    --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/info/*'
    --dpkgopt='path-exclude=/usr/share/locale/*'
)

base_tarball() {
    base_tarball_arch "" "$@"
}

# An empty <arch> is the machine's own, with the tarball names of before.
base_tarball_arch() {
    local arch=$1 name=$2
    shift 2
    local packages=("$@")
    local tarball=$containers_cache/bookworm-$name${arch:+-$arch}-v$base_layout_version.tar
    if [[ ! -s $tarball ]]; then
        mkdir -p "$containers_cache"
        local include=()
        ((${#packages[@]} == 0)) || include=("--include=$(IFS=,; echo "${packages[*]}")")
        local arch_option=()
        [[ -z $arch ]] || arch_option=("--arch=$arch")
        echo "base image $name: mmdebstrap ${arch_option[*]} --variant=minbase ${include[*]} bookworm (once per machine)" >&2
        # Written under a temporary name: an interrupted run leaves no half tarball behind.
        mmdebstrap --quiet --format=tar "${arch_option[@]}" --variant=minbase "${include[@]}" "${base_dpkg_options[@]}" \
            bookworm "$tarball.$$.partial" >&2 || { rm -f "$tarball.$$.partial"; return 1; }
        mv "$tarball.$$.partial" "$tarball" || return 1
    fi
    echo "$tarball"
}

import_base() {
    import_base_arch "" "$@"
}

import_base_arch() {
    local arch=$1 tarball=$2 tag=$3
    shift 3
    local arch_option=()
    [[ -z $arch ]] || arch_option=(--arch "$arch")
    podman import --quiet "${arch_option[@]}" "$tarball" "$tag" >/dev/null
    local extra
    for extra in "$@"; do
        podman tag "$tag" "$extra"
    done
}
