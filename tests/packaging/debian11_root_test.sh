#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The static sm-train in a Debian 11 root (glibc 2.31, older than the glibc it
# was linked with) whose nsswitch.conf says `hosts: files dns myhostname`, with
# libnss-myhostname installed, as in images with systemd's NSS modules:
#  - the shell example runs (algo-1 resolves from /etc/hosts);
#  - the wait for a host that never resolves (algo-2) ends in the clean report
#    (exit 69, output/failure), not in an abort while glibc 2.31's module is
#    loaded into sm-train (what happens unless the lookups are pinned:
#    src/launcher/cli/static_name_lookup.cpp).
#   debian11_root_test.sh <sm-train> <source dir> <work dir>
# The root comes from `mmdebstrap --variant=minbase bullseye` (about 80 s), kept
# as a tarball in $SMTRAIN_TEST_CACHE (default /var/cache/smtrain-test) for
# later runs. The test is skipped only when no tarball is cached and the Debian
# mirror cannot be reached.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/roots.sh"
sm_train=$1 source=$2 work=$3
need_namespaces
fresh_dir "$work"

mirror=${SMTRAIN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${SMTRAIN_TEST_CACHE:-/var/cache/smtrain-test}
tarball=$cache/debian11-minbase-myhostname.tar
mkdir -p "$cache"
(
    # One maker at a time: concurrent runs wait for the tarball, then reuse it.
    flock 9
    [[ -s $tarball ]] && exit 0
    if ! timeout 30 python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=20)' \
        "$mirror/dists/bullseye/Release" 2>/dev/null; then
        echo "SKIP: the Debian mirror $mirror is unreachable and $tarball is not cached"
        exit 77
    fi
    command -v mmdebstrap >/dev/null || fail "no mmdebstrap: install Debian's mmdebstrap (scripts/install-deps.sh)"
    echo "making $tarball with mmdebstrap (about 80 s)"
    # mmdebstrap picks the format from the name: it must end in .tar.
    partial=${tarball%.tar}.partial.tar
    mmdebstrap --variant=minbase --include=libnss-myhostname bullseye "$partial" "$mirror" \
        >"$work/mmdebstrap.log" 2>&1 || { tail -20 "$work/mmdebstrap.log"; fail "mmdebstrap failed"; }
    mv "$partial" "$tarball"
) 9>"$cache/.debian11.lock" || exit $?

root=$work/root
mkdir -p "$root"
tar -xf "$tarball" -C "$root"
ls "$root"/lib/x86_64-linux-gnu/libc-2.31.so >/dev/null || fail "the root has no glibc 2.31"
ls "$root"/usr/lib/x86_64-linux-gnu/libnss_myhostname.so.2 >/dev/null || fail "the root has no libnss_myhostname"
sed -i 's/^hosts:.*/hosts: files dns myhostname/' "$root/etc/nsswitch.conf"
expect_line "$root/etc/nsswitch.conf" 'hosts: files dns myhostname'
printf '127.0.0.1 localhost\n127.0.0.1 algo-1\n' >"$root/etc/hosts"
: >"$root/etc/resolv.conf"
cp "$sm_train" "$root/bin/sm-train"
# No network at all: the DNS queries for algo-2 fail at once, and go nowhere.
extra_namespaces=(--net)

echo "== the shell example, host names from /etc/hosts"
tree=$root/opt/ml
copy_tree "$source/examples/shell/opt_ml" "$tree"
cp "$source/examples/shell/train.sh" "$tree/code/"
run_in_root "$root" "$work/stdout" "$work/stderr" PATH=/usr/bin:/bin
cat "$work/stdout"
[[ $status == 0 ]] || { cat "$work/stderr"; fail "sm-train in the Debian 11 root exited $status"; }
expect_line "$work/stdout" 'host algo-1 of ["algo-1"], user entry point train.sh'
expect_line "$work/stdout" 'hello from sm-train; $(not run) (2/2)'
[[ -f $tree/output/success ]] || fail "no output/success"

echo "== a second host that never resolves"
copy_tree "$source/examples/shell/opt_ml" "$tree"
cp "$source/examples/shell/train.sh" "$tree/code/"
cat >"$tree/input/config/resourceconfig.json" <<'JSON'
{"current_host": "algo-1", "hosts": ["algo-1", "algo-2"], "current_instance_type": "ml.m5.large",
 "current_group_name": "homogeneousCluster", "network_interface_name": "eth0",
 "instance_groups": [{"instance_group_name": "homogeneousCluster", "instance_type": "ml.m5.large",
                      "hosts": ["algo-1", "algo-2"]}]}
JSON
run_in_root "$root" "$work/stdout" "$work/stderr" PATH=/usr/bin:/bin SMTRAIN_DNS_WAIT_TIMEOUT_S=1
cat "$work/stderr"
if grep -q Assertion "$work/stderr"; then fail "sm-train aborted in glibc: $(grep Assertion "$work/stderr")"; fi
[[ $status == 69 ]] || fail "sm-train exited $status, expected 69 (Unavailable)"
[[ -f $tree/output/failure ]] || fail "no output/failure"
expect_match "$tree/output/failure" \
    '^sm-train: host algo-2 did not resolve after [0-9]+ attempts in [0-9]+ s; check the cluster.s network configuration$'
[[ ! -e $tree/output/success ]] || fail "output/success written"
echo "the wait for algo-2 ended in a clean report"
