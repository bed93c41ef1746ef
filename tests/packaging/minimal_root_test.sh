#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sm-train is a drop-in binary: in a root file system that holds nothing but
# sm-train (plus the C library files `ldd` names, if any), busybox as /bin/sh
# and a job tree, `sm-train train` runs the shell example and writes
# output/success.
#   minimal_root_test.sh <sm-train> <busybox> <source dir> <work dir>
# Needs root for chroot. Inside `unshare --mount --pid --fork` where the kernel
# allows it (then sm-train is PID 1 and /proc is mounted as in a container);
# plain chroot otherwise.
source "$(dirname "$0")/lib.sh"
sm_train=$1 busybox=$2 source=$3 work=$4

((EUID == 0)) || { echo "SKIP: chroot needs root"; exit 77; }
[[ -x $busybox ]] || fail "no busybox ($busybox); install Debian's busybox-static"
if ldd "$busybox" >/dev/null 2>&1; then
    fail "$busybox is dynamically linked; install Debian's busybox-static"
fi

root=$work/root
fresh_dir "$root"
mkdir -p "$root/bin" "$root/proc" "$root/tmp"
cp "$sm_train" "$root/bin/sm-train"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

# The C library files of a launcher that is not fully static, at the paths the
# dynamic loader looks for them.
while read -r path; do
    mkdir -p "$root$(dirname "$path")"
    cp -L "$path" "$root$path"
    echo "copied $path"
done < <(ldd "$sm_train" 2>/dev/null | grep -oE '/[^ ]+' || true)

tree=$root/opt/ml
copy_tree "$source/examples/shell/opt_ml" "$tree"
cp "$source/examples/shell/train.sh" "$tree/code/"
echo "minimal root:"
(cd "$root" && find . ! -path './opt/*' | sort)

# Full paths: the run below starts from an empty environment.
run_in_root=("$(command -v chroot)" "$root" /bin/sm-train train)
if unshare --mount --pid --fork true 2>/dev/null; then
    echo "running in unshare --mount --pid --fork + chroot"
    # The mount namespace keeps /proc private to this run; sm-train is PID 1.
    run_in_root=("$(command -v unshare)" --mount --pid --fork --mount-proc="$root/proc" "${run_in_root[@]}")
else
    echo "unshare unavailable: plain chroot"
fi
status=0
env -i PATH=/bin SM_STUDIO_LOCAL_MODE=true "$(command -v timeout)" 120 "${run_in_root[@]}" \
    >"$work/stdout" 2>"$work/stderr" || status=$?
cat "$work/stdout"
[[ $status == 0 ]] || { cat "$work/stderr"; fail "sm-train in the minimal root exited $status"; }
expect_line "$work/stdout" 'host algo-1 of ["algo-1"], user entry point train.sh'
expect_line "$work/stdout" 'train channel /opt/ml/input/data/train: 4 lines'
expect_line "$work/stdout" 'hello from sm-train; $(not run) (2/2)'
expect_line "$tree/model/model.txt" 'lines=4'
[[ -f $tree/output/success ]] || fail "no output/success in the minimal root"
[[ ! -e $tree/output/failure ]] || { cat "$tree/output/failure"; fail "output/failure written"; }
echo "sm-train ran in a root of $(du -sh "$root" | cut -f1) ($(stat -c %s "$sm_train") bytes of sm-train)"
