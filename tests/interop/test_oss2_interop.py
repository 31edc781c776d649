"""The official Python SDK (oss2) against the emulator, with Signature V1 and V4.

Every test is parametrized over ``oss2.Auth`` (V1) and ``oss2.AuthV4`` (V4, region
cn-hangzhou) through the ``auth_kind`` fixture (see conftest.py). The expected behaviour is the
real service's as documented in shared/reference/oss-wire.md sections 1 and 2 (bucket
encryption, object SSE). oss2's CRC-64 checks stay on (``enable_crc=True``): every upload
compares the client's CRC with the response's ``x-oss-hash-crc64ecma``, and downloads are
checked here against the same header.
"""

import base64
import socket
import urllib.parse
import xml.etree.ElementTree as ET

import oss2
import pytest
import requests
from oss2 import exceptions as oe
from oss2.models import PartInfo, ServerSideEncryptionRule

SSE = "x-oss-server-side-encryption"
SSE_KEY_ID = "x-oss-server-side-encryption-key-id"
SSE_DATA = "x-oss-server-side-data-encryption"
CRC = "x-oss-hash-crc64ecma"

# Stand-ins in parametrize tables, resolved per test.
CMK = object()  # the CMK id the emulator was started with (--kms-key)
ANY = object()  # "present, any non-empty value" (a server-chosen default CMK id)


def crc64(data: bytes) -> int:
    c = oss2.utils.Crc64(0)
    c.update(data)
    return c.crc


def payload(n: int, seed: int = 0) -> bytes:
    """n deterministic bytes that do not repeat with a short period."""
    return bytes((i * 131 + seed * 7 + (i >> 8) + (i >> 13)) & 0xFF for i in range(n))


def resolve(v, cmk):
    return cmk if v is CMK else v


def sse_request_headers(alg=None, key_id=None, data=None) -> dict:
    h = {}
    if alg is not None:
        h[SSE] = alg
    if key_id is not None:
        h[SSE_KEY_ID] = key_id
    if data is not None:
        h[SSE_DATA] = data
    return h


def assert_declares(headers, alg, key_id, data, what: str):
    """The response declares exactly this SSE: alg / data are a value or None (absent);
    key_id is a value, None (absent) or ANY (present, non-empty)."""
    got = (headers.get(SSE), headers.get(SSE_KEY_ID), headers.get(SSE_DATA))
    ctx = f"{what}: got SSE headers {got!r}"
    assert headers.get(SSE) == alg, ctx
    if key_id is ANY:
        assert headers.get(SSE_KEY_ID), ctx
    else:
        assert headers.get(SSE_KEY_ID) == key_id, ctx
    assert headers.get(SSE_DATA) == data, ctx


def assert_object(bucket: oss2.Bucket, key: str, data: bytes, alg, key_id, sse_data):
    """HeadObject and GetObject declare the SSE, the length and the CRC; the bytes round-trip."""
    head = bucket.head_object(key)
    assert head.status == 200
    assert_declares(head.headers, alg, key_id, sse_data, f"HeadObject {key}")
    assert head.content_length == len(data)
    assert head.server_crc == crc64(data), "HeadObject x-oss-hash-crc64ecma"

    got = bucket.get_object(key)
    assert got.status == 200
    assert_declares(got.headers, alg, key_id, sse_data, f"GetObject {key}")
    body = got.read()
    assert body == data, f"GetObject {key}: {len(body)} bytes back, {len(data)} expected"
    # oss2 computed the CRC of what it read (enable_crc=True); the server must agree.
    assert got.client_crc == crc64(data)
    oss2.utils.check_crc("get", got.client_crc, got.server_crc, got.request_id)
    assert got.server_crc == crc64(data), "GetObject x-oss-hash-crc64ecma"
    return head.headers


def assert_error(excinfo, status: int, code: str):
    e = excinfo.value
    assert (e.status, e.code) == (status, code), (
        f"expected {status} {code}, got {e.status} {e.code}: {e.message!r} (request id {e.request_id})"
    )


# ---------------------------------------------------------------- buckets


def test_create_bucket(open_bucket, new_bucket_name, auth_kind):
    b = open_bucket(new_bucket_name)
    r = b.create_bucket()
    assert r.status == 200
    assert r.request_id
    # The request really carried the signature version under test.
    sent = r.resp.response.request
    assert sent.url.startswith("http://127.0.0.1:"), sent.url  # path style on an IP endpoint
    assert f"/{new_bucket_name}/" in sent.url
    want = {"v1": "OSS AKID:", "v4": "OSS4-HMAC-SHA256 Credential=AKID/"}[auth_kind]
    assert sent.headers["Authorization"].startswith(want), sent.headers["Authorization"]

    info = b.get_bucket_info()
    assert info.name == new_bucket_name
    # No default encryption: GetBucketInfo says <SSEAlgorithm>None</SSEAlgorithm>.
    assert info.bucket_encryption_rule.sse_algorithm is None

    with pytest.raises(oe.NoSuchServerSideEncryptionRule) as ei:
        b.get_bucket_encryption()
    assert_error(ei, 404, "NoSuchServerSideEncryptionRule")


