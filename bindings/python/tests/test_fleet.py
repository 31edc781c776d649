"""Audit and re-encryption from Python (sync and asyncio) against the emulator."""

from __future__ import annotations

import asyncio
import json
import pathlib

import pytest

import oss_sse
from oss_sse.testing import FIXTURE_KMS_KEYS, LocalOSS

KEY = FIXTURE_KMS_KEYS[0]


def fill(client: oss_sse.Client, bucket: str) -> dict[str, bytes]:
    """12 objects: 3 unencrypted, 3 AES256, 3 KMS with KEY, 3 SM4, each with metadata."""
    want = {}
    for i in range(12):
        key = f"p{i % 2}/o{i:02d}"
        body = bytes([i]) * (100 + i)
        sse = [None, "AES256", "KMS", "SM4"][i % 4]
        client.put_object(
            bucket, key, body, metadata={"i": str(i)}, tags={"t": str(i)},
            server_side_encryption=sse, server_side_encryption_key_id=KEY if sse == "KMS" else None,
        )
        want[key] = body
    return want


def test_audit_iterates_findings_with_a_summary(client: oss_sse.Client, bucket: str) -> None:
    fill(client, bucket)
    it = client.audit(bucket, policy="AES256")
    assert isinstance(it, oss_sse.AuditIterator)
    findings = list(it)
    assert len(findings) == 12 and all(isinstance(f, oss_sse.Finding) for f in findings)
    by = {f.key: f for f in findings}
    assert by["p0/o00"].verdict == "unencrypted" and by["p0/o00"].needs_attention
    assert by["p1/o01"].verdict == "compliant" and not by["p1/o01"].needs_attention
    kms = by["p0/o02"]
    assert kms.verdict == "wrong_algorithm" and kms.detail == "encrypted with KMS"
    assert kms.server_side_encryption is not None
    assert kms.server_side_encryption.server_side_encryption_key_id == KEY
    s = it.summary
    assert (s.objects, s.compliant, s.needing_attention) == (12, 3, 9)
    assert s.by_verdict["wrong_algorithm"][0] == 6
    sizes = {alg: sum(100 + i for i in range(12) if i % 4 == n) for n, alg in enumerate(["none", "AES256", "KMS", "SM4"])}
    assert s.by_algorithm == {alg: (3, b) for alg, b in sizes.items()}
    assert s.by_key_id == {KEY: (3, sizes["KMS"])}
    assert s.by_prefix["p0/"][:1] == (6,)
    assert it.policy == "AES256"
    html = it.report_html()
    assert html.startswith("<!DOCTYPE html>") and 'id="by-verdict"' in html

    # KMS with the key id: exactly the KMS objects comply.
    assert sum(f.verdict == "compliant" for f in client.audit(bucket, policy=f"KMS:{KEY}")) == 3


def test_audit_errors(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    with pytest.raises(oss_sse.ClientError) as ei:
        client.audit(bucket, policy="DES")
    assert ei.value.field == "policy"
    with pytest.raises(oss_sse.ClientError) as ei:
        client.audit(bucket, concurrency=0)
    assert ei.value.field == "concurrency"
    it = client.audit(bucket)  # the bucket has no rule
    with pytest.raises(oss_sse.ClientError) as ei:
        next(it)
    assert "no default encryption" in str(ei.value)
    with pytest.raises(oss_sse.NotFoundError):
        next(client.audit(oss.unique_bucket(), policy="any"))


def test_reencrypt_then_audit_is_clean(client: oss_sse.Client, bucket: str, tmp_path: pathlib.Path) -> None:
    want = fill(client, bucket)
    seen: list[oss_sse.ReencryptResult] = []
    dry = client.reencrypt(bucket, to="SM4", dry_run=True)
    assert dry.by_outcome["would_reencrypt"][0] == 9 and dry.by_outcome["compliant"][0] == 3
    journal = tmp_path / "j.jsonl"
    out = client.reencrypt(bucket, to="SM4", journal=str(journal), progress=seen.append)
    assert isinstance(out, oss_sse.ReencryptSummary)
    assert out.all_compliant and out.policy == "SM4"
    assert out.by_outcome["reencrypted"][0] == 9
    assert len(seen) == 12 and {r.outcome for r in seen} == {"reencrypted", "compliant"}
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert sorted(x["key"] for x in lines if x["outcome"] == "done") == sorted(r.key for r in seen if r.outcome == "reencrypted")
    it = client.audit(bucket, policy="SM4")
    assert sum(1 for f in it if f.needs_attention) == 0
    for key, body in want.items():
        got = client.get_object_bytes(bucket, key)
        assert got.body == body
        assert got.head.metadata == {"i": str(int(key[-2:]))}
        assert client.get_object_tagging(bucket, key).tags == {"t": str(int(key[-2:]))}
    again = client.reencrypt(bucket, to="SM4", journal=str(journal), resume=True)
    assert again.by_outcome == {"done_earlier": (9, sum(len(want[r.key]) for r in seen if r.outcome == "reencrypted")), "compliant": (3, again.by_outcome["compliant"][1])}
    with pytest.raises(oss_sse.FileError):
        client.reencrypt(bucket, to="SM4", journal=str(journal))  # an earlier run, not resumed
    with pytest.raises(oss_sse.ClientError) as ei:
        client.reencrypt(bucket, to="any")
    assert ei.value.field == "target"
    with pytest.raises(oss_sse.ClientError) as ei:
        client.reencrypt(bucket, to="SM4", resume=True)
    assert ei.value.field == "resume"


def test_reencrypt_progress_exception_stops_the_run(client: oss_sse.Client, bucket: str) -> None:
    fill(client, bucket)

    def boom(_: oss_sse.ReencryptResult) -> None:
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        client.reencrypt(bucket, to="AES256", progress=boom, concurrency=1)


def test_async_audit_and_reencrypt(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    fill(client, bucket)

    async def main() -> None:
        a = oss.async_client()
        it = a.audit(bucket, policy="any")
        assert isinstance(it, oss_sse.AsyncAuditIterator)
        findings = [f async for f in it]
        assert len(findings) == 12 and it.summary.needing_attention == 3
        out = await a.reencrypt(bucket, to=f"KMS:{KEY}")
        assert out.all_compliant and out.by_outcome["reencrypted"][0] == 9
        left = [f async for f in a.audit(bucket, policy=f"KMS:{KEY}") if f.needs_attention]
        assert left == []

    asyncio.run(main())


def test_audit_from_an_inventory_matches_the_listing(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    for n, sse in enumerate([None, "AES256", "SM4"]):
        assert oss.seed(bucket, 300, prefix=f"q{n}/", size=7, server_side_encryption=sse) == 300
    manifest = oss.write_inventory(bucket, prefix="inv/", rows_per_file=250)
    m = client.inventory_manifest(manifest)
    assert isinstance(m, oss_sse.InventoryManifest)
    assert m.source_bucket == bucket and len(m.files) == 4 and "EncryptionStatus" in m.schema
    listed = client.audit(bucket, policy="SM4", prefix="q")
    list(listed)
    whole = oss_sse.AuditSummary()
    for i in range(len(m.files)):
        it = client.audit(bucket, policy="SM4", prefix="q", inventory=manifest, inventory_files=[i])
        list(it)
        whole = whole + it.summary
    assert whole.by_verdict == listed.summary.by_verdict == {
        "compliant": (300, 2100), "unencrypted": (300, 2100), "wrong_algorithm": (300, 2100)}
    with pytest.raises(oss_sse.ClientError) as ei:
        client.audit(bucket, inventory="oss://only-a-bucket")
    assert ei.value.field == "inventory"
