# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# A TLS S3 endpoint on loopback for the container tests (sourced, not run):
# moto_server serving HTTPS with a certificate from a CA this test makes.
#
#   s3_tls_start <dir>              CA and server certificate in <dir>, moto on a
#                                   free port; sets S3_TLS_ENDPOINT and S3_TLS_CA
#   s3_tls_upload_code <dir> <s3 url>   uploads <dir> as a sourcedir.tar.gz
#   s3_tls_stop

s3_tls_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

s3_tls_start() {
    local dir=$1
    mkdir -p "$dir/context"
    # A CA valid for two days and a server certificate for 127.0.0.1 signed by it.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=smtrain container test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 2 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 -m moto.server -H 127.0.0.1 -p "$port" -c "$dir/server.pem" -k "$dir/server.key" \
        >"$dir/moto.log" 2>&1 </dev/null &
    S3_TLS_PID=$!
    S3_TLS_ENDPOINT=https://127.0.0.1:$port
    S3_TLS_CA=$dir/ca.pem
    S3_TLS_DIR=$dir
}

s3_tls_upload_code() {
    local code=$1 url=$2
    tar -czf "$S3_TLS_DIR/sourcedir.tar.gz" -C "$code" .
    python3 "$s3_tls_here/s3_put.py" "$S3_TLS_ENDPOINT" "$S3_TLS_CA" "$url" "$S3_TLS_DIR/sourcedir.tar.gz" ||
        { cat "$S3_TLS_DIR/moto.log" >&2; return 1; }
}

s3_tls_stop() {
    [[ -n ${S3_TLS_PID:-} ]] || return 0
    kill "$S3_TLS_PID" 2>/dev/null || true
    wait "$S3_TLS_PID" 2>/dev/null || true
    S3_TLS_PID=
}