def test_delete_object_and_bucket(bucket):
    data = b"short-lived"
    bucket.put_object("gone.txt", data)
    assert bucket.delete_object("gone.txt").status == 204
    with pytest.raises(oe.NoSuchKey) as ei:
        bucket.get_object("gone.txt")
    assert_error(ei, 404, "NoSuchKey")
    # Deleting a missing object is a success too.
    assert bucket.delete_object("gone.txt").status == 204

    assert bucket.delete_bucket().status == 204
    with pytest.raises(oe.NoSuchBucket) as ei:
        bucket.get_bucket_info()
    assert_error(ei, 404, "NoSuchBucket")


# ---------------------------------------------------------------- bucket encryption

# (rule sent: algorithm, KMSMasterKeyID, KMSDataEncryption) -> (rule GetBucketEncryption returns)
BUCKET_RULES = [
    pytest.param(("AES256", None, None), ("AES256", None, None), id="AES256"),
    pytest.param(("SM4", None, None), ("SM4", None, None), id="SM4"),
    pytest.param(("KMS", None, None), ("KMS", None, None), id="KMS"),
    pytest.param(("KMS", CMK, None), ("KMS", CMK, None), id="KMS-cmk"),
    pytest.param(("KMS", None, "SM4"), ("KMS", None, "SM4"), id="KMS-SM4"),
    pytest.param(("KMS", CMK, "SM4"), ("KMS", CMK, "SM4"), id="KMS-cmk-SM4"),
    # OSS silently drops KMSDataEncryption when the algorithm is not KMS (oss-wire 1.4).
    pytest.param(("AES256", None, "SM4"), ("AES256", None, None), id="AES256-SM4-dropped"),
]


@pytest.mark.parametrize("sent,expected", BUCKET_RULES)
def test_bucket_encryption_put_get_delete(bucket, emulator, sent, expected):
    cmk = emulator.kms_key_id
    alg, key_id, data = (resolve(v, cmk) for v in sent)
    want = tuple(resolve(v, cmk) for v in expected)

    r = bucket.put_bucket_encryption(ServerSideEncryptionRule(alg, key_id, data))
    assert r.status == 200

    got = bucket.get_bucket_encryption()
    assert got.status == 200
    assert (got.sse_algorithm, got.kms_master_keyid, got.kms_data_encryption) == want

    # GetBucketInfo embeds the same rule.
    info = bucket.get_bucket_info().bucket_encryption_rule
    assert (info.sse_algorithm, info.kms_master_keyid, info.kms_data_encryption) == want

    assert bucket.delete_bucket_encryption().status == 204
    with pytest.raises(oe.NoSuchServerSideEncryptionRule) as ei:
        bucket.get_bucket_encryption()
    assert_error(ei, 404, "NoSuchServerSideEncryptionRule")
    assert bucket.get_bucket_info().bucket_encryption_rule.sse_algorithm is None
    # Deleting when no rule is configured succeeds as well.
    assert bucket.delete_bucket_encryption().status == 204


def test_bucket_encryption_is_replaced(bucket, emulator):
    bucket.put_bucket_encryption(ServerSideEncryptionRule("KMS", emulator.kms_key_id, "SM4"))
    bucket.put_bucket_encryption(ServerSideEncryptionRule("AES256"))
    got = bucket.get_bucket_encryption()
    assert (got.sse_algorithm, got.kms_master_keyid, got.kms_data_encryption) == ("AES256", None, None)


def test_bucket_encryption_aes256_with_key_id_is_invalid_argument(bucket, emulator):
    with pytest.raises(oe.ServerError) as ei:
        bucket.put_bucket_encryption(ServerSideEncryptionRule("AES256", emulator.kms_key_id))
    assert_error(ei, 400, "InvalidArgument")
    assert isinstance(ei.value, oe.InvalidArgument)
    # Nothing was stored.
    with pytest.raises(oe.NoSuchServerSideEncryptionRule):
        bucket.get_bucket_encryption()


