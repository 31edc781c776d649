"""1 GiB through the streaming APIs in bounded memory: downloads through ``read(1 MiB)``
and ``async for``, uploads from an open file and from a generator. Each transfer runs in a
process of its own (tests/rss_child.py) that reports its peak RSS growth."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator

import pytest

from oss_sse.testing import LocalOSS

import rss_child

LIMIT = 64 << 20
GiB = rss_child.BLOCKS * rss_child.MiB
CHILD = pathlib.Path(rss_child.__file__)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalOSS, str, pathlib.Path, str]]:
    """An emulator persisting to disk, a bucket, a 1 GiB file and the MD5 of its bytes."""
    root = tmp_path_factory.mktemp("big")
    path = root / "1gib.bin"
    md5 = hashlib.md5()
    with open(path, "wb") as f:
        for b in rss_child.blocks():
            f.write(b)
            md5.update(b)
    with LocalOSS(data_dir=root / "store") as oss:
        oss.client().put_bucket("big")
        yield oss, "big", path, md5.hexdigest()
    path.unlink()


def run(oss: LocalOSS, mode: str, key: str, *extra: str) -> dict[str, int | str]:
    c = oss.credentials
    out = subprocess.run(
        [sys.executable, str(CHILD), mode, oss.endpoint, oss.region, c.access_key_id, c.access_key_secret, "big", key, *extra],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report: dict[str, int | str] = json.loads(out.stdout)
    print(mode, f"peak RSS growth {int(report['growth']) / (1 << 20):.1f} MiB")
    return report


def test_upload_1_gib_from_a_generator(big: tuple[LocalOSS, str, pathlib.Path, str]) -> None:
    oss, bucket, _, md5 = big
    r = run(oss, "put-gen", "gen")
    assert r["md5"] == md5
    assert int(r["growth"]) <= LIMIT
    assert oss.client().head_object(bucket, "gen").content_length == GiB


def test_upload_1_gib_from_an_open_file(big: tuple[LocalOSS, str, pathlib.Path, str]) -> None:
    oss, bucket, path, _ = big
    r = run(oss, "put-file", "file", str(path))
    assert int(r["growth"]) <= LIMIT
    assert oss.client().head_object(bucket, "file").content_length == os.path.getsize(path)


def test_stream_1_gib_through_read(big: tuple[LocalOSS, str, pathlib.Path, str]) -> None:
    # Reads what the file upload stored (run after it).
    oss, _, _, md5 = big
    r = run(oss, "get-read", "file")
    assert r["md5"] == md5
    assert int(r["growth"]) <= LIMIT


def test_stream_1_gib_through_async_for(big: tuple[LocalOSS, str, pathlib.Path, str]) -> None:
    # Reads what the generator upload stored (run after it).
    oss, _, _, md5 = big
    r = run(oss, "get-async", "gen")
    assert r["md5"] == md5
    assert int(r["growth"]) <= LIMIT
