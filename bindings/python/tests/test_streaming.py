"""Streamed downloads (``get_object`` bodies) and uploads from files and iterators."""

from __future__ import annotations

import array
import asyncio
import datetime
import gzip
import io
import os
import random
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest

import oss_sse
from oss_sse.testing import LocalOSS

DATA = random.Random(1).randbytes(1 << 20) + b"tail"  # 1 MiB + 4 bytes, no repeats


@pytest.fixture
def obj(client: oss_sse.Client, bucket: str) -> str:
    client.put_object(bucket, "big", DATA, server_side_encryption="SM4")
    return "big"


# ---- blocking bodies --------------------------------------------------------------------------


def test_read_n_returns_exactly_n_until_the_end(client: oss_sse.Client, bucket: str, obj: str) -> None:
    r = client.get_object(bucket, obj)
    assert r.head.content_length == len(DATA)
    assert r.server_side_encryption is not None
    assert r.server_side_encryption.server_side_encryption == "SM4"
    assert r.request_id
    got = []
    while chunk := r.body.read(300_000):
        got.append(chunk)
    assert [len(c) for c in got] == [300_000] * 3 + [len(DATA) - 900_000]
    assert b"".join(got) == DATA
    assert r.body.read() == b""
    assert r.body.read(10) == b""


def test_read_all_and_content(client: oss_sse.Client, bucket: str, obj: str) -> None:
    assert client.get_object(bucket, obj).body.read() == DATA
    r = client.get_object(bucket, obj)
    head = r.body.read(5)
    assert head + r.content == DATA
    assert client.get_object(bucket, obj).body.read(-1) == DATA
    assert client.get_object(bucket, obj).body.read(None) == DATA


def test_iteration_yields_1_mib_chunks(client: oss_sse.Client, bucket: str, obj: str) -> None:
    chunks = list(client.get_object(bucket, obj).body)
    assert [len(c) for c in chunks] == [1 << 20, 4]
    assert b"".join(chunks) == DATA


def test_iter_chunks(client: oss_sse.Client, bucket: str, obj: str) -> None:
    chunks = list(client.get_object(bucket, obj).body.iter_chunks(100_000))
    assert all(len(c) == 100_000 for c in chunks[:-1])
    assert b"".join(chunks) == DATA
    with pytest.raises(oss_sse.ClientError, match="size"):
        client.get_object(bucket, obj).body.iter_chunks(0)


def test_readinto_and_buffered_reader(client: oss_sse.Client, bucket: str, obj: str) -> None:
    body = client.get_object(bucket, obj).body
    buf = bytearray(700_000)
    assert body.readinto(buf) == 700_000
    assert bytes(buf) == DATA[:700_000]
    n = body.readinto(memoryview(buf))
    assert n == len(DATA) - 700_000
    assert bytes(buf[:n]) == DATA[700_000:]
    assert body.readinto(buf) == 0
    with pytest.raises(TypeError):
        client.get_object(bucket, obj).body.readinto(b"read-only")
    # Usable wherever a raw binary stream is.
    reader = io.BufferedReader(client.get_object(bucket, obj).body)  # type: ignore[arg-type]
    assert reader.read(10) == DATA[:10]
    assert reader.read() == DATA[10:]


def test_with_block_closes(client: oss_sse.Client, bucket: str, obj: str) -> None:
    with client.get_object(bucket, obj) as r:
        assert r.body.read(3) == DATA[:3]
    assert r.body.closed
    with pytest.raises(ValueError, match="closed"):
        r.body.read(1)
    with client.get_object(bucket, obj).body as body:
        assert body.read(1) == DATA[:1]
    assert body.closed
    # An unfinished body's connection is dropped; the client carries on.
    for _ in range(3):
        r = client.get_object(bucket, obj)
        r.body.read(10)
        r.close()
    assert client.get_object_bytes(bucket, obj).body == DATA


def test_range_streams(client: oss_sse.Client, bucket: str, obj: str) -> None:
    r = client.get_object(bucket, obj, range=(10, 99))
    assert r.head.content_length == 90
    assert r.body.read() == DATA[10:100]


