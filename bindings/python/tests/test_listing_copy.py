"""Listing, part copy, the managed copy, upload clean-up and tagging, through the blocking
and the asyncio clients and the sans-IO operations, against the emulator."""

from __future__ import annotations

import asyncio
import datetime
import gc
import threading

import pytest

import oss_sse
from oss_sse import sansio
from oss_sse.testing import LocalOSS

TRICKY = ["a+b", "a b", "100%", "中文/文件", "x&y<z>", "~t", "dir/sub/deep"]


def fill(client: oss_sse.Client, bucket: str, keys: list[str]) -> None:
    """Uploads each key with its own name as the body, from a few threads."""
    def put(chunk: list[str]) -> None:
        for k in chunk:
            client.put_object(bucket, k, k.encode())

    threads = [threading.Thread(target=put, args=(keys[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def byte_order(keys: list[str]) -> list[str]:
    return sorted(keys, key=lambda k: k.encode())


# ---------------------------------------------------------------------------------------------
# Listing
# ---------------------------------------------------------------------------------------------


def test_list_objects_v2_iterates_every_page(client: oss_sse.Client, bucket: str) -> None:
    keys = [f"n/{i:04d}" for i in range(250)] + TRICKY
    fill(client, bucket, keys)
    it = client.list_objects_v2(bucket, max_keys=100)
    assert isinstance(it, oss_sse.ListIterator)
    got = list(it)
    assert [o.key for o in got] == byte_order(keys)
    assert all(isinstance(o, oss_sse.ObjectSummary) for o in got)
    by_key = {o.key: o for o in got}
    o = by_key["中文/文件"]
    assert o.size == len("中文/文件".encode())
    assert o.etag == client.head_object(bucket, "中文/文件").etag
    assert o.object_type == "Normal" and o.storage_class == "Standard"
    assert o.last_modified is not None and o.last_modified.endswith(".000Z")
    assert o.owner is None
    # A finished iterator stays finished.
    assert list(it) == []


def test_list_objects_v2_prefix_delimiter_pages(client: oss_sse.Client, bucket: str) -> None:
    fill(client, bucket, ["top", "a/1", "a/2", "a/b/3", "c/4"])
    assert [o.key for o in client.list_objects_v2(bucket, prefix="a/")] == ["a/1", "a/2", "a/b/3"]
    assert [o.key for o in client.list_objects_v2(bucket, start_after="a/b/3")] == ["c/4", "top"]
    # Items with a delimiter are the objects of the level; pages() adds the prefixes.
    assert [o.key for o in client.list_objects_v2(bucket, delimiter="/")] == ["top"]
    pages = list(client.list_objects_v2(bucket, delimiter="/", max_keys=1).pages())
    assert all(isinstance(p, oss_sse.ListObjectsV2Output) for p in pages)
    assert [p.common_prefixes for p in pages] == [["a/"], ["c/"], []]
    assert [[o.key for o in p.contents] for p in pages] == [[], [], ["top"]]
    assert [p.is_truncated for p in pages] == [True, True, False]
    assert pages[0].next_continuation_token and pages[-1].next_continuation_token is None
    owned = list(client.list_objects_v2(bucket, prefix="top", fetch_owner=True))
    assert owned[0].owner is not None and owned[0].owner.id


def test_list_empty_bucket_and_bad_input(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    assert list(client.list_objects_v2(bucket)) == []
    pages = list(client.list_objects_v2(bucket).pages())
    assert len(pages) == 1 and pages[0].contents == [] and pages[0].key_count == 0
    # Bad input is refused when the iterator is made, before anything is sent.
    for n in (0, 1001):
        with pytest.raises(oss_sse.ClientError) as ei:
            client.list_objects_v2(bucket, max_keys=n)
        assert ei.value.field == "max_keys"
    with pytest.raises(oss_sse.ClientError) as ei:
        client.list_objects_v2("Bad_Bucket")
    assert ei.value.field == "bucket"
    # Service errors come from the step that meets them.
    it = client.list_objects_v2(oss.unique_bucket())
    with pytest.raises(oss_sse.NotFoundError) as nf:
        next(it)
    assert nf.value.code == "NoSuchBucket"
    with pytest.raises(StopIteration):
        next(it)
    with pytest.raises(oss_sse.InvalidArgumentError):
        next(client.list_objects_v2(bucket, continuation_token="not-a-token"))


def test_dropping_an_iterator_midway_stops_it(client: oss_sse.Client, bucket: str) -> None:
    fill(client, bucket, [f"k{i:04d}" for i in range(300)])
    it = client.list_objects_v2(bucket, max_keys=100)
    first = [next(it).key for _ in range(5)]
    assert first == [f"k{i:04d}" for i in range(5)]
    del it
    gc.collect()
    # The client is still usable and a new listing starts from the beginning.
    assert sum(1 for _ in client.list_objects_v2(bucket, max_keys=1000)) == 300


def test_async_list_objects_v2(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    keys = [f"n/{i:04d}" for i in range(230)] + TRICKY
    fill(client, bucket, keys)

    async def main() -> None:
        a = oss.async_client()
        it = a.list_objects_v2(bucket, max_keys=100)
        assert isinstance(it, oss_sse.AsyncListIterator)
        got = [o.key async for o in it]
        assert got == byte_order(keys)
        pages = [p async for p in a.list_objects_v2(bucket, prefix="n/", max_keys=100).pages()]
        assert [len(p.contents) for p in pages] == [100, 100, 30]
        # Pages that hold only prefixes are skipped by the item iterator.
        assert [o.key async for o in a.list_objects_v2(bucket, delimiter="/", max_keys=1)] == byte_order(
            [k for k in TRICKY if "/" not in k]
        )
        with pytest.raises(oss_sse.NotFoundError):
            async for _ in a.list_objects_v2(oss.unique_bucket()):
                pass
        uploads = [u async for u in a.list_multipart_uploads(bucket)]
        assert uploads == []

    asyncio.run(main())


def test_list_multipart_uploads_and_abort_incomplete(client: oss_sse.Client, bucket: str) -> None:
    started = []
    for k in ["u/a", "u/a", "u/b c", "u/d/e", "other"]:
        started.append((k, client.initiate_multipart_upload(bucket, k).upload_id))
    got = [(u.key, u.upload_id) for u in client.list_multipart_uploads(bucket, prefix="u/", max_uploads=2)]
    assert sorted(got) == sorted(s for s in started if s[0].startswith("u/"))
    assert [k for k, _ in got] == byte_order([k for k, _ in got])
    pages = list(client.list_multipart_uploads(bucket, prefix="u/", delimiter="/").pages())
    assert pages[0].common_prefixes == ["u/d/"]
    u = next(iter(client.list_multipart_uploads(bucket)))
    assert isinstance(u, oss_sse.MultipartUpload) and u.initiated

    kept = client.abort_incomplete_uploads(bucket, prefix="u/")  # default: older than 7 days
    assert kept.aborted == [] and kept.kept == 4 and kept.failed == []
    report = client.abort_incomplete_uploads(bucket, prefix="u/", older_than=datetime.timedelta(0))
    assert sorted(report.aborted) == sorted(s for s in started if s[0].startswith("u/"))
    assert [u.key for u in client.list_multipart_uploads(bucket)] == ["other"]
    with pytest.raises(oss_sse.ClientError) as ei:
        client.abort_incomplete_uploads(bucket, older_than=-1)
    assert ei.value.field == "older_than"


# ---------------------------------------------------------------------------------------------
# Part copy, copy conditions, the managed copy
# ---------------------------------------------------------------------------------------------

PART = 100 * 1024


def test_upload_part_copy_re_encrypts_under_the_upload(client: oss_sse.Client, bucket: str) -> None:
    data = bytes(range(256)) * (3 * PART // 256) + b"tail"
    client.put_object(bucket, "src", data, server_side_encryption="KMS")
    up = client.initiate_multipart_upload(bucket, "dst", server_side_encryption="SM4")
    parts = []
    for n, (first, last) in enumerate([(0, PART - 1), (PART, 2 * PART - 1), (2 * PART, len(data) - 1)], 1):
        r = client.upload_part_copy(bucket, "dst", up.upload_id, n, bucket, "src", source_range=(first, last))
        assert isinstance(r, oss_sse.UploadPartCopyOutput) and r.etag
        parts.append((n, r.etag))
    done = client.complete_multipart_upload(bucket, "dst", up.upload_id, parts)
    got = client.get_object_bytes(bucket, "dst")
    assert got.body == data
    assert got.server_side_encryption is not None
    assert got.server_side_encryption.server_side_encryption == "SM4"
    assert done.hash_crc64 == client.head_object(bucket, "src").hash_crc64

    etag = client.head_object(bucket, "src").etag
    assert etag is not None
    up2 = client.initiate_multipart_upload(bucket, "dst2")
    with pytest.raises(oss_sse.PreconditionFailedError) as ei:
        client.upload_part_copy(bucket, "dst2", up2.upload_id, 1, bucket, "src", if_match="0" * 32)
    assert ei.value.status == 412
    ok = client.upload_part_copy(bucket, "dst2", up2.upload_id, 1, bucket, "src", if_match=etag)
    assert ok.etag
    with pytest.raises(oss_sse.ClientError) as ce:
        client.upload_part_copy(bucket, "dst2", up2.upload_id, 1, bucket, "src", source_range=(10, 9))
    assert ce.value.field == "range"


def test_copy_object_conditions_tags_and_forbid_overwrite(client: oss_sse.Client, bucket: str) -> None:
    put = client.put_object(bucket, "s", b"source", tags={"team": "blue", "env": "a b+c"})
    assert client.head_object(bucket, "s").tagging_count == 2
    with pytest.raises(oss_sse.PreconditionFailedError) as ei:
        client.copy_object(bucket, "s", bucket, "d", if_none_match=put.etag)
    assert ei.value.status == 304
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    with pytest.raises(oss_sse.PreconditionFailedError):
        client.copy_object(bucket, "s", bucket, "d", if_unmodified_since=past)
    out = client.copy_object(bucket, "s", bucket, "d", if_match=put.etag, if_modified_since=past)
    assert out.etag == put.etag
    assert client.get_object_tagging(bucket, "d").tags == {"team": "blue", "env": "a b+c"}
    client.copy_object(bucket, "s", bucket, "d2", tagging_directive="Replace", tags=[("only", "one")])
    assert client.get_object_tagging(bucket, "d2").tags == {"only": "one"}
    with pytest.raises(oss_sse.ConflictError):
        client.copy_object(bucket, "s", bucket, "d", forbid_overwrite=True)
    with pytest.raises(oss_sse.ClientError) as ce:
        client.copy_object(bucket, "s", bucket, "d", tagging_directive="sometimes")
    assert ce.value.field == "tagging_directive"
    naive = datetime.datetime(2020, 1, 1)
    with pytest.raises(oss_sse.ClientError) as ce:
        client.copy_object(bucket, "s", bucket, "d", if_modified_since=naive)
    assert ce.value.field == "if_modified_since"


@pytest.mark.parametrize("multipart", [False, True], ids=["copy-object", "part-copy"])
def test_managed_copy_re_encrypts_in_place(client: oss_sse.Client, bucket: str, multipart: bool) -> None:
    data = b"0123456789abcdef" * (3 * PART // 16 + 7)
    client.put_object(
        bucket, "obj", data, content_type="text/x-kept", metadata={"origin": "py"}, tags={"k": "v"}
    )
    before = client.head_object(bucket, "obj")
    seen: list[tuple[int, int]] = []
    out = client.copy(
        bucket, "obj", bucket, "obj",
        server_side_encryption="KMS",
        multipart_threshold=PART if multipart else None,
        part_size=PART if multipart else None,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert isinstance(out, oss_sse.CopyOutput)
    assert out.multipart is multipart
    assert out.size == len(data)
    assert out.hash_crc64 == before.hash_crc64
    assert out.source.etag == before.etag == out.source_etag
    assert out.server_side_encryption is not None
    assert out.server_side_encryption.server_side_encryption == "KMS"
    after = client.head_object(bucket, "obj")
    assert after.hash_crc64 == before.hash_crc64
    assert after.metadata == {"origin": "py"} and after.content_type == "text/x-kept"
    assert client.get_object_tagging(bucket, "obj").tags == {"k": "v"}
    assert client.get_object_bytes(bucket, "obj").body == data
    assert seen and seen[-1] == (len(data), len(data))
    # Replacing metadata and tags instead.
    client.copy(bucket, "obj", bucket, "other", metadata={"new": "1"}, tags={})
    h = client.head_object(bucket, "other")
    assert h.metadata == {"new": "1"} and h.tagging_count == 0
    with pytest.raises(oss_sse.NotFoundError):
        client.copy(bucket, "missing", bucket, "x")
    with pytest.raises(oss_sse.PreconditionFailedError):
        client.copy(bucket, "obj", bucket, "x", source_etag="0" * 32)


def test_async_copy_and_tagging(oss: LocalOSS, client: oss_sse.Client, bucket: str) -> None:
    client.put_object(bucket, "a", b"abc")

    async def main() -> None:
        a = oss.async_client()
        out = await a.copy(bucket, "a", bucket, "b", server_side_encryption="AES256")
        assert out.size == 3
        await a.put_object_tagging(bucket, "b", {"x": "1"})
        assert (await a.get_object_tagging(bucket, "b")).tags == {"x": "1"}
        await a.delete_object_tagging(bucket, "b")
        assert (await a.get_object_tagging(bucket, "b")).tags == {}
        report = await a.abort_incomplete_uploads(bucket, older_than=0)
        assert report.aborted == []

    asyncio.run(main())
    with pytest.raises(oss_sse.ClientError) as ei:
        client.put_object_tagging(bucket, "a", {f"k{i}": "v" for i in range(11)})
    assert ei.value.field == "tags"


# ---------------------------------------------------------------------------------------------
# Sans-IO
# ---------------------------------------------------------------------------------------------


def test_sansio_listing_paginates(client: oss_sse.Client, bucket: str) -> None:
    fill(client, bucket, [f"p/{i}" for i in range(5)] + ["q"])
    op: sansio.ListObjectsV2 | None = sansio.ListObjectsV2(bucket, prefix="p/", max_keys=2)
    keys = []
    pages = 0
    while op is not None:
        page = client.send(op)
        assert isinstance(page, oss_sse.ListObjectsV2Output)
        keys += [o.key for o in page.contents]
        pages += 1
        op = op.next_page(page)
    assert keys == [f"p/{i}" for i in range(5)] and pages == 3

    req = sansio.ListObjectsV2(bucket, prefix="a b/", delimiter="/").to_request(client.config)
    assert "encoding-type=url" in req.url and "prefix=a%20b%2F" in req.url
    assert sansio.ListObjectsV2(bucket).name == "ListObjectsV2"
    with pytest.raises(oss_sse.ClientError):
        sansio.ListObjectsV2(bucket, max_keys=0).to_request(client.config)

    up = client.initiate_multipart_upload(bucket, "m")
    uop: sansio.ListMultipartUploads | None = sansio.ListMultipartUploads(bucket, max_uploads=1)
    seen = []
    while uop is not None:
        upage = client.send(uop)
        seen += [u.upload_id for u in upage.uploads]
        uop = uop.next_page(upage)
    assert seen == [up.upload_id]

    copy = sansio.UploadPartCopy(bucket, "m", up.upload_id, 1, bucket, "q", source_range=(0, 0))
    req = copy.to_request(client.config)
    assert ("x-oss-copy-source-range", "bytes=0-0") in req.headers
    assert client.send(copy).etag
    tag = sansio.PutObjectTagging(bucket, "q", {"a": "1"})
    assert b"<Key>a</Key>" in tag.to_request(client.config).body
    client.send(tag)
    assert client.send(sansio.GetObjectTagging(bucket, "q")).tags == {"a": "1"}
    client.send(sansio.DeleteObjectTagging(bucket, "q"))
    assert client.send(sansio.GetObjectTagging(bucket, "q")).tags == {}
