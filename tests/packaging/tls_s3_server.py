#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Test helper: S3 over HTTPS on loopback. A moto server (plain HTTP, on a
loopback port of its own) behind a TLS proxy that presents CERT/KEY.

    tls_s3_server.py PORT_FILE CERT KEY BUCKET KEY FILE

Uploads FILE to s3://BUCKET/KEY over moto's HTTP port (boto3, not sm-train),
writes the TLS port to PORT_FILE, then relays every TLS connection to moto
until killed. Each relayed connection is logged on stderr ("tls: ...").
"""
import os
import socket
import ssl
import sys
import threading
import time

import boto3
from moto.server import ThreadedMotoServer


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def relay(tls_conn, moto_port):
    with tls_conn, socket.create_connection(("127.0.0.1", moto_port)) as upstream:
        back = threading.Thread(target=pump, args=(upstream, tls_conn), daemon=True)
        back.start()
        pump(tls_conn, upstream)
        back.join()


def main():
    port_file, cert, key, bucket, object_key, path = sys.argv[1:7]
    moto_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port)
    moto.start()
    client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{moto_port}", region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    client.create_bucket(Bucket=bucket)
    client.upload_file(path, bucket, object_key)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    deadline = time.monotonic() + 600  # never outlives a forgotten test
    listener.settimeout(1)
    while time.monotonic() < deadline:
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        try:
            tls_conn = context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as e:
            print(f"tls: handshake failed: {e}", file=sys.stderr, flush=True)
            conn.close()
            continue
        print(f"tls: {tls_conn.version()} connection relayed", file=sys.stderr, flush=True)
        threading.Thread(target=relay, args=(tls_conn, moto_port), daemon=True).start()


if __name__ == "__main__":
    main()