def test_bucket_encryption_unknown_algorithm(bucket):
    with pytest.raises(oe.ServerError) as ei:
        bucket.put_bucket_encryption(ServerSideEncryptionRule("random"))
    assert_error(ei, 400, "InvalidEncryptionAlgorithmError")
    assert isinstance(ei.value, oe.InvalidEncryptionAlgorithmError)
    with pytest.raises(oe.NoSuchServerSideEncryptionRule):
        bucket.get_bucket_encryption()


# ---------------------------------------------------------------- objects

# PutObject on a bucket without a default rule (oss-wire 2.2 table):
# request (encryption, key id, data encryption) -> declared (encryption, key id, data encryption)
PUT_CASES = [
    pytest.param((None, None, None), (None, None, None), id="none"),
    pytest.param(("AES256", None, None), ("AES256", None, None), id="AES256"),
    pytest.param(("SM4", None, None), ("SM4", None, None), id="SM4"),
    pytest.param(("KMS", None, None), ("KMS", ANY, None), id="KMS-default-cmk"),
    pytest.param(("KMS", CMK, None), ("KMS", CMK, None), id="KMS-cmk"),
    pytest.param(("KMS", None, "SM4"), ("KMS", ANY, "SM4"), id="KMS-SM4"),
    pytest.param(("KMS", CMK, "SM4"), ("KMS", CMK, "SM4"), id="KMS-cmk-SM4"),
    pytest.param(("AES256", None, "SM4"), ("AES256", None, None), id="AES256-SM4-ignored"),
    pytest.param(("SM4", None, "SM4"), ("SM4", None, None), id="SM4-SM4-ignored"),
    pytest.param((None, None, "SM4"), (None, None, None), id="data-only-ignored"),
]


@pytest.mark.parametrize("sent,declared", PUT_CASES)
def test_put_object_sse_headers(bucket, emulator, sent, declared):
    cmk = emulator.kms_key_id
    sent = tuple(resolve(v, cmk) for v in sent)
    alg, key_id, data_enc = (resolve(v, cmk) for v in declared)
    key = "sse/put object/" + "-".join(str(v) for v in sent) + ".bin"
    data = payload(3000, seed=len(key))

    r = bucket.put_object(key, data, headers=sse_request_headers(*sent))  # oss2 checks the CRC
    assert r.status == 200
    assert r.crc == crc64(data)
    assert_declares(r.headers, alg, key_id, data_enc, "PutObject")

    head = assert_object(bucket, key, data, alg, key_id, data_enc)
    if key_id is ANY:
        # The default CMK reported by GetObject/HeadObject is the one PutObject chose.
        assert head.get(SSE_KEY_ID) == r.headers.get(SSE_KEY_ID)


# (bucket rule) -> what an object put without SSE headers declares
DEFAULT_CASES = [
    pytest.param(("AES256", None, None), ("AES256", None, None), id="AES256"),
    pytest.param(("SM4", None, None), ("SM4", None, None), id="SM4"),
    pytest.param(("KMS", CMK, None), ("KMS", CMK, None), id="KMS-cmk"),
    pytest.param(("KMS", None, "SM4"), ("KMS", ANY, "SM4"), id="KMS-SM4"),
    pytest.param(("KMS", CMK, "SM4"), ("KMS", CMK, "SM4"), id="KMS-cmk-SM4"),
]


@pytest.mark.parametrize("rule,declared", DEFAULT_CASES)
def test_bucket_default_applies_without_object_headers(bucket, emulator, rule, declared):
    cmk = emulator.kms_key_id
    bucket.put_bucket_encryption(ServerSideEncryptionRule(*(resolve(v, cmk) for v in rule)))
    alg, key_id, data_enc = (resolve(v, cmk) for v in declared)
    data = payload(4097, seed=3)

    r = bucket.put_object("defaulted.bin", data)
    assert_declares(r.headers, alg, key_id, data_enc, "PutObject under a bucket default")
    assert_object(bucket, "defaulted.bin", data, alg, key_id, data_enc)

    # Once the rule is deleted, new objects are plain again; the old one keeps its SSE.
    bucket.delete_bucket_encryption()
    r2 = bucket.put_object("plain.bin", data)
    assert_declares(r2.headers, None, None, None, "PutObject after DeleteBucketEncryption")
    assert_object(bucket, "plain.bin", data, None, None, None)
    assert_object(bucket, "defaulted.bin", data, alg, key_id, data_enc)


