"""A local OSS for tests: :class:`LocalOSS` runs the oss-sse emulator in this process.

The emulator verifies V1 / V4 signatures (header and presigned), keeps bucket encryption
rules, encrypts objects at rest (SSE-OSS AES256 / SM4, emulated SSE-KMS) and can inject
faults. It listens on a free loopback port.

As a context manager::

    from oss_sse.testing import LocalOSS

    with LocalOSS(kms_keys=["cmk-1"]) as oss:
        client = oss.client()
        client.put_bucket("examplebucket")

As a pytest fixture: installing the wheel registers this module as a pytest plugin
(entry point ``pytest11``), which provides ``local_oss``, one emulator for the whole test
session::

    def test_put(local_oss):
        client = local_oss.client()
        bucket = local_oss.unique_bucket()
        client.put_bucket(bucket)
"""

from __future__ import annotations

import itertools
import json
import os
import urllib.request
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any

from oss_sse._oss_sse import AsyncClient, Client, Config, Credentials, Emulator

__all__ = ["LocalOSS", "FIXTURE_KMS_KEYS"]

_counter = itertools.count()

#: KMS key ids the ``local_oss`` fixture's emulator knows.
FIXTURE_KMS_KEYS = ("test-cmk-1", "test-cmk-2")


class LocalOSS:
    """A local OSS running in this process.

    Parameters
    ----------
    region:
        The region signatures must be scoped to (default ``"cn-hangzhou"``).
    credentials:
        The accepted key, or several (the first is :attr:`credentials`): a test of
        rotating credentials hands them out in turn. Default: the development keys.
    kms_keys:
        Emulated KMS CMK ids that requests may name, besides the default CMK.
    data_dir:
        Persist buckets and (encrypted) objects there; in memory by default.
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        credentials: Credentials | Iterable[Credentials] | None = None,
        kms_keys: Iterable[str] = (),
        data_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self._region = region
        self._credentials: Credentials | tuple[Credentials, ...] | None = (
            credentials if credentials is None or isinstance(credentials, Credentials) else tuple(credentials)
        )
        self._kms_keys = tuple(kms_keys)
        self._data_dir = None if data_dir is None else os.fspath(data_dir)
        self._emulator: Emulator | None = None

    # -- lifecycle --

    def start(self) -> LocalOSS:
        """Starts serving (idempotent) and returns ``self``."""
        if self._emulator is None or not self._emulator.running:
            self._emulator = Emulator.start(
                region=self._region,
                credentials=self._credentials,
                kms_keys=list(self._kms_keys),
                data_dir=self._data_dir,
            )
        return self

    def stop(self) -> None:
        """Stops serving and closes connections (idempotent)."""
        if self._emulator is not None:
            self._emulator.shutdown()

    def __enter__(self) -> LocalOSS:
        """Starts the emulator."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stops the emulator."""
        self.stop()

    @property
    def _running(self) -> Emulator:
        if self._emulator is None or not self._emulator.running:
            raise RuntimeError("LocalOSS is not running; call start() or use it as a context manager")
        return self._emulator

    # -- where and who --

    @property
    def running(self) -> bool:
        """Whether the emulator is serving."""
        return self._emulator is not None and self._emulator.running

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self._running.endpoint

    @property
    def region(self) -> str:
        """The region to sign for."""
        return self._running.region

    @property
    def credentials(self) -> Credentials:
        """Credentials the emulator accepts."""
        return self._running.credentials

    @property
    def access_key_id(self) -> str:
        """The accepted AccessKey id."""
        return self.credentials.access_key_id

    @property
    def access_key_secret(self) -> str:
        """The accepted AccessKey secret."""
        return self.credentials.access_key_secret

    @property
    def kms_keys(self) -> tuple[str, ...]:
        """The extra KMS CMK ids it was started with."""
        return self._kms_keys

    def config(self) -> Config:
        """A sans-IO :class:`oss_sse.sansio.Config` for this emulator."""
        return Config(self.region, endpoint=self.endpoint)

    def client(self, **kwargs: Any) -> Client:
        """A blocking :class:`oss_sse.Client` for this emulator (``kwargs`` are passed on)."""
        kwargs.setdefault("credentials", self.credentials)
        return Client(self.region, endpoint=self.endpoint, **kwargs)

    def async_client(self, **kwargs: Any) -> AsyncClient:
        """An :class:`oss_sse.AsyncClient` for this emulator (``kwargs`` are passed on)."""
        kwargs.setdefault("credentials", self.credentials)
        return AsyncClient(self.region, endpoint=self.endpoint, **kwargs)

    @staticmethod
    def unique_bucket(prefix: str = "test") -> str:
        """A bucket name not used before in this process (``<prefix>-<pid>-<n>``)."""
        return f"{prefix}-{os.getpid()}-{next(_counter)}"

    # -- inspection --

    def default_kms_key_id(self) -> str:
        """The CMK id used for SSE-KMS without an explicit key id."""
        return self._running.default_kms_key_id()

    def object_count(self) -> int:
        """Number of objects stored (all buckets)."""
        return self._running.object_count()

    def open_uploads(self) -> int:
        """Number of multipart uploads in progress (all buckets)."""
        return self._running.open_uploads()

    # -- fault injection (the emulator's admin API) --

    def inject_fault(
        self,
        action: dict[str, Any],
        *,
        op: str | None = None,
        method: str | None = None,
        bucket: str | None = None,
        key_prefix: str | None = None,
        count: int | None = 1,
        probability: float | None = None,
    ) -> None:
        """Makes the next matching requests fail.

        ``action`` is one of ``{"kind": "error", "status": 503, "code": "..."}``,
        ``{"kind": "reset_request"}``, ``{"kind": "reset_response", "after_bytes": n}``,
        ``{"kind": "truncate", "after_bytes": n}``, ``{"kind": "corrupt"}``,
        ``{"kind": "stall", "after_bytes": n, "ms": m}`` (a pause mid-body) or
        ``{"kind": "delay", "ms": n}``. ``op`` is an OSS API name such as
        ``"PutObject"``; ``count`` limits how many requests it fires for (None: all).
        """
        rule = {
            "match": {"op": op, "method": method, "bucket": bucket, "key_prefix": key_prefix},
            "action": action,
            "count": count,
            "probability": probability,
        }
        self._admin("POST", "/-/faults", [rule])

    def clear_faults(self) -> None:
        """Removes every fault rule."""
        self._admin("DELETE", "/-/faults")

    def stats(self) -> dict[str, Any]:
        """The emulator's counters: ``requests``, ``faults_injected``, ``buckets``,
        ``objects``, ``open_uploads``."""
        out: dict[str, Any] = self._admin("GET", "/-/stats")
        return out

    def seed(
        self,
        bucket: str,
        count: int,
        *,
        prefix: str = "",
        start: int = 0,
        size: int = 0,
        server_side_encryption: str | None = None,
        server_side_encryption_key_id: str | None = None,
        server_side_data_encryption: str | None = None,
    ) -> int:
        """Creates ``count`` objects ``{prefix}{i:08}`` of ``size`` bytes in an existing
        bucket at once, without HTTP requests per object: real objects, encrypted as given
        or by the bucket's rule. Returns how many were created."""
        out: dict[str, Any] = self._admin(
            "POST",
            "/-/seed",
            {
                "bucket": bucket,
                "prefix": prefix,
                "start": start,
                "count": count,
                "size": size,
                "sse": server_side_encryption,
                "sse_key_id": server_side_encryption_key_id,
                "sse_data_encryption": server_side_data_encryption,
            },
            timeout=600,
        )
        return int(out["created"])

    def write_inventory(
        self,
        bucket: str,
        *,
        destination: str | None = None,
        prefix: str = "inventory/",
        rule_id: str = "inventory",
        rows_per_file: int = 50_000,
    ) -> str:
        """Writes a bucket inventory of ``bucket`` now, in OSS's layout, into
        ``destination`` (default: the bucket itself); returns
        ``"oss://<destination>/<...>/manifest.json"``."""
        dest = destination or bucket
        out: dict[str, Any] = self._admin(
            "POST",
            "/-/inventory",
            {
                "bucket": bucket,
                "destination": dest,
                "prefix": prefix,
                "id": rule_id,
                "rows_per_file": rows_per_file,
            },
            timeout=600,
        )
        return f"oss://{dest}/{out['manifest']}"

    def _admin(self, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.endpoint + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def __repr__(self) -> str:
        """Endpoint and state."""
        if self.running:
            return f"LocalOSS(endpoint={self.endpoint!r}, region={self.region!r})"
        return "LocalOSS(stopped)"


try:
    import pytest
except ImportError:  # pragma: no cover - pytest is optional
    pass
else:

    @pytest.fixture(scope="session")
    def local_oss() -> Iterator[LocalOSS]:
        """One :class:`LocalOSS` for the test session, with the KMS keys
        ``FIXTURE_KMS_KEYS``; use ``local_oss.unique_bucket()`` to keep tests apart."""
        with LocalOSS(kms_keys=FIXTURE_KMS_KEYS) as oss:
            yield oss
