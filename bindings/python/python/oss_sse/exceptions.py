"""Exceptions raised by oss_sse.

Every exception derives from :class:`OssError`. The native module raises these classes (it
imports them from here), so ``except oss_sse.OssError`` catches everything the SDK raises
on purpose.

Hierarchy::

    OssError
    ├── ClientError (also ValueError)      bad input or configuration; nothing was sent
    ├── CredentialsError                   no credentials could be obtained; nothing was sent
    ├── ServiceError                       OSS answered with an error status
    │   ├── NotFoundError                  404
    │   ├── AccessDeniedError              401 / 403 (other than clock skew)
    │   ├── ConflictError                  409
    │   ├── PreconditionFailedError        412 / 304
    │   ├── InvalidArgumentError           400
    │   ├── RateLimitedError               429 and the QPS / bandwidth limit codes
    │   ├── ClockSkewError                 403 RequestTimeTooSkewed
    │   └── ServerError                    5xx
    ├── TransportError                     the request could not be sent or the answer not read
    │   ├── ConnectError (also ConnectionError)   connection refused, DNS, TLS; not sent
    │   └── RequestTimeoutError (also TimeoutError)
    ├── ParseError                         a response that could not be interpreted
    ├── IntegrityError                     CRC-64 of the bytes differs from what OSS reports
    └── FileError                          a local file could not be read or written
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "OssError",
    "ClientError",
    "CredentialsError",
    "ServiceError",
    "NotFoundError",
    "AccessDeniedError",
    "ConflictError",
    "PreconditionFailedError",
    "InvalidArgumentError",
    "RateLimitedError",
    "ClockSkewError",
    "ServerError",
    "TransportError",
    "ConnectError",
    "RequestTimeoutError",
    "ParseError",
    "IntegrityError",
    "FileError",
]


def _restore(cls: type[OssError], args: tuple[object, ...], state: dict[str, object]) -> OssError:
    err = cls.__new__(cls, *args)
    err.args = args
    err.__dict__.update(state)
    return err


class OssError(Exception):
    """Base class of every error raised by oss_sse."""

    def __reduce__(self) -> tuple[object, ...]:
        """Pickles the message and the attributes (the subclasses take keyword arguments)."""
        return (_restore, (type(self), self.args, self.__dict__))


class ClientError(OssError, ValueError):
    """The input or configuration is invalid; the request was not sent.

    ``field`` names the rejected argument (``"bucket"``, ``"key"``,
    ``"server_side_encryption_key_id"``...) when it is known.

    User action: fix the named argument.
    """

    field: str | None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class CredentialsError(OssError):
    """No credentials could be obtained from the configured provider; nothing was sent.

    User action: set the environment variables, attach a RAM role, or pass explicit keys.
    """


class ServiceError(OssError):
    """OSS answered with a non-2xx status and (usually) an ``<Error>`` document.

    Attributes mirror the document: ``status`` (HTTP status), ``code`` (e.g.
    ``"NoSuchKey"``), ``message`` (OSS's message), ``request_id``, ``ec`` (the error's EC
    such as ``"0026-00000001"``), ``host_id`` and ``fields`` (every other element, e.g.
    ``ServerTime``). ``retryable`` says whether the same request, re-signed, may succeed.

    User action: catch a subclass (``NotFoundError``...) or match on ``code``.
    """

    status: int
    code: str
    message: str
    request_id: str | None
    ec: str | None
    host_id: str | None
    fields: dict[str, str]
    retryable: bool

    def __init__(
        self,
        status: int,
        code: str,
        message: str = "",
        request_id: str | None = None,
        ec: str | None = None,
        host_id: str | None = None,
        fields: Mapping[str, str] | None = None,
        *,
        retryable: bool = False,
        description: str | None = None,
    ) -> None:
        if description is None:
            description = f"OSS error {status} {code}"
            if message:
                description += f": {message}"
            if request_id:
                description += f" (request id {request_id})"
        super().__init__(description)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.ec = ec
        self.host_id = host_id
        self.fields = dict(fields or {})
        self.retryable = retryable


class NotFoundError(ServiceError):
    """404: no such bucket, key, upload or encryption rule."""


class AccessDeniedError(ServiceError):
    """401 / 403: bad credentials, signature or permissions (not clock skew)."""


class ConflictError(ServiceError):
    """409: the bucket or object already exists, or the bucket is not empty."""


class PreconditionFailedError(ServiceError):
    """412 / 304: a precondition did not hold."""


class InvalidArgumentError(ServiceError):
    """400: OSS rejected an argument, digest, XML document or algorithm."""


class RateLimitedError(ServiceError):
    """429 or a QPS / bandwidth limit code; retried by the client before it is raised."""


class ClockSkewError(ServiceError):
    """403 ``RequestTimeTooSkewed``: the signing clock is too far from OSS's."""


class ServerError(ServiceError):
    """5xx: OSS failed; retried by the client before it is raised."""


class TransportError(OssError):
    """The request could not be sent or the response could not be read.

    ``kind`` is one of ``"connect"``, ``"timeout"``, ``"io"``, ``"body"``, ``"other"``.
    Except for ``"connect"``, the request may have reached OSS.
    """

    kind: str

    def __init__(self, message: str, *, kind: str = "other") -> None:
        super().__init__(message)
        self.kind = kind


class ConnectError(TransportError, ConnectionError):
    """The connection could not be made (refused, DNS, TLS); the request was not sent."""


class RequestTimeoutError(TransportError, TimeoutError):
    """A connect, read (idle) or whole-operation timeout fired."""


class ParseError(OssError):
    """A response could not be interpreted (usually a proxy or server problem)."""


class IntegrityError(OssError):
    """The CRC-64 computed locally differs from OSS's ``x-oss-hash-crc64ecma``."""

    operation: str | None
    client_crc64: int | None
    server_crc64: int | None

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        client_crc64: int | None = None,
        server_crc64: int | None = None,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.client_crc64 = client_crc64
        self.server_crc64 = server_crc64


class FileError(OssError):
    """A local file could not be read or written (``path``, ``action``)."""

    path: str | None
    action: str | None

    def __init__(
        self, message: str, *, path: str | None = None, action: str | None = None
    ) -> None:
        super().__init__(message)
        self.path = path
        self.action = action
