"""Python clients against the same emulator, in one run.

Compares oss_sse (sync), oss_sse (asyncio, 64 concurrent), oss2 and alibabacloud-oss-v2 on
head_object and 4 KiB put_object (ops/s), and a 256 MiB upload and download (MB/s).

    ./scripts/python-env.sh && .venv/bin/pip install -r requirements-bench.txt
    cargo build --release -p oss-sse-emulator
    .venv/bin/python bench/python_bench.py [--ops 2000] [--mib 256] [--rounds 3] [--dir D]

All clients sign with V4 and keep their default CRC-64 checks. Each transfer figure is the
median of --rounds runs after one warm-up run (this is a shared, noisy machine). Files live in --dir, by default
a fresh directory under /dev/shm when it exists, so that the disk's write-back is not what
gets measured; every client uses the same directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time

import oss2
import oss_sse
from _emulator import AK, REGION, SK, ossv2_client, many, start_emulator, write_source

try:
    import alibabacloud_oss_v2 as ossv2
except ImportError:  # pragma: no cover - optional peer
    ossv2 = None

def rate(n: int, f) -> float:
    t = time.perf_counter()
    f(n)
    return n / (time.perf_counter() - t)


ROUNDS = 3


def mbps(size: int, f) -> float:
    """Median MB/s over ROUNDS runs of `f`, after one unmeasured warm-up run (the first
    transfer of a key makes the emulator fault in fresh memory; later ones reuse it)."""
    f()
    runs = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        f()
        runs.append(size / (time.perf_counter() - t) / 1e6)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ops", type=int, default=2000)
    ap.add_argument("--mib", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    global ROUNDS
    ROUNDS = args.rounds
    base = args.dir or ("/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    tmp = tempfile.mkdtemp(dir=base)
    proc, endpoint = start_emulator()
    try:
        run(endpoint, tmp, args.ops, args.mib)
    finally:
        proc.terminate()
        proc.wait()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


def run(endpoint: str, tmp: str, ops: int, mib: int) -> None:
    size = mib << 20
    src = write_source(tmp, mib)
    small = os.urandom(4096)

    creds = oss_sse.Credentials(AK, SK)
    sync = oss_sse.Client(REGION, credentials=creds, endpoint=endpoint)
    aclient = oss_sse.AsyncClient(REGION, credentials=creds, endpoint=endpoint)
    sync.put_bucket("bench")
    sync.put_object("bench", "small", small)

    o2 = oss2.Bucket(oss2.AuthV4(AK, SK), endpoint, "bench", region=REGION)

    v2 = None
    if ossv2 is not None:
        v2 = ossv2_client(ossv2, endpoint)

    rows: dict[str, dict[str, float]] = {}

    # --- oss_sse sync ---
    r = rows.setdefault("oss_sse (sync)", {})
    r["head"] = rate(ops, lambda n: [sync.head_object("bench", "small") for _ in range(n)])
    r["put4k"] = rate(ops, lambda n: [sync.put_object("bench", "p", small) for _ in range(n)])
    r["up"] = mbps(size, lambda: sync.upload_file("bench", "big-sse", src))
    r["down"] = mbps(size, lambda: sync.download_file("bench", "big-sse", os.path.join(tmp, "d1")))

    # --- oss_sse asyncio, 64 concurrent ---
    r = rows.setdefault("oss_sse (asyncio, 64 concurrent)", {})
    r["head"] = rate(ops * 4, lambda n: asyncio.run(many(n, lambda: aclient.head_object("bench", "small"))))
    r["put4k"] = rate(ops * 4, lambda n: asyncio.run(many(n, lambda: aclient.put_object("bench", "p", small))))
    async def up_async() -> None:
        await aclient.upload_file("bench", "big-async", src)

    async def down_async() -> None:
        await aclient.download_file("bench", "big-async", os.path.join(tmp, "d2"))

    r["up"] = mbps(size, lambda: asyncio.run(up_async()))
    r["down"] = mbps(size, lambda: asyncio.run(down_async()))

    # --- oss2 ---
    n2 = max(ops // 4, 200)
    r = rows.setdefault("oss2 2.19.1 (sync)", {})
    r["head"] = rate(n2, lambda n: [o2.head_object("small") for _ in range(n)])
    r["put4k"] = rate(n2, lambda n: [o2.put_object("p", small) for _ in range(n)])
    r["up"] = mbps(size, lambda: oss2.resumable_upload(o2, "big-oss2", src, multipart_threshold=20 << 20, part_size=8 << 20, num_threads=4))
    r["down"] = mbps(size, lambda: oss2.resumable_download(o2, "big-oss2", os.path.join(tmp, "d3"), multiget_threshold=20 << 20, part_size=8 << 20, num_threads=4))

    # --- alibabacloud-oss-v2 ---
    if v2 is not None:
        r = rows.setdefault("alibabacloud-oss-v2 1.4.1 (sync)", {})
        r["head"] = rate(n2, lambda n: [v2.head_object(ossv2.HeadObjectRequest(bucket="bench", key="small")) for _ in range(n)])
        r["put4k"] = rate(n2, lambda n: [v2.put_object(ossv2.PutObjectRequest(bucket="bench", key="p", body=small)) for _ in range(n)])
        up = v2.uploader()
        r["up"] = mbps(size, lambda: up.upload_file(ossv2.PutObjectRequest(bucket="bench", key="big-v2"), filepath=src))
        dn = v2.downloader()
        r["down"] = mbps(size, lambda: dn.download_file(ossv2.GetObjectRequest(bucket="bench", key="big-v2"), filepath=os.path.join(tmp, "d4")))

    base = rows["oss2 2.19.1 (sync)"]
    print(f"\nPython clients vs the same emulator ({ops} sync ops, {ops * 4} async ops, {mib} MiB transfers, median of {ROUNDS})\n")
    print("| client | head_object ops/s | 4 KiB put_object ops/s | upload MB/s | download MB/s |")
    print("|---|---:|---:|---:|---:|")
    for name, r in rows.items():
        cells = []
        for k in ("head", "put4k", "up", "down"):
            cells.append(f"{r[k]:,.0f} ({r[k] / base[k]:.1f}x)")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\n(x) = ratio to oss2 in the same run")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
