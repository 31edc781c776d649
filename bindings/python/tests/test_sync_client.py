"""oss_sse.Client against the in-process emulator: every method, SSE options, errors and
presigning. tests/test_async_client.py holds the asyncio twin of each test."""

from __future__ import annotations

import _thread
import datetime
import hashlib
import os
import pathlib
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import KMS_KEY, SSE_CASES, FakeEcsMetadata, default_kms

import oss_sse
from oss_sse import sansio
from oss_sse.testing import LocalOSS

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method: str, url: str, headers: list[tuple[str, str]] | None = None, data: bytes | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or []))
    try:
        with NO_PROXY.open(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# ---- buckets -------------------------------------------------------------------------------


def test_bucket_create_info_delete(oss: LocalOSS, client: oss_sse.Client) -> None:
    name = oss.unique_bucket()
    out = client.put_bucket(name, storage_class="Standard", acl="private")
    assert isinstance(out, oss_sse.PutBucketOutput)
    assert out.request_id
    info = client.get_bucket_info(name)
    assert isinstance(info, oss_sse.BucketInfo)
    assert info.name == name
    assert info.location == f"oss-{oss.region}"
    assert info.storage_class == "Standard"
    assert info.server_side_encryption_rule is None
    assert client.delete_bucket(name).request_id
    with pytest.raises(oss_sse.NotFoundError) as e:
        client.get_bucket_info(name)
    assert e.value.code == "NoSuchBucket"


def test_bucket_already_exists(client: oss_sse.Client, bucket: str) -> None:
    with pytest.raises(oss_sse.ConflictError) as e:
        client.put_bucket(bucket)
    assert e.value.status == 409


def test_delete_non_empty_bucket(client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "k", b"x")
    with pytest.raises(oss_sse.ConflictError) as e:
        client.delete_bucket(bucket)
    assert e.value.code == "BucketNotEmpty"


# ---- bucket encryption ---------------------------------------------------------------------


def test_bucket_encryption_put_get_delete(client: oss_sse.Client, bucket: str) -> None:
    assert client.get_bucket_encryption(bucket) is None
    out = client.put_bucket_encryption(bucket, "KMS", kms_master_key_id=KMS_KEY, kms_data_encryption="SM4")
    assert isinstance(out, oss_sse.PutBucketEncryptionOutput)
    rule = client.get_bucket_encryption(bucket)
    assert rule == oss_sse.ServerSideEncryptionRule("KMS", KMS_KEY, "SM4")
    assert rule is not None
    assert (rule.sse_algorithm, rule.kms_master_key_id, rule.kms_data_encryption) == ("KMS", KMS_KEY, "SM4")
    info = client.get_bucket_info(bucket)
    assert info.server_side_encryption_rule == rule
    assert isinstance(client.delete_bucket_encryption(bucket), oss_sse.DeleteBucketEncryptionOutput)
    assert client.get_bucket_encryption(bucket) is None
    # Deleting again is fine (OSS answers 204 when no rule is set).
    client.delete_bucket_encryption(bucket)


@pytest.mark.parametrize(
    "rule",
    [
        oss_sse.ServerSideEncryptionRule.aes256(),
        oss_sse.ServerSideEncryptionRule.sm4(),
        oss_sse.ServerSideEncryptionRule.kms(),
        oss_sse.ServerSideEncryptionRule.kms(KMS_KEY),
    ],
    ids=["aes256", "sm4", "kms", "kms-key"],
)
def test_bucket_encryption_rule_objects(client: oss_sse.Client, bucket: str, rule: oss_sse.ServerSideEncryptionRule) -> None:
    client.put_bucket_encryption(bucket, rule)
    assert client.get_bucket_encryption(bucket) == rule


def test_bucket_default_encryption_applies(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    client.put_bucket_encryption(bucket, "KMS")
    out = client.put_object(bucket, "by-default", b"data")
    assert out.server_side_encryption is not None
    assert out.server_side_encryption.server_side_encryption == "KMS"
    assert out.server_side_encryption.server_side_encryption_key_id == oss.default_kms_key_id()
    # An explicit SSE overrides the bucket rule.
    out = client.put_object(bucket, "explicit", b"data", server_side_encryption="AES256")
    assert out.server_side_encryption == oss_sse.ServerSideEncryption.aes256()


def test_get_bucket_encryption_missing_bucket(oss: LocalOSS, client: oss_sse.Client) -> None:
    with pytest.raises(oss_sse.NotFoundError) as e:
        client.get_bucket_encryption(oss.unique_bucket())
    assert e.value.code == "NoSuchBucket"


# ---- objects -------------------------------------------------------------------------------


@pytest.mark.parametrize("sse, key_id, data_enc, alg, want_key, want_data", SSE_CASES)
def test_put_get_head_object_sse(
    oss: LocalOSS,
    client: oss_sse.Client,
    bucket: str,
    sse: str | oss_sse.ServerSideEncryption,
    key_id: str | None,
    data_enc: str | None,
    alg: str,
    want_key: str | None,
    want_data: str | None,
) -> None:
    body = os.urandom(1000)
    out = client.put_object(
        bucket,
        "dir/obj ü.bin",
        body,
        server_side_encryption=sse,
        server_side_encryption_key_id=key_id,
        server_side_data_encryption=data_enc,
    )
    want = oss_sse.ServerSideEncryption(alg, default_kms(oss, want_key), want_data)
    assert isinstance(out, oss_sse.PutObjectOutput)
    assert out.server_side_encryption == want
    assert out.etag == hashlib.md5(body).hexdigest().upper()
    assert out.hash_crc64 is not None
    head = client.head_object(bucket, "dir/obj ü.bin")
    assert isinstance(head, oss_sse.ObjectHead)
    assert head.server_side_encryption == want
    assert head.content_length == len(body)
    assert head.hash_crc64 == out.hash_crc64
    got = client.get_object_bytes(bucket, "dir/obj ü.bin")
    assert isinstance(got, oss_sse.GetObjectOutput)
    assert got.body == body
    assert got.server_side_encryption == want
    assert got.head.etag == out.etag


def test_put_object_options(client: oss_sse.Client, bucket: str) -> None:
    out = client.put_object(
        bucket,
        "opts.txt",
        "héllo",
        content_type="text/plain",
        metadata={"Owner": "alice", "purpose": "test"},
        content_md5=True,
    )
    assert out.server_side_encryption is None
    head = client.head_object(bucket, "opts.txt")
    assert head.content_type == "text/plain"
    assert head.metadata == {"owner": "alice", "purpose": "test"}
    assert client.get_object_bytes(bucket, "opts.txt").body == "héllo".encode()
    # bytes-like inputs
    client.put_object(bucket, "ba", bytearray(b"abc"))
    client.put_object(bucket, "mv", memoryview(b"xabcx")[1:4])
    assert client.get_object_bytes(bucket, "ba").body == b"abc"
    assert client.get_object_bytes(bucket, "mv").body == b"abc"
    with pytest.raises(TypeError):
        client.put_object(bucket, "bad", 12345)  # type: ignore[arg-type]


def test_put_object_forbid_overwrite(client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "once", b"1", forbid_overwrite=True)
    with pytest.raises(oss_sse.ConflictError) as e:
        client.put_object(bucket, "once", b"2", forbid_overwrite=True)
    assert e.value.code == "FileAlreadyExists"
    assert client.get_object_bytes(bucket, "once").body == b"1"


def test_get_object_range(client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "r", b"0123456789", server_side_encryption="SM4")
    got = client.get_object_bytes(bucket, "r", range=(2, 5))
    assert got.body == b"2345"
    assert got.head.content_range == "bytes 2-5/10"
    assert got.head.content_length == 4
    assert client.get_object_bytes(bucket, "r", range=(7, None)).body == b"789"
    with pytest.raises(oss_sse.ClientError) as e:
        client.get_object_bytes(bucket, "r", range=(5, 2))
    assert e.value.field == "range"


def test_get_and_head_missing_object(client: oss_sse.Client, bucket: str) -> None:
    with pytest.raises(oss_sse.NotFoundError) as e:
        client.get_object_bytes(bucket, "missing")
    assert e.value.code == "NoSuchKey"
    assert e.value.request_id
    with pytest.raises(oss_sse.NotFoundError) as e2:
        client.head_object(bucket, "missing")
    assert e2.value.status == 404
    assert e2.value.code == "NoSuchKey"


def test_delete_object(client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "d", b"x")
    out = client.delete_object(bucket, "d")
    assert isinstance(out, oss_sse.DeleteObjectOutput)
    with pytest.raises(oss_sse.NotFoundError):
        client.head_object(bucket, "d")
    # Deleting a missing key succeeds.
    client.delete_object(bucket, "d")


def test_append_object(client: oss_sse.Client, bucket: str) -> None:
    first = client.append_object(
        bucket, "log", 0, b"abc", server_side_encryption="KMS", server_side_encryption_key_id=KMS_KEY, content_type="text/plain"
    )
    assert isinstance(first, oss_sse.AppendObjectOutput)
    assert first.next_position == 3
    assert first.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY)
    second = client.append_object(bucket, "log", 3, b"defg", content_md5=True)
    assert second.next_position == 7
    head = client.head_object(bucket, "log")
    assert head.object_type == "Appendable"
    assert head.next_append_position == 7
    assert head.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY)
    assert client.get_object_bytes(bucket, "log").body == b"abcdefg"
    with pytest.raises(oss_sse.ConflictError) as e:
        client.append_object(bucket, "log", 1, b"x")
    assert e.value.code == "PositionNotEqualToLength"


