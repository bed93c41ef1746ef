#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the pytest example of docs/testing.md (the python block after the
# "pytest-example" marker), so that the documentation stays true.
#   pytest_doc_test.sh SM_TRAIN SOURCE_DIR WORK_PARENT
set -euo pipefail
sm_train=$(realpath "$1")
source_dir=$(realpath "$2")
work=$(mktemp -d "$3/pytest-doc.XXXXXX")
trap 'rm -rf "$work"' EXIT
python=${SMTRAIN_PYTEST_PYTHON:-/usr/bin/python3}
"$python" -c "import pytest" 2> /dev/null || { echo "SKIP: no pytest for $python (Debian: python3-pytest)"; exit 77; }
awk '/<!-- pytest-example -->/ { found = 1; next }
     found && /^```python/ { inside = 1; next }
     inside && /^```/ { exit }
     inside { print }' "$source_dir/docs/testing.md" > "$work/test_training.py"
grep -q "def test_" "$work/test_training.py" || { echo "FAIL: no pytest example in docs/testing.md" >&2; exit 1; }
cd "$work"
SM_TRAIN=$sm_train EXAMPLES=$source_dir/examples SMTRAIN_PYTHON=$python \
    "$python" -m pytest -q -p no:cacheprovider test_training.py
