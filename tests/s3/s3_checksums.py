#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Prints "<sha256> <name>" for every object under a prefix, read with boto3
(an implementation independent of the code under test), or for every file
under a local directory, so the two lists can be compared.

    s3_checksums.py ENDPOINT BUCKET PREFIX   # names are keys without PREFIX
    s3_checksums.py --local DIR [SKIP_DIR]   # names are paths relative to DIR
"""
import hashlib
import os
import sys

if sys.argv[1] == "--local":
    root = sys.argv[2]
    skip = sys.argv[3] if len(sys.argv) > 3 else None
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not (folder == root and d == skip)]
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                print(hashlib.file_digest(f, "sha256").hexdigest() if hasattr(hashlib, "file_digest")
                      else hashlib.sha256(f.read()).hexdigest(), os.path.relpath(path, root))
    sys.exit(0)

import boto3  # noqa: E402 (only needed for S3)

endpoint, bucket, prefix = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
    for obj in page.get("Contents", []):
        digest = hashlib.sha256()
        for chunk in s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].iter_chunks(1 << 20):
            digest.update(chunk)
        print(digest.hexdigest(), obj["Key"][len(prefix):])
