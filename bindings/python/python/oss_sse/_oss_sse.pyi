"""Type stubs of the native module ``oss_sse._oss_sse`` (hand-written; checked by
``python -m mypy.stubtest oss_sse._oss_sse``). Import the public names from ``oss_sse``,
``oss_sse.sansio`` and ``oss_sse.testing``."""

import datetime
import os
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from typing import Any, Final, Generic, Protocol, TypeVar, final

__all__ = [
    "AbortMultipartUpload",
    "AbortMultipartUploadOutput",
    "AbortReport",
    "AppendObject",
    "AppendObjectOutput",
    "AsyncAuditIterator",
    "AsyncClient",
    "AsyncGetObjectResponse",
    "AsyncListIterator",
    "AsyncObjectBody",
    "AuditIterator",
    "AuditSummary",
    "BucketInfo",
    "ChainProvider",
    "Client",
    "CompleteMultipartUpload",
    "CompleteMultipartUploadOutput",
    "CompletedPart",
    "Config",
    "CopyObject",
    "CopyObjectOutput",
    "CopyOutput",
    "Credentials",
    "DeleteBucket",
    "DeleteBucketEncryption",
    "DeleteBucketEncryptionOutput",
    "DeleteBucketOutput",
    "DeleteObject",
    "DeleteObjectOutput",
    "DeleteObjectTagging",
    "DeleteObjectTaggingOutput",
    "DownloadFileOutput",
    "EcsRamRoleProvider",
    "Emulator",
    "EnvironmentProvider",
    "Finding",
    "GetBucketEncryption",
    "GetBucketInfo",
    "GetObject",
    "GetObjectOutput",
    "GetObjectResponse",
    "GetObjectTagging",
    "GetObjectTaggingOutput",
    "HeadObject",
    "InitiateMultipartUpload",
    "InitiateMultipartUploadOutput",
    "InventoryManifest",
    "ListIterator",
    "ListMultipartUploads",
    "ListMultipartUploadsOutput",
    "ListObjectsV2",
    "ListObjectsV2Output",
    "ListParts",
    "ListPartsOutput",
    "MultipartUpload",
    "ObjectBody",
    "ObjectHead",
    "ObjectSummary",
    "Owner",
    "PartSummary",
    "PresignedRequest",
    "PutBucket",
    "PutBucketEncryption",
    "PutBucketEncryptionOutput",
    "PutBucketOutput",
    "PutObject",
    "PutObjectOutput",
    "PutObjectTagging",
    "PutObjectTaggingOutput",
    "ReencryptResult",
    "ReencryptSummary",
    "Request",
    "ServerSideEncryption",
    "ServerSideEncryptionRule",
    "SignedRequest",
    "StaticProvider",
    "UploadFileOutput",
    "UploadPart",
    "UploadPartCopy",
    "UploadPartCopyOutput",
    "UploadPartOutput",
    "__version__",
    "parse_error",
    "sign",
]

__version__: Final[str]

_Data = bytes | bytearray | memoryview | str

class _Reader(Protocol):
    def read(self, size: int, /) -> bytes | bytearray | memoryview: ...

_UploadData = _Data | _Reader | Iterable[bytes | bytearray | memoryview]
_AsyncUploadData = _UploadData | AsyncIterable[bytes | bytearray | memoryview]
_HeaderValue = str | bytes
_Headers = Mapping[str, _HeaderValue] | Mapping[bytes, _HeaderValue] | Iterable[tuple[_HeaderValue, _HeaderValue]]
_Seconds = float | datetime.timedelta
_Time = float | datetime.datetime
_Progress = Callable[[int, int], object]
_SseArg = str | ServerSideEncryption | None
_PartArg = CompletedPart | UploadPartOutput | tuple[int, str]
_Range = tuple[int, int | None]
_Path = str | os.PathLike[str]
_Tags = Mapping[str, str] | Iterable[tuple[str, str]]
_T = TypeVar("_T")

# ---------------------------------------------------------------------------------------------
# Server-side encryption
# ---------------------------------------------------------------------------------------------

@final
class ServerSideEncryptionRule:
    def __new__(
        cls,
        sse_algorithm: str,
        kms_master_key_id: str | None = None,
        kms_data_encryption: str | None = None,
    ) -> ServerSideEncryptionRule: ...
    @staticmethod
    def aes256() -> ServerSideEncryptionRule: ...
    @staticmethod
    def sm4() -> ServerSideEncryptionRule: ...
    @staticmethod
    def kms(
        kms_master_key_id: str | None = None, kms_data_encryption: str | None = None
    ) -> ServerSideEncryptionRule: ...
    @property
    def sse_algorithm(self) -> str: ...
    @property
    def kms_master_key_id(self) -> str | None: ...
    @property
    def kms_data_encryption(self) -> str | None: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class ServerSideEncryption:
    def __new__(
        cls,
        server_side_encryption: str,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
    ) -> ServerSideEncryption: ...
    @staticmethod
    def aes256() -> ServerSideEncryption: ...
    @staticmethod
    def sm4() -> ServerSideEncryption: ...
    @staticmethod
    def kms(
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
    ) -> ServerSideEncryption: ...
    @property
    def server_side_encryption(self) -> str: ...
    @property
    def server_side_encryption_key_id(self) -> str | None: ...
    @property
    def server_side_data_encryption(self) -> str | None: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

# ---------------------------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------------------------