def test_not_found_raises_before_a_body(client: oss_sse.Client, bucket: str) -> None:
    with pytest.raises(oss_sse.NotFoundError):
        client.get_object(bucket, "missing")


def test_corrupted_stream_raises_integrity_error_at_the_end(
    oss: LocalOSS, client: oss_sse.Client, bucket: str, obj: str
) -> None:
    oss.inject_fault({"kind": "corrupt"}, op="GetObject", count=1)
    body = client.get_object(bucket, obj).body
    first = body.read(1 << 20)  # the bytes come through as they arrive...
    assert len(first) == 1 << 20
    with pytest.raises(oss_sse.IntegrityError) as e:  # ...and the end is checked
        body.read()
    assert e.value.client_crc64 != e.value.server_crc64
    # Same through iteration.
    oss.inject_fault({"kind": "corrupt"}, op="GetObject", count=1)
    with pytest.raises(oss_sse.IntegrityError):
        for _ in client.get_object(bucket, obj).body:
            pass
    # Without the check the corrupted bytes come through; a range is never checked.
    oss.inject_fault({"kind": "corrupt"}, op="GetObject", count=1)
    assert oss.client(crc_check=False).get_object(bucket, obj).body.read() != DATA


def test_reads_from_threads_never_interleave(client: oss_sse.Client, bucket: str, obj: str) -> None:
    import concurrent.futures

    body = client.get_object(bucket, obj).body
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        pieces = list(pool.map(lambda _: body.read(65536), range(17)))
    assert sorted(len(p) for p in pieces) == [4] + [65536] * 16
    # Every piece is a 64 KiB-aligned slice of the object.
    offsets = sorted(DATA.index(p) if len(p) > 4 else len(DATA) - 4 for p in pieces)
    assert offsets == [i * 65536 for i in range(17)]


# ---- asyncio bodies ---------------------------------------------------------------------------


async def test_async_read_and_iterate(aclient: oss_sse.AsyncClient, client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "a", DATA)
    r = await aclient.get_object(bucket, "a")
    assert r.head.content_length == len(DATA)
    assert await r.body.read(10) == DATA[:10]
    assert await r.body.read() == DATA[10:]
    assert await r.body.read() == b""
    r = await aclient.get_object(bucket, "a")
    chunks = [c async for c in r.body]
    assert [len(c) for c in chunks] == [1 << 20, 4]
    r = await aclient.get_object(bucket, "a")
    assert b"".join([c async for c in r.body.iter_chunks(4096)]) == DATA


async def test_async_with_closes(aclient: oss_sse.AsyncClient, client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "a", DATA)
    async with await aclient.get_object(bucket, "a") as r:
        assert await r.body.read(2) == DATA[:2]
    assert r.body.closed
    with pytest.raises(ValueError, match="closed"):
        await r.body.read()
    r = await aclient.get_object(bucket, "a")
    async with r.body as body:
        assert await body.read(1) == DATA[:1]
    assert body.closed


async def test_async_corrupted_stream(oss: LocalOSS, aclient: oss_sse.AsyncClient, client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "a", DATA)
    oss.inject_fault({"kind": "corrupt"}, op="GetObject", count=1)
    r = await aclient.get_object(bucket, "a")
    with pytest.raises(oss_sse.IntegrityError):
        async for _ in r.body:
            pass


async def test_a_cancelled_read_poisons_the_body(
    oss: LocalOSS, aclient: oss_sse.AsyncClient, client: oss_sse.Client, bucket: str
) -> None:
    client.put_object(bucket, "a", DATA)
    # The emulator stalls mid-body, so the read is cancelled while it holds bytes.
    oss.inject_fault({"kind": "stall", "after_bytes": 1000, "ms": 3000}, op="GetObject")
    r = await aclient.get_object(bucket, "a")
    task = asyncio.ensure_future(r.body.read())
    await asyncio.sleep(0.3)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ValueError, match="interrupted"):
        await r.body.read(1)


# ---- uploads ----------------------------------------------------------------------------------


