# SPDX-License-Identifier: Apache-2.0
# Helpers of the root tests (static_root_test.sh, debian11_root_test.sh):
# roots made in a temp dir, entered with unshare + chroot. Sourced after lib.sh.

# make_test_ca <dir>: a throw-away CA (ca.pem) and a certificate for
# 127.0.0.1 signed by it (server.pem, server.key).
make_test_ca() {
    local dir=$1
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=smtrain test CA" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 2 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
}

# start_tls_s3 <work> <bucket> <key> <file>: S3 over HTTPS on loopback
# (tls_s3_server.py) holding <file>; sets tls_port, stopped when the test exits.
start_tls_s3() {
    local work=$1
    rm -f "$work/tls.port"
    python3 "$(dirname "${BASH_SOURCE[0]}")/tls_s3_server.py" "$work/tls.port" "$work/server.pem" \
        "$work/server.key" "$2" "$3" "$4" 2>"$work/tls.log" &
    tls_pid=$!
    trap 'kill $tls_pid 2>/dev/null || true' EXIT
    local i
    for ((i = 0; i < 600; i++)); do
        [[ -s $work/tls.port ]] && break
        kill -0 "$tls_pid" 2>/dev/null || { cat "$work/tls.log" >&2; echo "SKIP: moto not available"; exit 77; }
        sleep 0.1
    done
    [[ -s $work/tls.port ]] || fail "the TLS S3 endpoint did not start: $(cat "$work/tls.log")"
    tls_port=$(cat "$work/tls.port")
}

# static_tarball <work> <program source>: $work/sourcedir.tar.gz holding a
# static build of the program as `train`.
static_tarball() {
    local work=$1
    mkdir -p "$work/src"
    "${CXX:-c++}" -std=c++20 -O1 -static -o "$work/src/train" "$2"
    tar czf "$work/sourcedir.tar.gz" -C "$work/src" train
}

# job_tree <tree> <source dir> <hyperparameters JSON>: the shell example's
# config and data, with these hyperparameters and an empty code dir.
job_tree() {
    copy_tree "$2/examples/shell/opt_ml" "$1"
    printf '%s\n' "$3" >"$1/input/config/hyperparameters.json"
}

# run_in_root <root> <stdout> <stderr> VAR=value...: `sm-train train` as PID 1
# of a new PID and mount namespace (plus $extra_namespaces, e.g. --net),
# chrooted into <root>, with only these variables. Sets $status.
extra_namespaces=()
run_in_root() {
    local root=$1 out=$2 err=$3
    shift 3
    mkdir -p "$root/proc"
    status=0
    env -i "$@" "$(command -v timeout)" 120 "$(command -v unshare)" --mount --pid --fork "${extra_namespaces[@]}" \
        --mount-proc="$root/proc" "$(command -v chroot)" "$root" /bin/sm-train train >"$out" 2>"$err" ||
        status=$?
}

# need_namespaces: skip unless root may chroot and make PID/mount namespaces.
need_namespaces() {
    ((EUID == 0)) || { echo "SKIP: chroot needs root"; exit 77; }
    unshare --mount --pid --fork true 2>/dev/null || { echo "SKIP: unshare --mount --pid not allowed here"; exit 77; }
}
