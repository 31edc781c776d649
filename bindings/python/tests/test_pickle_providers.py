"""Clients, credentials and providers pickle (to ship to worker processes); credentials
providers written in Python."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import datetime
import multiprocessing
import pickle
import threading
import time
from typing import Any

import pytest

import oss_sse
from oss_sse.testing import LocalOSS


def test_credentials_and_providers_pickle_without_leaking_in_repr() -> None:
    c = oss_sse.Credentials("AKID", "s3cr3t-Z9", "TOKEN-QX7")
    back = pickle.loads(pickle.dumps(c))
    assert back == c and back.security_token == "TOKEN-QX7"
    assert "s3cr3t-Z9" not in repr(back) and "TOKEN-QX7" not in repr(back)
    for p in [
        oss_sse.StaticProvider(c),
        oss_sse.EnvironmentProvider(),
        oss_sse.EcsRamRoleProvider("role", endpoint="http://127.0.0.1:9", refresh_before=30),
        oss_sse.ChainProvider([oss_sse.EnvironmentProvider(), c]),
    ]:
        q = pickle.loads(pickle.dumps(p))
        assert type(q) is type(p)
    assert pickle.loads(pickle.dumps(oss_sse.StaticProvider(c))).credentials() == c


def _head_in_worker(client: oss_sse.Client, bucket: str, key: str) -> int:
    return client.head_object(bucket, key).content_length or 0


def test_a_pickled_client_works_in_a_process_pool(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "k", b"12345")
    c = oss.client(max_attempts=2, read_timeout=datetime.timedelta(seconds=7))
    back = pickle.loads(pickle.dumps(c))
    assert back.config.host == c.config.host and back.region == c.region
    assert back.head_object(bucket, "k").content_length == 5
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        sizes = list(pool.map(_head_in_worker, [c] * 4, [bucket] * 4, ["k"] * 4))
    assert sizes == [5, 5, 5, 5]
    a = pickle.loads(pickle.dumps(oss.async_client()))
    assert isinstance(a, oss_sse.AsyncClient)


class Rotating:
    """A provider that counts its calls and hands out the emulator's keys."""

    def __init__(self, creds: oss_sse.Credentials, ttl: float | None, delay: float = 0.0) -> None:
        self.creds, self.ttl, self.delay = creds, ttl, delay
        self.calls = 0
        self.lock = threading.Lock()

    def get_credentials(self) -> Any:
        with self.lock:
            self.calls += 1
        time.sleep(self.delay)
        if self.ttl is None:
            return self.creds
        # Cached until 2 minutes before expiry: `ttl` seconds from now.
        return self.creds, time.time() + 120 + self.ttl


