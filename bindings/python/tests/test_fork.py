"""Clients created before ``fork()`` work in the children (each builds its own runtime and
connection pool) and keep working in the parent."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from typing import Any

import pytest

import oss_sse
from oss_sse.testing import LocalOSS

from conftest import FakeEcsMetadata

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")

#: What forked children use: inherited, never pickled.
_shared: dict[str, Any] = {}


def _work(client: oss_sse.Client, bucket: str, tag: str) -> None:
    for j in range(5):
        key = f"{tag}/{j}"
        data = f"{tag} {j} ".encode() * 1000
        client.put_object(bucket, key, data, server_side_encryption="AES256")
        with client.get_object(bucket, key) as r:
            assert r.body.read() == data
        assert client.head_object(bucket, key).content_length == len(data)
    assert len(list(client.list_objects_v2(bucket, prefix=f"{tag}/"))) == 5


async def _awork(client: oss_sse.AsyncClient, bucket: str, tag: str) -> None:
    async def one(j: int) -> None:
        key = f"{tag}/{j}"
        await client.put_object(bucket, key, key.encode())
        r = await client.get_object(bucket, key)
        assert await r.body.read() == key.encode()

    await asyncio.gather(*(one(j) for j in range(8)))


def _child(job: Callable[[], None], errors: Any) -> None:
    try:
        job()
    except BaseException:  # report anything to the parent
        errors.put(traceback.format_exc())
        raise


def _run_forked(jobs: list[Callable[[], None]]) -> None:
    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(job, errors)) for job in jobs]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    hung = [p for p in procs if p.is_alive()]
    for p in hung:
        p.kill()
    assert not hung, f"{len(hung)} forked children hung"
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert not failures, "\n".join(failures)
    assert [p.exitcode for p in procs] == [0] * len(procs)


def test_client_used_in_four_forked_children_at_once(oss: LocalOSS, bucket: str) -> None:
    client = oss.client()
    _work(client, bucket, "parent")  # the parent's pool holds live connections now
    _shared.update(client=client, bucket=bucket)

    # Another thread keeps the client busy while the children are forked.
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            client.head_object(bucket, "parent/0")

    t = threading.Thread(target=busy)
    t.start()
    try:
        _run_forked(
            [lambda i=i: _work(_shared["client"], _shared["bucket"], f"child{i}") for i in range(4)]
        )
    finally:
        stop.set()
        t.join()
    # Every child's objects are there, and the parent's client still works.
    assert len(list(client.list_objects_v2(bucket))) == 25
    _work(client, bucket, "parent-after")


def test_async_client_in_forked_children(oss: LocalOSS, bucket: str) -> None:
    aclient = oss.async_client()
    asyncio.run(_awork(aclient, bucket, "parent"))
    _shared.update(aclient=aclient, bucket=bucket)
    _run_forked(
        [lambda i=i: asyncio.run(_awork(_shared["aclient"], _shared["bucket"], f"a{i}")) for i in range(4)]
    )
    asyncio.run(_awork(aclient, bucket, "parent-after"))
    assert len(list(oss.client().list_objects_v2(bucket))) == 8 * 6


def test_os_fork_directly(oss: LocalOSS, bucket: str) -> None:
    client = oss.client()
    _work(client, bucket, "parent")
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            _work(client, bucket, "child")
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert len(list(client.list_objects_v2(bucket, prefix="child/"))) == 5


def test_metadata_provider_in_forked_children(sts_oss: tuple[LocalOSS, oss_sse.Credentials]) -> None:
    # The ECS provider has its own HTTP pool: the child must not use the parent's.
    oss, creds = sts_oss
    with FakeEcsMetadata("role", creds, "2099-01-01T00:00:00Z") as meta:
        provider = oss_sse.EcsRamRoleProvider(endpoint=meta.endpoint)
        client = oss.client(credentials=provider)
        bucket = oss.unique_bucket()
        client.put_bucket(bucket)
        _work(client, bucket, "parent")
        fetched_in_parent = len(meta.requests)
        _shared.update(client=client, bucket=bucket)
        _run_forked([lambda i=i: _work(_shared["client"], _shared["bucket"], f"ecs{i}") for i in range(2)])
        # Each child fetched its own credentials (a fresh provider, fresh connections).
        assert len(meta.requests) >= fetched_in_parent + 2
        _work(client, bucket, "parent-after")


def test_a_listing_started_before_fork_raises_in_the_child(oss: LocalOSS, bucket: str) -> None:
    client = oss.client()
    for i in range(5):
        client.put_object(bucket, f"l/{i}", b"x")
    it = client.list_objects_v2(bucket, prefix="l/", max_keys=2)
    first = next(it)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            # The page already received is plain Python objects; the next page is not.
            next(it)
            next(it)
        except ValueError as e:
            code = 0 if "another process" in str(e) else 2
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's listing goes on.
    assert [first.key, *(o.key for o in it)] == [f"l/{i}" for i in range(5)]
