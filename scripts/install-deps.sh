#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian (bookworm) packages smtrain needs to build and test.
#
#   scripts/install-deps.sh            everything: build, tests, sanitizers, MPI tests
#   scripts/install-deps.sh --build    only what building sm-train and libsmtrain needs
#                                      (the Dockerfiles' builder stage)
#   scripts/install-deps.sh --containers   what the container stage adds (podman and
#                                      the tools to make base images; scripts/test.sh containers)
#   scripts/install-deps.sh --arm64-build  --build plus the aarch64 cross build: the cross
#                                      compiler and the :arm64 -dev packages (multiarch; adds
#                                      the arm64 architecture to dpkg): preset release-arm64
#   scripts/install-deps.sh --arm64    that, plus its tests under emulation: GoogleTest for
#                                      arm64, qemu-user-static and binfmt-support (preset
#                                      arm64, the arm64 image of the container stage)
#
# apt is skipped entirely when every package is already installed, so calling
# this at the start of every script costs a fraction of a second.
set -euo pipefail

build_packages=(
    build-essential cmake ninja-build pkg-config
    nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
    # libcurl and its dependencies, linked statically into sm-train
    # (cmake/SmtrainStaticCurl.cmake)
    libcurl4-openssl-dev libssl-dev libnghttp2-dev libssh2-1-dev libpsl-dev libidn2-dev
    libunistring-dev libbrotli-dev
    # libarchive and the compression libraries it reads tarballs with, linked
    # statically into sm-train
    libarchive-dev libzstd-dev liblz4-dev liblzma-dev libbz2-dev zlib1g-dev
)
test_packages=(
    libgtest-dev libgmock-dev
    busybox-static                      # /bin/sh of the minimal-root test
    mmdebstrap openssl                  # the Debian 11 root test; the TLS test CA
    openmpi-bin libopenmpi-dev openssh-server iproute2  # MPI runner tests
    python3-mpi4py                      # a module entry point under a real mpirun (python -m mpi4py -m ...)
    python3-torch                       # the real torchrun tests (CPU, gloo)
    python3-omegaconf                   # the hydra style's real parser (OmegaConf.from_cli; no python3-hydra in Debian)
    python3-pytest                      # the pytest example of docs/testing.md
    clang libclang-rt-14-dev python3    # fuzz targets (libFuzzer runtime); the Python examples
    clang-format                        # scripts/check-format.sh
    libnetfilter-queue-dev iptables     # bench/s3_rtt_bench.sh's delay (no sch_netem here)
)

# tests/containers/run.sh: podman with runc (crun refuses the CI machines' hybrid
# cgroups), mmdebstrap for the base images no registry can serve, openssl for the
# test's CA. moto and boto3 come with the machine's Python, as for the S3 tests.
container_packages=(podman runc conmon mmdebstrap openssl)

# The aarch64 cross build (cmake/toolchains/aarch64-linux-gnu.cmake): GCC 12 for
# aarch64-linux-gnu and the build packages' arm64 halves through multiarch
# (nlohmann-json and CLI11 are header-only, architecture all, already in
# build_packages); GoogleTest for the tests; qemu-user-static and binfmt-support
# run the arm64 tests and the arm64 image of the container stage (docs/arm64.md).
arm64_dev_packages=(
    libspdlog-dev libfmt-dev
    libcurl4-openssl-dev libssl-dev libnghttp2-dev libssh2-1-dev libpsl-dev libidn2-dev
    libunistring-dev libbrotli-dev
    libarchive-dev libzstd-dev liblz4-dev liblzma-dev libbz2-dev zlib1g-dev
)
arm64_build_packages=(crossbuild-essential-arm64 "${arm64_dev_packages[@]/%/:arm64}")
# arch-test: mmdebstrap's check that arm64 programs run here (the arm64 base image).
arm64_test_packages=(libgtest-dev:arm64 libgmock-dev:arm64 qemu-user-static binfmt-support arch-test)

packages=("${build_packages[@]}")
case "${1:-}" in
    --build) ;;
    --containers) packages=("${container_packages[@]}") ;;
    --arm64-build) packages+=("${arm64_build_packages[@]}") ;;
    --arm64) packages+=("${arm64_build_packages[@]}" "${arm64_test_packages[@]}") ;;
    "") packages+=("${test_packages[@]}") ;;
    *) echo "usage: $0 [--build|--containers|--arm64-build|--arm64]" >&2; exit 64 ;;
esac

# dpkg-query prints "install ok installed" only for a fully installed package,
# one line per architecture it is installed for (amd64 and arm64 with
# multiarch): a name alone wants the machine's own architecture (or all),
# name:arch that one.
native=$(dpkg --print-architecture)
installed() {
    local arch=$native
    [[ $1 != *:* ]] || arch=${1#*:}
    dpkg-query -W -f='${Architecture} ${Status}\n' "$1" 2>/dev/null | grep -qxE "($arch|all) install ok installed"
}
missing=()
for package in "${packages[@]}"; do
    installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=()
if ((EUID != 0)); then
    command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if [[ ${1:-} == --arm64* ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    # Multiarch: the :arm64 packages install beside the amd64 ones (Debian's
    # main archive serves both architectures).
    "${sudo[@]}" dpkg --add-architecture arm64
fi
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