# (bucket rule, object headers) -> declared: the object's headers win over the bucket default.
OVERRIDE_CASES = [
    pytest.param(("KMS", CMK, "SM4"), ("AES256", None, None), ("AES256", None, None), id="KMS-SM4-bucket-AES256-object"),
    pytest.param(("AES256", None, None), ("KMS", CMK, None), ("KMS", CMK, None), id="AES256-bucket-KMS-object"),
    pytest.param(("AES256", None, None), ("SM4", None, None), ("SM4", None, None), id="AES256-bucket-SM4-object"),
    pytest.param(("KMS", CMK, None), ("KMS", None, "SM4"), ("KMS", ANY, "SM4"), id="KMS-bucket-KMS-SM4-object"),
]


@pytest.mark.parametrize("rule,sent,declared", OVERRIDE_CASES)
def test_object_header_wins_over_bucket_default(bucket, emulator, rule, sent, declared):
    cmk = emulator.kms_key_id
    bucket.put_bucket_encryption(ServerSideEncryptionRule(*(resolve(v, cmk) for v in rule)))
    sent = tuple(resolve(v, cmk) for v in sent)
    alg, key_id, data_enc = (resolve(v, cmk) for v in declared)
    data = payload(1234, seed=5)

    r = bucket.put_object("override.bin", data, headers=sse_request_headers(*sent))
    assert_declares(r.headers, alg, key_id, data_enc, "PutObject with SSE headers under a bucket default")
    assert_object(bucket, "override.bin", data, alg, key_id, data_enc)


# ---------------------------------------------------------------- copy


def test_copy_object_with_sse_override(bucket, emulator):
    cmk = emulator.kms_key_id
    data = payload(20000, seed=11)
    src = bucket.put_object("copy/src.bin", data, headers=sse_request_headers("KMS", cmk, "SM4"))
    assert_declares(src.headers, "KMS", cmk, "SM4", "PutObject (copy source)")

    r = bucket.copy_object(bucket.bucket_name, "copy/src.bin", "copy/dst.bin", headers={SSE: "AES256"})
    assert r.status == 200
    assert_declares(r.headers, "AES256", None, None, "CopyObject with x-oss-server-side-encryption: AES256")
    assert r.crc in (None, crc64(data))

    # The destination is AES256 only: the source's KMS key and SM4 are not carried over.
    assert_object(bucket, "copy/dst.bin", data, "AES256", None, None)
    # The source is untouched.
    assert_object(bucket, "copy/src.bin", data, "KMS", cmk, "SM4")


def test_copy_object_does_not_carry_source_sse(bucket, emulator):
    cmk = emulator.kms_key_id
    data = payload(777, seed=13)
    bucket.put_object("copy/kms.bin", data, headers=sse_request_headers("KMS", cmk, "SM4"))

    r = bucket.copy_object(bucket.bucket_name, "copy/kms.bin", "copy/plain.bin")
    assert r.status == 200
    assert_declares(r.headers, None, None, None, "CopyObject without SSE headers")
    assert_object(bucket, "copy/plain.bin", data, None, None, None)


# ---------------------------------------------------------------- multipart

PART_1 = 100 * 1024 + 17  # every part but the last must be at least 100 KiB
PART_2 = 33 * 1024 + 5


def test_multipart_upload_with_sse(bucket, emulator):
    cmk = emulator.kms_key_id
    key = "multipart/kms sm4.bin"
    parts_data = [payload(PART_1, seed=21), payload(PART_2, seed=22)]
    data = b"".join(parts_data)

    init = bucket.init_multipart_upload(key, headers=sse_request_headers("KMS", cmk, "SM4"))
    assert init.status == 200
    assert init.upload_id
    assert_declares(init.headers, "KMS", cmk, "SM4", "InitiateMultipartUpload")

    parts = []
    for n, chunk in enumerate(parts_data, start=1):
        r = bucket.upload_part(key, init.upload_id, n, chunk)  # oss2 checks the part CRC
        assert r.status == 200
        assert r.crc == crc64(chunk)
        # UploadPart answers with the upload's SSE (same key id).
        assert_declares(r.headers, "KMS", cmk, "SM4", f"UploadPart {n}")
        parts.append(PartInfo(n, r.etag, size=len(chunk), part_crc=r.crc))

    # With size and part_crc given, oss2 combines the part CRCs and checks them against the
    # x-oss-hash-crc64ecma of CompleteMultipartUpload.
    done = bucket.complete_multipart_upload(key, init.upload_id, parts)
    assert done.status == 200
    assert done.crc == crc64(data)
    assert_declares(done.headers, "KMS", cmk, "SM4", "CompleteMultipartUpload")

    head = assert_object(bucket, key, data, "KMS", cmk, "SM4")
    assert head.get("x-oss-object-type") == "Multipart"