def test_upload_from_open_file(client: oss_sse.Client, bucket: str, tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "f.bin")
    with open(path, "wb") as f:
        f.write(DATA)
    with open(path, "rb") as f:
        out = client.put_object(bucket, "f", f, server_side_encryption="KMS")
    assert out.server_side_encryption is not None
    assert out.server_side_encryption.server_side_encryption == "KMS"
    assert client.get_object_bytes(bucket, "f").body == DATA
    # From where the file is, and no further than ``length``.
    with open(path, "rb") as f:
        f.seek(100)
        client.put_object(bucket, "f2", f, length=50)
    assert client.get_object_bytes(bucket, "f2").body == DATA[100:150]
    with open(path, "rb") as f, pytest.raises(oss_sse.ClientError, match="length"):
        client.put_object(bucket, "f3", f, length=len(DATA) + 1)
    # BytesIO is a seekable file too.
    client.put_object(bucket, "bio", io.BytesIO(DATA))
    assert client.get_object_bytes(bucket, "bio").body == DATA


def _gen(parts: int = 8, size: int = 100_000) -> Iterator[bytes]:
    for i in range(parts):
        yield bytes([i]) * size


def test_upload_from_generator(client: oss_sse.Client, bucket: str) -> None:
    expected = b"".join(_gen())
    client.put_object(bucket, "g", _gen(), length=len(expected), content_type="application/x-test")
    got = client.get_object_bytes(bucket, "g")
    assert got.body == expected
    assert got.head.content_type == "application/x-test"
    # A list of chunks, bytearray and memoryview chunks.
    client.put_object(bucket, "l", [b"ab", bytearray(b"cd"), memoryview(b"ef")], length=6)
    assert client.get_object_bytes(bucket, "l").body == b"abcdef"


def test_stream_arguments_are_checked(client: oss_sse.Client, bucket: str) -> None:
    with pytest.raises(oss_sse.ClientError, match="length"):
        client.put_object(bucket, "g", _gen())
    with pytest.raises(oss_sse.ClientError, match="content_md5"):
        client.put_object(bucket, "g", _gen(), length=800_000, content_md5=True)
    with pytest.raises(oss_sse.ClientError, match="length"):
        client.put_object(bucket, "g", b"abc", length=4)
    with pytest.raises(TypeError, match="int"):
        client.put_object(bucket, "g", 42)  # type: ignore[arg-type]
    # A stream that ends early or runs long fails, and nothing is stored.
    with pytest.raises(oss_sse.OssError, match="ended after 800000 of its declared 900000"):
        client.put_object(bucket, "short", _gen(), length=900_000)
    with pytest.raises(oss_sse.OssError, match="more than the declared length"):
        client.put_object(bucket, "long", _gen(), length=700_000)
    names = [o.key for o in client.list_objects_v2(bucket)]
    assert "short" not in names and "long" not in names


def test_generator_errors_propagate(client: oss_sse.Client, bucket: str) -> None:
    def bad() -> Iterator[bytes]:
        yield b"x" * 10
        raise RuntimeError("disk on fire")

    with pytest.raises(oss_sse.OssError, match="disk on fire"):
        client.put_object(bucket, "bad", bad(), length=20)


def test_non_seekable_file_needs_length(client: oss_sse.Client, bucket: str) -> None:
    r, w = os.pipe()
    os.write(w, b"piped bytes")
    os.close(w)
    with os.fdopen(r, "rb", buffering=0) as pipe:
        with pytest.raises(oss_sse.ClientError, match="length"):
            client.put_object(bucket, "p", pipe)
        client.put_object(bucket, "p", pipe, length=11)
    assert client.get_object_bytes(bucket, "p").body == b"piped bytes"


def test_seekable_file_is_replayed_on_retry(oss: LocalOSS, bucket: str) -> None:
    client = oss.client(max_attempts=3)
    before = oss.stats()["requests"]
    oss.inject_fault({"kind": "reset_request"}, op="PutObject", count=1)
    client.put_object(bucket, "r", io.BytesIO(DATA))
    assert oss.stats()["requests"] - before == 2
    assert client.get_object_bytes(bucket, "r").body == DATA


def test_generator_is_not_replayed(oss: LocalOSS, bucket: str) -> None:
    client = oss.client(max_attempts=3)
    pulled = 0

    def counted() -> Iterator[bytes]:
        nonlocal pulled
        for chunk in _gen():
            pulled += 1
            yield chunk

    before = oss.stats()["requests"]
    oss.inject_fault({"kind": "reset_request"}, op="PutObject", count=1)
    with pytest.raises(oss_sse.TransportError):
        client.put_object(bucket, "r", counted(), length=800_000)
    assert oss.stats()["requests"] - before == 1
    assert pulled <= 8


