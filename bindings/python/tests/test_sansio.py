"""oss_sse.sansio: the shared signing vectors and response fixtures of oss-sse-core (read
from crates/oss-sse-core/tests, not copied), request building, the signing function, and a
bring-your-own-client round trip against the emulator."""

from __future__ import annotations

import base64
import datetime
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from conftest import FIXTURES, SIGNING_VECTORS

import oss_sse
from oss_sse import sansio
from oss_sse.testing import LocalOSS

# ---------------------------------------------------------------------------------------------
# Response fixtures
# ---------------------------------------------------------------------------------------------

Response = tuple[int, list[tuple[str, str]], bytes]


def load_fixture(name: str) -> Response:
    """A raw HTTP response file: status line, headers, blank line, body (LF or CRLF)."""
    raw = (FIXTURES / f"{name}.http").read_bytes()
    if b"\r\n\r\n" in raw:
        head, body = raw.split(b"\r\n\r\n", 1)
    else:
        head, body = raw.split(b"\n\n", 1)
    lines = head.decode().replace("\r\n", "\n").split("\n")
    version, status, _ = lines[0].split(" ", 2)
    assert version == "HTTP/1.1"
    headers = []
    for line in lines[1:]:
        name_, value = line.split(":", 1)
        headers.append((name_, value.lstrip()))
    return int(status), headers, body


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    for k, v in headers:
        if k.lower() == name:
            return v.strip()
    return None


OPERATIONS: dict[str, Callable[[], Any]] = {
    "abort_multipart_upload": lambda: sansio.AbortMultipartUpload("examplebucket", "k", "upload-1"),
    "append_object": lambda: sansio.AppendObject("examplebucket", "k", 0, b"data"),
    "complete_multipart_upload": lambda: sansio.CompleteMultipartUpload("examplebucket", "k", "upload-1", [(1, "etag")]),
    "copy_object": lambda: sansio.CopyObject("srcbucket", "src", "examplebucket", "k"),
    "delete_bucket": lambda: sansio.DeleteBucket("examplebucket"),
    "delete_bucket_encryption": lambda: sansio.DeleteBucketEncryption("examplebucket"),
    "delete_object": lambda: sansio.DeleteObject("examplebucket", "k"),
    "get_bucket_encryption": lambda: sansio.GetBucketEncryption("examplebucket"),
    "get_bucket_info": lambda: sansio.GetBucketInfo("examplebucket"),
    "get_object": lambda: sansio.GetObject("examplebucket", "k"),
    "head_object": lambda: sansio.HeadObject("examplebucket", "k"),
    "initiate_multipart_upload": lambda: sansio.InitiateMultipartUpload("examplebucket", "k"),
    "list_parts": lambda: sansio.ListParts("examplebucket", "k", "upload-1"),
    "put_bucket": lambda: sansio.PutBucket("examplebucket"),
    "put_bucket_encryption": lambda: sansio.PutBucketEncryption("examplebucket", "AES256"),
    "put_object": lambda: sansio.PutObject("examplebucket", "k", b"data"),
    "upload_part": lambda: sansio.UploadPart("examplebucket", "k", "upload-1", 1, b"data"),
    "list_objects_v2": lambda: sansio.ListObjectsV2("examplebucket"),
    "list_multipart_uploads": lambda: sansio.ListMultipartUploads("examplebucket"),
    "upload_part_copy": lambda: sansio.UploadPartCopy("examplebucket", "k", "upload-1", 1, "srcbucket", "src"),
    "get_object_tagging": lambda: sansio.GetObjectTagging("examplebucket", "k"),
}

RESULT_TYPES: dict[str, type] = {
    "abort_multipart_upload": oss_sse.AbortMultipartUploadOutput,
    "append_object": oss_sse.AppendObjectOutput,
    "complete_multipart_upload": oss_sse.CompleteMultipartUploadOutput,
    "copy_object": oss_sse.CopyObjectOutput,
    "delete_bucket": oss_sse.DeleteBucketOutput,
    "delete_bucket_encryption": oss_sse.DeleteBucketEncryptionOutput,
    "delete_object": oss_sse.DeleteObjectOutput,
    "get_bucket_encryption": oss_sse.ServerSideEncryptionRule,
    "get_bucket_info": oss_sse.BucketInfo,
    "get_object": oss_sse.GetObjectOutput,
    "head_object": oss_sse.ObjectHead,
    "initiate_multipart_upload": oss_sse.InitiateMultipartUploadOutput,
    "list_parts": oss_sse.ListPartsOutput,
    "put_bucket": oss_sse.PutBucketOutput,
    "put_bucket_encryption": oss_sse.PutBucketEncryptionOutput,
    "put_object": oss_sse.PutObjectOutput,
    "upload_part": oss_sse.UploadPartOutput,
    "list_objects_v2": oss_sse.ListObjectsV2Output,
    "list_multipart_uploads": oss_sse.ListMultipartUploadsOutput,
    "upload_part_copy": oss_sse.UploadPartCopyOutput,
    "get_object_tagging": oss_sse.GetObjectTaggingOutput,
}