def test_copy_object(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "src", b"payload", server_side_encryption="SM4", metadata={"a": "1"})
    out = client.copy_object(bucket, "src", bucket, "dst", server_side_encryption="KMS", server_side_encryption_key_id=KMS_KEY)
    assert isinstance(out, oss_sse.CopyObjectOutput)
    assert out.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY)
    assert out.etag
    head = client.head_object(bucket, "dst")
    assert head.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY)
    assert head.metadata == {"a": "1"}
    assert client.get_object_bytes(bucket, "dst").body == b"payload"
    # Replace metadata; no SSE on the request and none on the bucket: not encrypted.
    out2 = client.copy_object(
        bucket, "src", bucket, "dst2", metadata_directive="REPLACE", metadata={"b": "2"}, content_type="text/x"
    )
    assert out2.server_side_encryption is None
    head2 = client.head_object(bucket, "dst2")
    assert head2.metadata == {"b": "2"}
    assert head2.content_type == "text/x"
    with pytest.raises(oss_sse.ClientError) as e:
        client.copy_object(bucket, "src", bucket, "dst3", metadata={"b": "2"})
    assert e.value.field == "metadata"
    with pytest.raises(oss_sse.NotFoundError):
        client.copy_object(bucket, "missing", bucket, "dst4")


