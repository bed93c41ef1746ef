#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Lets this x86-64 machine run aarch64 programs: the kernel's binfmt_misc hands
# every aarch64 ELF file to qemu-user (qemu-user-static), so an execve of the
# arm64 sm-train, of a cross-built test, or of an arm64 image's /bin/sh just
# works. Used by the arm64 stage of scripts/test.sh and the container stage.
#
#   scripts/qemu-binfmt.sh        (root; scripts/install-deps.sh --arm64 first)
#
# The entry must have the F (fix-binary) flag: the kernel opens the emulator
# when the entry is registered, so programs in a chroot or container that has
# no qemu in it (the static-root tests, podman --arch arm64) still run.
# Safe to run again: an existing, enabled entry with F is left alone.
set -euo pipefail

binfmt=/proc/sys/fs/binfmt_misc
entry=$binfmt/qemu-aarch64
((EUID == 0)) || { echo "qemu-binfmt: needs root" >&2; exit 1; }
if [[ ! -e $binfmt/register ]]; then
    mount -t binfmt_misc binfmt_misc "$binfmt"
fi
if [[ ! -e $entry ]]; then
    # binfmt-support registers what qemu-user-static put in /usr/share/binfmts.
    command -v update-binfmts >/dev/null ||
        { echo "qemu-binfmt: update-binfmts missing (scripts/install-deps.sh --arm64)" >&2; exit 1; }
    update-binfmts --enable qemu-aarch64
fi
[[ -e $entry ]] || { echo "qemu-binfmt: no qemu-aarch64 entry in $binfmt after update-binfmts" >&2; exit 1; }
if [[ $(head -n 1 "$entry") != enabled ]]; then
    echo 1 >"$entry"
fi
flags=$(sed -n 's/^flags: //p' "$entry")
[[ $flags == *F* ]] || {
    echo "qemu-binfmt: $entry has flags '$flags', without F: programs in a chroot or container would not find $(sed -n 's/^interpreter //p' "$entry")" >&2
    exit 1
}
echo "qemu-binfmt: aarch64 programs run under $(sed -n 's/^interpreter //p' "$entry") (flags $flags)"
