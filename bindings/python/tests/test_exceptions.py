"""The exception hierarchy of oss_sse.exceptions and how Rust errors map onto it."""

from __future__ import annotations

import pickle

import pytest

import oss_sse
from oss_sse import exceptions, sansio

SERVICE_SUBCLASSES = [
    oss_sse.NotFoundError,
    oss_sse.AccessDeniedError,
    oss_sse.ConflictError,
    oss_sse.PreconditionFailedError,
    oss_sse.InvalidArgumentError,
    oss_sse.RateLimitedError,
    oss_sse.ClockSkewError,
    oss_sse.ServerError,
]


def test_everything_derives_from_oss_error() -> None:
    for name in exceptions.__all__:
        cls = getattr(exceptions, name)
        assert issubclass(cls, oss_sse.OssError), name
        assert getattr(oss_sse, name) is cls
        assert cls.__doc__, name
    for cls in SERVICE_SUBCLASSES:
        assert issubclass(cls, oss_sse.ServiceError)
    assert issubclass(oss_sse.ClientError, ValueError)
    assert issubclass(oss_sse.ConnectError, oss_sse.TransportError)
    assert issubclass(oss_sse.ConnectError, ConnectionError)
    assert issubclass(oss_sse.RequestTimeoutError, oss_sse.TransportError)
    assert issubclass(oss_sse.RequestTimeoutError, TimeoutError)
    # The builtin TimeoutError is not shadowed.
    assert oss_sse.RequestTimeoutError is not TimeoutError


@pytest.mark.parametrize(
    "status, code, cls",
    [
        (404, "NoSuchKey", oss_sse.NotFoundError),
        (404, "NoSuchBucket", oss_sse.NotFoundError),
        (403, "AccessDenied", oss_sse.AccessDeniedError),
        (401, "Unauthorized", oss_sse.AccessDeniedError),
        (403, "RequestTimeTooSkewed", oss_sse.ClockSkewError),
        (409, "BucketNotEmpty", oss_sse.ConflictError),
        (412, "PreconditionFailed", oss_sse.PreconditionFailedError),
        (304, "NotModified", oss_sse.PreconditionFailedError),
        (400, "InvalidArgument", oss_sse.InvalidArgumentError),
        (429, "TooManyRequests", oss_sse.RateLimitedError),
        (503, "QpsLimitExceeded", oss_sse.RateLimitedError),
        (500, "InternalError", oss_sse.ServerError),
        (418, "Teapot", oss_sse.ServiceError),
    ],
)
def test_service_error_classes(status: int, code: str, cls: type[oss_sse.ServiceError]) -> None:
    body = f"<Error><Code>{code}</Code><Message>msg</Message><RequestId>rid</RequestId><HostId>host</HostId><EC>0000-1</EC><Extra>x</Extra></Error>"
    err = sansio.parse_error(status, {"x-oss-request-id": "header-rid"}, body.encode())
    assert type(err) is cls
    assert (err.status, err.code, err.message, err.request_id, err.host_id, err.ec) == (status, code, "msg", "rid", "host", "0000-1")
    assert err.fields == {"Extra": "x"}
    assert str(err) == f"OSS error {status} {code}: msg (ec 0000-1, request id rid)"
    # Raised the same way by an operation's from_response.
    with pytest.raises(cls):
        sansio.DeleteObject("examplebucket", "k").from_response(status, {}, body)


def test_service_error_from_headers_only() -> None:
    err = sansio.parse_error(404, {"x-oss-request-id": "r1", "x-oss-ec": "0026-00000001"})
    assert isinstance(err, oss_sse.NotFoundError)
    assert err.code == "NotFound"
    assert err.request_id == "r1"
    assert err.ec == "0026-00000001"
    assert err.message == ""


def test_retryable_flag() -> None:
    assert sansio.parse_error(503, {}, b"<Error><Code>ServiceUnavailable</Code></Error>").retryable
    assert not sansio.parse_error(404, {}, b"<Error><Code>NoSuchKey</Code></Error>").retryable


def test_user_constructed_exceptions() -> None:
    err = oss_sse.ServiceError(404, "NoSuchKey", "gone", request_id="r")
    assert str(err) == "OSS error 404 NoSuchKey: gone (request id r)"
    assert err.fields == {}
    assert not err.retryable
    assert oss_sse.ClientError("bad").field is None
    assert oss_sse.TransportError("x").kind == "other"
    i = oss_sse.IntegrityError("crc", operation="GetObject", client_crc64=1, server_crc64=2)
    assert (i.operation, i.client_crc64, i.server_crc64) == ("GetObject", 1, 2)
    f = oss_sse.FileError("cannot read", path="/x", action="read")
    assert (f.path, f.action) == ("/x", "read")


@pytest.mark.parametrize(
    "err",
    [
        oss_sse.NotFoundError(404, "NoSuchKey", "m", "rid", "ec", "host", {"a": "b"}, retryable=False, description="d"),
        oss_sse.ClientError("bad", field="bucket"),
        oss_sse.ConnectError("refused", kind="connect"),
        oss_sse.RequestTimeoutError("slow", kind="timeout"),
        oss_sse.IntegrityError("crc", operation="x", client_crc64=1, server_crc64=2),
        oss_sse.CredentialsError("none"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_exceptions_pickle(err: oss_sse.OssError) -> None:
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert str(back) == str(err)
    assert back.__dict__ == err.__dict__


def test_client_error_from_rust_names_field() -> None:
    with pytest.raises(oss_sse.ClientError) as e:
        sansio.PutObject("b1b", "k", b"", server_side_encryption="AES256", server_side_encryption_key_id="x")
    assert e.value.field == "server_side_encryption_key_id"
    assert str(e.value) == "invalid server_side_encryption_key_id: a KMS key id is only valid with KMS, not AES256"


def test_parse_error_keeps_cause_in_message() -> None:
    with pytest.raises(oss_sse.ParseError) as e:
        sansio.InitiateMultipartUpload("b1b", "k").from_response(200, {}, b"<InitiateMultipartUploadResult><UploadId>")
    assert str(e.value).startswith("failed to parse InitiateMultipartUpload response body: ")
