"""Audit and re-encrypt a bucket from its OSS inventory on Dask: one task per inventory
data file, the summaries gathered into one total and one HTML report.

Against a local emulator (a bucket of --objects objects is made, inventoried, re-encrypted
and audited again), on a LocalCluster of --workers worker processes:

    python examples/python/dask_reencrypt.py --local --objects 20000 --to KMS --report posture.html

Against real OSS and any Dask cluster (credentials from OSS_ACCESS_KEY_ID /
OSS_ACCESS_KEY_SECRET; the manifest of an inventory OSS wrote for the bucket):

    python examples/python/dask_reencrypt.py --scheduler tcp://scheduler:8786 \\
        --region cn-hangzhou --bucket my-bucket \\
        --manifest oss://inventory-bucket/inv/my-bucket/rule/2026-11-30T16-00Z/manifest.json \\
        --to KMS:my-cmk

The client travels to the workers by pickling: its configuration and credentials provider,
never a connection (each worker opens its own). Re-encryption is idempotent and safe to
repeat: a task that Dask retries skips what already meets the target, and never overwrites
a concurrent write.
"""

from __future__ import annotations

import argparse
import sys
import time

from dask.distributed import Client as DaskClient
from dask.distributed import LocalCluster

import oss_sse


def audit_file(client: oss_sse.Client, bucket: str, manifest: str, index: int, policy: str) -> oss_sse.AuditSummary:
    """One task: audit the objects of one inventory data file."""
    it = client.audit(bucket, policy=policy, inventory=manifest, inventory_files=[index])
    for _ in it:
        pass
    return it.summary


def reencrypt_file(client: oss_sse.Client, bucket: str, manifest: str, index: int, to: str) -> oss_sse.ReencryptSummary:
    """One task: re-encrypt the objects of one inventory data file that do not meet `to`."""
    return client.reencrypt(bucket, to=to, inventory=manifest, inventory_files=[index], concurrency=32)


def run(dask: DaskClient, client: oss_sse.Client, bucket: str, manifest: str, to: str, report: str | None) -> bool:
    files = client.inventory_manifest(manifest).files
    print(f"inventory: {len(files)} data files; one task each")

    t = time.perf_counter()
    before = sum(dask.gather([dask.submit(audit_file, client, bucket, manifest, i, to, pure=False) for i in range(len(files))]))
    secs = time.perf_counter() - t
    print(f"audit:      {before.objects} objects, {before.needing_attention} need attention ({before.objects / secs:,.0f} objects/s)")

    t = time.perf_counter()
    done = sum(dask.gather([dask.submit(reencrypt_file, client, bucket, manifest, i, to, pure=False) for i in range(len(files))]))
    secs = time.perf_counter() - t
    counts = {k: n for k, (n, _) in done.by_outcome.items()}
    print(f"reencrypt:  {counts} ({done.objects / secs:,.0f} objects/s)")

    # The follow-up audit lists the bucket (the inventory is a snapshot from before).
    t = time.perf_counter()
    it = client.audit(bucket, policy=to)
    after = sum(1 for f in it if f.needs_attention and not f.key.startswith("inventory/"))
    print(f"audit again: {after} objects need attention ({time.perf_counter() - t:.1f} s)")
    if report:
        with open(report, "w", encoding="utf-8") as f:
            f.write(before.report_html(bucket, policy=to))
        print(f"report of the first audit: {report}")
    return after == 0 and done.all_compliant


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--local", action="store_true", help="run against an in-process emulator")
    ap.add_argument("--objects", type=int, default=20_000, help="objects of the local bucket")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    ap.add_argument("--scheduler", help="address of an existing Dask scheduler")
    ap.add_argument("--region", default="cn-hangzhou")
    ap.add_argument("--endpoint")
    ap.add_argument("--bucket", default="dask-demo")
    ap.add_argument("--manifest", help="oss://bucket/path/manifest.json of the bucket's inventory")
    ap.add_argument("--to", default="KMS", help="AES256, SM4, KMS[:KEYID] or KMS+SM4[:KEYID]")
    ap.add_argument("--report", help="write the first audit's HTML report here")
    a = ap.parse_args()

    if a.scheduler:
        dask = DaskClient(a.scheduler)
    else:
        dask = DaskClient(LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, dashboard_address=None))
    try:
        if a.local:
            from oss_sse.testing import LocalOSS

            with LocalOSS() as oss:
                client = oss.client()
                client.put_bucket(a.bucket)
                # A quarter each: unencrypted, AES256, SM4, and already KMS.
                quarter = a.objects // 4
                for n, sse in enumerate([None, "AES256", "SM4", "KMS"]):
                    oss.seed(a.bucket, quarter, prefix=f"part{n}/", size=100, server_side_encryption=sse)
                manifest = oss.write_inventory(a.bucket, rows_per_file=max(1, a.objects // 8))
                ok = run(dask, client, a.bucket, manifest, a.to, a.report)
        else:
            if not a.manifest:
                ap.error("--manifest is needed without --local")
            client = oss_sse.Client(a.region, credentials=oss_sse.EnvironmentProvider(), endpoint=a.endpoint)
            ok = run(dask, client, a.bucket, a.manifest, a.to, a.report)
    finally:
        dask.close()
    print("clean" if ok else "NOT clean")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
