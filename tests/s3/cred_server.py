#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A container credentials endpoint for the tests, on loopback.

    cred_server.py PORT_FILE TOKEN LIFETIME_SECONDS

Answers GET <any path> with credentials AKIDTEST<n> (n = 1, 2, ...) that expire
LIFETIME_SECONDS from now, but only when the Authorization header equals TOKEN
(an empty TOKEN accepts any request); 401 otherwise. Writes its port to
PORT_FILE, and appends one line per request to PORT_FILE.log.
"""
import datetime
import http.server
import json
import sys

import loopback  # tests/s3/loopback.py, beside this script


loopback.exit_with_parent()

port_file, token, lifetime = sys.argv[1], sys.argv[2], int(sys.argv[3])
issued = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global issued
        auth = self.headers.get("Authorization", "")
        with open(port_file + ".log", "a") as log:
            log.write("%s auth=%s\n" % (self.path, auth))
        if token and auth != token:
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b'{"message": "bad token"}')
            return
        issued += 1
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=lifetime)
        body = json.dumps({
            "AccessKeyId": "AKIDTEST%d" % issued,
            "SecretAccessKey": "secret%d" % issued,
            "Token": "session%d" % issued,
            "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
loopback.publish_port(port_file, server.server_address[1])
server.serve_forever()
