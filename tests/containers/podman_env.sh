# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# A private podman for the container tests (sourced, not run): storage, run
# state, events and temporary files all under one temp dir, configured through
# CONTAINERS_STORAGE_CONF / CONTAINERS_CONF, so the machine's own podman
# configuration and images are never read or changed.
#
#   podman_env_setup <dir>     writes the two config files and exports the variables
#   podman_env_teardown        removes every container, then the storage
#
# Settings this needs on the CI machines (found there, each a hard failure
# otherwise): runc, because crun refuses the hybrid cgroup v1/v2 setup;
# cgroupfs, because no systemd manages the cgroups; file events, because there
# is no journald; no network namespace by default (no bridge, no CNI state),
# `--network host` where a test needs loopback; and explicit ulimits, because
# podman's default raises nofile past what the machine allows.

podman_env_setup() {
    local dir=$1
    mkdir -p "$dir/storage" "$dir/run" "$dir/tmp" "$dir/libpod-tmp" "$dir/networks"
    # overlay where the kernel offers it on this file system, vfs (slower, always works) otherwise
    local driver=vfs
    grep -qw overlay /proc/filesystems && driver=overlay
    cat >"$dir/storage.conf" <<CONF
[storage]
driver = "$driver"
graphroot = "$dir/storage"
runroot = "$dir/run"
CONF
    cat >"$dir/containers.conf" <<CONF
[containers]
netns = "none"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[network]
network_config_dir = "$dir/networks"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
tmp_dir = "$dir/libpod-tmp"
volume_path = "$dir/storage/volumes"
image_copy_tmp_dir = "$dir/tmp"
CONF
    export CONTAINERS_STORAGE_CONF=$dir/storage.conf CONTAINERS_CONF=$dir/containers.conf
    # buildah and image copies stage layers under TMPDIR; podman makes
    # $XDG_CONFIG_HOME/containers/podman even as root
    mkdir -p "$dir/config"
    export TMPDIR=$dir/tmp XDG_CONFIG_HOME=$dir/config
    PODMAN_ENV_DIR=$dir
}

podman_env_teardown() {
    [[ -n ${PODMAN_ENV_DIR:-} ]] || return 0
    # Each container holds one of the machine-wide shared-memory locks
    # (/dev/shm/libpod_lock); removing them frees it, deleting the storage would not.
    podman rm --all --force --time 0 >/dev/null 2>&1 || true
    podman system reset --force >/dev/null 2>&1 || true
    rm -rf "$PODMAN_ENV_DIR/storage" "$PODMAN_ENV_DIR/run" 2>/dev/null || true
}
