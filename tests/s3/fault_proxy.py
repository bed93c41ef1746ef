#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A TCP proxy on loopback that misbehaves for a while, for the S3 retry tests.

    fault_proxy.py PORT_FILE UPSTREAM_PORT FAULT_SECONDS

For FAULT_SECONDS after the first connection, each new connection in turn:
answers "503 SlowDown" after reading the request head; is reset after reading
the request head; or is forwarded and then cut after 64 KiB of request data
(a drop in the middle of an upload). After that, connections are forwarded
untouched. Writes its port to PORT_FILE and a count of faults to PORT_FILE.log.
"""
import socket
import struct
import sys
import threading
import time

import loopback  # tests/s3/loopback.py, beside this script


loopback.exit_with_parent()

port_file, upstream_port, fault_seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
lock = threading.Lock()
first_connection = None
connections = 0
faults = 0

SLOWDOWN = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
            b"<Message>Please reduce your request rate.</Message></Error>")


def count_fault():
    global faults
    with lock:
        faults += 1
        with open(port_file + ".log", "w") as log:
            log.write("faults %d\n" % faults)


def reset(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def handle(client):
    global first_connection, connections
    with lock:
        now = time.monotonic()
        if first_connection is None:
            first_connection = now
        faulty = now - first_connection < fault_seconds
        connections += 1
        mode = connections % 3
    if faulty and mode == 0:
        read_head(client)
        client.sendall(b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n"
                       b"Connection: close\r\n\r\n%s" % (len(SLOWDOWN), SLOWDOWN))
        count_fault()
        client.close()
        return
    if faulty and mode == 1:
        read_head(client)
        count_fault()
        reset(client)
        return
    upstream = socket.create_connection(("127.0.0.1", upstream_port))
    sent = 0

    def cut_after_64k(chunk):
        nonlocal sent
        if faulty and sent + len(chunk) > 64 * 1024:
            count_fault()
            reset(client)
            reset(upstream)
            return None
        sent += len(chunk)
        return chunk

    threading.Thread(target=loopback.relay, args=(upstream, client), daemon=True).start()
    loopback.relay(client, upstream, cut_after_64k)


loopback.serve_tcp(port_file, handle)
