"""Shared fixtures: the session emulator comes from the ``local_oss`` fixture that
``oss_sse.testing`` registers as a pytest plugin; each test gets fresh buckets."""

from __future__ import annotations

import json
import pathlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import oss_sse
from oss_sse.testing import FIXTURE_KMS_KEYS, LocalOSS

REPO = pathlib.Path(__file__).resolve().parents[3]
CORE_TESTS = REPO / "crates" / "oss-sse-core" / "tests"
SIGNING_VECTORS = CORE_TESTS / "vectors" / "signing.json"
FIXTURES = CORE_TESTS / "fixtures"

KMS_KEY = FIXTURE_KMS_KEYS[0]

#: (server_side_encryption argument, key id, data encryption, expected algorithm, key id, data)
SSE_CASES = [
    pytest.param("AES256", None, None, "AES256", None, None, id="aes256"),
    pytest.param("SM4", None, None, "SM4", None, None, id="sm4"),
    pytest.param("KMS", KMS_KEY, None, "KMS", KMS_KEY, None, id="kms-key"),
    pytest.param("KMS", KMS_KEY, "SM4", "KMS", KMS_KEY, "SM4", id="kms-key-sm4"),
    pytest.param("kms", None, None, "KMS", "<default>", None, id="kms-default"),
    pytest.param(
        oss_sse.ServerSideEncryption.kms(KMS_KEY), None, None, "KMS", KMS_KEY, None, id="object"
    ),
]


@pytest.fixture
def oss(local_oss: LocalOSS) -> Iterator[LocalOSS]:
    """The session emulator, with no fault rule left over from a previous test."""
    local_oss.clear_faults()
    yield local_oss
    local_oss.clear_faults()


@pytest.fixture
def client(oss: LocalOSS) -> oss_sse.Client:
    """A blocking client for the emulator."""
    return oss.client()


@pytest.fixture
def aclient(oss: LocalOSS) -> oss_sse.AsyncClient:
    """An asyncio client for the emulator."""
    return oss.async_client()


@pytest.fixture
def bucket(oss: LocalOSS, client: oss_sse.Client) -> str:
    """A fresh, empty bucket."""
    name = oss.unique_bucket()
    client.put_bucket(name)
    return name


def default_kms(oss: LocalOSS, expected: str | None) -> str | None:
    """Resolves the ``<default>`` placeholder of ``SSE_CASES``."""
    return oss.default_kms_key_id() if expected == "<default>" else expected


class FakeEcsMetadata:
    """A tiny ECS instance metadata service on a loopback port."""

    def __init__(self, role: str, creds: oss_sse.Credentials, expiration: str) -> None:
        self.role = role
        self.creds = creds
        self.expiration = expiration
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                outer.requests.append(self.path)
                base = "/latest/meta-data/ram/security-credentials/"
                if self.path == base:
                    body = outer.role.encode()
                elif self.path == base + outer.role:
                    body = json.dumps(
                        {
                            "Code": "Success",
                            "AccessKeyId": outer.creds.access_key_id,
                            "AccessKeySecret": outer.creds.access_key_secret,
                            "SecurityToken": outer.creds.security_token,
                            "Expiration": outer.expiration,
                        }
                    ).encode()
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeEcsMetadata:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sts_oss() -> Iterator[tuple[LocalOSS, oss_sse.Credentials]]:
    """An emulator that accepts only STS credentials (key, secret and security token)."""
    creds = oss_sse.Credentials("STS.test-akid", "sts-secret", "sts-token-value")
    with LocalOSS(credentials=creds) as local:
        yield local, creds
