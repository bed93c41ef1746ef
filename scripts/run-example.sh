#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# README command 1: install the dependencies, build sm-train, and run the seed
# workflow (examples/opt_ml: the Python train.py) through it on a temporary
# copy of the example tree; then show what the job left in output/ and model/.
#
#   scripts/run-example.sh [example tree]     default: examples/opt_ml
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
example=${1:-$root/examples/opt_ml}
[[ -d $example/input/config ]] || { echo "run-example: $example is not an /opt/ml tree" >&2; exit 64; }

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" dev --target sm-train
sm_train=$(find "$root/build/dev" -name sm-train -type f -perm -u+x ! -path '*/CMakeFiles/*' | head -n 1)
[[ -n $sm_train ]] || { echo "run-example: sm-train was not built" >&2; exit 1; }

# The job writes model/ and output/, so it runs on a copy, never on the example itself.
work=$(mktemp -d "${TMPDIR:-/tmp}/smtrain-example.XXXXXX")
cp -r "$example" "$work/opt_ml"
tree=$work/opt_ml
mkdir -p "$tree/model" "$tree/output"

echo "==> SAGEMAKER_BASE_DIR=$tree sm-train train"
status=0
# From the repository root: the example's sagemaker_submit_directory is the
# relative path examples/python, copied into the empty code dir as SageMaker would.
cd "$root"
# The example tree names its host algo-1, as SageMaker does; that name does
# not resolve here, so skip the wait for DNS as SageMaker Studio's local mode does.
SAGEMAKER_BASE_DIR=$tree SM_STUDIO_LOCAL_MODE=true "$sm_train" train || status=$?

echo "==> sm-train exited with $status"
echo "==> $tree/output:"
ls -l "$tree/output"
echo "==> $tree/model:"
ls -l "$tree/model"
if [[ -f $tree/output/success ]]; then
    echo "==> output/success is there: the job succeeded"
else
    echo "==> no output/success; output/failure says:"
    cat "$tree/output/failure" 2>/dev/null || true
fi
exit "$status"