def test_multipart_upload_under_bucket_default(bucket):
    bucket.put_bucket_encryption(ServerSideEncryptionRule("SM4"))
    key = "multipart/defaulted.bin"
    parts_data = [payload(PART_1, seed=31), payload(1000, seed=32)]
    init = bucket.init_multipart_upload(key)
    assert_declares(init.headers, "SM4", None, None, "InitiateMultipartUpload under a bucket default")
    parts = []
    for n, chunk in enumerate(parts_data, start=1):
        r = bucket.upload_part(key, init.upload_id, n, chunk)
        parts.append(PartInfo(n, r.etag, size=len(chunk), part_crc=r.crc))
    done = bucket.complete_multipart_upload(key, init.upload_id, parts)
    assert_declares(done.headers, "SM4", None, None, "CompleteMultipartUpload under a bucket default")
    assert_object(bucket, key, b"".join(parts_data), "SM4", None, None)


@pytest.mark.parametrize(
    "sse_headers",
    [
        pytest.param({SSE: "KMS"}, id="KMS"),
        pytest.param({SSE: "AES256"}, id="AES256"),
        pytest.param({SSE_DATA: "SM4"}, id="data-encryption"),
    ],
)
def test_upload_part_with_sse_header_is_invalid_argument(bucket, sse_headers):
    key = "multipart/rejected.bin"
    init = bucket.init_multipart_upload(key, headers={SSE: "KMS"})
    with pytest.raises(oe.ServerError) as ei:
        bucket.upload_part(key, init.upload_id, 1, b"part with an SSE header", headers=sse_headers)
    assert_error(ei, 400, "InvalidArgument")
    # The upload is still usable without the header.
    r = bucket.upload_part(key, init.upload_id, 1, b"part without")
    assert_declares(r.headers, "KMS", ANY, None, "UploadPart after a rejected one")
    bucket.abort_multipart_upload(key, init.upload_id)


def test_complete_multipart_with_sse_header_is_invalid_argument(bucket):
    key = "multipart/complete-rejected.bin"
    chunk = b"only part"
    init = bucket.init_multipart_upload(key, headers={SSE: "AES256"})
    r = bucket.upload_part(key, init.upload_id, 1, chunk)
    parts = [PartInfo(1, r.etag, size=len(chunk), part_crc=r.crc)]
    with pytest.raises(oe.ServerError) as ei:
        bucket.complete_multipart_upload(key, init.upload_id, parts, headers={SSE: "AES256"})
    assert_error(ei, 400, "InvalidArgument")
    done = bucket.complete_multipart_upload(key, init.upload_id, parts)
    assert_declares(done.headers, "AES256", None, None, "CompleteMultipartUpload")
    assert_object(bucket, key, chunk, "AES256", None, None)


class _RawConnection:
    """One keep-alive HTTP/1.1 connection on which oss2-signed requests are written by hand,
    so the test controls when the body is sent."""

    def __init__(self, bucket: oss2.Bucket):
        self.bucket = bucket
        netloc = urllib.parse.urlsplit(bucket.endpoint).netloc
        host, port = netloc.rsplit(":", 1)
        self.netloc = netloc
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.buf = b""

    def head_bytes(self, method, key, params, headers, body: bytes) -> bytes:
        b = self.bucket
        req = oss2.http.Request(method, b._make_url(b.bucket_name, key), data=body, params=params,
                                headers=headers, region=b.region, product=b.product)
        b.auth._sign_request(req, b.bucket_name, key)
        u = urllib.parse.urlsplit(req.url)
        lines = [f"{method} {u.path}?{urllib.parse.urlencode(req.params)} HTTP/1.1", f"Host: {self.netloc}"]
        lines += [f"{k}: {v}" for k, v in req.headers.items() if k.lower() not in ("host", "content-length")]
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def read_response(self):
        """(status, headers) of the next response, or None if the server closed the connection."""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
        n = int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        self.buf = self.buf[n:]
        return status, headers


def test_rejected_upload_part_keeps_connection_usable(bucket):
    """OSS answers the 400 for an SSE header on UploadPart as soon as it has the headers. A
    keep-alive client (urllib3 under oss2) then sends the body and reuses the connection, so the
    server must either keep it usable or say ``Connection: close`` (RFC 9112 9.6) -- closing it
    silently makes the client's next request fail with "Remote end closed connection"."""
    key = "multipart/keepalive.bin"
    init = bucket.init_multipart_upload(key, headers={SSE: "KMS"})
    params = {"partNumber": "1", "uploadId": init.upload_id}
    conn = _RawConnection(bucket)
    try:
        body = b"part with an SSE header"
        conn.sock.sendall(conn.head_bytes("PUT", key, params, {SSE: "AES256"}, body))  # headers only
        first = conn.read_response()
        assert first is not None and first[0] == 400, first
        if first[1].get("connection", "").lower() == "close":
            return  # the server announced the close: clients open a new connection
        try:
            conn.sock.sendall(body)
            ok = b"part without"
            conn.sock.sendall(conn.head_bytes("PUT", key, params, {}, ok) + ok)
            second = conn.read_response()
        except (BrokenPipeError, ConnectionResetError) as e:
            second = e
        assert second is not None and not isinstance(second, Exception) and second[0] == 200, (
            f"the 400 response had no 'Connection: close' ({first[1]}), but the next request on the "
            f"connection failed: {second or 'server closed the connection'}"
        )
    finally:
        conn.sock.close()
    bucket.abort_multipart_upload(key, init.upload_id)


