# SPDX-License-Identifier: Apache-2.0
"""SigV4 as AWS checks it, for the tests' servers: the signature of a received
request is computed again with botocore (AWS's own Python implementation) from
the headers the request names as signed, and compared."""
import re

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTHORIZATION = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?"
                           r"SignedHeaders=([^, ]+), ?Signature=([0-9a-f]{64})$")


def signature_problem(handler, body, region, service, key_id="testing", secret="testing"):
    """None when HANDLER's request (a BaseHTTPRequestHandler, its BODY read) is
    signed for REGION/SERVICE with the key pair; else what is wrong."""
    m = AUTHORIZATION.match(handler.headers.get("Authorization", ""))
    if not m:
        return "no SigV4 Authorization header"
    key, _, signed_region, signed_service, signed_headers, signature = m.groups()
    if (key, signed_region, signed_service) != (key_id, region, service):
        return "signed as %s for %s/%s" % (key, signed_region, signed_service)
    headers = {}
    for name in signed_headers.split(";"):
        if handler.headers.get(name) is None:
            return "signed header %r is not in the request" % name
        headers[name] = handler.headers[name]
    unsigned = [name for name in handler.headers
                if name.lower().startswith("x-amz-") and name.lower() not in signed_headers.split(";")]
    if unsigned:
        return "x-amz- headers not signed: %s" % ", ".join(unsigned)
    request = AWSRequest(method=handler.command, url="http://%s%s" % (handler.headers["Host"], handler.path),
                         data=body, headers=headers)
    request.context["timestamp"] = handler.headers.get("X-Amz-Date", "")
    # S3 signs the path as sent; other services encode it once more (botocore's two signers).
    signer = (S3SigV4Auth if service == "s3" else SigV4Auth)(Credentials(key_id, secret), service, region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    return None if expected == signature else "signature mismatch"
