"""Runs one 1 GiB transfer in a process of its own and prints, as JSON, its peak RSS growth
(``VmHWM`` at the end minus ``VmRSS`` before the transfer) and the MD5 of what it moved.

Used by test_streaming_large.py: measuring in a fresh process keeps the emulator (which runs
in pytest's process) and earlier tests out of the figure.

    python rss_child.py MODE ENDPOINT REGION AK SK BUCKET KEY [PATH]
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import sys
from collections.abc import Iterator

import oss_sse

MiB = 1 << 20
BLOCKS = 1024  # 1 GiB


def blocks(n: int = BLOCKS) -> Iterator[bytes]:
    """1 MiB blocks, each distinct (its index up front), the same in every process."""
    base = random.Random(7).randbytes(MiB)
    for i in range(n):
        yield i.to_bytes(8, "big") + base[8:]


def status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def main() -> None:
    mode, endpoint, region, ak, sk, bucket, key, *rest = sys.argv[1:]
    creds = oss_sse.Credentials(ak, sk)
    client = oss_sse.Client(region, endpoint=endpoint, credentials=creds)
    aclient = oss_sse.AsyncClient(region, endpoint=endpoint, credentials=creds)
    md5 = hashlib.md5()

    async def warm() -> None:
        await aclient.get_bucket_info(bucket)

    # Runtimes, pools and connections exist before the baseline.
    client.get_bucket_info(bucket)
    asyncio.run(warm())
    baseline = status("VmRSS")

    if mode == "get-read":
        body = client.get_object(bucket, key).body
        while chunk := body.read(MiB):
            md5.update(chunk)
    elif mode == "get-async":

        async def run() -> None:
            r = await aclient.get_object(bucket, key)
            async for chunk in r.body:
                md5.update(chunk)

        asyncio.run(run())
    elif mode == "put-file":
        with open(rest[0], "rb") as f:
            client.put_object(bucket, key, f)
        md5.update(b"")
    elif mode == "put-gen":

        def gen() -> Iterator[bytes]:
            for b in blocks():
                md5.update(b)
                yield b

        client.put_object(bucket, key, gen(), length=BLOCKS * MiB)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps({"growth": status("VmHWM") - baseline, "md5": md5.hexdigest()}))


if __name__ == "__main__":
    main()
