"""oss_sse.AsyncClient against the in-process emulator: the asyncio twin of every test in
tests/test_sync_client.py, plus concurrency on one event loop."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import os
import pathlib
import urllib.error
import urllib.request

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


async def test_bucket_create_info_delete(oss: LocalOSS, aclient: oss_sse.AsyncClient) -> None:
    name = oss.unique_bucket()
    out = await aclient.put_bucket(name, storage_class="Standard", acl="private")
    assert isinstance(out, oss_sse.PutBucketOutput)
    assert out.request_id
    info = await aclient.get_bucket_info(name)
    assert isinstance(info, oss_sse.BucketInfo)
    assert info.name == name
    assert info.location == f"oss-{oss.region}"
    assert info.storage_class == "Standard"
    assert info.server_side_encryption_rule is None
    assert (await aclient.delete_bucket(name)).request_id
    with pytest.raises(oss_sse.NotFoundError) as e:
        await aclient.get_bucket_info(name)
    assert e.value.code == "NoSuchBucket"


async def test_bucket_already_exists(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    with pytest.raises(oss_sse.ConflictError) as e:
        await aclient.put_bucket(bucket)
    assert e.value.status == 409


async def test_delete_non_empty_bucket(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    await aclient.put_object(bucket, "k", b"x")
    with pytest.raises(oss_sse.ConflictError) as e:
        await aclient.delete_bucket(bucket)
    assert e.value.code == "BucketNotEmpty"


# ---- bucket encryption ---------------------------------------------------------------------


async def test_bucket_encryption_put_get_delete(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    assert await aclient.get_bucket_encryption(bucket) is None
    out = await aclient.put_bucket_encryption(bucket, "KMS", kms_master_key_id=KMS_KEY, kms_data_encryption="SM4")
    assert isinstance(out, oss_sse.PutBucketEncryptionOutput)
    rule = await aclient.get_bucket_encryption(bucket)
    assert rule == oss_sse.ServerSideEncryptionRule("KMS", KMS_KEY, "SM4")
    assert rule is not None
    assert (rule.sse_algorithm, rule.kms_master_key_id, rule.kms_data_encryption) == ("KMS", KMS_KEY, "SM4")
    info = await aclient.get_bucket_info(bucket)
    assert info.server_side_encryption_rule == rule
    assert isinstance(await aclient.delete_bucket_encryption(bucket), oss_sse.DeleteBucketEncryptionOutput)
    assert await aclient.get_bucket_encryption(bucket) is None
    # Deleting again is fine (OSS answers 204 when no rule is set).
    await aclient.delete_bucket_encryption(bucket)


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
async def test_bucket_encryption_rule_objects(aclient: oss_sse.AsyncClient, bucket: str, rule: oss_sse.ServerSideEncryptionRule) -> None:
    await aclient.put_bucket_encryption(bucket, rule)
    assert await aclient.get_bucket_encryption(bucket) == rule


async def test_bucket_default_encryption_applies(oss: LocalOSS, aclient: oss_sse.AsyncClient, bucket: str) -> None:
    await aclient.put_bucket_encryption(bucket, "KMS")
    out = await aclient.put_object(bucket, "by-default", b"data")
    assert out.server_side_encryption is not None
    assert out.server_side_encryption.server_side_encryption == "KMS"
    assert out.server_side_encryption.server_side_encryption_key_id == oss.default_kms_key_id()
    # An explicit SSE overrides the bucket rule.
    out = await aclient.put_object(bucket, "explicit", b"data", server_side_encryption="AES256")
    assert out.server_side_encryption == oss_sse.ServerSideEncryption.aes256()


async def test_get_bucket_encryption_missing_bucket(oss: LocalOSS, aclient: oss_sse.AsyncClient) -> None:
    with pytest.raises(oss_sse.NotFoundError) as e:
        await aclient.get_bucket_encryption(oss.unique_bucket())
    assert e.value.code == "NoSuchBucket"


# ---- objects -------------------------------------------------------------------------------


@pytest.mark.parametrize("sse, key_id, data_enc, alg, want_key, want_data", SSE_CASES)
async def test_put_get_head_object_sse(
    oss: LocalOSS,
    aclient: oss_sse.AsyncClient,
    bucket: str,
    sse: str | oss_sse.ServerSideEncryption,
    key_id: str | None,
    data_enc: str | None,
    alg: str,
    want_key: str | None,
    want_data: str | None,
) -> None:
    body = os.urandom(1000)
    out = await aclient.put_object(
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
    head = await aclient.head_object(bucket, "dir/obj ü.bin")
    assert isinstance(head, oss_sse.ObjectHead)
    assert head.server_side_encryption == want
    assert head.content_length == len(body)
    assert head.hash_crc64 == out.hash_crc64
    got = await aclient.get_object_bytes(bucket, "dir/obj ü.bin")
    assert isinstance(got, oss_sse.GetObjectOutput)
    assert got.body == body
    assert got.server_side_encryption == want
    assert got.head.etag == out.etag


async def test_put_object_options(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    out = await aclient.put_object(
        bucket,
        "opts.txt",
        "héllo",
        content_type="text/plain",
        metadata={"Owner": "alice", "purpose": "test"},
        content_md5=True,
    )
    assert out.server_side_encryption is None
    head = await aclient.head_object(bucket, "opts.txt")
    assert head.content_type == "text/plain"
    assert head.metadata == {"owner": "alice", "purpose": "test"}
    assert (await aclient.get_object_bytes(bucket, "opts.txt")).body == "héllo".encode()
    # bytes-like inputs
    await aclient.put_object(bucket, "ba", bytearray(b"abc"))
    await aclient.put_object(bucket, "mv", memoryview(b"xabcx")[1:4])
    assert (await aclient.get_object_bytes(bucket, "ba")).body == b"abc"
    assert (await aclient.get_object_bytes(bucket, "mv")).body == b"abc"
    with pytest.raises(TypeError):
        await aclient.put_object(bucket, "bad", 12345)  # type: ignore[arg-type]


async def test_put_object_forbid_overwrite(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    await aclient.put_object(bucket, "once", b"1", forbid_overwrite=True)
    with pytest.raises(oss_sse.ConflictError) as e:
        await aclient.put_object(bucket, "once", b"2", forbid_overwrite=True)
    assert e.value.code == "FileAlreadyExists"
    assert (await aclient.get_object_bytes(bucket, "once")).body == b"1"


async def test_get_object_range(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    await aclient.put_object(bucket, "r", b"0123456789", server_side_encryption="SM4")
    got = await aclient.get_object_bytes(bucket, "r", range=(2, 5))
    assert got.body == b"2345"
    assert got.head.content_range == "bytes 2-5/10"
    assert got.head.content_length == 4
    assert (await aclient.get_object_bytes(bucket, "r", range=(7, None))).body == b"789"
    with pytest.raises(oss_sse.ClientError) as e:
        await aclient.get_object_bytes(bucket, "r", range=(5, 2))
    assert e.value.field == "range"


async def test_get_and_head_missing_object(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    with pytest.raises(oss_sse.NotFoundError) as e:
        await aclient.get_object_bytes(bucket, "missing")
    assert e.value.code == "NoSuchKey"
    assert e.value.request_id
    with pytest.raises(oss_sse.NotFoundError) as e2:
        await aclient.head_object(bucket, "missing")
    assert e2.value.status == 404
    assert e2.value.code == "NoSuchKey"


async def test_delete_object(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    await aclient.put_object(bucket, "d", b"x")
    out = await aclient.delete_object(bucket, "d")
    assert isinstance(out, oss_sse.DeleteObjectOutput)
    with pytest.raises(oss_sse.NotFoundError):
        await aclient.head_object(bucket, "d")
    # Deleting a missing key succeeds.
    await aclient.delete_object(bucket, "d")


async def test_append_object(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    first = await aclient.append_object(
        bucket, "log", 0, b"abc", server_side_encryption="KMS", server_side_encryption_key_id=KMS_KEY, content_type="text/plain"
    )
    assert isinstance(first, oss_sse.AppendObjectOutput)
    assert first.next_position == 3
    assert first.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY)
    second = await aclient.append_object(bucket, "log", 3, b"defg", content_md5=True)
    assert second.next_position == 7
    head = await aclient.head_object(bucket, "log")
    assert head.object_type == "Appendable"
    assert head.next_append_position == 7
    assert head.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY)
    assert (await aclient.get_object_bytes(bucket, "log")).body == b"abcdefg"
    with pytest.raises(oss_sse.ConflictError) as e:
        await aclient.append_object(bucket, "log", 1, b"x")
    assert e.value.code == "PositionNotEqualToLength"


async def test_copy_object(oss: LocalOSS, aclient: oss_sse.AsyncClient, bucket: str) -> None:
    await aclient.put_object(bucket, "src", b"payload", server_side_encryption="SM4", metadata={"a": "1"})
    out = await aclient.copy_object(bucket, "src", bucket, "dst", server_side_encryption="KMS", server_side_encryption_key_id=KMS_KEY)
    assert isinstance(out, oss_sse.CopyObjectOutput)
    assert out.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY)
    assert out.etag
    head = await aclient.head_object(bucket, "dst")
    assert head.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY)
    assert head.metadata == {"a": "1"}
    assert (await aclient.get_object_bytes(bucket, "dst")).body == b"payload"
    # Replace metadata; no SSE on the request and none on the bucket: not encrypted.
    out2 = await aclient.copy_object(
        bucket, "src", bucket, "dst2", metadata_directive="REPLACE", metadata={"b": "2"}, content_type="text/x"
    )
    assert out2.server_side_encryption is None
    head2 = await aclient.head_object(bucket, "dst2")
    assert head2.metadata == {"b": "2"}
    assert head2.content_type == "text/x"
    with pytest.raises(oss_sse.ClientError) as e:
        await aclient.copy_object(bucket, "src", bucket, "dst3", metadata={"b": "2"})
    assert e.value.field == "metadata"
    with pytest.raises(oss_sse.NotFoundError):
        await aclient.copy_object(bucket, "missing", bucket, "dst4")


# ---- multipart -----------------------------------------------------------------------------

PART = 100 * 1024


async def test_multipart_upload(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    init = await aclient.initiate_multipart_upload(
        bucket, "mp", server_side_encryption="KMS", server_side_encryption_key_id=KMS_KEY, server_side_data_encryption="SM4", content_type="application/x-test"
    )
    assert isinstance(init, oss_sse.InitiateMultipartUploadOutput)
    assert init.upload_id
    assert init.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY, "SM4")
    data = [os.urandom(PART), os.urandom(PART), b"tail"]
    # Parts uploaded concurrently on one event loop.
    parts = await asyncio.gather(
        *(aclient.upload_part(bucket, "mp", init.upload_id, n, d, content_md5=(n == 1)) for n, d in enumerate(data, 1))
    )
    assert all(isinstance(p, oss_sse.UploadPartOutput) for p in parts)
    assert [p.part_number for p in parts] == [1, 2, 3]
    listed = await aclient.list_parts(bucket, "mp", init.upload_id)
    assert isinstance(listed, oss_sse.ListPartsOutput)
    assert [p.part_number for p in listed.parts] == [1, 2, 3]
    assert [p.size for p in listed.parts] == [PART, PART, 4]
    assert all(isinstance(p, oss_sse.PartSummary) for p in listed.parts)
    page = await aclient.list_parts(bucket, "mp", init.upload_id, max_parts=2)
    assert page.is_truncated
    assert page.next_part_number_marker == 2
    rest = await aclient.list_parts(bucket, "mp", init.upload_id, part_number_marker=2)
    assert [p.part_number for p in rest.parts] == [3]
    # Parts in any order and in any accepted form.
    done = await aclient.complete_multipart_upload(
        bucket, "mp", init.upload_id, [parts[2], oss_sse.CompletedPart(1, parts[0].etag or ""), (2, parts[1].etag or "")]
    )
    assert isinstance(done, oss_sse.CompleteMultipartUploadOutput)
    assert done.server_side_encryption == oss_sse.ServerSideEncryption.kms(KMS_KEY, "SM4")
    head = await aclient.head_object(bucket, "mp")
    assert head.object_type == "Multipart"
    assert head.content_type == "application/x-test"
    assert head.hash_crc64 == done.hash_crc64
    assert (await aclient.get_object_bytes(bucket, "mp")).body == b"".join(data)


async def test_multipart_abort(oss: LocalOSS, aclient: oss_sse.AsyncClient, bucket: str) -> None:
    init = await aclient.initiate_multipart_upload(bucket, "ab")
    await aclient.upload_part(bucket, "ab", init.upload_id, 1, b"x")
    out = await aclient.abort_multipart_upload(bucket, "ab", init.upload_id)
    assert isinstance(out, oss_sse.AbortMultipartUploadOutput)
    with pytest.raises(oss_sse.NotFoundError) as e:
        await aclient.list_parts(bucket, "ab", init.upload_id)
    assert e.value.code == "NoSuchUpload"
    with pytest.raises(oss_sse.ClientError) as e2:
        await aclient.upload_part(bucket, "ab", init.upload_id, 0, b"x")
    assert e2.value.field == "part_number"
    with pytest.raises(oss_sse.ClientError) as e3:
        await aclient.complete_multipart_upload(bucket, "ab", init.upload_id, [])
    assert e3.value.field == "parts"


# ---- files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size, multipart", [(10_000, False), (3 * PART + 17, True)], ids=["single", "multipart"])
async def test_upload_download_file(aclient: oss_sse.AsyncClient, bucket: str, tmp_path: pathlib.Path, size: int, multipart: bool) -> None:
    src = tmp_path / "src.bin"
    payload = os.urandom(size)
    src.write_bytes(payload)
    seen: list[tuple[int, int]] = []
    up = await aclient.upload_file(
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
    head = await aclient.head_object(bucket, "file")
    assert head.metadata == {"k": "v"}
    assert head.object_type == ("Multipart" if multipart else "Normal")

    dst = tmp_path / "dst.bin"
    got: list[tuple[int, int]] = []
    down = await aclient.download_file(
        bucket, "file", str(dst), multipart_threshold=PART, part_size=PART, concurrency=3, progress=lambda d, t: got.append((d, t))
    )
    assert isinstance(down, oss_sse.DownloadFileOutput)
    assert down.size == size
    assert down.hash_crc64 == up.hash_crc64
    assert down.server_side_encryption == oss_sse.ServerSideEncryption.sm4()
    assert dst.read_bytes() == payload
    assert got[-1] == (size, size)
    assert not (tmp_path / "dst.bin.oss-sse.part").exists()


async def test_progress_callback_exception_is_raised(aclient: oss_sse.AsyncClient, bucket: str, tmp_path: pathlib.Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"x" * 1000)

    def boom(done: int, total: int) -> None:
        raise ValueError("stop it")

    with pytest.raises(ValueError, match="stop it"):
        await aclient.upload_file(bucket, "f", src, progress=boom)


async def test_upload_file_errors(aclient: oss_sse.AsyncClient, bucket: str, tmp_path: pathlib.Path) -> None:
    with pytest.raises(oss_sse.FileError) as e:
        await aclient.upload_file(bucket, "f", tmp_path / "missing")
    assert e.value.path == str(tmp_path / "missing")
    with pytest.raises(oss_sse.ClientError) as e2:
        await aclient.upload_file(bucket, "f", tmp_path, part_size=10)
    assert e2.value.field == "part_size"
    with pytest.raises(oss_sse.NotFoundError):
        await aclient.download_file(bucket, "missing", tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---- presign and send ----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v4", "v1"])
async def test_presign_get_and_put(oss: LocalOSS, bucket: str, version: str) -> None:
    aclient = oss.async_client(signature_version=version)
    await aclient.put_object(bucket, "p q", b"presigned body", server_side_encryption="AES256")
    pre = await aclient.presign(sansio.GetObject(bucket, "p q"), expires=datetime.timedelta(minutes=5))
    assert isinstance(pre, oss_sse.PresignedRequest)
    assert pre.method == "GET"
    now = datetime.datetime.now(datetime.timezone.utc)
    assert now < pre.expiration <= now + datetime.timedelta(minutes=5, seconds=5)
    assert http("GET", pre.url) == (200, b"presigned body")

    put = await aclient.presign(sansio.PutObject(bucket, "up", b"", content_type="text/plain"), expires=60)
    assert put.method == "PUT"
    assert ("content-type", "text/plain") in put.headers
    status, _ = http("PUT", put.url, put.headers, b"uploaded")
    assert status == 200
    assert (await aclient.get_object_bytes(bucket, "up")).body == b"uploaded"


async def test_presign_limits(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    with pytest.raises(oss_sse.ClientError) as e:
        await aclient.presign(sansio.GetObject(bucket, "k"), expires=8 * 24 * 3600)
    assert e.value.field == "expires"
    with pytest.raises(TypeError):
        await aclient.presign("not an operation")  # type: ignore[arg-type]


async def test_presigned_url_tampered_is_denied(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    await aclient.put_object(bucket, "k", b"v")
    pre = await aclient.presign(sansio.GetObject(bucket, "k"))
    status, body = http("GET", pre.url.replace("/k?", "/other?"))
    assert status == 403
    err = sansio.parse_error(status, {}, body)
    assert isinstance(err, oss_sse.AccessDeniedError)


async def test_send_any_operation(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    out = await aclient.send(sansio.PutObject(bucket, "s", b"sent", server_side_encryption="SM4"))
    assert isinstance(out, oss_sse.PutObjectOutput)
    assert out.server_side_encryption == oss_sse.ServerSideEncryption.sm4()
    assert (await aclient.send(sansio.GetObject(bucket, "s"))).body == b"sent"
    assert isinstance(await aclient.send(sansio.HeadObject(bucket, "s")), oss_sse.ObjectHead)
    assert await aclient.send(sansio.GetBucketEncryption(bucket)) is None


# ---- errors --------------------------------------------------------------------------------


async def test_client_error_is_raised_before_sending(oss: LocalOSS, aclient: oss_sse.AsyncClient) -> None:
    before = oss.stats()["requests"]
    with pytest.raises(oss_sse.ClientError) as e:
        await aclient.put_bucket("Bad_Bucket")
    assert e.value.field == "bucket"
    assert isinstance(e.value, ValueError)
    with pytest.raises(oss_sse.ClientError) as e2:
        await aclient.put_object("okbucket", "k", b"", server_side_encryption="AES256", server_side_encryption_key_id="k")
    assert e2.value.field == "server_side_encryption_key_id"
    with pytest.raises(oss_sse.ClientError) as e3:
        await aclient.put_bucket_encryption("okbucket", "DES")
    assert e3.value.field == "sse_algorithm"
    with pytest.raises(oss_sse.ClientError) as e4:
        await aclient.put_object("okbucket", "", b"")
    assert e4.value.field == "key"
    assert oss.stats()["requests"] == before


async def test_wrong_secret_is_access_denied(oss: LocalOSS, bucket: str) -> None:
    aclient = oss.async_client(credentials=oss_sse.Credentials(oss.access_key_id, "wrong-secret"))
    with pytest.raises(oss_sse.AccessDeniedError) as e:
        await aclient.head_object(bucket, "k")
    assert e.value.status == 403
    client2 = oss.async_client(credentials=oss_sse.Credentials(oss.access_key_id, "wrong-secret"))
    with pytest.raises(oss_sse.AccessDeniedError) as e2:
        await client2.get_bucket_info(bucket)
    err = e2.value
    assert err.code == "SignatureDoesNotMatch"
    assert err.request_id
    assert err.ec
    assert "StringToSign" in err.fields or err.message
    assert not err.retryable
    assert isinstance(err, oss_sse.ServiceError)
    assert isinstance(err, oss_sse.OssError)


async def test_server_error_after_retries(oss: LocalOSS, bucket: str) -> None:
    oss.inject_fault({"kind": "error", "status": 503, "code": "ServiceUnavailable"}, op="GetBucketInfo", count=None)
    aclient = oss.async_client(max_attempts=2)
    with pytest.raises(oss_sse.ServerError) as e:
        await aclient.get_bucket_info(bucket)
    assert e.value.status == 503
    assert e.value.code == "ServiceUnavailable"
    assert e.value.retryable
    assert oss.stats()["faults_injected"] >= 2


async def test_retry_recovers(oss: LocalOSS, aclient: oss_sse.AsyncClient, bucket: str) -> None:
    oss.inject_fault({"kind": "error", "status": 500, "code": "InternalError"}, op="PutObject", count=1)
    out = await aclient.put_object(bucket, "retried", b"ok")
    assert out.etag
    assert (await aclient.get_object_bytes(bucket, "retried")).body == b"ok"


async def test_rate_limited(oss: LocalOSS, bucket: str) -> None:
    oss.inject_fault({"kind": "error", "status": 429, "code": "QpsLimitExceeded"}, op="HeadObject", count=None)
    with pytest.raises(oss_sse.RateLimitedError):
        await oss.async_client(max_attempts=1).head_object(bucket, "k")


async def test_read_timeout(oss: LocalOSS, bucket: str) -> None:
    oss.inject_fault({"kind": "delay", "ms": 2000}, op="GetBucketInfo", count=None)
    aclient = oss.async_client(read_timeout=0.3, max_attempts=1)
    with pytest.raises(oss_sse.RequestTimeoutError) as e:
        await aclient.get_bucket_info(bucket)
    assert e.value.kind == "timeout"
    assert isinstance(e.value, TimeoutError)
    assert isinstance(e.value, oss_sse.TransportError)


async def test_connect_error(oss: LocalOSS) -> None:
    with LocalOSS() as other:
        endpoint = other.endpoint
    aclient = oss_sse.AsyncClient(oss.region, endpoint=endpoint, credentials=oss.credentials, max_attempts=1)
    with pytest.raises(oss_sse.ConnectError) as e:
        await aclient.get_bucket_info("some-bucket")
    assert e.value.kind == "connect"
    assert isinstance(e.value, ConnectionError)


async def test_corrupted_download_is_integrity_error(oss: LocalOSS, aclient: oss_sse.AsyncClient, bucket: str) -> None:
    await aclient.put_object(bucket, "c", b"some bytes to corrupt")
    oss.inject_fault({"kind": "corrupt"}, op="GetObject", count=None)
    with pytest.raises(oss_sse.IntegrityError) as e:
        await oss.async_client(max_attempts=1).get_object_bytes(bucket, "c")
    assert e.value.client_crc64 != e.value.server_crc64
    # Without the check the corrupted bytes come through.
    got = await oss.async_client(max_attempts=1, crc_check=False).get_object_bytes(bucket, "c")
    assert got.body != b"some bytes to corrupt"


# ---- credentials ---------------------------------------------------------------------------


async def test_environment_credentials(oss: LocalOSS, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    aclient = oss.async_client(credentials=oss_sse.EnvironmentProvider())
    with pytest.raises(oss_sse.CredentialsError):
        await aclient.head_object(bucket, "k")
    monkeypatch.setenv("OSS_ACCESS_KEY_ID", oss.access_key_id)
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", oss.access_key_secret)
    assert oss_sse.EnvironmentProvider().credentials() == oss.credentials
    await aclient.put_object(bucket, "env", b"e")
    assert (await aclient.get_object_bytes(bucket, "env")).body == b"e"


async def test_ecs_ram_role_credentials(sts_oss: tuple[LocalOSS, oss_sse.Credentials]) -> None:
    local, creds = sts_oss
    with FakeEcsMetadata("test-role", creds, "2099-01-01T00:00:00Z") as meta:
        provider = oss_sse.EcsRamRoleProvider(endpoint=meta.endpoint)
        assert provider.credentials() == creds
        aclient = local.async_client(credentials=provider)
        name = local.unique_bucket()
        await aclient.put_bucket(name)
        await aclient.put_object(name, "k", b"sts", server_side_encryption="AES256")
        assert (await aclient.get_object_bytes(name, "k")).body == b"sts"
        # Discovered the role once, then fetched once; later calls use the cache.
        assert meta.requests.count("/latest/meta-data/ram/security-credentials/") == 1
        named = oss_sse.EcsRamRoleProvider("test-role", endpoint=meta.endpoint, refresh_before=60)
        assert named.credentials().security_token == "sts-token-value"
    # Without the token the emulator refuses the keys.
    plain = local.async_client(credentials=oss_sse.Credentials(creds.access_key_id, creds.access_key_secret))
    with pytest.raises(oss_sse.AccessDeniedError):
        await plain.get_bucket_info(name)


async def test_ecs_unreachable_is_credentials_error(oss: LocalOSS) -> None:
    provider = oss_sse.EcsRamRoleProvider("role", endpoint="http://127.0.0.1:9")
    aclient = oss.async_client(credentials=provider, max_attempts=1)
    with pytest.raises(oss_sse.CredentialsError):
        await aclient.get_bucket_info("some-bucket")


async def test_chain_and_static_providers(oss: LocalOSS, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID", raising=False)
    chain = oss_sse.ChainProvider([oss_sse.EnvironmentProvider(), oss_sse.StaticProvider(oss.credentials)])
    assert chain.credentials() == oss.credentials
    aclient = oss.async_client(credentials=chain)
    assert await aclient.get_bucket_encryption(bucket) is None
    with pytest.raises(oss_sse.CredentialsError, match="every provider"):
        oss_sse.ChainProvider([oss_sse.EnvironmentProvider()]).credentials()
    with pytest.raises(oss_sse.ClientError) as e:
        oss_sse.Client("cn-hangzhou")
    assert e.value.field == "credentials"
    with pytest.raises(TypeError):
        oss_sse.Client("cn-hangzhou", credentials="ak:sk")  # type: ignore[arg-type]


async def test_signature_v1_client(oss: LocalOSS, bucket: str) -> None:
    aclient = oss.async_client(signature_version="v1")
    await aclient.put_bucket_encryption(bucket, "AES256")
    out = await aclient.put_object(bucket, "v1", b"v1 body", server_side_encryption="SM4")
    assert out.server_side_encryption == oss_sse.ServerSideEncryption.sm4()
    assert (await aclient.get_object_bytes(bucket, "v1")).body == b"v1 body"
    with pytest.raises(oss_sse.ClientError) as e:
        oss.async_client(signature_version="v2")
    assert e.value.field == "signature_version"


# ---- the event loop ------------------------------------------------------------------------


async def test_event_loop_runs_during_io(oss: LocalOSS, bucket: str) -> None:
    oss.inject_fault({"kind": "delay", "ms": 400}, op="GetBucketInfo", count=1)
    aclient = oss.async_client()
    ticks = 0
    stop = asyncio.Event()

    async def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(spin())
    try:
        await aclient.get_bucket_info(bucket)
    finally:
        stop.set()
        await task
    assert ticks > 50


async def test_concurrent_requests_on_one_loop(aclient: oss_sse.AsyncClient, bucket: str) -> None:
    async def work(i: int) -> bytes:
        await aclient.put_object(bucket, f"t/{i}", f"v{i}".encode(), server_side_encryption="AES256")
        return (await aclient.get_object_bytes(bucket, f"t/{i}")).body

    results = await asyncio.gather(*(work(i) for i in range(32)))
    assert results == [f"v{i}".encode() for i in range(32)]


async def test_many_concurrent_requests_on_several_loops(oss: LocalOSS, bucket: str) -> None:
    """Hundreds of operations finishing together, on this loop and on new loops in other
    threads: every future resolves. (Regression: the first batched-completion design could
    lose a wake-up when completions raced the loop's drain, leaving ~1 in 6 futures
    unresolved once 64 or more were in flight.)"""
    await oss.async_client().put_object(bucket, "k", b"x")

    async def burst(n: int) -> int:
        aclient = oss.async_client()
        heads = await asyncio.wait_for(
            asyncio.gather(*(aclient.head_object(bucket, "k") for _ in range(n))), timeout=60
        )
        return sum(h.content_length or 0 for h in heads)

    for _ in range(3):
        assert await burst(400) == 400
    other_loops = await asyncio.gather(
        *(asyncio.to_thread(asyncio.run, burst(200)) for _ in range(2))
    )
    assert other_loops == [200, 200]


async def test_cancelled_request(oss: LocalOSS, bucket: str) -> None:
    oss.inject_fault({"kind": "delay", "ms": 2000}, op="GetBucketInfo", count=1)
    aclient = oss.async_client()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(aclient.get_bucket_info(bucket), timeout=0.2)
    # The client is still usable.
    assert (await aclient.get_bucket_info(bucket)).name == bucket


async def test_cancelling_aborts_the_rust_operation(
    oss: LocalOSS, bucket: str, tmp_path: pathlib.Path
) -> None:
    """Cancelling the awaitable stops the operation itself, not just the wait: a download
    held up by a slow GET never writes its file."""
    aclient = oss.async_client()
    await aclient.put_object(bucket, "slow", b"x" * 1024)
    oss.inject_fault({"kind": "delay", "ms": 1000}, op="GetObject", count=1)
    dest = tmp_path / "slow.bin"
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(aclient.download_file(bucket, "slow", str(dest)), timeout=0.2)
    await asyncio.sleep(1.5)  # past the delay: an orphaned download would have finished
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []
    # Without the fault the same download completes.
    await aclient.download_file(bucket, "slow", str(dest))
    assert dest.read_bytes() == b"x" * 1024


async def test_client_properties(oss: LocalOSS, aclient: oss_sse.AsyncClient) -> None:
    assert aclient.region == oss.region
    assert aclient.config.addressing_style == "path"
    assert aclient.config.scheme == "http"
    assert aclient.clock_offset_ms == 0
    assert "AsyncClient(" in repr(aclient)