def test_python_providers_cache_until_expiry_and_share_calls(oss: LocalOSS, bucket: str) -> None:
    p = Rotating(oss.credentials, ttl=0.6)
    c = oss.client(credentials=p)
    for _ in range(5):
        c.get_bucket_info(bucket)
    assert p.calls == 1
    time.sleep(0.7)
    c.get_bucket_info(bucket)
    assert p.calls == 2
    # Without an expiry, every request asks; concurrent requests share one call.
    q = Rotating(oss.credentials, ttl=None, delay=0.2)
    c = oss.client(credentials=q)
    c.get_bucket_info(bucket)
    c.get_bucket_info(bucket)
    assert q.calls == 2
    q.calls = 0
    threads = [threading.Thread(target=c.get_bucket_info, args=(bucket,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 <= q.calls <= 3, q.calls


def test_a_python_provider_whose_credentials_rotate(bucket: str) -> None:
    # The emulator accepts keys A and B only: each request must be signed with what the
    # provider handed out last, so a rotation to a key it does not know is seen at once.
    a = oss_sse.Credentials("STS.key-a", "secret-a", "token-a")
    b = oss_sse.Credentials("STS.key-b", "secret-b", "token-b")
    retired = oss_sse.Credentials("STS.key-c", "secret-c", "token-c")

    class Vault:
        def __init__(self) -> None:
            self.issued = [a, b, retired]
            self.calls = 0

        def get_credentials(self) -> Any:
            creds = self.issued[min(self.calls, 2)]
            self.calls += 1
            # Each lease is good for 0.4 s past the refresh margin (2 minutes).
            return creds, time.time() + 120 + 0.4

    with LocalOSS(credentials=[a, b]) as oss:
        vault = Vault()
        c = oss.client(credentials=vault, max_attempts=1)
        c.put_bucket(bucket)
        c.put_object(bucket, "k", b"signed with A")
        assert vault.calls == 1
        time.sleep(0.5)
        c.put_object(bucket, "k", b"signed with B")
        assert vault.calls == 2
        assert c.get_object_bytes(bucket, "k").body == b"signed with B"
        time.sleep(0.5)
        with pytest.raises(oss_sse.ServiceError) as ei:
            c.head_object(bucket, "k")
        assert vault.calls == 3
        assert ei.value.status == 403
        # The async client asks the same provider the same way.
        vault2 = Vault()
        ac = oss.async_client(credentials=vault2, max_attempts=1)

        async def run() -> None:
            assert (await ac.get_object_bytes(bucket, "k")).body == b"signed with B"
            await asyncio.sleep(0.5)
            assert (await ac.get_object_bytes(bucket, "k")).body == b"signed with B"
            await asyncio.sleep(0.5)
            with pytest.raises(oss_sse.ServiceError):
                await ac.head_object(bucket, "k")

        asyncio.run(run())
        assert vault2.calls == 3
    with pytest.raises(ValueError, match="empty"):
        LocalOSS(credentials=[]).start()


def test_async_and_failing_python_providers(oss: LocalOSS, bucket: str) -> None:
    class AsyncProvider:
        def __init__(self) -> None:
            self.calls = 0

        async def get_credentials(self) -> oss_sse.Credentials:
            self.calls += 1
            await asyncio.sleep(0)
            return oss.credentials

    ap = AsyncProvider()
    oss.client(credentials=ap).get_bucket_info(bucket)
    assert ap.calls == 1

    class Broken:
        def get_credentials(self) -> str:
            return "not credentials"

    with pytest.raises(oss_sse.CredentialsError) as ei:
        oss.client(credentials=Broken(), max_attempts=1).get_bucket_info(bucket)
    assert "get_credentials() returned str" in str(ei.value)

    class Raising:
        def get_credentials(self) -> oss_sse.Credentials:
            raise RuntimeError("vault is sealed")

    with pytest.raises(oss_sse.CredentialsError) as ei2:
        oss.client(credentials=Raising(), max_attempts=1).get_bucket_info(bucket)
    assert "vault is sealed" in str(ei2.value.__cause__ or ei2.value) or "provider failed" in str(ei2.value)
    with pytest.raises(TypeError):
        oss_sse.Client("cn-hangzhou", credentials=object())  # type: ignore[arg-type]


def test_summaries_add_up_and_pickle(client: oss_sse.Client, bucket: str) -> None:
    for i in range(30):
        client.put_object(bucket, f"s/{i:02d}", b"x" * i, server_side_encryption="AES256" if i % 3 else None)
    whole_it = client.audit(bucket, policy="AES256")
    list(whole_it)
    whole = whole_it.summary
    parts = []
    for i in range(3):
        it = client.audit(bucket, policy="AES256", shard=f"{i}/3")
        list(it)
        parts.append(pickle.loads(pickle.dumps(it.summary)))
    total = sum(parts)
    assert isinstance(total, oss_sse.AuditSummary)
    assert total == sum(parts, oss_sse.AuditSummary())
    assert (total.objects, total.compliant, total.needing_attention) == (whole.objects, whole.compliant, whole.needing_attention) == (30, 20, 10)
    assert total.by_verdict == whole.by_verdict and total.by_prefix == whole.by_prefix
    assert len(total.attention) == 10
    assert 'id="by-verdict"' in total.report_html(bucket, policy="AES256")
    with pytest.raises(oss_sse.ClientError):
        client.audit(bucket, shard="3/3")
    with pytest.raises(oss_sse.ClientError) as ei:
        client.audit(bucket, inventory_files=[0])
    assert ei.value.field == "inventory_files"

    r = client.reencrypt(bucket, to="AES256", shard="0/2") + client.reencrypt(bucket, to="AES256", shard="1/2")
    back = pickle.loads(pickle.dumps(r))
    assert back.objects == 30 and back.by_outcome["reencrypted"][0] == 10 and back.all_compliant
    assert sum([back]).objects == 30
