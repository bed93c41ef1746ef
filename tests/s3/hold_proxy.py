#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A TCP proxy on loopback that holds every multipart part upload, for the
cancellation tests.

    hold_proxy.py PORT_FILE UPSTREAM_PORT

Forwards connections to UPSTREAM_PORT, watching what the client sends: once a
request line with "partNumber=" goes by, nothing more from that connection is
forwarded (the upload hangs, as on a stalled network) until the client gives
up. Every request line seen is appended to PORT_FILE.requests, so a test knows
when the upload was created and whether it was aborted.
"""
import os
import re
import socket
import sys
import threading
import time

REQUEST_LINE = re.compile(rb"(?:GET|PUT|POST|DELETE|HEAD) /[^ \r\n]* HTTP/1\.1\r\n")


def exit_with_parent():
    """Ends this server when the test that started it is gone (even if it crashed)."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


threading.Thread(target=exit_with_parent, daemon=True).start()

port_file, upstream_port = sys.argv[1], int(sys.argv[2])
lock = threading.Lock()


def log_requests(chunk):
    lines = [m.group(0).decode().strip() for m in REQUEST_LINE.finditer(chunk)]
    if lines:
        with lock, open(port_file + ".requests", "a") as log:
            log.write("".join(line + "\n" for line in lines))
    return any(b"partNumber=" in line.encode() for line in lines)


def pump(src, dst, watch):
    held = False
    try:
        while True:
            chunk = src.recv(65536)
            if not chunk:
                break
            if watch and not held and log_requests(chunk):
                held = True
            if not held:
                dst.sendall(chunk)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def handle(client):
    upstream = socket.create_connection(("127.0.0.1", upstream_port))
    threading.Thread(target=pump, args=(upstream, client, False), daemon=True).start()
    pump(client, upstream, True)


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(128)
with open(port_file + ".tmp", "w") as f:
    f.write(str(listener.getsockname()[1]))
os.replace(port_file + ".tmp", port_file)
while True:
    connection, _ = listener.accept()
    threading.Thread(target=handle, args=(connection,), daemon=True).start()
