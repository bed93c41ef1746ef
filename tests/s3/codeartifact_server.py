#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A CodeArtifact endpoint for the tests, on loopback (moto has none).

    codeartifact_server.py PORT_FILE

Knows one repository: domain "my_domain", owner "012345678900", repository
"my/repo" (a name with a slash, which must arrive percent-encoded), in
us-west-2. Answers GetAuthorizationToken (POST /v1/authorization-token) and
GetRepositoryEndpoint (GET /v1/repository/endpoint, format=pypi) as AWS does,
in JSON, but only to requests SigV4-signed for service codeartifact with the
key pair testing/testing, as sigv4_check.py checks them with botocore. A wrong
signature gets 403 InvalidSignatureException; an unknown domain or repository
404 ResourceNotFoundException. Appends "<method> <path> <verdict>" to PORT_FILE.log.
"""
import http.server
import json
import sys
import urllib.parse

import loopback  # tests/s3/loopback.py, beside this script
import sigv4_check

loopback.exit_with_parent()

port_file = sys.argv[1]
REGION, DOMAIN, OWNER, REPOSITORY = "us-west-2", "my_domain", "012345678900", "my/repo"
TOKEN = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.the-token"
ENDPOINT = "https://my_domain-012345678900.d.codeartifact.us-west-2.amazonaws.com/pypi/my/repo/"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, document, error_type=None):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type + ":http://internal.amazon.com/coral/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_call(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or "0"))
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        problem = sigv4_check.signature_problem(self, body, REGION, "codeartifact")
        with open(port_file + ".log", "a") as log:
            log.write("%s %s %s\n" % (self.command, self.path, problem or "signed"))
        if problem:
            return self.answer(403, {"message": "The request signature we calculated does not match the "
                                                "signature you provided."}, "InvalidSignatureException")
        if query.get("domain") != DOMAIN or query.get("domain-owner") != OWNER:
            return self.answer(404, {"message": "Domain not found", "resourceId": query.get("domain"),
                                     "resourceType": "domain"}, "ResourceNotFoundException")
        if self.command == "POST" and url.path == "/v1/authorization-token":
            return self.answer(200, {"authorizationToken": TOKEN, "expiration": 1700043200})
        if self.command == "GET" and url.path == "/v1/repository/endpoint" and query.get("format") == "pypi":
            if query.get("repository") != REPOSITORY:
                return self.answer(404, {"message": "Repository not found"}, "ResourceNotFoundException")
            return self.answer(200, {"repositoryEndpoint": ENDPOINT})
        return self.answer(404, {"message": "no such operation"}, "UnknownOperationException")

    do_GET = do_POST = handle_call

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
loopback.publish_port(port_file, server.server_address[1])
server.serve_forever()
