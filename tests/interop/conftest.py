"""Fixtures for the oss2 interop tests: one emulator process for the whole session.

The emulator binary is ``$OSS_SSE_EMULATOR_BIN`` if set, else ``target/debug/oss-sse-emulator``
(``scripts/interop-tests.sh`` builds it). It listens on a free loopback port with a fresh
``--data-dir`` and prints its endpoint as the first stdout line once it is ready.
"""

import os
import selectors
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import oss2
import pytest

REPO = Path(__file__).resolve().parents[2]
REGION = "cn-hangzhou"
ACCESS_KEY_ID = "AKID"
ACCESS_KEY_SECRET = "SECRET"
# A customer master key id the emulated KMS knows (passed with --kms-key).
KMS_KEY_ID = "9468da86-3509-4f8d-a61e-6eab1eac0001"
START_TIMEOUT_SECS = 30

# Never send loopback traffic through a proxy from the environment.
os.environ["NO_PROXY"] = ",".join(
    x for x in ("127.0.0.1", "localhost", os.environ.get("NO_PROXY", "")) if x
)
os.environ["no_proxy"] = os.environ["NO_PROXY"]


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    region: str
    access_key_id: str
    access_key_secret: str
    kms_key_id: str
    log: Path


def _binary() -> Path:
    env = os.environ.get("OSS_SSE_EMULATOR_BIN")
    path = Path(env) if env else REPO / "target" / "debug" / "oss-sse-emulator"
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"emulator binary not found at {path}: run `cargo build -p oss-sse-emulator` "
            "or set OSS_SSE_EMULATOR_BIN",
            pytrace=False,
        )
    return path


def _read_first_line(proc: subprocess.Popen, log: Path) -> str:
    """The first stdout line, waiting at most START_TIMEOUT_SECS for it."""
    deadline = time.monotonic() + START_TIMEOUT_SECS
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    try:
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("timed out")
            if not sel.select(timeout=left):
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError(f"exited with status {proc.wait()}")
            buf += chunk
    except RuntimeError as e:
        proc.kill()
        proc.wait()
        pytest.fail(
            f"emulator did not print its endpoint ({e}); stderr:\n{log.read_text(errors='replace')}",
            pytrace=False,
        )
    finally:
        sel.close()
    return buf.split(b"\n", 1)[0].decode().strip()


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("emulator-data")
    log = tmp_path_factory.mktemp("emulator-log") / "stderr.log"
    cmd = [
        str(_binary()),
        "--listen", "127.0.0.1:0",
        "--region", REGION,
        "--access-key-id", ACCESS_KEY_ID,
        "--access-key-secret", ACCESS_KEY_SECRET,
        "--data-dir", str(data_dir),
        "--kms-key", KMS_KEY_ID,
    ]
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
    try:
        endpoint = _read_first_line(proc, log)
        assert endpoint.startswith("http://127.0.0.1:"), f"unexpected endpoint line {endpoint!r}"
        yield Emulator(endpoint, REGION, ACCESS_KEY_ID, ACCESS_KEY_SECRET, KMS_KEY_ID, log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # graceful: the emulator stops on Ctrl-C
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()


AUTH_KINDS = ["v1", "v4"]


def make_auth(kind: str, access_key_id: str, access_key_secret: str):
    if kind == "v1":
        return oss2.Auth(access_key_id, access_key_secret)
    if kind == "v4":
        return oss2.AuthV4(access_key_id, access_key_secret)
    raise ValueError(kind)


@pytest.fixture(params=AUTH_KINDS)
def auth_kind(request) -> str:
    """Every test runs with oss2.Auth (Signature V1) and oss2.AuthV4 (Signature V4)."""
    return request.param


def _open_bucket(emulator: Emulator, kind: str, name: str, secret: str | None = None) -> oss2.Bucket:
    auth = make_auth(kind, emulator.access_key_id, secret or emulator.access_key_secret)
    # An IP endpoint makes oss2 use path-style URLs (http://127.0.0.1:PORT/<bucket>/<key>).
    # enable_crc stays on (the default): oss2 checks x-oss-hash-crc64ecma on uploads.
    return oss2.Bucket(auth, emulator.endpoint, name, region=emulator.region, enable_crc=True)


@pytest.fixture
def open_bucket(emulator, auth_kind):
    """open_bucket(name, secret=None) -> oss2.Bucket with this test's auth kind."""

    def opener(name: str, secret: str | None = None) -> oss2.Bucket:
        return _open_bucket(emulator, auth_kind, name, secret)

    return opener


@pytest.fixture
def new_bucket_name(auth_kind) -> str:
    return f"it-{auth_kind}-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def bucket(open_bucket, new_bucket_name) -> oss2.Bucket:
    """A freshly created, empty bucket without a default encryption rule."""
    b = open_bucket(new_bucket_name)
    assert b.create_bucket().status == 200
    return b
