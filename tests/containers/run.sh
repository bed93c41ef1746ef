#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The container stage of scripts/test.sh: the images of docker/ built with
# podman and run as SageMaker runs them (`podman run IMAGE train`, the job
# tree mounted at /opt/ml), plus an image on a base with no libcurl and no CA
# bundle at Debian's path whose code comes from s3:// over TLS.
#
#   tests/containers/run.sh
#
# sm-train is the release preset's (scripts/build.sh release), the binary the
# Dockerfiles' builder stage makes; the images take it through their
# `prebuilt` target, so CI does not compile smtrain a second time
# inside an image (SMTRAIN_CONTAINERS_FULL_BUILD=1 builds both Dockerfiles as
# documented, builder stages included, and runs the same checks on them: slow,
# and their apt-get needs Debian's mirror).
# SMTRAIN_CONTAINERS_BUILD_DIR takes sm-train from another, already built CMake
# build dir instead (e.g. build/dev). SMTRAIN_CONTAINERS_KEEP=1 keeps the temp
# dir's job trees and logs (podman's storage in it is always removed);
# SMTRAIN_CONTAINERS_SM_TRAIN=FILE puts that sm-train binary into every image.
#
# Needs root (podman, mmdebstrap), podman, runc, mmdebstrap, openssl and
# python3 with moto and boto3. Everything podman writes stays in one temp dir
# (podman_env.sh), inside a private mount namespace. Outside that temp dir the
# stage leaves only:
#   /var/cache/smtrain-test/bookworm-{slim,python,libcurl}-v1.tar  the cached base
#       roots (about 130, 170 and 140 MB; libcurl only while sm-train is not fully
#       static), made once per machine (base_images.sh);
#   /var/lib/containers, /run/runc  empty directories, where the machine had none;
#   the build dir it takes sm-train from (build/release, made or updated here, or
#       SMTRAIN_CONTAINERS_BUILD_DIR), with cmake --install's install_manifest.txt.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