# ---- multipart -----------------------------------------------------------------------------

PART = 100 * 1024


def test_multipart_upload(client: oss_sse.Client, bucket: str) -> None:
    init = client.initiate_multipart_upload(
        bucket, "mp", server_side_encryption="KMS", server_side_encryption_key_id=KMS_KEY, server_side_data_encryption="SM4", content_type="application/x-test"
    )
    assert isinstance(init, oss_sse.InitiateMultipartUploadOutput)
    assert init.upload_id
    assert init.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY, "SM4")
    data = [os.urandom(PART), os.urandom(PART), b"tail"]
    parts = [client.upload_part(bucket, "mp", init.upload_id, n, d, content_md5=(n == 1)) for n, d in enumerate(data, 1)]
    assert all(isinstance(p, oss_sse.UploadPartOutput) for p in parts)
    assert [p.part_number for p in parts] == [1, 2, 3]
    listed = client.list_parts(bucket, "mp", init.upload_id)
    assert isinstance(listed, oss_sse.ListPartsOutput)
    assert [p.part_number for p in listed.parts] == [1, 2, 3]
    assert [p.size for p in listed.parts] == [PART, PART, 4]
    assert all(isinstance(p, oss_sse.PartSummary) for p in listed.parts)
    page = client.list_parts(bucket, "mp", init.upload_id, max_parts=2)
    assert page.is_truncated
    assert page.next_part_number_marker == 2
    rest = client.list_parts(bucket, "mp", init.upload_id, part_number_marker=2)
    assert [p.part_number for p in rest.parts] == [3]
    # Parts in any order and in any accepted form.
    done = client.complete_multipart_upload(
        bucket, "mp", init.upload_id, [parts[2], oss_sse.CompletedPart(1, parts[0].etag or ""), (2, parts[1].etag or "")]
    )
    assert isinstance(done, oss_sse.CompleteMultipartUploadOutput)
    assert done.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY, "SM4")
    head = client.head_object(bucket, "mp")
    assert head.object_type == "Multipart"
    assert head.content_type == "application/x-test"
    assert head.hash_crc64 == done.hash_crc64
    assert client.get_object_bytes(bucket, "mp").body == b"".join(data)