#: 2xx answers whose headers or body cannot be interpreted.
MALFORMED = {
    "put_object/bad_crc",
    "append_object/bad_position",
    "initiate_multipart_upload/empty_upload_id",
    "initiate_multipart_upload/truncated_xml",
    "list_parts/part_without_number",
    "list_parts/bad_size",
    "list_objects_v2/bad_encoding",
    "list_objects_v2/bad_size",
    "list_objects_v2/bad_truncated",
    "list_objects_v2/truncated_without_token",
    "list_multipart_uploads/truncated_without_marker",
}

ALL_FIXTURES = sorted(f"{p.parent.name}/{p.stem}" for p in FIXTURES.glob("*/*.http"))

DEFAULT_CODES = {404: "NotFound", 403: "AccessDenied", 400: "BadRequest", 409: "Conflict", 412: "PreconditionFailed"}


def error_document(status: int, headers: list[tuple[str, str]], body: bytes) -> dict[str, str] | None:
    """The fields of the ``<Error>`` document in the body, or in the base64 ``x-oss-err``
    header of a body-less answer; None when there is none."""
    raw = body
    if not body.strip():
        err = header(headers, "x-oss-err")
        if err is None:
            return None
        try:
            raw = base64.b64decode(err, validate=True)
        except ValueError:
            return None
    try:
        root = ET.fromstring(raw)
    except ET.ParseError:
        return {"Code": "BadErrorResponse"}
    return {child.tag: (child.text or "") for child in root}


def expected_class(status: int, code: str) -> type[oss_sse.ServiceError]:
    if code == "RequestTimeTooSkewed":
        return oss_sse.ClockSkewError
    if status == 429 or code in {"QpsLimitExceeded", "DownloadTrafficRateLimitExceeded", "UploadTrafficRateLimitExceeded"}:
        return oss_sse.RateLimitedError
    return {
        404: oss_sse.NotFoundError,
        401: oss_sse.AccessDeniedError,
        403: oss_sse.AccessDeniedError,
        409: oss_sse.ConflictError,
        304: oss_sse.PreconditionFailedError,
        412: oss_sse.PreconditionFailedError,
        400: oss_sse.InvalidArgumentError,
    }.get(status, oss_sse.ServerError if status >= 500 else oss_sse.ServiceError)


def check_sse(result: Any, headers: list[tuple[str, str]]) -> None:
    if not hasattr(result, "server_side_encryption"):
        return
    alg = header(headers, "x-oss-server-side-encryption")
    sse = result.server_side_encryption
    if not alg:
        assert sse is None
        return
    assert sse is not None
    assert sse.server_side_encryption == alg
    assert sse.server_side_encryption_key_id == header(headers, "x-oss-server-side-encryption-key-id")
    assert sse.server_side_data_encryption == header(headers, "x-oss-server-side-data-encryption")


def test_fixture_list_is_complete() -> None:
    assert len(ALL_FIXTURES) >= 60
    assert {n.split("/")[0] for n in ALL_FIXTURES} == set(OPERATIONS)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_response_fixture(name: str) -> None:
    status, headers, body = load_fixture(name)
    op = OPERATIONS[name.split("/")[0]]()
    if name == "get_bucket_encryption/no_rule":
        assert op.from_response(status, headers, body) is None
        return
    if 200 <= status < 300:
        if name in MALFORMED:
            with pytest.raises(oss_sse.ParseError):
                op.from_response(status, headers, body)
            return
        result = op.from_response(status, headers, body)
        assert isinstance(result, RESULT_TYPES[name.split("/")[0]])
        if hasattr(result, "request_id"):
            assert result.request_id == header(headers, "x-oss-request-id")
        check_sse(result, headers)
        return
    doc = error_document(status, headers, body) or {}
    code = doc.get("Code") or DEFAULT_CODES.get(status, "UnknownError")
    with pytest.raises(oss_sse.ServiceError) as e:
        op.from_response(status, headers, body)
    err = e.value
    assert type(err) is expected_class(status, code)
    assert err.status == status
    assert err.code == code
    assert err.request_id == (doc.get("RequestId") or header(headers, "x-oss-request-id"))
    assert err.ec == (doc.get("EC") or header(headers, "x-oss-ec"))
    if "Message" in doc:
        assert err.message == doc["Message"]
    assert str(err).startswith(f"OSS error {status} {code}")
    # parse_error returns the same exception.
    same = sansio.parse_error(status, headers, body)
    assert type(same) is type(err)
    assert (same.status, same.code, same.request_id, same.ec) == (err.status, err.code, err.request_id, err.ec)


CMK = "9468da86-3509-4f8d-a61e-6eab1eac****"


def parse(name: str, op: Any | None = None) -> Any:
    status, headers, body = load_fixture(name)
    op = op or OPERATIONS[name.split("/")[0]]()
    return op.from_response(status, headers, body)


@pytest.mark.parametrize(
    "name, alg, key_id, data",
    [
        ("get_bucket_encryption/aes256", "AES256", None, None),
        ("get_bucket_encryption/sm4", "SM4", None, None),
        ("get_bucket_encryption/kms_key_id", "KMS", CMK, None),
        ("get_bucket_encryption/kms_empty_elements", "KMS", None, None),
        ("get_bucket_encryption/unknown_algorithm", "AES512", None, "ZUC"),
    ],
)
def test_bucket_encryption_fixtures(name: str, alg: str, key_id: str | None, data: str | None) -> None:
    rule = parse(name)
    assert isinstance(rule, oss_sse.ServerSideEncryptionRule)
    assert (rule.sse_algorithm, rule.kms_master_key_id, rule.kms_data_encryption) == (alg, key_id, data)