@final
class Credentials:
    def __new__(
        cls, access_key_id: str, access_key_secret: str, security_token: str | None = None
    ) -> Credentials: ...
    @property
    def access_key_id(self) -> str: ...
    @property
    def access_key_secret(self) -> str: ...
    @property
    def security_token(self) -> str | None: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __getnewargs_ex__(self) -> tuple[tuple[str, str, str | None], dict[str, str]]: ...

@final
class StaticProvider:
    def __new__(cls, credentials: Credentials) -> StaticProvider: ...
    def credentials(self) -> Credentials: ...
    def __getnewargs_ex__(self) -> tuple[tuple[Credentials], dict[str, str]]: ...

@final
class EnvironmentProvider:
    def __new__(cls) -> EnvironmentProvider: ...
    def credentials(self) -> Credentials: ...
    def __getnewargs_ex__(self) -> tuple[tuple[()], dict[str, str]]: ...

@final
class EcsRamRoleProvider:
    def __new__(
        cls,
        role: str | None = None,
        *,
        endpoint: str | None = None,
        refresh_before: _Seconds | None = None,
    ) -> EcsRamRoleProvider: ...
    def credentials(self) -> Credentials: ...
    def __getnewargs_ex__(self) -> tuple[tuple[str | None], dict[str, str | None]]: ...

class _PythonProvider(Protocol):
    # Returns Credentials, or (Credentials, expires) with expires a datetime or Unix
    # seconds; may be a coroutine function.
    def get_credentials(self) -> Any: ...

_Provider = StaticProvider | EnvironmentProvider | EcsRamRoleProvider | ChainProvider | _PythonProvider

@final
class ChainProvider:
    def __new__(cls, providers: Iterable[Credentials | _Provider]) -> ChainProvider: ...
    def credentials(self) -> Credentials: ...
    def __getnewargs_ex__(self) -> tuple[tuple[list[Any]], dict[str, str]]: ...

# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------

@final
class PutBucketEncryptionOutput:
    @property
    def request_id(self) -> str | None: ...

@final
class DeleteBucketEncryptionOutput:
    @property
    def request_id(self) -> str | None: ...

@final
class PutBucketOutput:
    @property
    def request_id(self) -> str | None: ...

@final
class DeleteBucketOutput:
    @property
    def request_id(self) -> str | None: ...

@final
class AbortMultipartUploadOutput:
    @property
    def request_id(self) -> str | None: ...

@final
class BucketInfo:
    @property
    def name(self) -> str | None: ...
    @property
    def location(self) -> str | None: ...
    @property
    def creation_date(self) -> str | None: ...
    @property
    def extranet_endpoint(self) -> str | None: ...
    @property
    def intranet_endpoint(self) -> str | None: ...
    @property
    def storage_class(self) -> str | None: ...
    @property
    def server_side_encryption_rule(self) -> ServerSideEncryptionRule | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class PutObjectOutput:
    @property
    def etag(self) -> str | None: ...
    @property
    def hash_crc64(self) -> int | None: ...
    @property
    def version_id(self) -> str | None: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class AppendObjectOutput:
    @property
    def next_position(self) -> int | None: ...
    @property
    def hash_crc64(self) -> int | None: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class ObjectHead:
    @property
    def content_length(self) -> int | None: ...
    @property
    def content_type(self) -> str | None: ...
    @property
    def cache_control(self) -> str | None: ...
    @property
    def content_disposition(self) -> str | None: ...
    @property
    def content_encoding(self) -> str | None: ...
    @property
    def content_language(self) -> str | None: ...
    @property
    def expires(self) -> str | None: ...
    @property
    def content_range(self) -> str | None: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...
    @property
    def hash_crc64(self) -> int | None: ...
    @property
    def object_type(self) -> str | None: ...
    @property
    def storage_class(self) -> str | None: ...
    @property
    def next_append_position(self) -> int | None: ...
    @property
    def version_id(self) -> str | None: ...
    @property
    def metadata(self) -> dict[str, str]: ...
    @property
    def tagging_count(self) -> int: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class GetObjectOutput:
    @property
    def head(self) -> ObjectHead: ...
    @property
    def body(self) -> bytes: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class ObjectBody:
    def read(self, n: int | None = -1, /) -> bytes: ...
    def read1(self, n: int | None = -1, /) -> bytes: ...
    def readinto(self, buffer: bytearray | memoryview, /) -> int: ...
    def iter_chunks(self, size: int = 1048576) -> ObjectBody: ...
    def __iter__(self) -> ObjectBody: ...
    def __next__(self) -> bytes: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def readable(self) -> bool: ...
    def seekable(self) -> bool: ...
    def writable(self) -> bool: ...
    def __enter__(self) -> ObjectBody: ...
    def __exit__(self, t: object | None, v: object | None, tb: object | None) -> bool: ...

@final
class GetObjectResponse:
    @property
    def head(self) -> ObjectHead: ...
    @property
    def body(self) -> ObjectBody: ...
    @property
    def content(self) -> bytes: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def request_id(self) -> str | None: ...
    def close(self) -> None: ...
    def __enter__(self) -> GetObjectResponse: ...
    def __exit__(self, t: object | None, v: object | None, tb: object | None) -> bool: ...

@final
class AsyncObjectBody:
    def read(self, n: int | None = -1, /) -> Awaitable[bytes]: ...
    def iter_chunks(self, size: int = 1048576) -> AsyncObjectBody: ...
    def __aiter__(self) -> AsyncObjectBody: ...
    def __anext__(self) -> Awaitable[bytes]: ...
    def close(self) -> Awaitable[None]: ...
    @property
    def closed(self) -> bool: ...
    def __aenter__(self) -> Awaitable[AsyncObjectBody]: ...
    def __aexit__(self, t: object | None, v: object | None, tb: object | None) -> Awaitable[bool]: ...

