"""Sans-IO: build, sign and parse with oss_sse.sansio, send with the standard library.

This is how another HTTP stack (httpx, aiohttp, a test double) uses the SDK.
Run: .venv/bin/python examples/python/sansio_urllib.py
"""

import time
import urllib.error
import urllib.request

import oss_sse
from oss_sse import sansio
from oss_sse.testing import LocalOSS


def send(req: sansio.SignedRequest | sansio.Request, body: bytes = b"") -> tuple[int, list[tuple[str, str]], bytes]:
    r = urllib.request.Request(req.url, data=body or None, method=req.method, headers=dict(req.headers))
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, list(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, list(e.headers.items()), e.read()


with LocalOSS() as oss:
    config = sansio.Config(oss.region, endpoint=oss.endpoint)

    def call(op):
        req = op.to_request(config)
        headers = list(req.headers)
        # urllib adds `Content-Type: application/x-www-form-urlencoded` to any request with a
        # body; Content-Type is signed, so decide it before signing.
        if req.body and not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("content-type", "application/octet-stream"))
        signed = sansio.sign(
            req.method, req.url, headers,
            access_key_id=oss.access_key_id, access_key_secret=oss.access_key_secret,
            region=oss.region, bucket=req.bucket, key=req.key, signing_time=time.time(),
        )
        status, headers, body = send(signed, req.body)
        return op.from_response(status, headers, body)

    call(sansio.PutBucket("sansio-demo"))
    call(sansio.PutBucketEncryption("sansio-demo", oss_sse.ServerSideEncryptionRule.sm4()))
    print("rule:", call(sansio.GetBucketEncryption("sansio-demo")).sse_algorithm)
    out = call(sansio.PutObject("sansio-demo", "k.txt", b"hello from urllib"))
    print("declared:", out.server_side_encryption.server_side_encryption)
