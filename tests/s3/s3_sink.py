#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A small threaded S3 endpoint on loopback that counts what it is sent: for
the upload pool tests, and as the fast sink of bench/s3_wan_bench.sh (moto
spends tens of milliseconds per PUT, which would hide any client's speed).

    s3_sink.py PORT_FILE [--delay-ms N] [--slow-prefix TEXT --slow-ms N]
                         [--fail-part N] [--discard] [--host ADDR]

Understands PUT object, CreateMultipartUpload, UploadPart,
CompleteMultipartUpload, AbortMultipartUpload, GET (with a Range) and HEAD object, and PUT bucket
(any bucket exists). Every request is answered after --delay-ms; a body that
starts with --slow-prefix waits --slow-ms more before it is stored, so a later
copy of the same key could overtake it. --fail-part N answers 500
InternalError to the first attempt of every part N. --discard keeps only sizes.
Signatures are not checked (sigv4_proxy.py does that).

When each request has arrived and after it is answered, PORT_FILE.stats is rewritten with JSON: max_in_flight (the
most requests being handled at once), connections (TCP connections
accepted), requests (arrived), expect (requests that carried an Expect header, as
"METHOD size"), parts ("key part" of each UploadPart attempt), and objects
({key: sha256} of what is stored).
"""
import hashlib
import http.server
import json
import os
import re
import sys
import threading
import time
import uuid

import loopback  # tests/s3/loopback.py, beside this script

args = sys.argv[1:]
port_file = args.pop(0)
options = {"--delay-ms": "0", "--slow-prefix": None, "--slow-ms": "0", "--fail-part": "0", "--host": "127.0.0.1"}
discard = False
while args:
    name = args.pop(0)
    if name == "--discard":
        discard = True
    else:
        options[name] = args.pop(0)
delay = int(options["--delay-ms"]) / 1000.0
slow_prefix = options["--slow-prefix"].encode() if options["--slow-prefix"] else None
slow = int(options["--slow-ms"]) / 1000.0
fail_part = int(options["--fail-part"])

loopback.exit_with_parent()

lock = threading.Lock()
state = {"in_flight": 0, "max_in_flight": 0, "connections": 0, "requests": 0, "expect": [], "parts": []}
objects = {}  # key -> bytes (or length when discarding)
digests = {}  # key -> sha256 (or length when discarding)
uploads = {}  # upload id -> {part number: bytes}
failed_once = set()


def write_stats():
    data = dict(state, objects=digests)
    tmp = port_file + ".stats.tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, port_file + ".stats")


def store(key, data):
    """Called with the lock held."""
    objects[key] = data
    digests[key] = hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else data


def read_body(handler):
    length = int(handler.headers.get("Content-Length", "0") or "0")
    if not discard:
        return handler.rfile.read(length)
    first = b""
    while length > 0:
        chunk = handler.rfile.read(min(length, 1 << 20))
        if not chunk:
            break
        if not first:
            first = chunk[:64]
        length -= len(chunk)
    return first  # only the start is kept: enough for --slow-prefix


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and "Expect: 100-continue" is answered

    def setup(self):
        super().setup()
        with lock:
            state["connections"] += 1

    def answer(self, status, body=b"", headers=()):
        with lock:
            write_stats()  # before the client hears back, so a test reading it next sees this request
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code):
        self.answer(status, b"<Error><Code>%s</Code><Message>%s</Message></Error>" % (code.encode(), code.encode()),
                    [("Content-Type", "application/xml")])

    def handle_one(self):
        path, _, query = self.path.partition("?")
        parts = path.lstrip("/").split("/", 1)
        key = parts[1] if len(parts) > 1 else ""
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        body = read_body(self) if self.command in ("PUT", "POST") else b""
        size = int(self.headers.get("Content-Length", "0") or "0")
        with lock:
            state["requests"] += 1
            if self.headers.get("Expect") is not None:
                state["expect"].append("%s %d" % (self.command, size))
            write_stats()  # a held request is seen at once
        if delay:
            time.sleep(delay)
        if self.command == "PUT" and not key:
            return self.answer(200)
        if self.command == "PUT" and "partNumber" in params:
            number = int(params["partNumber"])
            with lock:
                state["parts"].append("%s %d" % (key, number))
                first_try = (params["uploadId"], number) not in failed_once
                failed_once.add((params["uploadId"], number))
            if number == fail_part and first_try:
                return self.error(500, "InternalError")
            with lock:
                uploads.setdefault(params["uploadId"], {})[number] = body if not discard else size
            return self.answer(200, headers=[("ETag", '"part-%d"' % number)])
        if self.command == "PUT":
            if slow_prefix and body.startswith(slow_prefix):
                time.sleep(slow)
            with lock:
                store(key, body if not discard else size)
            return self.answer(200, headers=[("ETag", '"%s"' % hashlib.md5(body).hexdigest())])
        if self.command == "POST" and "uploads" in params:
            upload_id = uuid.uuid4().hex
            with lock:
                uploads[upload_id] = {}
            return self.answer(200, b"<InitiateMultipartUploadResult><UploadId>%s</UploadId>"
                               b"</InitiateMultipartUploadResult>" % upload_id.encode())
        if self.command == "POST" and "uploadId" in params:
            numbers = [int(n) for n in re.findall(rb"<PartNumber>(\d+)</PartNumber>", body)]
            with lock:
                stored = uploads.pop(params["uploadId"], {})
                if discard:
                    store(key, sum(stored.get(n, 0) for n in numbers))
                else:
                    store(key, b"".join(stored.get(n, b"") for n in numbers))
            return self.answer(200, b"<CompleteMultipartUploadResult><Key>%s</Key>"
                               b"</CompleteMultipartUploadResult>" % key.encode())
        if self.command == "DELETE":
            with lock:
                uploads.pop(params.get("uploadId"), None)
            return self.answer(204)
        if self.command in ("GET", "HEAD"):
            with lock:
                data = objects.get(key)
            if data is None or not isinstance(data, bytes):
                return self.error(404, "NoSuchKey")
            headers = [("ETag", '"%s"' % hashlib.md5(data).hexdigest()),
                       ("Last-Modified", "Tue, 01 Dec 2026 00:00:00 GMT"), ("Accept-Ranges", "bytes")]
            wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
            if wanted:  # s3transfer downloads large objects in ranges
                first = int(wanted.group(1))
                last = int(wanted.group(2)) if wanted.group(2) else len(data) - 1
                last = min(last, len(data) - 1)
                headers.append(("Content-Range", "bytes %d-%d/%d" % (first, last, len(data))))
                return self.answer(206, data[first:last + 1], headers)
            return self.answer(200, data, headers)
        return self.error(400, "NotImplemented")

    def relay(self):
        with lock:
            state["in_flight"] += 1
            state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
        try:
            self.handle_one()
        finally:
            with lock:
                state["in_flight"] -= 1
                write_stats()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


server = Server((options["--host"], 0), Handler)
write_stats()
loopback.publish_port(port_file, server.server_address[1])
server.serve_forever()
