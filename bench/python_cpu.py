"""CPU per operation of oss_sse, split between the Python process and the emulator.

Where bench/python_bench.py measures throughput, this measures cost: for each workload it
reads the CPU time this process (Python plus the binding's tokio threads) and the emulator
process used, and divides by the operations or bytes. It is how the binding's thread
hand-offs and the emulator's double hashing were found.

    cargo build --release -p oss-sse-emulator && ./scripts/python-tests.sh   # builds the wheel
    .venv/bin/python bench/python_cpu.py [--ops 8000] [--mib 256] [workload ...]

Workloads: sync-head, async-head, async-put4k, upload, download (default: all). Linux only
(reads /proc/<pid>/stat).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import tempfile
import time
from collections.abc import Callable

import oss_sse
from _emulator import AK, REGION, SK, many, start_emulator, write_source

WORKLOADS = ("sync-head", "async-head", "async-put4k", "upload", "download")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ops", type=int, default=8000)
    ap.add_argument("--mib", type=int, default=256)
    ap.add_argument("workloads", nargs="*", metavar="workload", help=", ".join(WORKLOADS))
    args = ap.parse_args()
    unknown = sorted(set(args.workloads) - set(WORKLOADS))
    if unknown:
        ap.error(f"unknown workload(s): {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    emu, endpoint = start_emulator()
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        try:
            run(emu.pid, endpoint, tmp, args.ops, args.mib, args.workloads or list(WORKLOADS))
        finally:
            emu.terminate()
            emu.wait()


def emulator_cpu(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(pid: int, name: str, work: Callable[[], object], ops: int = 0, size: int = 0) -> None:
    e0, c0, t0 = emulator_cpu(pid), own_cpu(), time.perf_counter()
    work()
    wall = time.perf_counter() - t0
    emu, client = emulator_cpu(pid) - e0, own_cpu() - c0
    if ops:
        rate = f"{ops / wall:,.0f} ops/s"
        per = f"client {client / ops * 1e6:6.1f} µs/op  emulator {emu / ops * 1e6:6.1f} µs/op"
    else:
        rate = f"{size / wall / 1e6:,.0f} MB/s"
        per = f"client {client / size * 1e9:5.2f} ns/B   emulator {emu / size * 1e9:5.2f} ns/B"
    print(f"{name:26s} {rate:>14s}   {per}")


def run(pid: int, endpoint: str, tmp: str, ops: int, mib: int, workloads: list[str]) -> None:
    creds = oss_sse.Credentials(AK, SK)
    sync = oss_sse.Client(REGION, credentials=creds, endpoint=endpoint)
    aclient = oss_sse.AsyncClient(REGION, credentials=creds, endpoint=endpoint)
    sync.put_bucket("bench")
    small = os.urandom(4096)
    sync.put_object("bench", "small", small)
    size = mib << 20
    src = write_source(tmp, mib)
    sync.upload_file("bench", "big", src)  # warm-up: the emulator faults in fresh memory once
    print(f"CPU per operation ({ops} small ops, {mib} MiB transfers; client = this process)\n")
    for w in workloads:
        if w == "sync-head":
            n = ops // 4
            measure(pid, "sync head_object", lambda: [sync.head_object("bench", "small") for _ in range(n)], ops=n)
        elif w == "async-head":
            measure(pid, "async head_object x64", lambda: asyncio.run(many(ops, lambda: aclient.head_object("bench", "small"))), ops=ops)
        elif w == "async-put4k":
            measure(pid, "async 4 KiB put x64", lambda: asyncio.run(many(ops, lambda: aclient.put_object("bench", "p", small))), ops=ops)
        elif w == "upload":
            measure(pid, "sync upload_file", lambda: sync.upload_file("bench", "big", src), size=size)
        elif w == "download":
            measure(pid, "sync download_file", lambda: sync.download_file("bench", "big", os.path.join(tmp, "out")), size=size)


if __name__ == "__main__":
    main()
