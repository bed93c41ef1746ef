#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An HTTP proxy on loopback in front of moto that lets through only requests
SigV4-signed as AWS checks them (moto itself does not check signatures).

    sigv4_proxy.py PORT_FILE UPSTREAM_PORT REGION

Each request is read whole and checked by sigv4_check.py (service s3, key pair
testing/testing). A signed one is sent on to moto and moto's answer comes back;
any other gets S3's 403 SignatureDoesNotMatch. Appends "<method> <path>
<verdict>" to PORT_FILE.log.
"""
import http.client
import http.server
import sys

import loopback  # tests/s3/loopback.py, beside this script
import sigv4_check

loopback.exit_with_parent()

port_file, upstream_port, region = sys.argv[1], int(sys.argv[2]), sys.argv[3]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection", "upgrade"}
MISMATCH = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
            b"<Message>The request signature we calculated does not match the signature you provided.</Message>"
            b"</Error>")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # so that "Expect: 100-continue" is answered

    def relay(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or "0"))
        problem = sigv4_check.signature_problem(self, body, region, "s3")
        with open(port_file + ".log", "a") as log:
            log.write("%s %s %s\n" % (self.command, self.path, problem or "signed"))
        if problem:
            self.send_response(403)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(MISMATCH)))
            self.end_headers()
            self.wfile.write(MISMATCH)
            return
        upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
loopback.publish_port(port_file, server.server_address[1])
server.serve_forever()
