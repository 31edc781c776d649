"""The binding's overhead against its own limit: ``AsyncClient.head_object`` with 64
requests in flight next to the Rust client doing the same (the ``head_load`` example of
oss-sse-hyper), against the same emulator, rounds alternating.

    cargo build --release -p oss-sse-emulator -p oss-sse-hyper --example head_load
    ./scripts/python-tests.sh   # builds the wheel
    .venv/bin/python bench/python_async_vs_rust.py [--rounds 5] [--seconds 3] [--busy N]

``--busy N`` runs N processes spinning on a core during the measurement (another busy
process on the machine), to see whether the rate holds under load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import oss_sse
from _emulator import AK, REGION, SK, start_emulator

HEAD_LOAD = os.environ.get("OSS_SSE_HEAD_LOAD_BIN", "target/release/examples/head_load")


async def python_rate(client: oss_sse.AsyncClient, concurrency: int, seconds: float) -> tuple[float, float]:
    """ops/s, and CPU time of this whole process (event loop and tokio threads) per op."""
    await asyncio.gather(*(client.head_object("bench", "k") for _ in range(concurrency)))
    done = 0
    end = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < end:
            await client.head_object("bench", "k")
            done += 1

    t, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - t), (time.process_time() - cpu) / done


def rust_rate(endpoint: str, concurrency: int, seconds: float) -> tuple[float, float]:
    """ops/s, and CPU time of the head_load process per op (its start-up and warm-up
    included, a small overestimate)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [HEAD_LOAD, endpoint, REGION, AK, SK, "bench", "k", str(concurrency), str(int(seconds))],
        check=True, capture_output=True, text=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    report = json.loads(out.stdout)
    return float(report["ops_per_s"]), cpu / float(report["ops"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--busy", type=int, default=0, help="spinning processes during the run")
    args = ap.parse_args()
    proc, endpoint = start_emulator()
    busy = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)
    ]
    try:
        client = oss_sse.Client(REGION, credentials=oss_sse.Credentials(AK, SK), endpoint=endpoint)
        client.put_bucket("bench")
        client.put_object("bench", "k", b"x" * 100, server_side_encryption="AES256")
        aclient = oss_sse.AsyncClient(REGION, credentials=oss_sse.Credentials(AK, SK), endpoint=endpoint)
        py: list[tuple[float, float]] = []
        rs: list[tuple[float, float]] = []
        for i in range(args.rounds):
            order = [("py", py), ("rs", rs)] if i % 2 == 0 else [("rs", rs), ("py", py)]
            for which, out in order:
                if which == "py":
                    out.append(asyncio.run(python_rate(aclient, args.concurrency, args.seconds)))
                else:
                    out.append(rust_rate(endpoint, args.concurrency, args.seconds))
        ratios = [p[0] / r[0] for p, r in zip(py, rs)]
        rate = {"rs": [r[0] for r in rs], "py": [p[0] for p in py]}
        cpu = {"rs": statistics.median(r[1] for r in rs), "py": statistics.median(p[1] for p in py)}
        print(f"\nhead_object, {args.concurrency} in flight, {args.seconds:g} s x {args.rounds} rounds, "
              f"{args.busy} busy process(es)\n")
        print("| client | ops/s median (min–max) | client CPU µs/op |")
        print("|---|---:|---:|")
        for name, k in (("Rust `Client`", "rs"), ("Python `AsyncClient`", "py")):
            r = rate[k]
            print(f"| {name} | {statistics.median(r):,.0f} ({min(r):,.0f}–{max(r):,.0f}) | {cpu[k] * 1e6:.0f} |")
        print(f"\nPython / Rust per round: {', '.join(f'{r:.0%}' for r in ratios)}; "
              f"median {statistics.median(ratios):.0%}")
    finally:
        for b in busy:
            b.kill()
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