def test_multipart_abort(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    init = client.initiate_multipart_upload(bucket, "ab")
    client.upload_part(bucket, "ab", init.upload_id, 1, b"x")
    out = client.abort_multipart_upload(bucket, "ab", init.upload_id)
    assert isinstance(out, oss_sse.AbortMultipartUploadOutput)
    with pytest.raises(oss_sse.NotFoundError) as e:
        client.list_parts(bucket, "ab", init.upload_id)
    assert e.value.code == "NoSuchUpload"
    with pytest.raises(oss_sse.ClientError) as e2:
        client.upload_part(bucket, "ab", init.upload_id, 0, b"x")
    assert e2.value.field == "part_number"
    with pytest.raises(oss_sse.ClientError) as e3:
        client.complete_multipart_upload(bucket, "ab", init.upload_id, [])
    assert e3.value.field == "parts"


# ---- files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size, multipart", [(10_000, False), (3 * PART + 17, True)], ids=["single", "multipart"])
def test_upload_download_file(client: oss_sse.Client, bucket: str, tmp_path: pathlib.Path, size: int, multipart: bool) -> None:
    src = tmp_path / "src.bin"
    payload = os.urandom(size)
    src.write_bytes(payload)
    seen: list[tuple[int, int]] = []
    up = client.upload_file(
        bucket,
        "file",
        src,
        server_side_encryption="SM4",
        content_type="application/x-data",
        metadata={"k": "v"},
        multipart_threshold=PART,
        part_size=PART,
        concurrency=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert isinstance(up, oss_sse.UploadFileOutput)
    assert up.multipart is multipart
    assert up.size == size
    assert up.server_side_encryption == oss_sse.ServerSideEncryption.sm4()
    assert seen and seen[-1] == (size, size)
    assert all(t == size for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    head = client.head_object(bucket, "file")
    assert head.metadata == {"k": "v"}
    assert head.object_type == ("Multipart" if multipart else "Normal")

    dst = tmp_path / "dst.bin"
    got: list[tuple[int, int]] = []
    down = client.download_file(
        bucket, "file", str(dst), multipart_threshold=PART, part_size=PART, concurrency=3, progress=lambda d, t: got.append((d, t))
    )
    assert isinstance(down, oss_sse.DownloadFileOutput)
    assert down.size == size
    assert down.hash_crc64 == up.hash_crc64
    assert down.server_side_encryption == oss_sse.ServerSideEncryption.sm4()
    assert dst.read_bytes() == payload
    assert got[-1] == (size, size)
    assert not (tmp_path / "dst.bin.oss-sse.part").exists()


def test_progress_callback_exception_is_raised(client: oss_sse.Client, bucket: str, tmp_path: pathlib.Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"x" * 1000)

    def boom(done: int, total: int) -> None:
        raise ValueError("stop it")

    with pytest.raises(ValueError, match="stop it"):
        client.upload_file(bucket, "f", src, progress=boom)


def test_upload_file_errors(client: oss_sse.Client, bucket: str, tmp_path: pathlib.Path) -> None:
    with pytest.raises(oss_sse.FileError) as e:
        client.upload_file(bucket, "f", tmp_path / "missing")
    assert e.value.path == str(tmp_path / "missing")
    with pytest.raises(oss_sse.ClientError) as e2:
        client.upload_file(bucket, "f", tmp_path, part_size=10)
    assert e2.value.field == "part_size"
    with pytest.raises(oss_sse.NotFoundError):
        client.download_file(bucket, "missing", tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---- presign and send ----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v4", "v1"])
def test_presign_get_and_put(oss: LocalOSS, bucket: str, version: str) -> None:
    client = oss.client(signature_version=version)
    client.put_object(bucket, "p q", b"presigned body", server_side_encryption="AES256")
    pre = client.presign(sansio.GetObject(bucket, "p q"), expires=datetime.timedelta(minutes=5))
    assert isinstance(pre, oss_sse.PresignedRequest)
    assert pre.method == "GET"
    now = datetime.datetime.now(datetime.timezone.utc)
    assert now < pre.expiration <= now + datetime.timedelta(minutes=5, seconds=5)
    assert http("GET", pre.url) == (200, b"presigned body")

    put = client.presign(sansio.PutObject(bucket, "up", b"", content_type="text/plain"), expires=60)
    assert put.method == "PUT"
    assert ("content-type", "text/plain") in put.headers
    status, _ = http("PUT", put.url, put.headers, b"uploaded")
    assert status == 200
    assert client.get_object_bytes(bucket, "up").body == b"uploaded"


def test_presign_limits(client: oss_sse.Client, bucket: str) -> None:
    with pytest.raises(oss_sse.ClientError) as e:
        client.presign(sansio.GetObject(bucket, "k"), expires=8 * 24 * 3600)
    assert e.value.field == "expires"
    with pytest.raises(TypeError):
        client.presign("not an operation")  # type: ignore[arg-type]


def test_presigned_url_tampered_is_denied(client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "k", b"v")
    pre = client.presign(sansio.GetObject(bucket, "k"))
    status, body = http("GET", pre.url.replace("/k?", "/other?"))
    assert status == 403
    err = sansio.parse_error(status, {}, body)
    assert isinstance(err, oss_sse.AccessDeniedError)


def test_send_any_operation(client: oss_sse.Client, bucket: str) -> None:
    out = client.send(sansio.PutObject(bucket, "s", b"sent", server_side_encryption="SM4"))
    assert isinstance(out, oss_sse.PutObjectOutput)
    assert out.server_side_encryption == oss_sse.ServerSideEncryption.sm4()
    assert client.send(sansio.GetObject(bucket, "s")).body == b"sent"
    assert isinstance(client.send(sansio.HeadObject(bucket, "s")), oss_sse.ObjectHead)
    assert client.send(sansio.GetBucketEncryption(bucket)) is None


# ---- errors --------------------------------------------------------------------------------


def test_client_error_is_raised_before_sending(oss: LocalOSS, client: oss_sse.Client) -> None:
    before = oss.stats()["requests"]
    with pytest.raises(oss_sse.ClientError) as e:
        client.put_bucket("Bad_Bucket")
    assert e.value.field == "bucket"
    assert isinstance(e.value, ValueError)
    with pytest.raises(oss_sse.ClientError) as e2:
        client.put_object("okbucket", "k", b"", server_side_encryption="AES256", server_side_encryption_key_id="k")
    assert e2.value.field == "server_side_encryption_key_id"
    with pytest.raises(oss_sse.ClientError) as e3:
        client.put_bucket_encryption("okbucket", "DES")
    assert e3.value.field == "sse_algorithm"
    with pytest.raises(oss_sse.ClientError) as e4:
        client.put_object("okbucket", "", b"")
    assert e4.value.field == "key"
    assert oss.stats()["requests"] == before


def test_wrong_secret_is_access_denied(oss: LocalOSS, bucket: str) -> None:
    client = oss.client(credentials=oss_sse.Credentials(oss.access_key_id, "wrong-secret"))
    with pytest.raises(oss_sse.AccessDeniedError) as e:
        client.head_object(bucket, "k")
    assert e.value.status == 403
    client2 = oss.client(credentials=oss_sse.Credentials(oss.access_key_id, "wrong-secret"))
    with pytest.raises(oss_sse.AccessDeniedError) as e2:
        client2.get_bucket_info(bucket)
    err = e2.value
    assert err.code == "SignatureDoesNotMatch"
    assert err.request_id
    assert err.ec
    assert "StringToSign" in err.fields or err.message
    assert not err.retryable
    assert isinstance(err, oss_sse.ServiceError)
    assert isinstance(err, oss_sse.OssError)


def test_server_error_after_retries(oss: LocalOSS, bucket: str) -> None:
    oss.inject_fault({"kind": "error", "status": 503, "code": "ServiceUnavailable"}, op="GetBucketInfo", count=None)
    client = oss.client(max_attempts=2)
    with pytest.raises(oss_sse.ServerError) as e:
        client.get_bucket_info(bucket)
    assert e.value.status == 503
    assert e.value.code == "ServiceUnavailable"
    assert e.value.retryable
    assert oss.stats()["faults_injected"] >= 2


def test_retry_recovers(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    oss.inject_fault({"kind": "error", "status": 500, "code": "InternalError"}, op="PutObject", count=1)
    out = client.put_object(bucket, "retried", b"ok")
    assert out.etag
    assert client.get_object_bytes(bucket, "retried").body == b"ok"


def test_retry_policy_keywords(oss: LocalOSS, bucket: str) -> None:
    client = oss.client(max_attempts=3, retry_base_delay=0.001, retry_max_backoff=datetime.timedelta(milliseconds=5))
    oss.inject_fault({"kind": "error", "status": 503, "code": "ServiceUnavailable"}, op="PutObject", count=2)
    assert client.put_object(bucket, "k", b"v").etag
    assert oss.stats()["faults_injected"] >= 2
    with pytest.raises(oss_sse.ClientError, match="retry_max_backoff"):
        oss.client(retry_base_delay=2, retry_max_backoff=1)
    with pytest.raises(oss_sse.ClientError, match="retry_base_delay"):
        oss.client(retry_base_delay=-1)
    with pytest.raises(TypeError, match="retry_max_backoff"):
        oss.client(retry_max_backoff="soon")


def test_rate_limited(oss: LocalOSS, bucket: str) -> None:
    oss.inject_fault({"kind": "error", "status": 429, "code": "QpsLimitExceeded"}, op="HeadObject", count=None)
    with pytest.raises(oss_sse.RateLimitedError):
        oss.client(max_attempts=1).head_object(bucket, "k")


def test_read_timeout(oss: LocalOSS, bucket: str) -> None:
    oss.inject_fault({"kind": "delay", "ms": 2000}, op="GetBucketInfo", count=None)
    client = oss.client(read_timeout=0.3, max_attempts=1)
    with pytest.raises(oss_sse.RequestTimeoutError) as e:
        client.get_bucket_info(bucket)
    assert e.value.kind == "timeout"
    assert isinstance(e.value, TimeoutError)
    assert isinstance(e.value, oss_sse.TransportError)


def test_connect_error(oss: LocalOSS) -> None:
    with LocalOSS() as other:
        endpoint = other.endpoint
    client = oss_sse.Client(oss.region, endpoint=endpoint, credentials=oss.credentials, max_attempts=1)
    with pytest.raises(oss_sse.ConnectError) as e:
        client.get_bucket_info("some-bucket")
    assert e.value.kind == "connect"
    assert isinstance(e.value, ConnectionError)


def test_corrupted_download_is_integrity_error(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "c", b"some bytes to corrupt")
    oss.inject_fault({"kind": "corrupt"}, op="GetObject", count=None)
    with pytest.raises(oss_sse.IntegrityError) as e:
        oss.client(max_attempts=1).get_object_bytes(bucket, "c")
    assert e.value.client_crc64 != e.value.server_crc64
    # Without the check the corrupted bytes come through.
    got = oss.client(max_attempts=1, crc_check=False).get_object_bytes(bucket, "c")
    assert got.body != b"some bytes to corrupt"


# ---- credentials ---------------------------------------------------------------------------


def test_environment_credentials(oss: LocalOSS, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    client = oss.client(credentials=oss_sse.EnvironmentProvider())
    with pytest.raises(oss_sse.CredentialsError):
        client.head_object(bucket, "k")
    monkeypatch.setenv("OSS_ACCESS_KEY_ID", oss.access_key_id)
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", oss.access_key_secret)
    assert oss_sse.EnvironmentProvider().credentials() == oss.credentials
    client.put_object(bucket, "env", b"e")
    assert client.get_object_bytes(bucket, "env").body == b"e"


def test_ecs_ram_role_credentials(sts_oss: tuple[LocalOSS, oss_sse.Credentials]) -> None:
    local, creds = sts_oss
    with FakeEcsMetadata("test-role", creds, "2099-01-01T00:00:00Z") as meta:
        provider = oss_sse.EcsRamRoleProvider(endpoint=meta.endpoint)
        assert provider.credentials() == creds
        client = local.client(credentials=provider)
        name = local.unique_bucket()
        client.put_bucket(name)
        client.put_object(name, "k", b"sts", server_side_encryption="AES256")
        assert client.get_object_bytes(name, "k").body == b"sts"
        # Discovered the role once, then fetched once; later calls use the cache.
        assert meta.requests.count("/latest/meta-data/ram/security-credentials/") == 1
        named = oss_sse.EcsRamRoleProvider("test-role", endpoint=meta.endpoint, refresh_before=60)
        assert named.credentials().security_token == "sts-token-value"
    # Without the token the emulator refuses the keys.
    plain = local.client(credentials=oss_sse.Credentials(creds.access_key_id, creds.access_key_secret))
    with pytest.raises(oss_sse.AccessDeniedError):
        plain.get_bucket_info(name)


def test_ecs_unreachable_is_credentials_error() -> None:
    provider = oss_sse.EcsRamRoleProvider("role", endpoint="http://127.0.0.1:9")
    with pytest.raises(oss_sse.CredentialsError):
        provider.credentials()


def test_chain_and_static_providers(oss: LocalOSS, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID", raising=False)
    chain = oss_sse.ChainProvider([oss_sse.EnvironmentProvider(), oss_sse.StaticProvider(oss.credentials)])
    assert chain.credentials() == oss.credentials
    client = oss.client(credentials=chain)
    assert client.get_bucket_encryption(bucket) is None
    with pytest.raises(oss_sse.CredentialsError, match="every provider"):
        oss_sse.ChainProvider([oss_sse.EnvironmentProvider()]).credentials()
    with pytest.raises(oss_sse.ClientError) as e:
        oss_sse.Client("cn-hangzhou")
    assert e.value.field == "credentials"
    with pytest.raises(TypeError):
        oss_sse.Client("cn-hangzhou", credentials="ak:sk")  # type: ignore[arg-type]


def test_signature_v1_client(oss: LocalOSS, bucket: str) -> None:
    client = oss.client(signature_version="v1")
    client.put_bucket_encryption(bucket, "AES256")
    out = client.put_object(bucket, "v1", b"v1 body", server_side_encryption="SM4")
    assert out.server_side_encryption == oss_sse.ServerSideEncryption.sm4()
    assert client.get_object_bytes(bucket, "v1").body == b"v1 body"
    with pytest.raises(oss_sse.ClientError) as e:
        oss.client(signature_version="v2")
    assert e.value.field == "signature_version"


# ---- threads and the GIL -------------------------------------------------------------------


def test_gil_is_released_during_io(oss: LocalOSS, bucket: str) -> None:
    oss.inject_fault({"kind": "delay", "ms": 400}, op="GetBucketInfo", count=1)
    client = oss.client()
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=spin)
    t.start()
    try:
        client.get_bucket_info(bucket)
    finally:
        stop.set()
        t.join()
    assert ticks > 50


def test_ctrl_c_interrupts_a_blocking_call(oss: LocalOSS, bucket: str) -> None:
    oss.inject_fault({"kind": "delay", "ms": 3000}, op="GetBucketInfo", count=1)
    client = oss.client()
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        client.get_bucket_info(bucket)
    assert time.monotonic() - started < 2
    timer.join()
    # The client is still usable.
    assert client.get_bucket_info(bucket).name == bucket


def test_client_shared_between_threads(client: oss_sse.Client, bucket: str) -> None:
    def work(i: int) -> bytes:
        client.put_object(bucket, f"t/{i}", f"v{i}".encode(), server_side_encryption="AES256")
        return client.get_object_bytes(bucket, f"t/{i}").body

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(32)))
    assert results == [f"v{i}".encode() for i in range(32)]


def test_client_properties(oss: LocalOSS, client: oss_sse.Client) -> None:
    assert client.region == oss.region
    assert client.config.addressing_style == "path"
    assert client.config.scheme == "http"
    assert client.clock_offset_ms == 0
    assert "Client(" in repr(client)
