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
import os
import socket
import struct
import sys
import threading
import time


def exit_with_parent():
    """Ends this server when the test that started it is gone (even if it crashed)."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


threading.Thread(target=exit_with_parent, daemon=True).start()

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


def pump(src, dst, limit=None):
    sent = 0
    try:
        while True:
            chunk = src.recv(65536)
            if not chunk:
                break
            if limit is not None and sent + len(chunk) > limit:
                count_fault()
                reset(src)
                reset(dst)
                return
            dst.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


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
    limit = 64 * 1024 if faulty else None
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
    pump(client, upstream, limit)


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(128)
with open(port_file + ".tmp", "w") as f:
    f.write(str(listener.getsockname()[1]))
os.replace(port_file + ".tmp", port_file)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
