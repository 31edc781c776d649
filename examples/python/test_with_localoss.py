"""Testing your own code against a local OSS with real SSE semantics (pytest).

Run: .venv/bin/python -m pytest examples/python/test_with_localoss.py
The `local_oss` fixture comes with the wheel (a pytest plugin).
"""

import oss_sse


def archive_report(client: oss_sse.Client, bucket: str, name: str, data: bytes) -> str:
    """Application code under test: reports must be stored with KMS encryption."""
    out = client.put_object(bucket, f"reports/{name}", data, server_side_encryption="KMS")
    return out.server_side_encryption.server_side_encryption


def test_reports_are_kms_encrypted(local_oss):
    client = local_oss.client()
    client.put_bucket("reports")
    assert archive_report(client, "reports", "q3.csv", b"a,b\n") == "KMS"
    head = client.head_object("reports", "reports/q3.csv")
    assert head.server_side_encryption.server_side_encryption == "KMS"
    assert head.server_side_encryption.server_side_encryption_key_id  # the default CMK


def test_missing_bucket_raises_not_found(local_oss):
    client = local_oss.client()
    try:
        client.head_object("no-such-bucket", "k")
    except oss_sse.NotFoundError as e:
        assert e.code == "NoSuchBucket" and e.status == 404
    else:
        raise AssertionError("expected NotFoundError")