def test_kms_sm4_reordered_fixture() -> None:
    rule = parse("get_bucket_encryption/kms_sm4_reordered")
    assert rule.sse_algorithm == "KMS"
    assert rule.kms_data_encryption == "SM4"


def test_bucket_info_fixtures() -> None:
    info = parse("get_bucket_info/kms_sm4")
    assert info.name == "examplebucket"
    assert info.location == "oss-cn-hangzhou"
    assert info.creation_date == "2013-07-31T10:56:21.000Z"
    assert info.server_side_encryption_rule == oss_sse.ServerSideEncryptionRule("KMS", None, "SM4")
    assert parse("get_bucket_info/sse_none").server_side_encryption_rule is None
    assert parse("get_bucket_info/sse_none").storage_class == "IA"
    assert parse("get_bucket_info/no_rule_element").server_side_encryption_rule is None


def test_object_fixtures() -> None:
    kms_sm4 = oss_sse.ServerSideEncryption("KMS", CMK, "SM4")
    put = parse("put_object/sse_kms_sm4")
    assert put.server_side_encryption == kms_sm4
    assert put.hash_crc64 == 5981764153023615706
    assert put.etag == "D41D8CD98F00B204E9800998ECF8427E"
    assert parse("put_object/sse_aes256").server_side_encryption == oss_sse.ServerSideEncryption.aes256()
    assert parse("put_object/no_sse").server_side_encryption is None

    head = parse("head_object/kms_appendable")
    assert head.server_side_encryption == kms_sm4
    assert head.object_type == "Appendable"
    assert head.next_append_position == 344606
    assert head.storage_class == "Archive"
    assert head.metadata == {"a": "1", "b": "2"}
    assert head.etag == "5B3C1A2E053D763E1B002CC607C5****-2"

    got = parse("get_object/range", sansio.GetObject("examplebucket", "k", range=(0, 4)))
    assert got.body == b"hello"
    assert got.head.content_range == "bytes 0-4/11"
    assert got.server_side_encryption == kms_sm4
    status, headers, _ = load_fixture("get_object/range")
    head_only = sansio.GetObject("examplebucket", "k").from_response_head(status, headers)
    assert head_only.content_length == 5
    with pytest.raises(oss_sse.NotFoundError):
        sansio.GetObject("examplebucket", "k").from_response_head(404, [])

    first = parse("append_object/first_kms")
    assert first.next_position == 1717
    assert first.server_side_encryption == oss_sse.ServerSideEncryption("KMS", "cmk-default-****")

    copy = parse("copy_object/aes256")
    assert copy.etag == "F2064A169EE92E9775EE5324D0B1****"
    assert copy.last_modified == "2023-02-24T09:41:56.000Z"
    assert copy.server_side_encryption == oss_sse.ServerSideEncryption.aes256()


def test_multipart_fixtures() -> None:
    init = parse("initiate_multipart_upload/kms_sm4")
    assert init.upload_id == "0004B9894A22E5B1888A1E29F823****"
    assert init.server_side_encryption == oss_sse.ServerSideEncryption("KMS", CMK, "SM4")
    reordered = parse("initiate_multipart_upload/reordered")
    assert reordered.key == "dir/a b.txt"
    assert reordered.bucket is None

    done = parse("complete_multipart_upload/kms")
    assert done.etag == "B864DB6A936D376F9F8D3ED3BBE540****"
    assert done.hash_crc64 == 12066172435287683333
    assert done.location == "http://oss-example.oss-cn-hangzhou.aliyuncs.com/multipart.data"
    assert done.server_side_encryption == oss_sse.ServerSideEncryption("KMS", CMK)

    parts = parse("list_parts/several")
    assert parts.is_truncated
    assert parts.next_part_number_marker == 5
    assert parts.max_parts == 3
    assert [(p.part_number, p.size) for p in parts.parts] == [(1, 6291456), (2, 6291456), (5, 1024)]
    assert parts.parts[1].etag == "3349DC700140D7F86A0784842780AAAA"
    assert parts.parts[1].hash_crc64 == 18446744073709551615
    assert parts.parts[2].hash_crc64 is None
    assert len(parse("list_parts/single").parts) == 1


def test_error_fixture_details() -> None:
    status, headers, body = load_fixture("put_object/request_time_too_skewed")
    with pytest.raises(oss_sse.ClockSkewError) as e:
        sansio.PutObject("examplebucket", "k", b"").from_response(status, headers, body)
    assert "ServerTime" in e.value.fields
    assert e.value.retryable
    status, headers, body = load_fixture("head_object/not_found_x_oss_err")
    err = sansio.parse_error(status, headers, body)
    assert isinstance(err, oss_sse.NotFoundError)
    assert err.code == "NoSuchKey"
    assert err.ec == "0026-00000001"
    assert err.host_id
    assert err.fields.get("Key")
    status, headers, body = load_fixture("get_object/proxy_html")
    err = sansio.parse_error(status, headers, body)
    assert isinstance(err, oss_sse.ServerError)
    assert err.code == "BadErrorResponse"
    assert "502 Bad Gateway" in err.message


# ---------------------------------------------------------------------------------------------
# Signing vectors
# ---------------------------------------------------------------------------------------------

