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
import re
import socket
import sys
import threading

import loopback  # tests/s3/loopback.py, beside this script

REQUEST_LINE = re.compile(rb"(?:GET|PUT|POST|DELETE|HEAD) /[^ \r\n]* HTTP/1\.1\r\n")


loopback.exit_with_parent()

port_file, upstream_port = sys.argv[1], int(sys.argv[2])
lock = threading.Lock()


def log_requests(chunk):
    lines = [m.group(0).decode().strip() for m in REQUEST_LINE.finditer(chunk)]
    if lines:
        with lock, open(port_file + ".requests", "a") as log:
            log.write("".join(line + "\n" for line in lines))
    return any(b"partNumber=" in line.encode() for line in lines)


def handle(client):
    upstream = socket.create_connection(("127.0.0.1", upstream_port))
    held = False

    def hold_parts(chunk):
        nonlocal held
        held = held or log_requests(chunk)
        return b"" if held else chunk

    threading.Thread(target=loopback.relay, args=(upstream, client), daemon=True).start()
    loopback.relay(client, upstream, hold_parts)


loopback.serve_tcp(port_file, handle)
