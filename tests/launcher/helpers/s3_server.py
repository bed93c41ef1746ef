# SPDX-License-Identifier: Apache-2.0
"""Test helper: a real S3 endpoint (moto) on loopback holding one object.

Usage: s3_server.py PORT_FILE BUCKET KEY FILE
Uploads FILE to s3://BUCKET/KEY, writes the port to PORT_FILE, then serves
until killed.
"""
import socket
import sys
import time

import boto3
from moto.server import ThreadedMotoServer

port_file, bucket, key, path = sys.argv[1:5]
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
server.start()
client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
client.create_bucket(Bucket=bucket)
client.upload_file(path, bucket, key)
with open(port_file + ".tmp", "w") as f:
    f.write(str(port))
import os
os.rename(port_file + ".tmp", port_file)
while True:
    time.sleep(60)