VECTORS: list[dict[str, Any]] = json.loads(SIGNING_VECTORS.read_text())["vectors"]

#: Vectors the issue's `sign` signature cannot express, and why.
UNSUPPORTED = {
    "sdk-v1-query-3": "its URL holds a second '?'; the vectors README excludes it from conformance",
}


def needs_unsupported(v: dict[str, Any]) -> str | None:
    i = v["inputs"]
    if v["id"] in UNSUPPORTED:
        return UNSUPPORTED[v["id"]]
    if i.get("product") not in (None, "oss"):
        return "product 'oss-cloudbox' is not a parameter of sansio.sign"
    if i.get("extra_subresources"):
        return "V1 extra sub-resources are not a parameter of sansio.sign"
    return None


def vector_headers(i: dict[str, Any]) -> list[tuple[str, str]]:
    for k in (
        "headers",
        "headers_sent_excluding_authorization_useragent",
        "headers_sent_excluding_authorization_date_useragent",
        "signed_headers_to_send",
    ):
        if isinstance(i.get(k), dict):
            return list(i[k].items())
    return []


def additional_names(v: dict[str, Any]) -> list[str]:
    i = v["inputs"]
    for k in ("additional_headers", "additional_headers_config"):
        if isinstance(i.get(k), list):
            return list(i[k])
    auth = v["expected"].get("authorization") or ""
    for part in auth.split(","):
        part = part.strip()
        if part.startswith("AdditionalHeaders="):
            return part[len("AdditionalHeaders=") :].split(";")
    return []


def base_url(v: dict[str, Any]) -> str:
    i = v["inputs"]
    url = i.get("url") or i.get("wire_url")
    if url:
        return str(url)
    presigned = v["expected"]["presigned_url"]
    base, q = presigned.split("?", 1)
    kept = []
    for p in q.split("&"):
        k = p.split("=")[0]
        auth = k in {"OSSAccessKeyId", "Expires", "Signature", "security-token"} or (k.startswith("x-oss-") and k != "x-oss-process")
        if not auth:
            kept.append(p)
    return base if not kept else f"{base}?{'&'.join(kept)}"


def resource(i: dict[str, Any], url: str) -> tuple[str | None, str | None]:
    if "bucket" in i:
        return (i.get("bucket") or None, i.get("key") or None)
    u = urllib.parse.urlsplit(url)
    host = u.hostname or ""
    path = urllib.parse.unquote(u.path).removeprefix("/")
    if host.startswith("oss-"):
        if "/" in path:
            b, k = path.split("/", 1)
            return b, (k or None)
        return (path or None), None
    return host.split(".")[0], (path or None)


