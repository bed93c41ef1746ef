#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The code the s3:// test uploads (tests/containers/run.sh): sm-train must have
# downloaded and unpacked it into /opt/ml/code before it can run.
echo "code from s3: $SM_USER_ENTRY_POINT in $(pwd)"
echo downloaded >"$SM_MODEL_DIR/s3-code.txt"