@final
class AsyncGetObjectResponse:
    @property
    def head(self) -> ObjectHead: ...
    @property
    def body(self) -> AsyncObjectBody: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def request_id(self) -> str | None: ...
    def close(self) -> Awaitable[None]: ...
    def __aenter__(self) -> Awaitable[AsyncGetObjectResponse]: ...
    def __aexit__(self, t: object | None, v: object | None, tb: object | None) -> Awaitable[bool]: ...

@final
class DeleteObjectOutput:
    @property
    def version_id(self) -> str | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class CopyObjectOutput:
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...
    @property
    def hash_crc64(self) -> int | None: ...
    @property
    def version_id(self) -> str | None: ...
    @property
    def source_version_id(self) -> str | None: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class InitiateMultipartUploadOutput:
    @property
    def bucket(self) -> str | None: ...
    @property
    def key(self) -> str | None: ...
    @property
    def upload_id(self) -> str: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class UploadPartOutput:
    @property
    def part_number(self) -> int: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def hash_crc64(self) -> int | None: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class CompleteMultipartUploadOutput:
    @property
    def bucket(self) -> str | None: ...
    @property
    def key(self) -> str | None: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def location(self) -> str | None: ...
    @property
    def hash_crc64(self) -> int | None: ...
    @property
    def version_id(self) -> str | None: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class PartSummary:
    @property
    def part_number(self) -> int: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def size(self) -> int: ...
    @property
    def hash_crc64(self) -> int | None: ...
    @property
    def last_modified(self) -> str | None: ...

@final
class ListPartsOutput:
    @property
    def bucket(self) -> str | None: ...
    @property
    def key(self) -> str | None: ...
    @property
    def upload_id(self) -> str | None: ...
    @property
    def parts(self) -> list[PartSummary]: ...
    @property
    def next_part_number_marker(self) -> int | None: ...
    @property
    def max_parts(self) -> int | None: ...
    @property
    def is_truncated(self) -> bool: ...
    @property
    def request_id(self) -> str | None: ...

@final
class UploadFileOutput:
    @property
    def etag(self) -> str | None: ...
    @property
    def hash_crc64(self) -> int | None: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def multipart(self) -> bool: ...
    @property
    def size(self) -> int: ...

@final
class DownloadFileOutput:
    @property
    def size(self) -> int: ...
    @property
    def hash_crc64(self) -> int: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...

@final
class Owner:
    @property
    def id(self) -> str | None: ...
    @property
    def display_name(self) -> str | None: ...

