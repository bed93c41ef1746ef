# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Base images for the container tests (sourced, not run). No registry is
# reachable from CI, so the images the Dockerfiles start FROM are made here
# from Debian packages with mmdebstrap and imported into the private podman of
# podman_env.sh under the names the Dockerfiles use.
#
#   base_tarball <name> [package ...]    prints the path of a cached root tarball
#   import_base <tarball> <tag> [tag ...]
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
    local name=$1
    shift
    local packages=("$@")
    local tarball=$containers_cache/bookworm-$name-v$base_layout_version.tar
    if [[ ! -s $tarball ]]; then
        mkdir -p "$containers_cache"
        local include=()
        ((${#packages[@]} == 0)) || include=("--include=$(IFS=,; echo "${packages[*]}")")
        echo "base image $name: mmdebstrap --variant=minbase ${include[*]} bookworm (once per machine)" >&2
        # Written under a temporary name: an interrupted run leaves no half tarball behind.
        mmdebstrap --quiet --format=tar --variant=minbase "${include[@]}" "${base_dpkg_options[@]}" \
            bookworm "$tarball.$$.partial" >&2
        mv "$tarball.$$.partial" "$tarball"
    fi
    echo "$tarball"
}

import_base() {
    local tarball=$1 tag=$2
    shift 2
    podman import --quiet "$tarball" "$tag" >/dev/null
    local extra
    for extra in "$@"; do
        podman tag "$tag" "$extra"
    done
}
