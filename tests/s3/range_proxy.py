#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An HTTP proxy on loopback in front of moto, for the ranged download tests.

    range_proxy.py PORT_FILE UPSTREAM_PORT [--cut-range-at OFFSET] [--trickle BYTES_PER_S]

Forwards every request (keep-alive on the client side) and writes a line per
GET to PORT_FILE.requests ("GET <path> <Range>"). With --cut-range-at, the
first GET whose Range starts at OFFSET gets its status, headers and half its
body, then a connection reset (counted in PORT_FILE.log). With --trickle, GET
bodies are sent in small pieces at about that rate. PORT_FILE.max_inflight
holds the most GETs that were in progress at once.
"""
import argparse
import http.client
import http.server
import socket
import struct
import threading
import time

import loopback  # tests/s3/loopback.py, beside this script

loopback.exit_with_parent()

parser = argparse.ArgumentParser()
parser.add_argument("port_file")
parser.add_argument("upstream_port", type=int)
parser.add_argument("--cut-range-at", type=int, default=None)
parser.add_argument("--trickle", type=int, default=0)
args = parser.parse_args()

lock = threading.Lock()
state = {"inflight": 0, "max_inflight": 0, "cut": False}


def note(suffix, text, mode="a"):
    with open(args.port_file + suffix, mode) as f:
        f.write(text)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "expect")}
        upstream = http.client.HTTPConnection("127.0.0.1", args.upstream_port, timeout=60)
        upstream.request(self.command, self.path, body=body, headers=headers)
        return upstream.getresponse()

    def do_GET(self):
        rng = self.headers.get("Range", "")
        with lock:
            note(".requests", "GET %s %s\n" % (self.path, rng))
            state["inflight"] += 1
            state["max_inflight"] = max(state["max_inflight"], state["inflight"])
            note(".max_inflight", "%d\n" % state["max_inflight"], "w")
            cut = False
            if args.cut_range_at is not None and not state["cut"] and rng.startswith(
                    "bytes=%d-" % args.cut_range_at):
                state["cut"] = cut = True
        try:
            response = self.forward()
            data = response.read()
            self.send_response(response.status)
            for k, v in response.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if cut:
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                note(".log", "cut %s\n" % rng)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
                return
            if args.trickle and self.command == "GET":
                piece = max(1, args.trickle // 20)
                for start in range(0, len(data), piece):
                    self.wfile.write(data[start:start + piece])
                    self.wfile.flush()
                    time.sleep(piece / args.trickle)
            else:
                self.wfile.write(data)
        except OSError:
            self.close_connection = True
        finally:
            with lock:
                state["inflight"] -= 1

    def do_other(self):
        response = self.forward()
        data = response.read()
        self.send_response(response.status)
        for k, v in response.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_PUT = do_POST = do_DELETE = do_HEAD = do_other


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
loopback.publish_port(args.port_file, server.server_address[1])
server.serve_forever()