def signing_time(i: dict[str, Any]) -> int:
    for k in ("signing_time_unix", "now_unix"):
        if isinstance(i.get(k), int):
            return int(i[k])
    if i.get("signing_time_iso8601"):
        return int(datetime.datetime.strptime(i["signing_time_iso8601"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc).timestamp())
    date = (i.get("headers") or {}).get("x-oss-date")
    if date:
        return int(datetime.datetime.strptime(date, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=datetime.timezone.utc).timestamp())
    return int(i["expires_unix"]) - 60


def divergent(v: dict[str, Any]) -> bool:
    return bool(v.get("cross_check")) and v["cross_check"].get("match") is False


def query_set(url: str) -> tuple[str, set[tuple[str, str]]]:
    base, _, q = url.partition("?")
    return base, set(urllib.parse.parse_qsl(q, keep_blank_values=True))


def auth_fields(a: str) -> set[str]:
    return {p.strip() for p in a.removeprefix("OSS4-HMAC-SHA256").split(",")}


@pytest.mark.parametrize("v", VECTORS, ids=[v["id"] for v in VECTORS])
def test_signing_vector(v: dict[str, Any]) -> None:
    reason = needs_unsupported(v)
    if reason:
        pytest.skip(reason)
    i, expected = v["inputs"], v["expected"]
    url = base_url(v)
    bucket, key = resource(i, url)
    headers = vector_headers(i)
    if v["id"] == "v4-ossv2-16":
        headers.append(("X-Custom-Header", "custom"))
    if v["id"] == "v1-ossv2-02":
        headers = [(k, val) for k, val in headers if k.lower() != "security-token"]
    t = signing_time(i)
    common: dict[str, Any] = dict(
        access_key_id=i["access_key_id"],
        access_key_secret=i["access_key_secret"],
        security_token=i.get("security_token"),
        region=i.get("region") or "cn-hangzhou",
        bucket=bucket,
        key=key,
        version=v["signature_version"],
        additional_headers=additional_names(v),
    )
    if v["mode"] == "header":
        signed = sansio.sign(i["method"], url, headers, signing_time=t, **common)
    else:
        if v["signature_version"] == "v4":
            exp = i.get("expires_unix") or i.get("expiration_unix")
            lifetime = int(exp) - t
        else:
            start = i.get("now_unix") or int(i["expires_unix"]) - 60
            t, lifetime = int(start), int(i["expires_unix"]) - int(start)
        signed = sansio.sign(i["method"], url, headers, signing_time=t, expires=lifetime, **common)
    # Stage by stage: canonical request, string to sign, then the header or the URL.
    if expected.get("canonical_request") and not divergent(v):
        assert signed.canonical_request == expected["canonical_request"]
    sts = v["cross_check"].get("go_string_to_sign") if divergent(v) else (expected.get("string_to_sign") or (v.get("cross_check") or {}).get("go_string_to_sign"))
    if sts:
        assert signed.string_to_sign == sts
    got = dict(signed.headers)
    if v["mode"] == "header":
        want = v["cross_check"]["go_authorization"] if divergent(v) else expected["authorization"]
        if v["signature_version"] == "v4":
            assert auth_fields(got["authorization"]) == auth_fields(want)
            if expected.get("x-oss-date"):
                assert got["x-oss-date"] == expected["x-oss-date"]
        else:
            assert got["authorization"] == want
        if expected.get("date_header"):
            assert got["date"] == expected["date_header"]
        assert signed.expiration is None
    else:
        if expected.get("signed_url"):
            want_url = expected["signed_url"]
            b, sep, q = want_url.partition("?")
            if sep and b.count("/") == 2:
                want_url = f"{b}/?{q}"
            assert signed.url == want_url
        else:
            assert query_set(signed.url) == query_set(expected["presigned_url"])
        assert signed.expiration == datetime.datetime.fromtimestamp(t + lifetime, datetime.timezone.utc)


def test_vector_coverage() -> None:
    supported = [v for v in VECTORS if needs_unsupported(v) is None]
    assert len(VECTORS) == 58
    assert len(supported) >= 52
    assert {v["signature_version"] for v in supported} == {"v1", "v4"}
    assert {v["mode"] for v in supported} == {"header", "query"}


# ---------------------------------------------------------------------------------------------
# The signing function
# ---------------------------------------------------------------------------------------------

SIGN = dict(access_key_id="ak", access_key_secret="sk", region="cn-hangzhou", bucket="examplebucket", key="a.txt")
URL = "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/a.txt"
T = 1_702_743_657


def test_sign_time_forms_agree() -> None:
    a = sansio.sign("PUT", URL, {}, signing_time=T, **SIGN)  # type: ignore[arg-type]
    b = sansio.sign("PUT", URL, [], signing_time=float(T), **SIGN)  # type: ignore[arg-type]
    dt = datetime.datetime.fromtimestamp(T, datetime.timezone(datetime.timedelta(hours=8)))
    c = sansio.sign("PUT", URL, (), signing_time=dt, **SIGN)  # type: ignore[arg-type]
    assert a.headers == b.headers == c.headers
    assert dict(a.headers)["x-oss-date"] == "20231216T162057Z"
    assert dict(a.headers)["date"] == "Sat, 16 Dec 2023 16:20:57 GMT"
    assert a.method == "PUT"
    assert a.url == URL
    assert dict(a.headers)["authorization"].startswith(
        "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature="
    )
    assert a.signature in dict(a.headers)["authorization"]
    assert a.canonical_request is not None and a.canonical_request.startswith("PUT\n/examplebucket/a.txt\n")


def test_sign_rejects_bad_input() -> None:
    with pytest.raises(oss_sse.ClientError) as e:
        sansio.sign("PUT", URL, {}, signing_time=datetime.datetime(2024, 1, 1), **SIGN)  # type: ignore[arg-type]
    assert e.value.field == "signing_time"
    with pytest.raises(oss_sse.ClientError) as e:
        sansio.sign("PUT", URL, {}, signing_time=T, version="v2", **SIGN)  # type: ignore[arg-type]
    assert e.value.field == "version"
    with pytest.raises(oss_sse.ClientError) as e:
        sansio.sign("PUT", "not a url", {}, signing_time=T, **SIGN)  # type: ignore[arg-type]
    assert e.value.field == "url"
    with pytest.raises(oss_sse.ClientError) as e:
        sansio.sign("GET", URL, {}, signing_time=T, expires=datetime.timedelta(days=8), **SIGN)  # type: ignore[arg-type]
    assert e.value.field == "expires"
    with pytest.raises(oss_sse.ClientError) as e:
        sansio.sign("GET", URL, {"bad header": "x"}, signing_time=T, **SIGN)  # type: ignore[arg-type]
    assert e.value.field == "headers"
    with pytest.raises(TypeError):
        sansio.sign("GET", URL, {}, signing_time="yesterday", **SIGN)  # type: ignore[arg-type]


def test_sign_trims_values_and_signs_additional_headers() -> None:
    plain = sansio.sign("GET", URL, {"x-oss-meta-a": "v", "Host": "h"}, signing_time=T, additional_headers=["host"], **SIGN)  # type: ignore[arg-type]
    padded = sansio.sign("GET", URL, {"x-oss-meta-a": "  v  ", "Host": "h"}, signing_time=T, additional_headers=["Host"], **SIGN)  # type: ignore[arg-type]
    assert plain.signature == padded.signature
    assert "AdditionalHeaders=host" in dict(plain.headers)["authorization"]


def test_sign_security_token_and_v1() -> None:
    signed = sansio.sign("GET", URL, {}, signing_time=T, security_token="tok", **SIGN)  # type: ignore[arg-type]
    assert dict(signed.headers)["x-oss-security-token"] == "tok"
    v1 = sansio.sign("GET", URL, {}, signing_time=T, version="v1", **SIGN)  # type: ignore[arg-type]
    assert dict(v1.headers)["authorization"].startswith("OSS ak:")
    assert v1.canonical_request is None
    pre = sansio.sign("GET", URL, {}, signing_time=T, version="V1", expires=60, **SIGN)  # type: ignore[arg-type]
    assert f"Expires={T + 60}" in pre.url
    assert "OSSAccessKeyId=ak" in pre.url


def test_presign_returns_headers_to_send() -> None:
    pre = sansio.sign("PUT", URL, {"Content-Type": "text/plain"}, signing_time=T, expires=datetime.timedelta(minutes=10), **SIGN)  # type: ignore[arg-type]
    assert pre.headers == [("content-type", "text/plain")]
    assert "x-oss-signature=" in pre.url
    assert "x-oss-expires=600" in pre.url
    assert pre.expiration == datetime.datetime.fromtimestamp(T + 600, datetime.timezone.utc)
    assert "SignedRequest(" in repr(pre)


# ---------------------------------------------------------------------------------------------
# Building requests
# ---------------------------------------------------------------------------------------------

CONFIG = sansio.Config("cn-hangzhou")


def test_config() -> None:
    assert (CONFIG.region, CONFIG.host, CONFIG.scheme, CONFIG.addressing_style, CONFIG.product) == (
        "cn-hangzhou",
        "oss-cn-hangzhou.aliyuncs.com",
        "https",
        "virtual-hosted",
        "oss",
    )
    local = sansio.Config("cn-hangzhou", endpoint="http://127.0.0.1:9000")
    assert (local.scheme, local.addressing_style, local.host) == ("http", "path", "127.0.0.1:9000")
    internal = sansio.Config("cn-shanghai", endpoint_type="internal")
    assert internal.host == "oss-cn-shanghai-internal.aliyuncs.com"
    cname = sansio.Config("cn-hangzhou", endpoint="static.example.com", addressing_style="cname")
    assert sansio.GetObject("examplebucket", "k").to_request(cname).url == "https://static.example.com/k"
    for kwargs, field in [
        (dict(region="CN_X"), "region"),
        (dict(region="cn-hangzhou", endpoint="ftp://x"), "endpoint"),
        (dict(region="cn-hangzhou", addressing_style="sideways"), "addressing_style"),
        (dict(region="cn-hangzhou", endpoint_type="orbit"), "endpoint_type"),
        (dict(region="cn-hangzhou", scheme="gopher"), "scheme"),
    ]:
        with pytest.raises(oss_sse.ClientError) as e:
            sansio.Config(**kwargs)  # type: ignore[arg-type]
        assert e.value.field == field


def test_put_bucket_encryption_request() -> None:
    op = sansio.PutBucketEncryption("examplebucket", "KMS", kms_master_key_id="cmk-1", kms_data_encryption="SM4")
    req = op.to_request(CONFIG)
    assert (req.method, req.url) == ("PUT", "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/?encryption")
    assert (req.bucket, req.key) == ("examplebucket", None)
    body = ET.fromstring(req.body)
    apply = body.find("ApplyServerSideEncryptionByDefault")
    assert apply is not None
    assert apply.findtext("SSEAlgorithm") == "KMS"
    assert apply.findtext("KMSMasterKeyID") == "cmk-1"
    assert apply.findtext("KMSDataEncryption") == "SM4"
    h = dict(req.headers)
    assert h["content-type"] == "application/xml"
    assert base64.b64decode(h["content-md5"])
    assert op.name == "PutBucketEncryption"
    assert op.is_idempotent
    same = sansio.PutBucketEncryption("examplebucket", oss_sse.ServerSideEncryptionRule.kms("cmk-1", "SM4")).to_request(CONFIG)
    assert same.body == req.body
    with pytest.raises(oss_sse.ClientError) as e:
        sansio.PutBucketEncryption("examplebucket", oss_sse.ServerSideEncryptionRule.aes256(), kms_master_key_id="k")
    assert e.value.field == "rule"


@pytest.mark.parametrize(
    "kwargs, headers",
    [
        (dict(server_side_encryption="AES256"), {"x-oss-server-side-encryption": "AES256"}),
        (dict(server_side_encryption="sm4"), {"x-oss-server-side-encryption": "SM4"}),
        (
            dict(server_side_encryption="KMS", server_side_encryption_key_id="cmk-1", server_side_data_encryption="SM4"),
            {
                "x-oss-server-side-encryption": "KMS",
                "x-oss-server-side-encryption-key-id": "cmk-1",
                "x-oss-server-side-data-encryption": "SM4",
            },
        ),
        (dict(server_side_encryption=oss_sse.ServerSideEncryption.kms("cmk-2")), {"x-oss-server-side-encryption": "KMS", "x-oss-server-side-encryption-key-id": "cmk-2"}),
        ({}, {}),
    ],
)
def test_sse_request_headers(kwargs: dict[str, Any], headers: dict[str, str]) -> None:
    for op in (
        sansio.PutObject("b1b", "k", b"x", **kwargs),
        sansio.AppendObject("b1b", "k", 0, b"x", **kwargs),
        sansio.InitiateMultipartUpload("b1b", "k", **kwargs),
        sansio.CopyObject("b1b", "s", "b1b", "k", **kwargs),
    ):
        got = {k: v for k, v in op.to_request(CONFIG).headers if k.startswith("x-oss-server-side")}
        assert got == headers, op


def test_object_requests() -> None:
    req = sansio.PutObject("b1b", "dir/a b+c?.txt", b"hello", content_type="text/plain", metadata={"Owner": "me"}, content_md5=True, forbid_overwrite=True).to_request(CONFIG)
    assert req.url == "https://b1b.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc%3F.txt"
    assert req.key == "dir/a b+c?.txt"
    h = dict(req.headers)
    assert h["content-length"] == "5"
    assert h["content-type"] == "text/plain"
    assert h["x-oss-meta-owner"] == "me"
    assert h["content-md5"] == "XUFAKrxLKna5cZ2REBfFkg=="
    assert h["x-oss-forbid-overwrite"] == "true"
    assert req.body == b"hello"
    assert "?append&position=7" in sansio.AppendObject("b1b", "k", 7, b"x").to_request(CONFIG).url
    assert not sansio.AppendObject("b1b", "k", 7, b"x").is_idempotent
    g = sansio.GetObject("b1b", "k", range=(10, None), version_id="v1").to_request(CONFIG)
    assert dict(g.headers)["range"] == "bytes=10-"
    assert g.url.endswith("?versionId=v1")
    assert sansio.HeadObject("b1b", "k").to_request(CONFIG).method == "HEAD"
    assert sansio.DeleteObject("b1b", "k", version_id="x").to_request(CONFIG).method == "DELETE"
    c = sansio.CopyObject("src1", "a b", "b1b", "k", metadata_directive="replace", metadata={"x": "y"}).to_request(CONFIG)
    assert dict(c.headers)["x-oss-copy-source"] == "/src1/a%20b"
    assert dict(c.headers)["x-oss-metadata-directive"] == "REPLACE"


def test_multipart_requests() -> None:
    up = sansio.UploadPart("b1b", "k", "u1", 3, b"data", content_md5=True).to_request(CONFIG)
    assert up.url.endswith("/k?partNumber=3&uploadId=u1")
    assert "x-oss-server-side-encryption" not in dict(up.headers)
    done = sansio.CompleteMultipartUpload("b1b", "k", "u1", [(2, "e2"), oss_sse.CompletedPart(1, '"e1"')]).to_request(CONFIG)
    root = ET.fromstring(done.body)
    assert [p.findtext("PartNumber") for p in root] == ["1", "2"]
    assert [p.findtext("ETag") for p in root] == ['"e1"', '"e2"']
    assert sansio.AbortMultipartUpload("b1b", "k", "u1").to_request(CONFIG).method == "DELETE"
    lp = sansio.ListParts("b1b", "k", "u1", max_parts=10, part_number_marker=2).to_request(CONFIG)
    assert "max-parts=10" in lp.url and "part-number-marker=2" in lp.url
    assert sansio.InitiateMultipartUpload("b1b", "k").to_request(CONFIG).url.endswith("/k?uploads")


@pytest.mark.parametrize(
    "make, field",
    [
        (lambda: sansio.PutObject("Bad_Bucket", "k", b""), "bucket"),
        (lambda: sansio.PutObject("b1b", "", b""), "key"),
        (lambda: sansio.GetObject("b1b", "k", range=(5, 1)), "range"),
        (lambda: sansio.UploadPart("b1b", "k", "u", 10001, b""), "part_number"),
        (lambda: sansio.UploadPart("b1b", "k", "", 1, b""), "upload_id"),
        (lambda: sansio.CompleteMultipartUpload("b1b", "k", "u", [(1, "a"), (1, "b")]), "parts"),
        (lambda: sansio.ListParts("b1b", "k", "u", max_parts=5000), "max_parts"),
        (lambda: sansio.PutBucket("b1b", acl="everyone"), "acl"),
        (lambda: sansio.PutBucket("b1b", storage_class="Cold"), "storage_class"),
        (lambda: sansio.CopyObject("Bad_Src", "s", "b1b", "k"), "source_bucket"),
        (lambda: sansio.CopyObject("b1b", "s", "b1b", "k", content_type="text/plain"), "metadata"),
        (lambda: sansio.PutObject("b1b", "k", b"", metadata={"bad name": "x"}), "metadata"),
    ],
)
def test_bad_input_names_the_field(make: Callable[[], Any], field: str) -> None:
    with pytest.raises(oss_sse.ClientError) as e:
        make().to_request(CONFIG)
    assert e.value.field == field


@pytest.mark.parametrize(
    "make, field",
    [
        (lambda: sansio.PutObject("b1b", "k", b"", server_side_encryption="DES"), "server_side_encryption"),
        (lambda: sansio.PutObject("b1b", "k", b"", server_side_encryption="AES256", server_side_encryption_key_id="k"), "server_side_encryption_key_id"),
        (lambda: sansio.PutObject("b1b", "k", b"", server_side_encryption="SM4", server_side_data_encryption="SM4"), "server_side_data_encryption"),
        (lambda: sansio.PutObject("b1b", "k", b"", server_side_encryption_key_id="k"), "server_side_encryption"),
        (lambda: sansio.PutObject("b1b", "k", b"", server_side_encryption=oss_sse.ServerSideEncryption.kms(), server_side_encryption_key_id="k"), "server_side_encryption"),
        (lambda: sansio.CopyObject("b1b", "s", "b1b", "k", metadata_directive="merge"), "metadata_directive"),
        (lambda: oss_sse.ServerSideEncryptionRule("KMS", None, "AES"), "kms_data_encryption"),
        (lambda: oss_sse.ServerSideEncryption("KMS", "a<b"), "server_side_encryption_key_id"),
    ],
)
def test_bad_sse_is_rejected_at_construction(make: Callable[[], Any], field: str) -> None:
    with pytest.raises(oss_sse.ClientError) as e:
        make()
    assert e.value.field == field


def test_from_response_inputs() -> None:
    op = sansio.HeadObject("b1b", "k")
    headers = {"Content-Length": "3", "x-oss-server-side-encryption": "SM4", "x-oss-meta-a": "1"}
    as_dict = op.from_response(200, headers)
    as_pairs = op.from_response(200, list(headers.items()), b"")
    as_bytes = op.from_response(200, [(k.encode(), v.encode()) for k, v in headers.items()], None)
    for head in (as_dict, as_pairs, as_bytes):
        assert head.content_length == 3
        assert head.server_side_encryption == oss_sse.ServerSideEncryption.sm4()
        assert head.metadata == {"a": "1"}
    with pytest.raises(oss_sse.ClientError) as e:
        op.from_response(1000, {})
    assert e.value.field == "status"
    with pytest.raises(TypeError):
        op.from_response(200, {"a": 1})


# ---------------------------------------------------------------------------------------------
# Bring your own client: urllib + sansio against the emulator
# ---------------------------------------------------------------------------------------------

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def send(oss: LocalOSS, op: Any, *, version: str = "v4") -> Any:
    req = op.to_request(oss.config())
    headers = req.headers
    if req.method in ("PUT", "POST") and "content-type" not in dict(headers):
        # urllib would add its own form Content-Type after signing; choose it first.
        headers.append(("content-type", "application/octet-stream"))
    signed = sansio.sign(
        req.method,
        req.url,
        headers,
        access_key_id=oss.access_key_id,
        access_key_secret=oss.access_key_secret,
        region=oss.region,
        bucket=req.bucket,
        key=req.key,
        version=version,
        signing_time=datetime.datetime.now(datetime.timezone.utc),
    )
    data = req.body if req.method in ("PUT", "POST") else None
    http_req = urllib.request.Request(signed.url, data=data, method=signed.method, headers=dict(signed.headers))
    try:
        with OPENER.open(http_req, timeout=10) as resp:
            return op.from_response(resp.status, resp.headers.items(), resp.read())
    except urllib.error.HTTPError as e:
        return op.from_response(e.code, e.headers.items(), e.read())


@pytest.mark.parametrize("version", ["v4", "v1"])
def test_bring_your_own_client(oss: LocalOSS, version: str) -> None:
    bucket = oss.unique_bucket()
    assert isinstance(send(oss, sansio.PutBucket(bucket), version=version), oss_sse.PutBucketOutput)
    send(oss, sansio.PutBucketEncryption(bucket, "SM4"), version=version)
    assert send(oss, sansio.GetBucketEncryption(bucket), version=version) == oss_sse.ServerSideEncryptionRule.sm4()
    put = send(oss, sansio.PutObject(bucket, "a b/c.txt", b"byo", server_side_encryption="KMS", server_side_encryption_key_id=oss.kms_keys[0]), version=version)
    assert put.server_side_encryption == oss_sse.ServerSideEncryption.kms(oss.kms_keys[0])
    got = send(oss, sansio.GetObject(bucket, "a b/c.txt"), version=version)
    assert got.body == b"byo"
    assert got.server_side_encryption == put.server_side_encryption
    with pytest.raises(oss_sse.NotFoundError):
        send(oss, sansio.GetObject(bucket, "missing"), version=version)
    send(oss, sansio.DeleteObject(bucket, "a b/c.txt"), version=version)
    send(oss, sansio.DeleteBucketEncryption(bucket), version=version)
    send(oss, sansio.DeleteBucket(bucket), version=version)
    with pytest.raises(oss_sse.NotFoundError):
        send(oss, sansio.GetBucketInfo(bucket), version=version)


def test_listing_fixtures_decode_and_paginate() -> None:
    op = sansio.ListObjectsV2("examplebucket", prefix="a/", delimiter="/", max_keys=2)
    page = parse("list_objects_v2/url_truncated", op)
    assert [o.key for o in page.contents] == ["a/b c+%.txt"]
    assert page.common_prefixes == ["a/中/"]
    assert page.key_count == 2 and page.is_truncated
    nxt = op.next_page(page)
    assert nxt is not None
    url = nxt.to_request(sansio.Config("cn-hangzhou")).url
    assert "continuation-token=CgRhL2MvGAA-" in url and "prefix=a%2F" in url
    last = parse("list_objects_v2/empty_bucket", op)
    assert op.next_page(last) is None

    uop = sansio.ListMultipartUploads("oss-example", prefix="demo/")
    upage = parse("list_multipart_uploads/url_truncated", uop)
    assert [u.key for u in upage.uploads] == ["demo/gp-\x0c\n\x0b"]
    unext = uop.next_page(upage)
    assert unext is not None
    assert "key-marker=demo%2Fgp-%0C%0A%0B" in unext.to_request(sansio.Config("cn-hangzhou")).url