def test_append_and_upload_part_stream(client: oss_sse.Client, bucket: str) -> None:
    first = client.append_object(bucket, "ap", 0, io.BytesIO(b"hello "))
    assert first.next_position == 6
    client.append_object(bucket, "ap", 6, iter([b"wor", b"ld"]), length=5)
    assert client.get_object_bytes(bucket, "ap").body == b"hello world"

    up = client.initiate_multipart_upload(bucket, "mp", server_side_encryption="AES256")
    p1 = client.upload_part(bucket, "mp", up.upload_id, 1, io.BytesIO(b"a" * (100 << 10)))
    p2 = client.upload_part(bucket, "mp", up.upload_id, 2, _gen(2, 10), length=20)
    client.complete_multipart_upload(bucket, "mp", up.upload_id, [p1, p2])
    assert client.get_object_bytes(bucket, "mp").body == b"a" * (100 << 10) + b"".join(_gen(2, 10))


async def test_async_uploads(aclient: oss_sse.AsyncClient, client: oss_sse.Client, bucket: str) -> None:
    await aclient.put_object(bucket, "f", io.BytesIO(DATA))
    await aclient.put_object(bucket, "g", _gen(), length=800_000)
    assert client.get_object_bytes(bucket, "f").body == DATA
    assert client.get_object_bytes(bucket, "g").body == b"".join(_gen())

    async def agen() -> AsyncIterator[bytes]:
        for chunk in _gen():
            await asyncio.sleep(0)
            yield chunk

    await aclient.put_object(bucket, "a", agen(), length=800_000)
    assert client.get_object_bytes(bucket, "a").body == b"".join(_gen())
    with pytest.raises(oss_sse.ClientError, match="length"):
        await aclient.put_object(bucket, "a", agen())
    # The blocking client has no loop to run one on.
    with pytest.raises(oss_sse.ClientError, match="AsyncClient"):
        client.put_object(bucket, "a", agen(), length=800_000)


# ---- edges found in review ----------------------------------------------------------------------


class Staggered(io.RawIOBase):
    """A seekable file whose first read is short (so the upload asks for a second chunk at
    once) and whose second and third reads are slow: a failed first attempt leaves the
    second running, and it finishes during the retry's first read."""

    def __init__(self, data: bytes) -> None:
        self.f = io.BytesIO(data)
        self.reads = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.f.tell()

    def seek(self, pos: int, whence: int = 0) -> int:
        return self.f.seek(pos, whence)

    def read(self, n: int = -1) -> bytes:
        self.reads += 1
        if self.reads == 1:
            return self.f.read(min(n, 10))
        if self.reads in (2, 3):
            time.sleep(0.3 if self.reads == 2 else 0.5)
        return self.f.read(n)


def test_a_read_left_running_by_a_failed_attempt_cannot_shift_the_retry(oss: LocalOSS, bucket: str) -> None:
    data = random.Random(5).randbytes(3 << 20)
    client = oss.client(max_attempts=3, retry_base_delay=datetime.timedelta(milliseconds=1))
    oss.inject_fault({"kind": "reset_request"}, op="PutObject", count=1)
    # Less than the file holds, so a shifted body would have the right length.
    client.put_object(bucket, "shift", Staggered(data), length=2 << 20)
    assert client.get_object_bytes(bucket, "shift").body == data[: 2 << 20]


async def test_a_read_cancelled_after_taking_bytes_poisons_the_body(
    aclient: oss_sse.AsyncClient, client: oss_sse.Client, bucket: str
) -> None:
    client.put_object(bucket, "c", DATA)
    r = await aclient.get_object(bucket, "c")
    fut = r.body.read(10)
    # The loop thread is held, so the read finishes in Rust but cannot be delivered...
    time.sleep(0.3)
    # ...and is cancelled first: its ten bytes are gone.
    fut.cancel()
    with pytest.raises(asyncio.CancelledError):
        await fut
    with pytest.raises(ValueError, match="interrupted"):
        await r.body.read(1)