((EUID == 0)) || { echo "containers: needs root (podman, mmdebstrap)" >&2; exit 1; }
for tool in podman runc mmdebstrap openssl unshare; do
    command -v "$tool" >/dev/null || { echo "containers: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

# Everything below runs in a private mount namespace: podman's overlay mounts,
# its shared-memory lock file (a private /dev/shm) and its blob cache (a
# private /var/lib/containers) end with the namespace instead of staying on
# the machine, and concurrent runs do not share them.
if [[ ${SMTRAIN_CONTAINERS_NS:-} != 1 ]]; then
    SMTRAIN_CONTAINERS_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi

started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/smtrain-containers.XXXXXX")
cleanup() {
    podman_env_teardown
    if [[ ${SMTRAIN_CONTAINERS_KEEP:-} == 1 ]]; then
        echo "containers: kept $work (job trees, logs)"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

mount -t tmpfs -o size=16m,mode=1777 smtrain-containers-shm /dev/shm
# podman 4.3 keeps its blob cache in /var/lib/containers/cache whatever the
# storage config says, and runc its state in /run/runc; a bind mount needs the
# directory to exist, so an empty one is left on a machine that had none (never
# removed: a concurrent run may have its own mount on it).
mkdir -p "$work/var-lib-containers" /var/lib/containers "$work/run-runc" /run/runc
mount --bind "$work/var-lib-containers" /var/lib/containers
mount --bind "$work/run-runc" /run/runc

source "$here/podman_env.sh"
source "$here/base_images.sh"
podman_env_setup "$work/podman"

passed=0
failed=0
pass() {
    echo "PASS: $*"
    passed=$((passed + 1))
}
# A failed check is reported and counted; the stage goes on to the others and
# fails at the end.
check_failed() {
    echo "FAIL: $*" >&2
    failed=$((failed + 1))
}
show() {
    local file
    for file in "$@"; do
        [[ -e $file ]] && { echo "--- $file:" >&2; cat "$file" >&2; echo >&2; }
    done
    return 0
}

build() {
    local tag=$1
    shift
    echo "==> podman build -t $tag $*"
    podman build --pull=never --quiet -t "$tag" "$@" >/dev/null
}
# run_job <name> <stdout> <stderr> <podman run options and image...> [args]: sets $status.
run_job() {
    local name=$1 out=$2 err=$3
    shift 3
    status=0
    timeout 300 podman run --rm --name "smtrain-$name-$$" "$@" >"$out" 2>"$err" || status=$?
}

# job_tree <example opt_ml dir> <dest>: a writable copy with the dirs SageMaker makes.
job_tree() {
    rm -rf "$2"
    mkdir -p "$2"
    cp -r "$1"/. "$2"/
    mkdir -p "$2/code" "$2/model" "$2/output"
}

# SageMaker mounts input/, model/ and output/ of the job tree (the image keeps
# its own /opt/ml/code); SM_STUDIO_LOCAL_MODE skips the wait for algo-1 to
# resolve, as SageMaker Studio's local mode does.
job_mounts() {
    local tree=$1
    mounts=(-e SM_STUDIO_LOCAL_MODE=true
        -v "$tree/input:/opt/ml/input" -v "$tree/model:/opt/ml/model" -v "$tree/output:/opt/ml/output")
}

# ---- 1. the seed image runs train.py and exits 0
# seed_job <image> [<label> [podman run options...]]: the seed job in the image, checked.
seed_job() {
    local image=$1 label=${2:-}
    shift 2 || shift $#
    local suffix=${label:+-$label}
    echo "==> containers: seed image${label:+ ($label)}, train.py"
    tree=$work/jobs/seed$suffix
    job_tree "$root/examples/opt_ml" "$tree"
    job_mounts "$tree"
    run_job "seed$suffix" "$work/seed$suffix.out" "$work/seed$suffix.err" "${mounts[@]}" "$@" "$image" train
    if [[ $status == 0 ]] &&
        grep -qxF "hp1='hello world' hp2=3 hp3=0.25" "$work/seed$suffix.out" &&
        grep -qxF "files=['train.csv'] rows=5" "$work/seed$suffix.out" &&
        [[ $(cat "$tree/model/model.json" 2>/dev/null) == '{"hp1": "hello world", "hp2": 3, "hp3": 0.25, "rows": 5}' ]] &&
        [[ -f $tree/output/success && ! -e $tree/output/failure ]]; then
        pass "seed image${label:+ ($label)}: train.py ran, model/model.json and output/success in the mounted tree, exit 0"
    else
        show "$work/seed$suffix.out" "$work/seed$suffix.err" "$tree/model/model.json" "$tree/output/failure"
        check_failed "seed image${label:+ ($label)}: exit $status (expected 0, the model and output/success)"
    fi
}

# ---- 3. podman stop: sm-train as PID 1 forwards SIGTERM, the handler runs, exit 143
# stop_job <image> [<label> [podman run options...]]: a long job in the image, stopped
# with podman stop -t 10, checked.
stop_job() {
    local image=$1 label=${2:-}
    shift 2 || shift $#
    local suffix=${label:+-$label}
    echo "==> containers: podman stop -t 10 on a long job${label:+ ($label)}"
    tree=$work/jobs/stop$suffix
    job_tree "$root/examples/opt_ml" "$tree"
    job_mounts "$tree"
    cp "$here/programs/job.py" "$tree/code/"
    echo '{"mode": "\"wait\""}' >"$tree/input/config/hyperparameters.json"
    local name=smtrain-stop$suffix-$$
    podman run -d --name "$name" "${mounts[@]}" -v "$tree/code:/opt/ml/code" \
        -e SAGEMAKER_PROGRAM=job.py "$@" "$image" train >/dev/null
    stop_and_check "$name" "stop$suffix" "podman stop${label:+ ($label)}" \
        "SIGTERM reached the program's handler through sm-train (PID 1)"
}

# stop_and_check <container> <log name> <what> <pass words>: once job.py has
# started in the container (model/started in $tree), podman stop -t 10; the check
# is exit 143 before the SIGKILL, the handler's file naming parent pid 1 (the
# signal came from PID 1, sm-train), output/failure and no output/success.
stop_and_check() {
    local name=$1 log=$2 what=$3 words=$4
    for _ in $(seq 600); do
        [[ -e $tree/model/started ]] && break
        sleep 0.1
    done
    local stop_started=$SECONDS
    podman stop -t 10 "$name" >/dev/null
    local stop_seconds=$((SECONDS - stop_started))
    status=$(podman inspect --format '{{.State.ExitCode}}' "$name")
    podman logs "$name" >"$work/$log.out" 2>"$work/$log.err" || true
    podman rm --force "$name" >/dev/null
    if [[ $status == 143 ]] && ((stop_seconds < 10)) &&
        grep -qxF "signal 15, parent pid 1" "$tree/model/sigterm.txt" 2>/dev/null &&
        grep -qF "ExitCode 143" "$tree/output/failure" 2>/dev/null &&
        [[ ! -e $tree/output/success ]]; then
        pass "$what: $words, output/failure written, exit 143 in ${stop_seconds}s"
    else
        show "$work/$log.out" "$work/$log.err" "$tree/model/sigterm.txt" "$tree/output/failure"
        check_failed "$what: exit $status after ${stop_seconds}s (expected 143 before the 10 s SIGKILL, the handler's file with parent pid 1, output/failure)"
    fi
}

# ---- 3b. the same stop in an SDK v3 job, started exactly as ModelTrainer starts it
# (`--entrypoint /bin/bash -c "chmod +x .../sm_train.sh && .../sm_train.sh"`, the
# image's ENTRYPOINT bypassed) with SourceCode(command="exec sm-train"):
# sm_train.sh has the shape of the SDK's TRAIN_SCRIPT_TEMPLATE (sagemaker-train
# templates.py: a blank first line, so the calling bash runs it itself; set -e and
# an ERR trap; the v3 variables as `source sm_training.env` leaves them; cd into
# the code; `CMD="exec sm-train"; eval $CMD`), so sm-train replaces bash as PID 1
# (docs/sdk-v3.md). tools/sdk_v3_parity/stop_in_podman.sh runs the SDK's real
# script and drivers for comparison, by hand (it needs the SDK's source).
v3_stop_job() {
    local image=$1
    echo "==> containers: podman stop -t 10 on an SDK v3 job (command=\"exec sm-train\")"
    tree=$work/jobs/stop-v3
    job_tree "$root/examples/opt_ml" "$tree"
    job_mounts "$tree"
    local drivers=$tree/input/data/sm_drivers data=/opt/ml/input/data
    mkdir -p "$tree/input/data/code" "$drivers"
    cp "$here/programs/job.py" "$tree/input/data/code/"
    cat >"$tree/input/config/inputdataconfig.json" <<'JSON'
{"code": {"TrainingInputMode": "File"}, "sm_drivers": {"TrainingInputMode": "File"}}
JSON
    # v3 writes hyperparameters with safe_serialize: strings raw.
    echo '{"mode": "wait"}' >"$tree/input/config/hyperparameters.json"
    echo '{"source_dir": "/home/me/src", "requirements": null, "entry_script": "job.py", "command": "exec sm-train"}' \
        >"$drivers/sourcecode.json"
    echo '{}' >"$drivers/distributed.json"
    printf '%s\n' '' '#!/bin/bash' 'set -e' 'handle_error() {' '    exit $?' '}' "trap 'handle_error' ERR" \
        "export SM_SOURCE_DIR=$data/code SM_ENTRY_SCRIPT=job.py" "cd $data/code" \
        'CMD="exec sm-train"' 'echo "Executing command: $CMD"' 'eval $CMD' >"$drivers/sm_train.sh"
    local name=smtrain-stop-v3-$$
    podman run -d --name "$name" "${mounts[@]}" --entrypoint /bin/bash "$image" \
        -c "chmod +x $data/sm_drivers/sm_train.sh && $data/sm_drivers/sm_train.sh" >/dev/null
    stop_and_check "$name" stop-v3 "podman stop (SDK v3 job)" \
        "sm-train replaced bash as PID 1, SIGTERM reached the program's handler"
}

base_files=()
build_dir=
# SMTRAIN_CONTAINERS_ONLY=arm64: only the arm64 image's checks (section 6).
if [[ ${SMTRAIN_CONTAINERS_ONLY:-} != arm64 ]]; then
    # ---- sm-train and the C++ example, as the Dockerfiles' builder stage makes them
    build_dir=${SMTRAIN_CONTAINERS_BUILD_DIR:-}
    if [[ -z $build_dir ]]; then
        echo "==> containers: building sm-train (release preset)"
        "$root/scripts/build.sh" release
        build_dir=$root/build/release
    fi
    prefix=$work/prefix
    cmake --install "$build_dir" --prefix "$prefix" --strip >/dev/null
    runtime=$work/runtime  # what docker/Dockerfile takes: the Runtime component only
    cmake --install "$build_dir" --component Runtime --prefix "$runtime" --strip >/dev/null
    "$root/scripts/build-standalone.sh" "$root/examples/cpp" "$work/example-cpp" "$prefix" >/dev/null
    cpp_binaries=$work/cpp-binaries
    install -D "$prefix/bin/sm-train" "$cpp_binaries/bin/sm-train"
    install -D -s "$work/example-cpp/train" "$cpp_binaries/code/train"
    if [[ -n ${SMTRAIN_CONTAINERS_SM_TRAIN:-} ]]; then
        # Another sm-train binary in every image (e.g. one from a branch under review).
        for dir in "$prefix" "$runtime" "$cpp_binaries"; do
            install -m 755 "$SMTRAIN_CONTAINERS_SM_TRAIN" "$dir/bin/sm-train"
        done
    fi
    sm_train=$prefix/bin/sm-train
    static=0
    # ldd exits 1 for a static binary: its output, not its status, says which.
    ldd_output=$(ldd "$sm_train" 2>&1 || true)
    [[ $ldd_output != *"not a dynamic executable"* ]] || static=1
    echo "sm-train: $(stat -c %s "$sm_train") bytes, $( ((static)) && echo "fully static" || echo "dynamically linked")"

    # ---- base images, under the names the Dockerfiles start FROM
    echo "==> containers: base images"
    slim=$(base_tarball slim)
    python=$(base_tarball python python3)
    import_base "$slim" localhost/smtrain-test/bookworm-slim \
        docker.io/library/debian:bookworm-slim docker.io/library/debian:bookworm
    import_base "$python" docker.io/library/python:3.11-slim-bookworm
    base_files=("$slim" "$python")
    if ((!static)); then
        # Today's sm-train dlopens libcurl.so.4: a base that has it shows the TLS path works.
        base_files+=("$(base_tarball libcurl libcurl4)")
        import_base "${base_files[2]}" localhost/smtrain-test/bookworm-libcurl
    fi

    if [[ ${SMTRAIN_CONTAINERS_FULL_BUILD:-} == 1 ]]; then
        # The documented builds, builder stages included: they compile smtrain
        # again inside the image, and install-deps.sh's apt-get there needs the
        # network of the host (Debian's mirror).
        build localhost/smtrain-test/python -f "$root/docker/Dockerfile" --network host "$root"
        build localhost/smtrain-test/cpp -f "$root/docker/Dockerfile.cpp" --network host "$root"
    else
        build localhost/smtrain-test/python -f "$root/docker/Dockerfile" \
            --target prebuilt --build-context "binaries=$runtime" "$root"
        build localhost/smtrain-test/cpp -f "$root/docker/Dockerfile.cpp" \
            --target prebuilt --build-context "binaries=$cpp_binaries" "$root"
    fi

    seed_job localhost/smtrain-test/python ""

    # ---- 2. a failing program's own exit code comes out of podman run
    echo "==> containers: seed image, a program that exits 3"
    tree=$work/jobs/fail
    job_tree "$root/examples/opt_ml" "$tree"
    job_mounts "$tree"
    cp "$here/programs/job.py" "$tree/code/"
    # sm-train passes the hyperparameters to the program as --name value.
    echo '{"mode": "\"exit\"", "code": "3"}' >"$tree/input/config/hyperparameters.json"
    run_job fail "$work/fail.out" "$work/fail.err" "${mounts[@]}" -v "$tree/code:/opt/ml/code" \
        -e SAGEMAKER_PROGRAM=job.py localhost/smtrain-test/python train
    if [[ $status == 3 ]] && grep -qF "failing on purpose with exit code 3" "$tree/output/failure" 2>/dev/null &&
        [[ ! -e $tree/output/success ]]; then
        pass "seed image: the program's exit code 3 passes through, its stderr in output/failure"
    else
        show "$work/fail.out" "$work/fail.err" "$tree/output/failure"
        check_failed "failing program: exit $status (expected 3 and output/failure)"
    fi

    stop_job localhost/smtrain-test/python ""
    v3_stop_job localhost/smtrain-test/python

    # ---- 4. the C++ image, which has no Python, runs its example
    echo "==> containers: C++ image"
    tree=$work/jobs/cpp
    job_tree "$root/examples/cpp/opt_ml" "$tree"
    job_mounts "$tree"
    run_job cpp "$work/cpp.out" "$work/cpp.err" "${mounts[@]}" localhost/smtrain-test/cpp train
    no_python=0
    podman run --rm --entrypoint /bin/sh localhost/smtrain-test/cpp -c \
        '! command -v python3 && ! command -v python && ! ls /usr/lib/python3* 2>/dev/null' >/dev/null || no_python=$?
    # The example's output for examples/cpp/opt_ml, worked out by hand in
    # tests/packaging/example_test.sh: with every weight 0, loss = ln 2 and accuracy = 21/40.
    if [[ $status == 0 && $no_python == 0 ]] &&
        grep -qxF "training on 40 rows, 2 features, host algo-1 (master)" "$work/cpp.out" &&
        grep -qxF "epoch=1 loss=0.6931 accuracy=0.5250" "$work/cpp.out" &&
        grep -qF '"weights"' "$tree/model/model.json" 2>/dev/null &&
        [[ -f $tree/output/success ]]; then
        pass "C++ image (no Python in it): the example trained, model/model.json and output/success"
    else
        show "$work/cpp.out" "$work/cpp.err" "$tree/output/failure"
        check_failed "C++ image: exit $status, Python absent check $no_python"
    fi

    # ---- 5. code from s3:// over TLS, in an image with no libcurl and no CA bundle at Debian's path
    echo "==> containers: s3:// code over TLS"
    # shellcheck source=s3_tls.sh
    source "$here/s3_tls.sh"
    s3_tls_start "$work/s3"
    s3_tls_upload_code "$here/programs/s3-code" s3://smtrain-containers/job/source/sourcedir.tar.gz

    # s3_job <image> <label>: sets $status; the tree is $work/jobs/s3-<label>, mounted whole at /opt/ml.
    s3_job() {
        local image=$1 label=$2
        tree=$work/jobs/s3-$label
        rm -rf "$tree"
        mkdir -p "$tree/input/config" "$tree/input/data" "$tree/code" "$tree/model" "$tree/output"
        cp "$here/programs/s3-job"/*.json "$tree/input/config/"
        run_job "s3-$label" "$work/s3-$label.out" "$work/s3-$label.err" --network host \
            -e SM_STUDIO_LOCAL_MODE=true -e "S3_ENDPOINT_URL=$S3_TLS_ENDPOINT" \
            -e AWS_ACCESS_KEY_ID=smtrain-test -e AWS_SECRET_ACCESS_KEY=smtrain-test -e AWS_EC2_METADATA_DISABLED=true \
            -v "$tree:/opt/ml" "$image" train
    }
    s3_job_succeeded() {
        [[ $status == 0 ]] && grep -qxF "code from s3: train.sh in /opt/ml/code" "$work/s3-$1.out" &&
            grep -qxF "downloaded" "$tree/model/s3-code.txt" 2>/dev/null && [[ -f $tree/output/success ]]
    }

    # The image users have: debian:bookworm-slim (no libcurl, no ca-certificates)
    # with the CA bundle only where Amazon Linux keeps it.
    cp "$S3_TLS_CA" "$work/s3/context/ca.pem"
    install -m 755 "$sm_train" "$work/s3/context/sm-train"
    build localhost/smtrain-test/s3 -f "$here/Dockerfile.s3" \
        --build-arg CA_BUNDLE=/etc/pki/tls/certs/ca-bundle.crt "$work/s3/context"
    base_ok=0
    podman run --rm --entrypoint /bin/sh localhost/smtrain-test/s3 -c \
        '! ls /usr/lib/x86_64-linux-gnu/libcurl* 2>/dev/null && test ! -e /etc/ssl/certs/ca-certificates.crt' \
        >/dev/null || base_ok=$?
    ((base_ok == 0)) || check_failed "the s3 image's base has libcurl or a CA bundle at Debian's path"
    s3_job localhost/smtrain-test/s3 bare
    if ((static)); then
        if s3_job_succeeded bare; then
            pass "s3:// code over TLS in an image with no libcurl, CA only at /etc/pki/tls/certs/ca-bundle.crt"
        else
            show "$work/s3-bare.out" "$work/s3-bare.err" "$tree/output/failure"
            check_failed "s3:// code in the image without libcurl: exit $status"
        fi
    else
        # A dynamically linked sm-train cannot do it; it must say so in one line, not crash.
        if [[ $status == 1 ]] && grep -qF "s3:// needs libcurl: install libcurl4 in the image" "$tree/output/failure" 2>/dev/null; then
            pass "s3:// code in an image without libcurl: a dynamically linked sm-train says it needs libcurl4 (exit 1)"
        else
            show "$work/s3-bare.out" "$work/s3-bare.err" "$tree/output/failure"
            check_failed "s3:// code without libcurl, dynamic sm-train: exit $status (expected 1 and the libcurl line)"
        fi
        echo "NOTE: the s3:// test in an image without libcurl needs the fully static sm-train; running it on a base with libcurl4 instead"
        # The CA at Debian's path, where Debian's libcurl looks by default.
        build localhost/smtrain-test/s3-libcurl -f "$here/Dockerfile.s3" --build-arg BASE=localhost/smtrain-test/bookworm-libcurl \
            --build-arg CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt "$work/s3/context"
        s3_job localhost/smtrain-test/s3-libcurl libcurl
        if s3_job_succeeded libcurl; then
            pass "s3:// code over TLS in a bookworm-slim image with libcurl4 added"
        else
            show "$work/s3-libcurl.out" "$work/s3-libcurl.err" "$tree/output/failure"
            check_failed "s3:// code with libcurl4: exit $status"
        fi
    fi
    s3_tls_stop

fi

# ---- 6. the seed image for linux/arm64 (Graviton, Grace), once, under emulation:
# the arm64 sm-train and an arm64 Python base, run by qemu-user through
# binfmt_misc (scripts/qemu-binfmt.sh; its F flag makes the kernel find qemu
# from inside the container). The same seed job and podman stop as the x86-64 image.
# SMTRAIN_CONTAINERS_ARM64=0 leaves it out.
if [[ ${SMTRAIN_CONTAINERS_ARM64:-1} == 1 ]]; then
    echo "==> containers: the seed image for linux/arm64 (emulated)"
    "$root/scripts/qemu-binfmt.sh"
    arm64_build_dir=${SMTRAIN_CONTAINERS_ARM64_BUILD_DIR:-}
    if [[ -z $arm64_build_dir ]]; then
        echo "==> containers: building sm-train for arm64 (release-arm64 preset)"
        "$root/scripts/build.sh" release-arm64
        arm64_build_dir=$root/build/release-arm64
    fi
    runtime_arm64=$work/runtime-arm64
    cmake --install "$arm64_build_dir" --component Runtime --prefix "$runtime_arm64" --strip >/dev/null
    echo "sm-train (arm64): $(stat -c %s "$runtime_arm64/bin/sm-train") bytes," \
        "$(readelf -hW "$runtime_arm64/bin/sm-train" | sed -n 's/^ *Machine: *//p')"
    python_arm64=$(base_tarball_arch arm64 python python3)
    base_files+=("$python_arm64")
    # Under the name docker/Dockerfile starts FROM, now for the arm64 image
    # (the x86-64 images above are built already and keep their base).
    import_base_arch arm64 "$python_arm64" docker.io/library/python:3.11-slim-bookworm
    build localhost/smtrain-test/python-arm64 -f "$root/docker/Dockerfile" --platform linux/arm64 \
        --target prebuilt --build-context "binaries=$runtime_arm64" "$root"
    image_arch=$(podman image inspect --format '{{.Architecture}}' localhost/smtrain-test/python-arm64)
    if [[ $image_arch == arm64 ]]; then
        pass "arm64 image: built for linux/arm64 from docker/Dockerfile's prebuilt target"
    else
        check_failed "arm64 image: architecture '$image_arch', expected arm64"
    fi
    seed_job localhost/smtrain-test/python-arm64 arm64 --arch arm64
    stop_job localhost/smtrain-test/python-arm64 arm64 --arch arm64
fi

echo "containers: $((SECONDS - started)) s"
# The closing note: what this stage leaves on the machine, outside its temp dir.
if ((${#base_files[@]})); then
    echo "containers: left outside the temp dir: ${base_files[*]} ($(du -ch "${base_files[@]}" | tail -n 1 | cut -f1)," \
        "kept for the next run), /var/lib/containers and /run/runc (empty)," \
        "the build dirs' install_manifest.txt (${build_dir:-} ${arm64_build_dir:-})"
fi
echo "containers: $passed passed, $failed failed"
((failed == 0))
