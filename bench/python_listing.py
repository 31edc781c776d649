"""Listing a bucket from Python: oss_sse against oss2 and alibabacloud-oss-v2, in one run,
against the same emulator and the same bucket.

    ./scripts/python-env.sh && .venv/bin/pip install -r requirements-bench.txt
    cargo build --release -p oss-sse-emulator
    (cd bindings/python && ../../.venv/bin/python -m maturin develop --release)
    .venv/bin/python bench/python_listing.py [--keys 100000] [--rounds 3]

The bucket is filled through the emulator's admin seed call (`POST /-/seed`: real,
encrypted objects, without 100,000 PUTs). Every client walks every key with pages of 1,000
(the largest OSS serves), V4 signing, and touches each key. The figure is keys per second,
the median of --rounds walks after one warm-up walk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import urllib.request

import oss2
import oss_sse
from _emulator import AK, REGION, SK, ossv2_client, start_emulator

try:
    import alibabacloud_oss_v2 as ossv2
except ImportError:  # pragma: no cover - optional peer
    ossv2 = None


def keys_per_s(keys: int, rounds: int, walk) -> float:
    assert walk() == keys  # warm-up, and a check that every client sees every key
    runs = []
    for _ in range(rounds):
        t = time.perf_counter()
        n = walk()
        runs.append(n / (time.perf_counter() - t))
        assert n == keys
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    proc, endpoint = start_emulator()
    try:
        run(endpoint, a.keys, a.rounds)
    finally:
        proc.terminate()
        proc.wait()


def run(endpoint: str, keys: int, rounds: int) -> None:
    creds = oss_sse.Credentials(AK, SK)
    sync = oss_sse.Client(REGION, credentials=creds, endpoint=endpoint)
    aclient = oss_sse.AsyncClient(REGION, credentials=creds, endpoint=endpoint)
    sync.put_bucket("list")
    req = urllib.request.Request(
        f"{endpoint}/-/seed",
        data=json.dumps({"bucket": "list", "prefix": "logs/2026/", "count": keys, "size": 64}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    t = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        assert json.load(r)["created"] == keys
    print(f"seeded {keys} objects in {time.perf_counter() - t:.1f} s")

    def ours() -> int:
        return sum(1 for o in sync.list_objects_v2("list") if o.key)

    def ours_async() -> int:
        async def walk() -> int:
            n = 0
            async for o in aclient.list_objects_v2("list"):
                n += bool(o.key)
            return n

        return asyncio.run(walk())

    o2 = oss2.Bucket(oss2.AuthV4(AK, SK), endpoint, "list", region=REGION)

    def theirs_oss2() -> int:
        return sum(1 for o in oss2.ObjectIteratorV2(o2, max_keys=1000) if o.key)

    rows = {
        "oss_sse Client.list_objects_v2": keys_per_s(keys, rounds, ours),
        "oss_sse AsyncClient.list_objects_v2": keys_per_s(keys, rounds, ours_async),
        "oss2 ObjectIteratorV2": keys_per_s(keys, rounds, theirs_oss2),
    }
    if ossv2 is not None:
        v2 = ossv2_client(ossv2, endpoint)

        def theirs_v2() -> int:
            n = 0
            pages = v2.list_objects_v2_paginator(limit=1000)
            for page in pages.iter_page(ossv2.ListObjectsV2Request(bucket="list")):
                n += sum(1 for o in page.contents or [] if o.key)
            return n

        rows[f"alibabacloud-oss-v2 {ossv2.__version__ if hasattr(ossv2, '__version__') else ''} paginator".replace("  ", " ")] = keys_per_s(keys, rounds, theirs_v2)

    base = rows["oss_sse Client.list_objects_v2"]
    print(f"{'client':<40} {'keys/s':>12} {'oss_sse sync is':>16}")
    for name, v in rows.items():
        print(f"{name:<40} {v:>12,.0f} {base / v:>15.1f}x")


if __name__ == "__main__":
    main()
