"""oss_sse.testing.LocalOSS: context manager, fixture, persistence and fault injection."""

from __future__ import annotations

import pathlib

import pytest

import oss_sse
from oss_sse.testing import FIXTURE_KMS_KEYS, LocalOSS


def test_context_manager_lifecycle() -> None:
    oss = LocalOSS(region="cn-shanghai", kms_keys=["k1"])
    assert not oss.running
    assert repr(oss) == "LocalOSS(stopped)"
    with pytest.raises(RuntimeError):
        _ = oss.endpoint
    with oss as running:
        assert running is oss
        assert oss.running
        assert oss.endpoint.startswith("http://127.0.0.1:")
        assert oss.region == "cn-shanghai"
        assert oss.kms_keys == ("k1",)
        assert oss.start() is oss  # idempotent
        client = oss.client()
        client.put_bucket("ctx-bucket")
        out = client.put_object("ctx-bucket", "k", b"v", server_side_encryption="KMS", server_side_encryption_key_id="k1")
        assert out.server_side_encryption == oss_sse.ServerSideEncryption.kms("k1")
        assert oss.object_count() == 1
        assert oss.open_uploads() == 0
        assert oss.default_kms_key_id()
        assert oss.stats()["objects"] == 1
    assert not oss.running
    oss.stop()  # idempotent


def test_custom_credentials_are_enforced() -> None:
    creds = oss_sse.Credentials("my-id", "my-secret")
    with LocalOSS(credentials=creds) as oss:
        assert oss.credentials == creds
        assert (oss.access_key_id, oss.access_key_secret) == ("my-id", "my-secret")
        oss.client().put_bucket("creds-bucket")
        wrong = oss.client(credentials=oss_sse.Credentials("my-id", "other"))
        with pytest.raises(oss_sse.AccessDeniedError):
            wrong.get_bucket_info("creds-bucket")


def test_data_dir_persists_across_restarts(tmp_path: pathlib.Path) -> None:
    with LocalOSS(data_dir=tmp_path) as oss:
        c = oss.client()
        c.put_bucket("persisted")
        c.put_bucket_encryption("persisted", "SM4")
        c.put_object("persisted", "k", b"kept")
    with LocalOSS(data_dir=str(tmp_path)) as oss:
        c = oss.client()
        assert c.get_bucket_encryption("persisted") == oss_sse.ServerSideEncryptionRule.sm4()
        assert c.get_object_bytes("persisted", "k").body == b"kept"


def test_fixture_is_shared(local_oss: LocalOSS) -> None:
    assert local_oss.running
    assert local_oss.kms_keys == FIXTURE_KMS_KEYS
    assert isinstance(local_oss.async_client(), oss_sse.AsyncClient)
    assert local_oss.config().addressing_style == "path"
    assert local_oss.unique_bucket() != local_oss.unique_bucket()


def test_fault_injection(local_oss: LocalOSS) -> None:
    client = local_oss.client(max_attempts=1)
    bucket = local_oss.unique_bucket()
    client.put_bucket(bucket)
    local_oss.inject_fault({"kind": "error", "status": 500, "code": "InternalError"}, op="HeadObject", bucket=bucket, count=1)
    with pytest.raises(oss_sse.ServerError):
        client.head_object(bucket, "k")
    with pytest.raises(oss_sse.NotFoundError):
        client.head_object(bucket, "k")
    local_oss.inject_fault({"kind": "error", "status": 500, "code": "InternalError"}, op="HeadObject", count=None)
    local_oss.clear_faults()
    with pytest.raises(oss_sse.NotFoundError):
        client.head_object(bucket, "k")


def test_emulator_class_directly() -> None:
    emu = oss_sse._oss_sse.Emulator.start()
    try:
        assert emu.running
        assert "Emulator(" in repr(emu)
    finally:
        emu.shutdown()
    assert not emu.running
    with pytest.raises(RuntimeError):
        emu.object_count()
