#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The static sm-train in roots that hold nothing of a distribution: no C
# library, no shell. It downloads its code from s3:// over HTTPS (moto behind
# a TLS proxy on loopback, certificate from a CA this test makes) and runs it:
# a static C++ program (root_program.cpp).
#   static_root_test.sh bare|amazon <sm-train> <source dir> <work dir>
# bare:   sm-train, /etc/hosts, the CA at Debian's path, the job tree. Then the
#         same without the CA file: one clear line, no request sent.
# amazon: the CA only at /etc/pki/tls/certs/ca-bundle.crt (Amazon Linux), and an
#         openssl.cnf that names a provider module that does not exist (as a
#         FIPS config does): sm-train must not load it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/roots.sh"
layout=$1 sm_train=$2 source=$3 work=$4
need_namespaces
fresh_dir "$work"

make_test_ca "$work"
static_tarball "$work" "$source/tests/packaging/root_program.cpp"
start_tls_s3 "$work" code-bucket job/source/sourcedir.tar.gz "$work/sourcedir.tar.gz"
echo "S3 over TLS on 127.0.0.1:$tls_port"

root=$work/root
# /tmp: the code download stages the tarball in $TMPDIR or /tmp, as the toolkit does.
mkdir -p "$root/bin" "$root/etc" "$root/tmp"
cp "$sm_train" "$root/bin/sm-train"
printf '127.0.0.1 localhost\n127.0.0.1 algo-1\n' >"$root/etc/hosts"
variables=(S3_ENDPOINT_URL="https://127.0.0.1:$tls_port" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
    AWS_REGION=us-east-1)
case $layout in
    bare)
        ca_path=/etc/ssl/certs/ca-certificates.crt
        expected_files=(./bin/sm-train ./etc/hosts ./etc/ssl/certs/ca-certificates.crt)
        ;;
    amazon)
        ca_path=/etc/pki/tls/certs/ca-bundle.crt
        for conf in /etc/pki/tls/openssl.cnf /usr/lib/ssl/openssl.cnf; do
            mkdir -p "$root$(dirname "$conf")"
            cat >"$root$conf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
fips = fips_sect
[fips_sect]
module = /usr/lib64/ossl-modules/fips.so
activate = 1
CNF
        done
        variables+=(OPENSSL_CONF=/etc/pki/tls/openssl.cnf)
        expected_files=(./bin/sm-train ./etc/hosts ./etc/pki/tls/certs/ca-bundle.crt ./etc/pki/tls/openssl.cnf
            ./usr/lib/ssl/openssl.cnf)
        ;;
    *) fail "unknown layout $layout" ;;
esac
mkdir -p "$root$(dirname "$ca_path")"
cp "$work/ca.pem" "$root$ca_path"

tree=$root/opt/ml
hyperparameters='{"sagemaker_submit_directory": "\"s3://code-bucket/job/source/sourcedir.tar.gz\"",
 "sagemaker_program": "\"train\"", "epochs": "3"}'
job_tree "$tree" "$source" "$hyperparameters"
actual_files=$(cd "$root" && find . -path ./opt -prune -o -type f -print | sort)
[[ $actual_files == "$(printf '%s\n' "${expected_files[@]}" | sort)" ]] ||
    fail "the root holds more than planned: $actual_files"
echo "root ($layout): $(tr '\n' ' ' <<<"$actual_files")+ the job tree"

run_in_root "$root" "$work/stdout" "$work/stderr" "${variables[@]}"
cat "$work/stdout"
[[ $status == 0 ]] || { cat "$work/stderr" "$tree/output/failure" 2>/dev/null; fail "sm-train exited $status"; }
expect_line "$work/stdout" 'root_program ran on algo-1 with 2 argument(s)'
expect_line "$tree/model/run.txt" 'arg: --epochs'
expect_line "$tree/model/run.txt" 'arg: 3'
expect_line "$tree/model/run.txt" 'host: algo-1'
[[ -f $tree/output/success ]] || fail "no output/success"
expect_match "$work/tls.log" '^tls: TLSv1\.[23] connection relayed$'
echo "the code came over HTTPS and ran ($layout layout)"

if [[ $layout == bare ]]; then
    rm "$root$ca_path"
    job_tree "$tree" "$source" "$hyperparameters"
    connections=$(grep -c relayed "$work/tls.log")
    run_in_root "$root" "$work/stdout" "$work/stderr" "${variables[@]}"
    cat "$work/stderr"
    [[ $status == 1 ]] || fail "without a CA bundle sm-train exited $status, expected 1"
    expect_line "$tree/output/failure" "sm-train: no CA certificate bundle for HTTPS: set AWS_CA_BUNDLE or install ca-certificates in the image (looked in /etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt and 4 more)"
    [[ $(grep -c relayed "$work/tls.log") == "$connections" ]] || fail "a request was sent without a CA bundle"
    [[ ! -e $tree/model/run.txt ]] || fail "the program ran without its code"
    echo "no CA bundle: one line, nothing sent"
fi