def test_after_a_failed_read_the_body_refuses_to_go_on(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "f", DATA)
    # The body stalls past the read timeout, with no attempt left to resume it.
    oss.inject_fault({"kind": "stall", "after_bytes": 100_000, "ms": 2000}, op="GetObject")
    c = oss.client(max_attempts=1, read_timeout=datetime.timedelta(milliseconds=300))
    body = c.get_object(bucket, "f").body
    with pytest.raises(oss_sse.OssError):
        while body.read(64 << 10):
            pass
    with pytest.raises(ValueError, match="failed"):
        body.read(10)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_body_opened_before_fork_refuses_to_read_in_the_child(client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "fk", DATA)
    body = client.get_object(bucket, "fk").body
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            body.read(10)
        except ValueError as e:
            code = 0 if "another process" in str(e) else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's body is untouched.
    assert body.read() == DATA


async def test_an_async_body_uploads_as_an_async_iterator(
    aclient: oss_sse.AsyncClient, client: oss_sse.Client, bucket: str
) -> None:
    client.put_object(bucket, "src", DATA)
    r = await aclient.get_object(bucket, "src")
    await aclient.put_object(bucket, "dst", r.body, length=len(DATA))
    assert client.get_object_bytes(bucket, "dst").body == DATA


def test_file_data_must_be_binary_and_blocking(client: oss_sse.Client, bucket: str, tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "t.txt")
    with open(path, "w") as f:
        f.write("a,b\n1,2\n")
    with open(path) as text, pytest.raises(oss_sse.OssError, match="binary mode"):
        client.put_object(bucket, "t", text)

    class NotReady(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> None:
            return None

    with pytest.raises(oss_sse.OssError, match="non-blocking"):
        client.put_object(bucket, "t", NotReady(), length=3)


def test_odd_sources(client: oss_sse.Client, bucket: str) -> None:
    # A file positioned past its end has nothing left.
    bio = io.BytesIO(b"abc")
    bio.seek(10)
    client.put_object(bucket, "past", bio)
    assert client.get_object_bytes(bucket, "past").body == b""
    # Declared empty, but the iterator has bytes.
    with pytest.raises(oss_sse.ClientError, match="more than the declared length 0"):
        client.put_object(bucket, "z", iter([b"x"]), length=0)
    client.put_object(bucket, "z", iter([]), length=0)
    # Buffers of other item types are sent as their raw memory.
    ints = array.array("i", range(1000))
    client.put_object(bucket, "arr", ints)
    assert client.get_object_bytes(bucket, "arr").body == ints.tobytes()
    # GzipFile emulates seeking (from the end too): sent as a seekable file.
    with gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(DATA))) as gz:
        client.put_object(bucket, "gz", gz)
    assert client.get_object_bytes(bucket, "gz").body == DATA

    class NoSeekFromEnd(io.BytesIO):
        def seek(self, pos: int, whence: int = 0) -> int:
            if whence == 2:
                raise io.UnsupportedOperation("can't seek from the end")
            return super().seek(pos, whence)

    # One that says it seeks but cannot from the end is read once, with length=.
    with pytest.raises(oss_sse.ClientError, match="length"):
        client.put_object(bucket, "ns", NoSeekFromEnd(DATA))
    client.put_object(bucket, "ns", NoSeekFromEnd(DATA), length=len(DATA))
    assert client.get_object_bytes(bucket, "ns").body == DATA


def test_a_waiting_read_releases_the_gil(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "g", DATA)
    oss.inject_fault({"kind": "stall", "after_bytes": 1000, "ms": 800}, op="GetObject")
    body = client.get_object(bucket, "g").body
    done = threading.Event()

    def reader() -> None:
        body.read()
        done.set()

    t = threading.Thread(target=reader)
    t.start()
    time.sleep(0.05)  # the read is now waiting on the stalled socket
    # Pure-Python work runs meanwhile: the waiting read does not hold the GIL.
    spins, end = 0, time.perf_counter() + 0.3
    while time.perf_counter() < end:
        spins += 1
    assert not done.is_set()
    assert spins > 10_000
    t.join()
    assert done.is_set()
