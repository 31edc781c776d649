"""Streaming downloads in Python, against the same emulator in one run: oss_sse
``get_object().body.read(1 MiB)`` (blocking) and ``async for`` (asyncio) next to oss2's
``get_object().read(1 MiB)`` loop and alibabacloud-oss-v2's ``body.iter_bytes()``.

    ./scripts/python-env.sh && .venv/bin/pip install -r requirements-bench.txt
    cargo build --release -p oss-sse-emulator && ./scripts/python-tests.sh   # builds the wheel
    .venv/bin/python bench/python_stream.py [--mib 256] [--rounds 5] [--sse AES256]

Every client keeps its default CRC-64 check. One unmeasured warm-up read per client, then
--rounds rounds in which the clients take turns (so a noisy moment hits all of them); each
figure is the median, and each ratio is taken within a round, then the median of those.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable

import oss2
import oss_sse
from _emulator import AK, REGION, SK, ossv2_client, start_emulator

try:
    import alibabacloud_oss_v2 as ossv2
except ImportError:  # pragma: no cover - optional peer
    ossv2 = None

MiB = 1 << 20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sse", default="AES256", help="encryption of the object (or 'none')")
    args = ap.parse_args()
    proc, endpoint = start_emulator()
    try:
        run(endpoint, args.mib, args.rounds, None if args.sse == "none" else args.sse)
    finally:
        proc.terminate()
        proc.wait()


def run(endpoint: str, mib: int, rounds: int, sse: str | None) -> None:
    size = mib * MiB
    creds = oss_sse.Credentials(AK, SK)
    client = oss_sse.Client(REGION, credentials=creds, endpoint=endpoint)
    aclient = oss_sse.AsyncClient(REGION, credentials=creds, endpoint=endpoint)
    unchecked = oss_sse.Client(REGION, credentials=creds, endpoint=endpoint, crc_check=False)
    client.put_bucket("bench")
    block = bytes(range(256)) * 4096

    def blocks():
        for i in range(mib):
            yield i.to_bytes(8, "big") + block[8:]

    client.put_object("bench", "big", blocks(), length=size, server_side_encryption=sse)
    o2 = oss2.Bucket(oss2.AuthV4(AK, SK), endpoint, "bench", region=REGION)

    def sse_read() -> int:
        n = 0
        body = client.get_object("bench", "big").body
        while chunk := body.read(MiB):
            n += len(chunk)
        return n

    def sse_read_unchecked() -> int:
        n = 0
        body = unchecked.get_object("bench", "big").body
        while chunk := body.read(MiB):
            n += len(chunk)
        return n

    def sse_async() -> int:
        async def go() -> int:
            n = 0
            r = await aclient.get_object("bench", "big")
            async for chunk in r.body:
                n += len(chunk)
            return n

        return asyncio.run(go())

    def oss2_read() -> int:
        n = 0
        r = o2.get_object("big")
        while chunk := r.read(MiB):
            n += len(chunk)
        return n

    clients: dict[str, Callable[[], int]] = {
        "oss_sse Client, body.read(1 MiB)": sse_read,
        "oss_sse Client, body.read(1 MiB), crc_check=False": sse_read_unchecked,
        "oss_sse AsyncClient, async for": sse_async,
        "oss2 2.19.1, get_object().read(1 MiB)": oss2_read,
    }
    if ossv2 is not None:
        v2 = ossv2_client(ossv2, endpoint)

        def v2_read() -> int:
            n = 0
            r = v2.get_object(ossv2.GetObjectRequest(bucket="bench", key="big"))
            for chunk in r.body.iter_bytes(block_size=MiB):
                n += len(chunk)
            return n

        clients["alibabacloud-oss-v2 1.4.1, body.iter_bytes(1 MiB)"] = v2_read

    for f in clients.values():  # warm-up, and every client reads every byte
        assert f() == size
    runs: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(rounds):
        for name, f in clients.items():
            t = time.perf_counter()
            f()
            runs[name].append(size / (time.perf_counter() - t) / 1e6)
    base = runs["oss2 2.19.1, get_object().read(1 MiB)"]
    print(f"\nStreaming download of a {mib} MiB object ({sse or 'unencrypted'}), median of {rounds} rounds\n")
    print("| client | MB/s | × oss2 (per round: min–max) |")
    print("|---|---:|---:|")
    for name, r in runs.items():
        ratios = [a / b for a, b in zip(r, base)]
        print(
            f"| {name} | {statistics.median(r):,.0f} | {statistics.median(ratios):.1f}× "
            f"({min(ratios):.1f}–{max(ratios):.1f}) |"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
