"""Sans-IO layer: build, sign and parse OSS requests for any HTTP client.

Each operation class builds its unsigned request with ``to_request(config)`` (method,
URL, headers, body, plus the bucket and decoded key the signer needs) and parses a fully
read response with ``from_response(status, headers, body)`` into the same result objects
the clients return, or raises the same exceptions. :func:`sign` signs in headers or, with
``expires``, as a presigned URL; it never reads the clock.

Example with httpx::

    import time, httpx
    from oss_sse import sansio

    config = sansio.Config("cn-hangzhou")
    op = sansio.GetBucketEncryption("examplebucket")
    req = op.to_request(config)
    signed = sansio.sign(
        req.method, req.url, req.headers,
        access_key_id="...", access_key_secret="...",
        region=config.region, bucket=req.bucket, key=req.key,
        signing_time=time.time(),
    )
    resp = httpx.request(signed.method, signed.url, headers=signed.headers, content=req.body)
    rule = op.from_response(resp.status_code, resp.headers, resp.content)

Listings paginate without I/O: ``op.next_page(output)`` is the request of the next page, or
None after the last::

    op = sansio.ListObjectsV2("examplebucket", prefix="logs/")
    while op is not None:
        page = op.from_response(*send(op))
        for o in page.contents:
            print(o.key, o.size)
        op = op.next_page(page)
"""

from oss_sse._oss_sse import (
    AbortMultipartUpload,
    AppendObject,
    CompleteMultipartUpload,
    Config,
    CopyObject,
    DeleteBucket,
    DeleteObjectTagging,
    GetObjectTagging,
    ListMultipartUploads,
    ListObjectsV2,
    PutObjectTagging,
    UploadPartCopy,
    DeleteBucketEncryption,
    DeleteObject,
    GetBucketEncryption,
    GetBucketInfo,
    GetObject,
    HeadObject,
    InitiateMultipartUpload,
    ListParts,
    PutBucket,
    PutBucketEncryption,
    PutObject,
    Request,
    SignedRequest,
    UploadPart,
    parse_error,
    sign,
)

__all__ = [
    "Config",
    "Request",
    "SignedRequest",
    "sign",
    "parse_error",
    "PutBucketEncryption",
    "GetBucketEncryption",
    "DeleteBucketEncryption",
    "PutBucket",
    "DeleteBucket",
    "GetBucketInfo",
    "PutObject",
    "AppendObject",
    "GetObject",
    "HeadObject",
    "DeleteObject",
    "CopyObject",
    "InitiateMultipartUpload",
    "UploadPart",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
    "ListParts",
    "ListObjectsV2",
    "ListMultipartUploads",
    "UploadPartCopy",
    "PutObjectTagging",
    "GetObjectTagging",
    "DeleteObjectTagging",
]
