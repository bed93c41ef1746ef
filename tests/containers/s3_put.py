#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Uploads one file to the container tests' TLS S3 endpoint, verifying the
server against the test's CA; waits up to 60 s for the server to answer.

    s3_put.py ENDPOINT CA_FILE s3://BUCKET/KEY FILE
"""
import sys
import time

import boto3
import botocore.exceptions


def main():
    endpoint, ca_file, url, path = sys.argv[1:5]
    bucket, key = url[len("s3://"):].split("/", 1)
    s3 = boto3.client("s3", endpoint_url=endpoint, verify=ca_file, region_name="us-east-1",
                      aws_access_key_id="smtrain-test", aws_secret_access_key="smtrain-test")
    deadline = time.monotonic() + 60
    while True:
        try:
            s3.create_bucket(Bucket=bucket)
            break
        except botocore.exceptions.EndpointConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    s3.upload_file(path, bucket, key)
    print(f"uploaded {path} to {url}")


if __name__ == "__main__":
    main()
