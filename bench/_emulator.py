"""What the Python benchmark scripts share: the emulator they run against, and the
64-way asyncio driver."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Awaitable, Callable
from typing import Any

AK, SK, REGION = "bench-ak", "bench-secret", "cn-hangzhou"


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    """Starts the release emulator in memory (the clients are measured, not fsyncs);
    returns the process and its endpoint. `OSS_SSE_EMULATOR_BIN` overrides the binary."""
    exe = os.environ.get("OSS_SSE_EMULATOR_BIN", "target/release/oss-sse-emulator")
    p = subprocess.Popen(
        [exe, "--listen", "127.0.0.1:0", "--region", REGION, "--access-key-id", AK,
         "--access-key-secret", SK],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert p.stdout is not None
    return p, p.stdout.readline().strip()


def ossv2_client(ossv2: Any, endpoint: str) -> Any:
    """An alibabacloud-oss-v2 client (the module passed in, since it is optional) for the
    emulator at `endpoint`, path-style."""
    cfg = ossv2.config.load_default()
    cfg.credentials_provider = ossv2.credentials.StaticCredentialsProvider(AK, SK)
    cfg.region = REGION
    cfg.endpoint = endpoint
    cfg.use_path_style = True
    return ossv2.Client(cfg)


async def many(n: int, op: Callable[[], Awaitable[object]], concurrency: int = 64) -> None:
    """Runs `op` `n` times, at most `concurrency` at once."""
    sem = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with sem:
            await op()

    await asyncio.gather(*(one() for _ in range(n)))


def write_source(tmp: str, mib: int) -> str:
    """A file of `mib` MiB of random bytes in `tmp`, for the transfer workloads."""
    src = os.path.join(tmp, "big.bin")
    with open(src, "wb") as f:
        block = os.urandom(1 << 20)
        for _ in range(mib):
            f.write(block)
    return src
