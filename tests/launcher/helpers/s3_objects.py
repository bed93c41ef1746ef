#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""boto3 on the test's moto server: an S3 implementation independent of
sm-train's own client, to set up buckets and to read back what sm-train uploaded.

    s3_objects.py create ENDPOINT BUCKET
    s3_objects.py put-tarball ENDPOINT BUCKET KEY NAME=TEXT...   # a sourcedir.tar.gz
    s3_objects.py dump ENDPOINT BUCKET PREFIX    # JSON {key without PREFIX: bytes as latin-1}
"""
import io
import json
import sys
import tarfile

import boto3

command, endpoint, bucket = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")

if command == "create":
    s3.create_bucket(Bucket=bucket)
elif command == "put-tarball":
    key = sys.argv[4]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for item in sys.argv[5:]:
            name, text = item.split("=", 1)
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(data))
    s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())
elif command == "dump":
    prefix = sys.argv[4]
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            objects[obj["Key"][len(prefix):]] = body.decode("latin-1")
    print(json.dumps(objects, sort_keys=True))
else:
    sys.exit(__doc__)
