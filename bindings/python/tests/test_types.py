"""Value types: SSE settings, credentials, results; and that every public name has a
docstring."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import oss_sse
from oss_sse import sansio, testing


def test_server_side_encryption_rule() -> None:
    r = oss_sse.ServerSideEncryptionRule("kms", "cmk-1", "sm4")
    assert (r.sse_algorithm, r.kms_master_key_id, r.kms_data_encryption) == ("KMS", "cmk-1", "SM4")
    assert r == oss_sse.ServerSideEncryptionRule.kms("cmk-1", "SM4")
    assert r != oss_sse.ServerSideEncryptionRule.kms()
    assert r != "KMS"
    assert len({r, oss_sse.ServerSideEncryptionRule.kms("cmk-1", "SM4")}) == 1
    assert repr(r) == "ServerSideEncryptionRule(sse_algorithm='KMS', kms_master_key_id='cmk-1', kms_data_encryption='SM4')"
    assert oss_sse.ServerSideEncryptionRule.aes256().sse_algorithm == "AES256"
    assert oss_sse.ServerSideEncryptionRule.sm4().kms_master_key_id is None
    # An empty key id means the default CMK.
    assert oss_sse.ServerSideEncryptionRule("KMS", "").kms_master_key_id is None
    with pytest.raises(oss_sse.ClientError) as e:
        oss_sse.ServerSideEncryptionRule("SM4", "k")
    assert e.value.field == "kms_master_key_id"


def test_server_side_encryption() -> None:
    s = oss_sse.ServerSideEncryption("KMS", "cmk-1", "SM4")
    assert (s.server_side_encryption, s.server_side_encryption_key_id, s.server_side_data_encryption) == ("KMS", "cmk-1", "SM4")
    assert s == oss_sse.ServerSideEncryption.kms("cmk-1", "SM4")
    assert str(s) == "KMS+SM4 (key cmk-1)"
    assert repr(oss_sse.ServerSideEncryption.aes256()) == (
        "ServerSideEncryption(server_side_encryption='AES256', server_side_encryption_key_id=None, server_side_data_encryption=None)"
    )
    assert hash(s) == hash(oss_sse.ServerSideEncryption.kms("cmk-1", "SM4"))
    assert oss_sse.ServerSideEncryption.sm4() != oss_sse.ServerSideEncryption.aes256()
    with pytest.raises(oss_sse.ClientError) as e:
        oss_sse.ServerSideEncryption("RSA")
    assert e.value.field == "server_side_encryption"


def test_credentials_redacted() -> None:
    c = oss_sse.Credentials("id", "very-secret", "token-secret")
    assert (c.access_key_id, c.access_key_secret, c.security_token) == ("id", "very-secret", "token-secret")
    assert "very-secret" not in repr(c)
    assert "token-secret" not in repr(c)
    assert repr(c) == "Credentials(access_key_id='id', access_key_secret='** redacted **', security_token='** redacted **')"
    assert oss_sse.Credentials("id", "s") == oss_sse.Credentials("id", "s")
    assert oss_sse.Credentials("id", "s", "").security_token is None


def test_completed_part_and_results_repr() -> None:
    p = oss_sse.CompletedPart(2, "etag")
    assert (p.part_number, p.etag) == (2, "etag")
    assert repr(p) == "CompletedPart(part_number=2, etag='etag')"
    out = sansio.PutObject("b1b", "k", b"").from_response(200, {"x-oss-request-id": "r", "ETag": '"E"', "x-oss-hash-crc64ecma": "7"})
    assert repr(out) == "PutObjectOutput(etag='E', hash_crc64=7, version_id=None, server_side_encryption=None, request_id='r')"
    with pytest.raises(AttributeError):
        out.etag = "x"  # type: ignore[misc]
    got = sansio.GetObject("b1b", "k").from_response(200, {"Content-Length": "3"}, b"abc")
    assert repr(got).endswith("body=<3 bytes>)")
    assert got.body == b"abc"
    assert got.request_id is None


def test_version() -> None:
    assert oss_sse.__version__ == oss_sse._oss_sse.__version__
    assert oss_sse.__version__.count(".") == 2


def public_members(obj: Any) -> list[tuple[str, Any]]:
    out = []
    for name, member in vars(obj).items():
        if name.startswith("_") and name not in ("__init__", "__new__"):
            continue
        out.append((name, member))
    return out


MODULES = [oss_sse, sansio, testing]


def test_all_exports_exist() -> None:
    for mod in MODULES:
        for name in mod.__all__:
            assert hasattr(mod, name), f"{mod.__name__}.{name}"


@pytest.mark.parametrize(
    "name",
    sorted({f"{m.__name__}.{n}" for m in MODULES for n in m.__all__ if n != "__version__" and not n.isupper()}),
)
def test_every_public_name_has_docstrings(name: str) -> None:
    mod_name, _, attr = name.rpartition(".")
    obj = getattr({m.__name__: m for m in MODULES}[mod_name], attr)
    assert inspect.getdoc(obj), f"{name} has no docstring"
    if inspect.isclass(obj):
        for member_name, member in public_members(obj):
            if member_name in ("__init__", "__new__"):
                continue
            if callable(member) or isinstance(member, (property, staticmethod, classmethod)) or inspect.isgetsetdescriptor(member) or inspect.ismethoddescriptor(member):
                doc = getattr(member, "__doc__", None)
                if isinstance(member, (staticmethod, classmethod)):
                    doc = member.__func__.__doc__
                assert doc and doc.strip(), f"{name}.{member_name} has no docstring"
