#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The toolkit's intermediate sync, reduced to its transfers, for bench/s3_rtt_bench.sh:
one worker (the toolkit's ThreadPoolExecutor(max_workers=1)) calling s3transfer's
S3Transfer.upload_file for each file in turn, with s3transfer's default config (as
the toolkit). `download` fetches one object with S3Transfer.download_file.

    s3transfer_one_worker.py upload ENDPOINT BUCKET PREFIX DIR
    s3transfer_one_worker.py download ENDPOINT BUCKET KEY FILE
"""
import os
import sys
from concurrent import futures

import boto3
from s3transfer import S3Transfer

mode, endpoint, bucket, where, local = sys.argv[1:6]
client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
transfer = S3Transfer(client)
if mode == "download":
    transfer.download_file(bucket, where, local)
    sys.exit(0)
with futures.ThreadPoolExecutor(max_workers=1) as executor:
    jobs = []
    for folder, _, files in os.walk(local):
        for name in files:
            path = os.path.join(folder, name)
            key = where + "/" + os.path.relpath(path, local)
            jobs.append(executor.submit(transfer.upload_file, path, bucket, key))
    for job in jobs:
        job.result()
