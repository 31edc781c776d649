"""The peer of `oss-sse audit` / `reencrypt` for the fleet benchmark: what a careful user
writes with oss2 and a thread pool. Run by `cargo bench -p oss-sse-hyper --bench fleet`
against the same emulator and bucket; prints one JSON line.

    audit:     ObjectIteratorV2 (pages of 1,000) feeding HeadObject on 16 threads, each
               object's x-oss-server-side-encryption compared with the policy;
    reencrypt: the same listing, then per object HeadObject and a CopyObject onto itself
               with the new encryption, if-match on the ETag, and the metadata and
               Content-Type resent (REPLACE), on 16 threads.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import itertools
import json
import time

import oss2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--ak", required=True)
    ap.add_argument("--sk", required=True)
    ap.add_argument("--mode", choices=["audit", "reencrypt"], required=True)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--limit", type=int, default=0, help="stop after this many objects (0: all)")
    ap.add_argument("--to", default="AES256")
    a = ap.parse_args()
    bucket = oss2.Bucket(oss2.AuthV4(a.ak, a.sk), a.endpoint, a.bucket, region="cn-hangzhou")
    keys = (o.key for o in oss2.ObjectIteratorV2(bucket, max_keys=1000))
    if a.limit:
        keys = itertools.islice(keys, a.limit)

    def audit_one(key: str) -> bool:
        h = bucket.head_object(key)
        return h.headers.get("x-oss-server-side-encryption") == a.to

    def reencrypt_one(key: str) -> bool:
        h = bucket.head_object(key)
        if h.headers.get("x-oss-server-side-encryption") == a.to:
            return False
        headers = {
            "x-oss-server-side-encryption": a.to,
            "x-oss-metadata-directive": "REPLACE",
            "x-oss-copy-source-if-match": h.etag,
        }
        for k, v in h.headers.items():
            if k.lower().startswith("x-oss-meta-") or k.lower() in ("content-type", "cache-control", "content-disposition", "content-encoding", "expires"):
                headers[k] = v
        bucket.copy_object(a.bucket, key, key, headers=headers)
        return True

    work = audit_one if a.mode == "audit" else reencrypt_one
    t = time.perf_counter()
    n = hits = 0
    with cf.ThreadPoolExecutor(a.threads) as pool:
        # At most 4 x threads in flight: bounded memory, as the SDK.
        pending: set[cf.Future[bool]] = set()
        for key in keys:
            pending.add(pool.submit(work, key))
            if len(pending) >= 4 * a.threads:
                done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for f in done:
                    n += 1
                    hits += f.result()
        for f in cf.as_completed(pending):
            n += 1
            hits += f.result()
    secs = time.perf_counter() - t
    print(json.dumps({"mode": a.mode, "objects": n, "hits": hits, "seconds": secs, "per_second": n / secs}))


if __name__ == "__main__":
    main()