@final
class ObjectSummary:
    @property
    def key(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...
    @property
    def object_type(self) -> str | None: ...
    @property
    def storage_class(self) -> str | None: ...
    @property
    def restore_info(self) -> str | None: ...
    @property
    def transition_time(self) -> str | None: ...
    @property
    def owner(self) -> Owner | None: ...

@final
class MultipartUpload:
    @property
    def key(self) -> str: ...
    @property
    def upload_id(self) -> str: ...
    @property
    def storage_class(self) -> str | None: ...
    @property
    def initiated(self) -> str | None: ...

@final
class ListObjectsV2Output:
    @property
    def contents(self) -> list[ObjectSummary]: ...
    @property
    def common_prefixes(self) -> list[str]: ...
    @property
    def is_truncated(self) -> bool: ...
    @property
    def next_continuation_token(self) -> str | None: ...
    @property
    def key_count(self) -> int | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def prefix(self) -> str | None: ...
    @property
    def delimiter(self) -> str | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class ListMultipartUploadsOutput:
    @property
    def uploads(self) -> list[MultipartUpload]: ...
    @property
    def common_prefixes(self) -> list[str]: ...
    @property
    def is_truncated(self) -> bool: ...
    @property
    def next_key_marker(self) -> str | None: ...
    @property
    def next_upload_id_marker(self) -> str | None: ...
    @property
    def bucket(self) -> str | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class UploadPartCopyOutput:
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...
    @property
    def source_version_id(self) -> str | None: ...
    @property
    def hash_crc64(self) -> int | None: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def request_id(self) -> str | None: ...

@final
class CopyOutput:
    @property
    def etag(self) -> str | None: ...
    @property
    def hash_crc64(self) -> int | None: ...
    @property
    def size(self) -> int: ...
    @property
    def multipart(self) -> bool: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def source_etag(self) -> str: ...
    @property
    def source(self) -> ObjectHead: ...

@final
class AbortReport:
    @property
    def aborted(self) -> list[tuple[str, str]]: ...
    @property
    def kept(self) -> int: ...
    @property
    def failed(self) -> list[tuple[str, str, str]]: ...

@final
class GetObjectTaggingOutput:
    @property
    def tags(self) -> dict[str, str]: ...
    @property
    def request_id(self) -> str | None: ...

@final
class PutObjectTaggingOutput:
    @property
    def request_id(self) -> str | None: ...

@final
class DeleteObjectTaggingOutput:
    @property
    def request_id(self) -> str | None: ...

@final
class ListIterator(Generic[_T]):
    def __iter__(self) -> ListIterator[_T]: ...
    def __next__(self) -> _T: ...
    def pages(self) -> ListIterator[Any]: ...

@final
class AsyncListIterator(Generic[_T]):
    def __aiter__(self) -> AsyncListIterator[_T]: ...
    def __anext__(self) -> Awaitable[_T]: ...
    def pages(self) -> AsyncListIterator[Any]: ...

@final
class Finding:
    @property
    def key(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def verdict(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def needs_attention(self) -> bool: ...
    @property
    def server_side_encryption(self) -> ServerSideEncryption | None: ...
    @property
    def object_type(self) -> str | None: ...
    @property
    def etag(self) -> str | None: ...

@final
class AuditSummary:
    def __new__(cls, state: str | None = None) -> AuditSummary: ...
    @property
    def objects(self) -> int: ...
    @property
    def bytes(self) -> int: ...
    @property
    def compliant(self) -> int: ...
    @property
    def needing_attention(self) -> int: ...
    @property
    def by_verdict(self) -> dict[str, tuple[int, int]]: ...
    @property
    def by_algorithm(self) -> dict[str, tuple[int, int]]: ...
    @property
    def by_key_id(self) -> dict[str, tuple[int, int]]: ...
    @property
    def by_prefix(self) -> dict[str, tuple[int, int, int, int]]: ...
    @property
    def attention(self) -> list[tuple[str, str, str]]: ...
    def __add__(self, other: AuditSummary, /) -> AuditSummary: ...
    def __radd__(self, other: AuditSummary | int, /) -> AuditSummary: ...
    def report_html(self, bucket: str, *, prefix: str = "", policy: str = "any") -> str: ...
    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, str]]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class AuditIterator:
    def __iter__(self) -> AuditIterator: ...
    def __next__(self) -> Finding: ...
    @property
    def summary(self) -> AuditSummary: ...
    @property
    def policy(self) -> str | None: ...
    def report_html(self) -> str: ...

@final
class AsyncAuditIterator:
    def __aiter__(self) -> AsyncAuditIterator: ...
    def __anext__(self) -> Awaitable[Finding]: ...
    @property
    def summary(self) -> AuditSummary: ...
    @property
    def policy(self) -> str | None: ...
    def report_html(self) -> str: ...

@final
class ReencryptResult:
    def __new__(cls, key: str, size: int, outcome: str, detail: str) -> ReencryptResult: ...
    def __getnewargs_ex__(self) -> tuple[tuple[str, int, str, str], dict[str, str]]: ...
    @property
    def key(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def outcome(self) -> str: ...
    @property
    def detail(self) -> str: ...

@final
class ReencryptSummary:
    def __new__(
        cls,
        policy: str = "",
        objects: int = 0,
        bytes: int = 0,
        by_outcome: dict[str, tuple[int, int]] = ...,
        problems: list[ReencryptResult] = ...,
    ) -> ReencryptSummary: ...
    def __add__(self, other: ReencryptSummary, /) -> ReencryptSummary: ...
    def __radd__(self, other: ReencryptSummary | int, /) -> ReencryptSummary: ...
    def __getnewargs_ex__(
        self,
    ) -> tuple[tuple[str, int, int, dict[str, tuple[int, int]], list[ReencryptResult]], dict[str, str]]: ...
    @property
    def policy(self) -> str: ...
    @property
    def objects(self) -> int: ...
    @property
    def bytes(self) -> int: ...
    @property
    def by_outcome(self) -> dict[str, tuple[int, int]]: ...
    @property
    def all_compliant(self) -> bool: ...
    @property
    def problems(self) -> list[ReencryptResult]: ...

@final
class InventoryManifest:
    @property
    def source_bucket(self) -> str: ...
    @property
    def destination_bucket(self) -> str: ...
    @property
    def schema(self) -> list[str]: ...
    @property
    def files(self) -> list[str]: ...
    @property
    def creation_timestamp(self) -> int | None: ...

@final
class CompletedPart:
    def __new__(cls, part_number: int, etag: str) -> CompletedPart: ...
    @property
    def part_number(self) -> int: ...
    @property
    def etag(self) -> str: ...

@final
class PresignedRequest:
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def expiration(self) -> datetime.datetime: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...

# ---------------------------------------------------------------------------------------------
# Sans-IO
# ---------------------------------------------------------------------------------------------

@final
class Config:
    def __new__(
        cls,
        region: str,
        *,
        endpoint: str | None = None,
        endpoint_type: str | None = None,
        addressing_style: str | None = None,
        scheme: str | None = None,
        product: str | None = None,
    ) -> Config: ...
    @property
    def region(self) -> str: ...
    @property
    def product(self) -> str: ...
    @property
    def scheme(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def addressing_style(self) -> str: ...

@final
class Request:
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def body(self) -> bytes: ...
    @property
    def bucket(self) -> str | None: ...
    @property
    def key(self) -> str | None: ...

@final
class SignedRequest:
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def expiration(self) -> datetime.datetime | None: ...
    @property
    def canonical_request(self) -> str | None: ...
    @property
    def string_to_sign(self) -> str: ...
    @property
    def signature(self) -> str: ...

def sign(
    method: str,
    url: str,
    headers: _Headers,
    *,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
    region: str,
    bucket: str | None = None,
    key: str | None = None,
    version: str = "v4",
    signing_time: _Time,
    additional_headers: Iterable[str] = (),
    expires: _Seconds | None = None,
) -> SignedRequest: ...
def parse_error(status: int, headers: _Headers, body: _Data | None = None) -> Any: ...

class _Operation:
    """What every sans-IO operation offers (not a runtime class)."""

    def to_request(self, config: Config) -> Request: ...
    @property
    def name(self) -> str: ...
    @property
    def is_idempotent(self) -> bool: ...

@final
class PutBucketEncryption(_Operation):
    def __new__(
        cls,
        bucket: str,
        rule: ServerSideEncryptionRule | str,
        *,
        kms_master_key_id: str | None = None,
        kms_data_encryption: str | None = None,
    ) -> PutBucketEncryption: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> PutBucketEncryptionOutput: ...

@final
class GetBucketEncryption(_Operation):
    def __new__(cls, bucket: str) -> GetBucketEncryption: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> ServerSideEncryptionRule | None: ...

@final
class DeleteBucketEncryption(_Operation):
    def __new__(cls, bucket: str) -> DeleteBucketEncryption: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> DeleteBucketEncryptionOutput: ...

@final
class PutBucket(_Operation):
    def __new__(
        cls, bucket: str, *, storage_class: str | None = None, acl: str | None = None
    ) -> PutBucket: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> PutBucketOutput: ...

@final
class DeleteBucket(_Operation):
    def __new__(cls, bucket: str) -> DeleteBucket: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> DeleteBucketOutput: ...

@final
class GetBucketInfo(_Operation):
    def __new__(cls, bucket: str) -> GetBucketInfo: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> BucketInfo: ...

@final
class PutObject(_Operation):
    def __new__(
        cls,
        bucket: str,
        key: str,
        data: _Data,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tags: _Tags | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        content_md5: bool = False,
        forbid_overwrite: bool = False,
    ) -> PutObject: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> PutObjectOutput: ...

@final
class AppendObject(_Operation):
    def __new__(
        cls,
        bucket: str,
        key: str,
        position: int,
        data: _Data,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        content_md5: bool = False,
    ) -> AppendObject: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> AppendObjectOutput: ...

@final
class GetObject(_Operation):
    def __new__(
        cls, bucket: str, key: str, *, range: _Range | None = None, version_id: str | None = None
    ) -> GetObject: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> GetObjectOutput: ...
    def from_response_head(self, status: int, headers: _Headers) -> ObjectHead: ...

@final
class HeadObject(_Operation):
    def __new__(cls, bucket: str, key: str, *, version_id: str | None = None) -> HeadObject: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> ObjectHead: ...

@final
class DeleteObject(_Operation):
    def __new__(cls, bucket: str, key: str, *, version_id: str | None = None) -> DeleteObject: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> DeleteObjectOutput: ...

@final
class CopyObject(_Operation):
    def __new__(
        cls,
        source_bucket: str,
        source_key: str,
        bucket: str,
        key: str,
        *,
        source_version_id: str | None = None,
        metadata_directive: str | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tagging_directive: str | None = None,
        tags: _Tags | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        if_modified_since: _Time | None = None,
        if_unmodified_since: _Time | None = None,
        forbid_overwrite: bool = False,
    ) -> CopyObject: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> CopyObjectOutput: ...

@final
class InitiateMultipartUpload(_Operation):
    def __new__(
        cls,
        bucket: str,
        key: str,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tags: _Tags | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
    ) -> InitiateMultipartUpload: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> InitiateMultipartUploadOutput: ...

@final
class UploadPart(_Operation):
    def __new__(
        cls,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        data: _Data,
        *,
        content_md5: bool = False,
    ) -> UploadPart: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> UploadPartOutput: ...

@final
class CompleteMultipartUpload(_Operation):
    def __new__(
        cls, bucket: str, key: str, upload_id: str, parts: Iterable[_PartArg]
    ) -> CompleteMultipartUpload: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> CompleteMultipartUploadOutput: ...

@final
class AbortMultipartUpload(_Operation):
    def __new__(cls, bucket: str, key: str, upload_id: str) -> AbortMultipartUpload: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> AbortMultipartUploadOutput: ...

@final
class ListParts(_Operation):
    def __new__(
        cls,
        bucket: str,
        key: str,
        upload_id: str,
        *,
        max_parts: int | None = None,
        part_number_marker: int | None = None,
    ) -> ListParts: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> ListPartsOutput: ...

@final
class ListObjectsV2(_Operation):
    def __new__(
        cls,
        bucket: str,
        *,
        prefix: str | None = None,
        delimiter: str | None = None,
        start_after: str | None = None,
        continuation_token: str | None = None,
        max_keys: int | None = None,
        fetch_owner: bool = False,
    ) -> ListObjectsV2: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> ListObjectsV2Output: ...
    def next_page(self, previous: ListObjectsV2Output) -> ListObjectsV2 | None: ...

@final
class ListMultipartUploads(_Operation):
    def __new__(
        cls,
        bucket: str,
        *,
        prefix: str | None = None,
        delimiter: str | None = None,
        key_marker: str | None = None,
        upload_id_marker: str | None = None,
        max_uploads: int | None = None,
    ) -> ListMultipartUploads: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> ListMultipartUploadsOutput: ...
    def next_page(self, previous: ListMultipartUploadsOutput) -> ListMultipartUploads | None: ...

@final
class UploadPartCopy(_Operation):
    def __new__(
        cls,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        source_bucket: str,
        source_key: str,
        *,
        source_range: tuple[int, int] | None = None,
        source_version_id: str | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        if_modified_since: _Time | None = None,
        if_unmodified_since: _Time | None = None,
    ) -> UploadPartCopy: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> UploadPartCopyOutput: ...

@final
class PutObjectTagging(_Operation):
    def __new__(cls, bucket: str, key: str, tags: _Tags) -> PutObjectTagging: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> PutObjectTaggingOutput: ...

@final
class GetObjectTagging(_Operation):
    def __new__(cls, bucket: str, key: str, *, version_id: str | None = None) -> GetObjectTagging: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> GetObjectTaggingOutput: ...

@final
class DeleteObjectTagging(_Operation):
    def __new__(cls, bucket: str, key: str) -> DeleteObjectTagging: ...
    def from_response(
        self, status: int, headers: _Headers, body: _Data | None = None
    ) -> DeleteObjectTaggingOutput: ...

_AnyOperation = (
    PutBucketEncryption
    | GetBucketEncryption
    | DeleteBucketEncryption
    | PutBucket
    | DeleteBucket
    | GetBucketInfo
    | PutObject
    | AppendObject
    | GetObject
    | HeadObject
    | DeleteObject
    | CopyObject
    | InitiateMultipartUpload
    | UploadPart
    | CompleteMultipartUpload
    | AbortMultipartUpload
    | ListParts
    | ListObjectsV2
    | ListMultipartUploads
    | UploadPartCopy
    | PutObjectTagging
    | GetObjectTagging
    | DeleteObjectTagging
)

# ---------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------

@final
class Client:
    def __new__(
        cls,
        region: str,
        *,
        credentials: Credentials | _Provider | None = None,
        endpoint: str | None = None,
        endpoint_type: str | None = None,
        addressing_style: str | None = None,
        signature_version: str = "v4",
        max_attempts: int | None = None,
        retry_base_delay: _Seconds | None = None,
        retry_max_backoff: _Seconds | None = None,
        connect_timeout: _Seconds | None = None,
        read_timeout: _Seconds | None = None,
        operation_timeout: _Seconds | None = None,
        crc_check: bool = True,
    ) -> Client: ...
    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]: ...
    @property
    def region(self) -> str: ...
    @property
    def config(self) -> Config: ...
    @property
    def clock_offset_ms(self) -> int: ...
    def send(self, operation: _AnyOperation) -> Any: ...
    def presign(
        self, operation: _AnyOperation, *, expires: _Seconds | None = None
    ) -> PresignedRequest: ...
    def put_bucket_encryption(
        self,
        bucket: str,
        rule: ServerSideEncryptionRule | str,
        *,
        kms_master_key_id: str | None = None,
        kms_data_encryption: str | None = None,
    ) -> PutBucketEncryptionOutput: ...
    def get_bucket_encryption(self, bucket: str) -> ServerSideEncryptionRule | None: ...
    def delete_bucket_encryption(self, bucket: str) -> DeleteBucketEncryptionOutput: ...
    def put_bucket(
        self, bucket: str, *, storage_class: str | None = None, acl: str | None = None
    ) -> PutBucketOutput: ...
    def delete_bucket(self, bucket: str) -> DeleteBucketOutput: ...
    def get_bucket_info(self, bucket: str) -> BucketInfo: ...
    def put_object(
        self,
        bucket: str,
        key: str,
        data: _UploadData,
        *,
        length: int | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tags: _Tags | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        content_md5: bool = False,
        forbid_overwrite: bool = False,
    ) -> PutObjectOutput: ...
    def append_object(
        self,
        bucket: str,
        key: str,
        position: int,
        data: _UploadData,
        *,
        length: int | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        content_md5: bool = False,
    ) -> AppendObjectOutput: ...
    def get_object(
        self, bucket: str, key: str, *, range: _Range | None = None, version_id: str | None = None
    ) -> GetObjectResponse: ...
    def get_object_bytes(
        self, bucket: str, key: str, *, range: _Range | None = None, version_id: str | None = None
    ) -> GetObjectOutput: ...
    def head_object(self, bucket: str, key: str, *, version_id: str | None = None) -> ObjectHead: ...
    def delete_object(
        self, bucket: str, key: str, *, version_id: str | None = None
    ) -> DeleteObjectOutput: ...
    def copy_object(
        self,
        source_bucket: str,
        source_key: str,
        bucket: str,
        key: str,
        *,
        source_version_id: str | None = None,
        metadata_directive: str | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tagging_directive: str | None = None,
        tags: _Tags | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        if_modified_since: _Time | None = None,
        if_unmodified_since: _Time | None = None,
        forbid_overwrite: bool = False,
    ) -> CopyObjectOutput: ...
    def initiate_multipart_upload(
        self,
        bucket: str,
        key: str,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tags: _Tags | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
    ) -> InitiateMultipartUploadOutput: ...
    def upload_part(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        data: _UploadData,
        *,
        length: int | None = None,
        content_md5: bool = False,
    ) -> UploadPartOutput: ...
    def complete_multipart_upload(
        self, bucket: str, key: str, upload_id: str, parts: Iterable[_PartArg]
    ) -> CompleteMultipartUploadOutput: ...
    def abort_multipart_upload(
        self, bucket: str, key: str, upload_id: str
    ) -> AbortMultipartUploadOutput: ...
    def list_parts(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        *,
        max_parts: int | None = None,
        part_number_marker: int | None = None,
    ) -> ListPartsOutput: ...
    def upload_part_copy(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        source_bucket: str,
        source_key: str,
        *,
        source_range: tuple[int, int] | None = None,
        source_version_id: str | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        if_modified_since: _Time | None = None,
        if_unmodified_since: _Time | None = None,
    ) -> UploadPartCopyOutput: ...
    def copy(
        self,
        source_bucket: str,
        source_key: str,
        bucket: str,
        key: str,
        *,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tags: _Tags | None = None,
        forbid_overwrite: bool = False,
        source_etag: str | None = None,
        multipart_threshold: int | None = None,
        part_size: int | None = None,
        concurrency: int | None = None,
        progress: _Progress | None = None,
    ) -> CopyOutput: ...
    def list_objects_v2(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        delimiter: str | None = None,
        start_after: str | None = None,
        continuation_token: str | None = None,
        max_keys: int | None = 1000,
        fetch_owner: bool = False,
    ) -> ListIterator[ObjectSummary]: ...
    def list_multipart_uploads(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        delimiter: str | None = None,
        key_marker: str | None = None,
        upload_id_marker: str | None = None,
        max_uploads: int | None = 1000,
    ) -> ListIterator[MultipartUpload]: ...
    def abort_incomplete_uploads(
        self, bucket: str, *, prefix: str = "", older_than: _Seconds | None = None
    ) -> AbortReport: ...
    def audit(
        self,
        bucket: str,
        *,
        prefix: str = "",
        policy: str = "bucket",
        concurrency: int = 64,
        max_rps: int | None = None,
        inventory: str | None = None,
        inventory_files: list[int] | None = None,
        shard: str | None = None,
    ) -> AuditIterator: ...
    def reencrypt(
        self,
        bucket: str,
        *,
        prefix: str = "",
        to: str = "bucket",
        concurrency: int = 16,
        max_rps: int | None = None,
        dry_run: bool = False,
        journal: _Path | None = None,
        resume: bool = False,
        include_appendable: bool = False,
        inventory: str | None = None,
        inventory_files: list[int] | None = None,
        shard: str | None = None,
        progress: Callable[[ReencryptResult], object] | None = None,
    ) -> ReencryptSummary: ...
    def inventory_manifest(self, manifest: str) -> InventoryManifest: ...
    def put_object_tagging(self, bucket: str, key: str, tags: _Tags) -> PutObjectTaggingOutput: ...
    def get_object_tagging(
        self, bucket: str, key: str, *, version_id: str | None = None
    ) -> GetObjectTaggingOutput: ...
    def delete_object_tagging(self, bucket: str, key: str) -> DeleteObjectTaggingOutput: ...
    def upload_file(
        self,
        bucket: str,
        key: str,
        path: _Path,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        multipart_threshold: int | None = None,
        part_size: int | None = None,
        concurrency: int | None = None,
        progress: _Progress | None = None,
    ) -> UploadFileOutput: ...
    def download_file(
        self,
        bucket: str,
        key: str,
        path: _Path,
        *,
        multipart_threshold: int | None = None,
        part_size: int | None = None,
        concurrency: int | None = None,
        progress: _Progress | None = None,
    ) -> DownloadFileOutput: ...

@final
class AsyncClient:
    def __new__(
        cls,
        region: str,
        *,
        credentials: Credentials | _Provider | None = None,
        endpoint: str | None = None,
        endpoint_type: str | None = None,
        addressing_style: str | None = None,
        signature_version: str = "v4",
        max_attempts: int | None = None,
        retry_base_delay: _Seconds | None = None,
        retry_max_backoff: _Seconds | None = None,
        connect_timeout: _Seconds | None = None,
        read_timeout: _Seconds | None = None,
        operation_timeout: _Seconds | None = None,
        crc_check: bool = True,
    ) -> AsyncClient: ...
    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]: ...
    @property
    def region(self) -> str: ...
    @property
    def config(self) -> Config: ...
    @property
    def clock_offset_ms(self) -> int: ...
    def send(self, operation: _AnyOperation) -> Awaitable[Any]: ...
    def presign(
        self, operation: _AnyOperation, *, expires: _Seconds | None = None
    ) -> Awaitable[PresignedRequest]: ...
    def put_bucket_encryption(
        self,
        bucket: str,
        rule: ServerSideEncryptionRule | str,
        *,
        kms_master_key_id: str | None = None,
        kms_data_encryption: str | None = None,
    ) -> Awaitable[PutBucketEncryptionOutput]: ...
    def get_bucket_encryption(self, bucket: str) -> Awaitable[ServerSideEncryptionRule | None]: ...
    def delete_bucket_encryption(self, bucket: str) -> Awaitable[DeleteBucketEncryptionOutput]: ...
    def put_bucket(
        self, bucket: str, *, storage_class: str | None = None, acl: str | None = None
    ) -> Awaitable[PutBucketOutput]: ...
    def delete_bucket(self, bucket: str) -> Awaitable[DeleteBucketOutput]: ...
    def get_bucket_info(self, bucket: str) -> Awaitable[BucketInfo]: ...
    def put_object(
        self,
        bucket: str,
        key: str,
        data: _AsyncUploadData,
        *,
        length: int | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tags: _Tags | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        content_md5: bool = False,
        forbid_overwrite: bool = False,
    ) -> Awaitable[PutObjectOutput]: ...
    def append_object(
        self,
        bucket: str,
        key: str,
        position: int,
        data: _AsyncUploadData,
        *,
        length: int | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        content_md5: bool = False,
    ) -> Awaitable[AppendObjectOutput]: ...
    def get_object(
        self, bucket: str, key: str, *, range: _Range | None = None, version_id: str | None = None
    ) -> Awaitable[AsyncGetObjectResponse]: ...
    def get_object_bytes(
        self, bucket: str, key: str, *, range: _Range | None = None, version_id: str | None = None
    ) -> Awaitable[GetObjectOutput]: ...
    def head_object(
        self, bucket: str, key: str, *, version_id: str | None = None
    ) -> Awaitable[ObjectHead]: ...
    def delete_object(
        self, bucket: str, key: str, *, version_id: str | None = None
    ) -> Awaitable[DeleteObjectOutput]: ...
    def copy_object(
        self,
        source_bucket: str,
        source_key: str,
        bucket: str,
        key: str,
        *,
        source_version_id: str | None = None,
        metadata_directive: str | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tagging_directive: str | None = None,
        tags: _Tags | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        if_modified_since: _Time | None = None,
        if_unmodified_since: _Time | None = None,
        forbid_overwrite: bool = False,
    ) -> Awaitable[CopyObjectOutput]: ...
    def initiate_multipart_upload(
        self,
        bucket: str,
        key: str,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tags: _Tags | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
    ) -> Awaitable[InitiateMultipartUploadOutput]: ...
    def upload_part(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        data: _AsyncUploadData,
        *,
        length: int | None = None,
        content_md5: bool = False,
    ) -> Awaitable[UploadPartOutput]: ...
    def complete_multipart_upload(
        self, bucket: str, key: str, upload_id: str, parts: Iterable[_PartArg]
    ) -> Awaitable[CompleteMultipartUploadOutput]: ...
    def abort_multipart_upload(
        self, bucket: str, key: str, upload_id: str
    ) -> Awaitable[AbortMultipartUploadOutput]: ...
    def list_parts(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        *,
        max_parts: int | None = None,
        part_number_marker: int | None = None,
    ) -> Awaitable[ListPartsOutput]: ...
    def upload_part_copy(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        source_bucket: str,
        source_key: str,
        *,
        source_range: tuple[int, int] | None = None,
        source_version_id: str | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        if_modified_since: _Time | None = None,
        if_unmodified_since: _Time | None = None,
    ) -> Awaitable[UploadPartCopyOutput]: ...
    def copy(
        self,
        source_bucket: str,
        source_key: str,
        bucket: str,
        key: str,
        *,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tags: _Tags | None = None,
        forbid_overwrite: bool = False,
        source_etag: str | None = None,
        multipart_threshold: int | None = None,
        part_size: int | None = None,
        concurrency: int | None = None,
        progress: _Progress | None = None,
    ) -> Awaitable[CopyOutput]: ...
    def list_objects_v2(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        delimiter: str | None = None,
        start_after: str | None = None,
        continuation_token: str | None = None,
        max_keys: int | None = 1000,
        fetch_owner: bool = False,
    ) -> AsyncListIterator[ObjectSummary]: ...
    def list_multipart_uploads(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        delimiter: str | None = None,
        key_marker: str | None = None,
        upload_id_marker: str | None = None,
        max_uploads: int | None = 1000,
    ) -> AsyncListIterator[MultipartUpload]: ...
    def abort_incomplete_uploads(
        self, bucket: str, *, prefix: str = "", older_than: _Seconds | None = None
    ) -> Awaitable[AbortReport]: ...
    def audit(
        self,
        bucket: str,
        *,
        prefix: str = "",
        policy: str = "bucket",
        concurrency: int = 64,
        max_rps: int | None = None,
        inventory: str | None = None,
        inventory_files: list[int] | None = None,
        shard: str | None = None,
    ) -> AsyncAuditIterator: ...
    def reencrypt(
        self,
        bucket: str,
        *,
        prefix: str = "",
        to: str = "bucket",
        concurrency: int = 16,
        max_rps: int | None = None,
        dry_run: bool = False,
        journal: _Path | None = None,
        resume: bool = False,
        include_appendable: bool = False,
        inventory: str | None = None,
        inventory_files: list[int] | None = None,
        shard: str | None = None,
        progress: Callable[[ReencryptResult], object] | None = None,
    ) -> Awaitable[ReencryptSummary]: ...
    def inventory_manifest(self, manifest: str) -> Awaitable[InventoryManifest]: ...
    def put_object_tagging(self, bucket: str, key: str, tags: _Tags) -> Awaitable[PutObjectTaggingOutput]: ...
    def get_object_tagging(
        self, bucket: str, key: str, *, version_id: str | None = None
    ) -> Awaitable[GetObjectTaggingOutput]: ...
    def delete_object_tagging(self, bucket: str, key: str) -> Awaitable[DeleteObjectTaggingOutput]: ...
    def upload_file(
        self,
        bucket: str,
        key: str,
        path: _Path,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        server_side_encryption: _SseArg = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
        multipart_threshold: int | None = None,
        part_size: int | None = None,
        concurrency: int | None = None,
        progress: _Progress | None = None,
    ) -> Awaitable[UploadFileOutput]: ...
    def download_file(
        self,
        bucket: str,
        key: str,
        path: _Path,
        *,
        multipart_threshold: int | None = None,
        part_size: int | None = None,
        concurrency: int | None = None,
        progress: _Progress | None = None,
    ) -> Awaitable[DownloadFileOutput]: ...

# ---------------------------------------------------------------------------------------------
# Local OSS
# ---------------------------------------------------------------------------------------------

@final
class Emulator:
    @staticmethod
    def start(
        *,
        region: str | None = None,
        credentials: Credentials | Iterable[Credentials] | None = None,
        kms_keys: Iterable[str] = (),
        data_dir: str | os.PathLike[str] | None = None,
    ) -> Emulator: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def credentials(self) -> Credentials: ...
    @property
    def running(self) -> bool: ...
    def default_kms_key_id(self) -> str: ...
    def object_count(self) -> int: ...
    def open_uploads(self) -> int: ...
    def shutdown(self) -> None: ...