# ---------------------------------------------------------------- presigned URLs and signatures


def _error_code(resp: requests.Response) -> str:
    body = resp.content
    if not body and resp.headers.get("x-oss-err"):
        body = base64.b64decode(resp.headers["x-oss-err"])
    return ET.fromstring(body).findtext("Code")


def test_presigned_get_url(bucket, emulator, auth_kind):
    cmk = emulator.kms_key_id
    key = "presigned/dir/file name.bin"
    data = payload(5000, seed=41)
    bucket.put_object(key, data, headers=sse_request_headers("KMS", cmk, None))

    url = bucket.sign_url("GET", key, 60)
    if auth_kind == "v4":
        assert "x-oss-signature-version=OSS4-HMAC-SHA256" in url and "x-oss-signature=" in url, url
    else:
        assert "OSSAccessKeyId=AKID" in url and "Signature=" in url, url
    resp = requests.get(url, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.content == data
    assert int(resp.headers[CRC]) == crc64(data)
    assert_declares(resp.headers, "KMS", cmk, None, "presigned GetObject")


def test_presigned_url_with_wrong_secret(bucket, open_bucket):
    bucket.put_object("presigned/secret.txt", b"not for you")
    wrong = open_bucket(bucket.bucket_name, secret="NOT-THE-SECRET")
    resp = requests.get(wrong.sign_url("GET", "presigned/secret.txt", 60), timeout=30)
    assert resp.status_code == 403, resp.text
    assert _error_code(resp) == "SignatureDoesNotMatch", resp.text
    assert b"not for you" not in resp.content


def test_wrong_secret_is_signature_does_not_match(bucket, open_bucket):
    data = b"original"
    bucket.put_object("auth/obj.txt", data)
    wrong = open_bucket(bucket.bucket_name, secret="NOT-THE-SECRET")

    with pytest.raises(oe.SignatureDoesNotMatch) as ei:
        wrong.get_object("auth/obj.txt")
    assert_error(ei, 403, "SignatureDoesNotMatch")

    # HEAD errors have no body: the error document travels base64-encoded in x-oss-err.
    with pytest.raises(oe.SignatureDoesNotMatch) as ei:
        wrong.head_object("auth/obj.txt")
    assert_error(ei, 403, "SignatureDoesNotMatch")

    with pytest.raises(oe.SignatureDoesNotMatch):
        wrong.put_object("auth/obj.txt", b"overwritten")
    with pytest.raises(oe.SignatureDoesNotMatch):
        wrong.put_bucket_encryption(ServerSideEncryptionRule("AES256"))
    # Nothing changed.
    assert bucket.get_object("auth/obj.txt").read() == data
    with pytest.raises(oe.NoSuchServerSideEncryptionRule):
        bucket.get_bucket_encryption()


# ---------------------------------------------------------------- the CRC checks are live


def _inject(emulator, rule: dict):
    """Emulator-specific admin API (not part of OSS): add a fault rule."""
    r = requests.post(f"{emulator.endpoint}/-/faults", json=[rule], timeout=30)
    assert r.status_code == 200, r.text


def test_crc_mismatch_is_detected(bucket, emulator):
    """Proves the CRC-64 checks above are not vacuous: a wrong x-oss-hash-crc64ecma on an upload,
    or a corrupted download, is caught (fault injection through the emulator's admin API)."""
    data = payload(2048, seed=51)
    match = {"bucket": bucket.bucket_name}
    _inject(emulator, {"match": {**match, "op": "PutObject"}, "action": {"kind": "corrupt"}, "count": 1})
    with pytest.raises(oe.InconsistentError):
        bucket.put_object("crc.bin", data)  # the server's CRC header is wrong: oss2 refuses it

    bucket.put_object("crc.bin", data)
    _inject(emulator, {"match": {**match, "op": "GetObject"}, "action": {"kind": "corrupt"}, "count": 1})
    got = bucket.get_object("crc.bin")
    body = got.read()
    assert body != data
    with pytest.raises(oe.InconsistentError):
        oss2.utils.check_crc("get", got.client_crc, got.server_crc, got.request_id)


# ---------------------------------------------------------------- listing (oss-listing-copy §1-§2)

# Keys that need encoding-type=url to survive: '/', '+', space, '%', unicode, '&', '<'.
TRICKY_KEYS = [
    "list/a+b.txt",
    "list/a b.txt",
    "list/100%.txt",
    "list/中文/文件.txt",
    "list/dir/x&y<z>.txt",
    "list/dir/sub/deep.txt",
    "list/~tilde",
]


def _put_keys(bucket, keys):
    for k in keys:
        bucket.put_object(k, k.encode())


def test_object_iterator_v2_walks_every_page(bucket):
    plain = [f"list/n/{i:04d}" for i in range(230)]
    _put_keys(bucket, plain + TRICKY_KEYS)
    want = sorted(plain + TRICKY_KEYS, key=lambda k: k.encode())

    # max_keys=100: three pages, keys decoded exactly, in UTF-8 byte order.
    got = [o.key for o in oss2.ObjectIteratorV2(bucket, prefix="list/", max_keys=100)]
    assert got == want

    # One level with a delimiter: objects and common prefixes, in order.
    level = list(oss2.ObjectIteratorV2(bucket, prefix="list/", delimiter="/", max_keys=2))
    prefixes = [o.key for o in level if o.is_prefix()]
    objects = [o.key for o in level if not o.is_prefix()]
    assert prefixes == ["list/dir/", "list/n/", "list/中文/"]
    assert objects == sorted(
        [k for k in TRICKY_KEYS if k.count("/") == 1], key=lambda k: k.encode()
    )

    # start-after with a delimiter skips what sorts before it, prefixes included.
    after = [o.key for o in oss2.ObjectIteratorV2(bucket, prefix="list/", delimiter="/", start_after="list/dir/zzz")]
    assert "list/dir/" not in after and after[0] == "list/n/"

    # fetch_owner fills the owner; sizes, ETags, types and times are what HEAD says.
    page = bucket.list_objects_v2(prefix="list/a", fetch_owner=True)
    assert [o.key for o in page.object_list] == ["list/a b.txt", "list/a+b.txt"]
    for o in page.object_list:
        head = bucket.head_object(o.key)
        assert o.size == head.content_length == len(o.key.encode())
        assert o.etag == head.etag
        assert o.type == "Normal"
        assert o.owner is not None and o.owner.id
        assert o.last_modified > 0


def test_object_iterator_v1_uses_markers(bucket):
    keys = [f"v1/{i:03d}" for i in range(25)] + ["v1/中 +%"]
    _put_keys(bucket, keys)
    got = [o.key for o in oss2.ObjectIterator(bucket, prefix="v1/", max_keys=7)]
    assert got == sorted(keys, key=lambda k: k.encode())


def test_list_objects_v2_bad_token_and_bad_max_keys(bucket):
    _put_keys(bucket, ["bad/1"])
    with pytest.raises(oe.ServerError) as ei:
        bucket.list_objects_v2(continuation_token="not-a-token-we-gave")
    assert_error(ei, 400, "InvalidArgument")
    with pytest.raises(oe.ServerError) as ei:
        bucket.list_objects_v2(max_keys=1001)
    assert_error(ei, 400, "InvalidArgument")


def test_list_empty_bucket(bucket):
    page = bucket.list_objects_v2()
    assert page.object_list == [] and page.prefix_list == []
    assert page.is_truncated is False


def test_multipart_upload_iterator(bucket):
    started = []
    for k in ["mpu/a", "mpu/a", "mpu/b c", "mpu/d/e", "mpu/中"]:
        started.append((k, bucket.init_multipart_upload(k).upload_id))
    got = [(u.key, u.upload_id) for u in oss2.MultipartUploadIterator(bucket, prefix="mpu/", max_uploads=2)]
    # Ordered by key, then by upload id for one key; every upload once.
    assert sorted(got) == sorted(started)
    assert [k for k, _ in got] == sorted((k for k, _ in started), key=lambda k: k.encode())
    rolled = list(oss2.MultipartUploadIterator(bucket, prefix="mpu/", delimiter="/"))
    assert [u.key for u in rolled if u.is_prefix()] == ["mpu/d/"]
    for k, uid in started:
        bucket.abort_multipart_upload(k, uid)
    assert list(oss2.MultipartUploadIterator(bucket, prefix="mpu/")) == []


# ---------------------------------------------------------------- part copy and copy conditions


def test_upload_part_copy_re_encrypts_under_the_upload(bucket, emulator):
    cmk = emulator.kms_key_id
    data = payload(PART_1 + PART_2, seed=61)
    bucket.put_object("pcopy/src.bin", data, headers=sse_request_headers("KMS", cmk, "SM4"))
    key = "pcopy/dst.bin"
    init = bucket.init_multipart_upload(key, headers={SSE: "AES256"})
    parts = []
    for n, (first, last) in enumerate([(0, PART_1 - 1), (PART_1, len(data) - 1)], start=1):
        r = bucket.upload_part_copy(bucket.bucket_name, "pcopy/src.bin", (first, last), key, init.upload_id, n)
        assert r.status == 200 and r.etag
        parts.append(PartInfo(n, r.etag))
    done = bucket.complete_multipart_upload(key, init.upload_id, parts)
    assert done.status == 200
    assert_object(bucket, key, data, "AES256", None, None)


def test_upload_part_copy_if_match_mismatch_is_412(bucket):
    bucket.put_object("pcopy/cond.bin", b"x" * 1000)
    init = bucket.init_multipart_upload("pcopy/cond-dst.bin")
    with pytest.raises(oe.PreconditionFailed) as ei:
        bucket.upload_part_copy(
            bucket.bucket_name, "pcopy/cond.bin", (0, 99), "pcopy/cond-dst.bin", init.upload_id, 1,
            headers={"x-oss-copy-source-if-match": '"0123456789ABCDEF0123456789ABCDEF"'},
        )
    assert_error(ei, 412, "PreconditionFailed")
    bucket.abort_multipart_upload("pcopy/cond-dst.bin", init.upload_id)


def test_copy_object_conditions_and_escaped_source(bucket):
    key = "copy/阿里云/:?;@&=+$, <>{}[]|.txt"
    r = bucket.put_object(key, b"escaped source")
    # A matching if-none-match is a bare 304 (oss2: NotModified); a failed if-match a 412.
    with pytest.raises(oe.NotModified) as ei:
        bucket.copy_object(bucket.bucket_name, key, "copy/cond.txt", headers={"x-oss-copy-source-if-none-match": r.etag})
    assert ei.value.status == 304
    with pytest.raises(oe.PreconditionFailed):
        bucket.copy_object(bucket.bucket_name, key, "copy/cond.txt", headers={"x-oss-copy-source-if-match": "0" * 32})
    assert not bucket.object_exists("copy/cond.txt")
    ok = bucket.copy_object(bucket.bucket_name, key, "copy/cond.txt", headers={"x-oss-copy-source-if-match": r.etag})
    assert ok.status == 200 and ok.etag == r.etag  # oss2 reads the ETag header
    assert bucket.get_object("copy/cond.txt").read() == b"escaped source"


def test_self_copy_replaces_metadata_and_encryption(bucket):
    bucket.put_object(
        "copy/self.txt", b"self", headers={"x-oss-meta-old": "1", "Cache-Control": "no-cache", "Content-Type": "text/x-old"}
    )
    bucket.copy_object(
        bucket.bucket_name, "copy/self.txt", "copy/self.txt",
        headers={SSE: "AES256", "x-oss-metadata-directive": "REPLACE", "x-oss-meta-new": "2", "Content-Type": "text/x-new"},
    )
    head = assert_object(bucket, "copy/self.txt", b"self", "AES256", None, None)
    assert head.get("x-oss-meta-new") == "2"
    assert "x-oss-meta-old" not in head
    assert head.get("Content-Type") == "text/x-new"


def test_object_tagging(bucket):
    bucket.put_object("tags/a.txt", b"t", headers={"x-oss-tagging": "k1=v1&k%202=v%2B2"})
    tags = bucket.get_object_tagging("tags/a.txt").tag_set.tagging_rule
    assert tags == {"k1": "v1", "k 2": "v+2"}
    assert bucket.head_object("tags/a.txt").headers.get("x-oss-tagging-count") == "2"
    bucket.copy_object(bucket.bucket_name, "tags/a.txt", "tags/b.txt")
    assert bucket.get_object_tagging("tags/b.txt").tag_set.tagging_rule == tags
    bucket.copy_object(
        bucket.bucket_name, "tags/a.txt", "tags/c.txt",
        headers={"x-oss-tagging-directive": "Replace", "x-oss-tagging": "only=one"},
    )
    assert bucket.get_object_tagging("tags/c.txt").tag_set.tagging_rule == {"only": "one"}
    bucket.delete_object_tagging("tags/a.txt")
    assert bucket.get_object_tagging("tags/a.txt").tag_set.tagging_rule == {}
