//! Listing streams, the managed copy and upload clean-up against the emulator over real
//! sockets.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use oss_sse_core::ops::{
    CompleteMultipartUpload, CompletedPart, GetObject, GetObjectTagging, InitiateMultipartUpload,
    ListMultipartUploads, ListObjectsV2, PutObject, UploadPart,
};
use oss_sse_core::{DataEncryption, ServerSideEncryption};
use oss_sse_emulator::{Emulator, EmulatorHandle, FaultAction, FaultRule};
use oss_sse_hyper::{Client, CopyOptions, Error, MetadataChange, RetryPolicy, TagsChange};

async fn setup(bucket: &str) -> (EmulatorHandle, Client) {
    let emu = Emulator::builder().kms_key("cmk-1").start().await.unwrap();
    let c = Client::builder(emu.region())
        .endpoint(emu.endpoint())
        .credentials(emu.credentials().clone())
        .retry(
            RetryPolicy::default()
                .with_backoff(Duration::from_millis(5), Duration::from_millis(50)),
        )
        .build()
        .unwrap();
    c.put_bucket(bucket).await.unwrap();
    (emu, c)
}

/// `len` bytes of a pattern that depends on `seed` (built from a 64 KiB block by copies, so
/// gigabytes are quick to make in a debug build).
fn data(seed: u8, len: usize) -> Bytes {
    let block: Vec<u8> = (0..65_536usize)
        .map(|i| seed.wrapping_add((i % 253) as u8) ^ (i >> 8) as u8)
        .collect();
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        let take = (len - v.len()).min(block.len());
        v.extend_from_slice(&block[..take]);
    }
    Bytes::from(v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_streams_walk_every_page() {
    let (emu, c) = setup("walk").await;
    let keys: Vec<String> = (0..2345).map(|i| format!("dir{}/k{i:05}", i % 3)).collect();
    futures_util::stream::iter(keys.clone())
        .for_each_concurrent(32, |k| {
            let c = c.clone();
            async move {
                c.send(&PutObject::new("walk", k, &b"x"[..])).await.unwrap();
            }
        })
        .await;
    let mut sorted = keys.clone();
    sorted.sort();
    let got: Vec<String> = c
        .list_objects_v2(ListObjectsV2::new("walk").with_max_keys(1000))
        .map_ok(|o| o.key)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got, sorted);
    let pages: Vec<_> = c
        .list_objects_v2_pages(ListObjectsV2::new("walk").with_max_keys(1000))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let prefixes = c
        .list_objects_v2_pages(ListObjectsV2::new("walk").with_delimiter("/"))
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(prefixes[0].common_prefixes, vec!["dir0/", "dir1/", "dir2/"]);
    let under: usize = c
        .list_objects_v2(ListObjectsV2::new("walk").with_prefix("dir1/"))
        .try_fold(0, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    assert_eq!(under, 782);
    emu.shutdown().await;
}

/// The request chain spawns its tasks on whatever runtime polls the stream: on a
/// single-threaded one it interleaves with the consumer and lists the same keys.
#[tokio::test(flavor = "current_thread")]
async fn list_streams_work_on_a_current_thread_runtime() {
    let (emu, c) = setup("single").await;
    for i in 0..25 {
        let k = format!("k{i:02}");
        c.send(&PutObject::new("single", k, &b"x"[..]))
            .await
            .unwrap();
    }
    let got = listed(&c, ListObjectsV2::new("single").with_max_keys(4)).await;
    assert_eq!(got, (0..25).map(|i| format!("k{i:02}")).collect::<Vec<_>>());
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_incomplete_uploads_by_age() {
    let (emu, c) = setup("old").await;
    for k in ["a/1", "a/2", "b/1"] {
        let up = c
            .send(&InitiateMultipartUpload::new("old", k))
            .await
            .unwrap();
        c.send(&UploadPart::new("old", k, &up.upload_id, 1, &b"part"[..]))
            .await
            .unwrap();
    }
    let r = c
        .abort_incomplete_uploads("old", "a/", Duration::from_secs(86_400))
        .await
        .unwrap();
    assert_eq!(
        (r.aborted.len(), r.kept),
        (0, 2),
        "younger than a day: kept"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = c
        .abort_incomplete_uploads("old", "a/", Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(
        r.aborted
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        vec!["a/1", "a/2"]
    );
    assert!(r.failed.is_empty());
    let left: Vec<_> = c
        .list_multipart_uploads(ListMultipartUploads::new("old"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].key, "b/1");
    assert_eq!(emu.open_uploads().await, 1);
    emu.shutdown().await;
}

/// Re-encryption in place keeps bytes, CRC-64, headers, metadata and tags, by a single
/// CopyObject and by a multipart copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_copy_re_encrypts_in_place_keeping_everything() {
    let (emu, c) = setup("mcp").await;
    for (key, size, threshold) in [
        ("small", 300_000usize, 1u64 << 30),
        ("parts", 1_500_000, 1 << 20),
    ] {
        let body = data(3, size);
        c.send(
            &PutObject::new("mcp", key, body.clone())
                .with_content_type("text/csv")
                .with_cache_control("no-cache")
                .with_content_disposition("inline")
                .with_metadata("owner", "ann")
                .with_metadata("x", "1")
                .with_tag("team", "blue"),
        )
        .await
        .unwrap();
        let before = c.head_object("mcp", key).await.unwrap();
        let target = ServerSideEncryption::kms()
            .with_key_id("cmk-1")
            .with_data_encryption(DataEncryption::Sm4);
        let out = c
            .copy(
                "mcp",
                key,
                "mcp",
                key,
                &CopyOptions::default()
                    .with_server_side_encryption(target.clone())
                    .with_part_size(256 * 1024, threshold),
            )
            .await
            .unwrap();
        assert_eq!(out.multipart, threshold < size as u64, "{key}");
        assert_eq!(out.source_etag, before.etag.clone().unwrap());
        let after = c.head_object("mcp", key).await.unwrap();
        assert_eq!(after.server_side_encryption, Some(target), "{key}");
        assert_eq!(
            after.hash_crc64, before.hash_crc64,
            "{key}: CRC-64 unchanged"
        );
        assert_eq!(after.headers(), before.headers(), "{key}: headers kept");
        assert_eq!(after.metadata, before.metadata, "{key}: metadata kept");
        assert_eq!(after.tagging_count, 1);
        let tags = c
            .send(&GetObjectTagging::new("mcp", key))
            .await
            .unwrap()
            .tags;
        assert_eq!(tags, vec![("team".to_owned(), "blue".to_owned())]);
        let got = c
            .get_object_bytes(&GetObject::new("mcp", key))
            .await
            .unwrap();
        assert!(got.body == body, "{key}: bytes unchanged");
    }
    // Replacing metadata and tags, to another key.
    c.copy(
        "mcp",
        "small",
        "mcp",
        "other",
        &CopyOptions::default()
            .with_metadata(MetadataChange::Replace {
                headers: Default::default(),
                metadata: vec![("new".into(), "yes".into())],
            })
            .with_tags(TagsChange::Replace(Vec::new())),
    )
    .await
    .unwrap();
    let h = c.head_object("mcp", "other").await.unwrap();
    assert_eq!(
        (h.metadata, h.tagging_count),
        (vec![("new".to_owned(), "yes".to_owned())], 0)
    );
    assert_eq!(emu.open_uploads().await, 0);
    emu.shutdown().await;
}

/// A source that changes during a multipart copy fails it with 412: no mixed object, and
/// the copy's upload is aborted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_changing_mid_copy_fails_with_412() {
    let (emu, c) = setup("mid").await;
    let old = data(1, 2_000_000);
    c.send(&PutObject::new("mid", "src", old.clone()))
        .await
        .unwrap();
    // Slow parts, one at a time, so the overwrite lands between two of them.
    emu.faults().push(FaultRule::next(
        "UploadPartCopy",
        100,
        FaultAction::Delay { ms: 150 },
    ));
    let c2 = c.clone();
    let copy = tokio::spawn(async move {
        c2.copy(
            "mid",
            "src",
            "mid",
            "dst",
            &CopyOptions::default()
                .with_part_size(200 * 1024, 1 << 20)
                .with_concurrency(1),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    c.send(&PutObject::new("mid", "src", data(9, 2_000_000)))
        .await
        .unwrap();
    let e = copy.await.unwrap().unwrap_err();
    assert_eq!(
        e.as_service()
            .map(|s| (s.status().as_u16(), s.code().to_owned())),
        Some((412, "PreconditionFailed".to_owned())),
        "{e}"
    );
    assert!(
        c.head_object("mid", "dst").await.is_err(),
        "no half-copied destination"
    );
    assert_eq!(emu.open_uploads().await, 0, "the copy's upload was aborted");
    // In place: the newer write survives, untouched.
    let newer = data(5, 300_000);
    c.send(&PutObject::new("mid", "inplace", data(4, 300_000)))
        .await
        .unwrap();
    let stale = c.head_object("mid", "inplace").await.unwrap().etag.unwrap();
    c.send(&PutObject::new("mid", "inplace", newer.clone()))
        .await
        .unwrap();
    let e = c
        .copy(
            "mid",
            "inplace",
            "mid",
            "inplace",
            &CopyOptions::default()
                .with_source_etag(stale)
                .with_server_side_encryption(ServerSideEncryption::aes256()),
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.as_service().map(|s| s.status().as_u16()),
        Some(412),
        "{e}"
    );
    let got = c
        .get_object_bytes(&GetObject::new("mid", "inplace"))
        .await
        .unwrap();
    assert!(got.body == newer);
    emu.shutdown().await;
}

/// A cancelled multipart copy aborts its upload and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_copy_aborts_its_upload() {
    let (emu, c) = setup("cnl").await;
    c.send(&PutObject::new("cnl", "src", data(2, 1_000_000)))
        .await
        .unwrap();
    emu.faults().push(FaultRule::next(
        "UploadPartCopy",
        100,
        FaultAction::Delay { ms: 500 },
    ));
    let token = oss_sse_hyper::CancellationToken::new();
    let opts = CopyOptions::default()
        .with_part_size(200 * 1024, 1 << 19)
        .with_cancel(token.clone());
    let c2 = c.clone();
    let copy = tokio::spawn(async move { c2.copy("cnl", "src", "cnl", "dst", &opts).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    token.cancel();
    match copy.await.unwrap() {
        Err(Error::Cancelled(c)) => {
            assert_eq!(c.cleaned.len(), 1, "{c}");
            assert!(c.to_string().contains("aborted multipart upload"), "{c}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(emu.open_uploads().await, 0);
    emu.shutdown().await;
}

/// A 3 GiB object re-encrypted in place by a multipart copy: CRC-64 unchanged (and the
/// whole object read back against it), metadata kept. `OSS_SSE_BIG_COPY_MIB` sets the size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_3_gib_object_is_re_encrypted_in_place() {
    let mib: u64 = std::env::var("OSS_SSE_BIG_COPY_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3072);
    let (emu, c) = setup("big").await;
    let part = 128u64 << 20;
    let size = mib << 20;
    let up = c
        .send(
            &InitiateMultipartUpload::new("big", "huge.bin")
                .with_metadata("origin", "test")
                .with_content_type("application/x-test"),
        )
        .await
        .unwrap();
    let count = size.div_ceil(part);
    let mut parts: Vec<CompletedPart> = futures_util::stream::iter(0..count)
        .map(|i| {
            let c = c.clone();
            let id = up.upload_id.clone();
            async move {
                let len = part.min(size - i * part) as usize;
                let body = data(i as u8, len);
                let out = c
                    .send(&UploadPart::new("big", "huge.bin", &id, i as u32 + 1, body))
                    .await
                    .unwrap();
                CompletedPart::new(i as u32 + 1, out.etag.unwrap())
            }
        })
        .buffer_unordered(2)
        .collect()
        .await;
    parts.sort_by_key(|p| p.part_number);
    c.send(&CompleteMultipartUpload::new(
        "big",
        "huge.bin",
        &up.upload_id,
        parts,
    ))
    .await
    .unwrap();
    let before = c.head_object("big", "huge.bin").await.unwrap();
    let t = std::time::Instant::now();
    let out = c
        .copy(
            "big",
            "huge.bin",
            "big",
            "huge.bin",
            &CopyOptions::default().with_server_side_encryption(ServerSideEncryption::aes256()),
        )
        .await
        .unwrap();
    eprintln!(
        "{mib} MiB re-encrypted in place in {:?} ({} parts)",
        t.elapsed(),
        size.div_ceil(64 << 20)
    );
    assert_eq!(out.multipart, size >= 1 << 30);
    let after = c.head_object("big", "huge.bin").await.unwrap();
    assert_eq!(after.hash_crc64, before.hash_crc64, "CRC-64 unchanged");
    assert_eq!(after.content_length, Some(size));
    assert_eq!(after.metadata, before.metadata);
    assert_eq!(after.content_type, before.content_type);
    assert_eq!(
        after.server_side_encryption,
        Some(ServerSideEncryption::aes256())
    );
    // Read it all back: the stream checks the CRC-64 at its end.
    let mut s = c
        .get_object(&GetObject::new("big", "huge.bin"))
        .await
        .unwrap();
    let mut n = 0u64;
    while let Some(chunk) = s.body.next().await {
        n += chunk.unwrap().len() as u64;
    }
    assert_eq!(n, size);
    emu.shutdown().await;
}

/// A server that hands back the continuation token it was given must not make the stream
/// loop forever: the second identical request is an error. (No emulator does this; a small
/// HTTP server on a real socket plays the misbehaving service.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_continuation_token_ends_the_stream_with_an_error() {
    // Without EncodingType the stream parses before it asks for the next page; with it, it
    // asks early (the pre-scan) and must still stop.
    for encoding in ["", "<EncodingType>url</EncodingType>"] {
        repeated_token(encoding).await;
    }
}

async fn repeated_token(encoding: &'static str) {
    let (c, hits) = listing_server(move |_| {
        let body = format!(
            "<ListBucketResult><Name>loop</Name>{encoding}<IsTruncated>true</IsTruncated>\
            <NextContinuationToken>SAME</NextContinuationToken>\
            <Contents><Key>k</Key><Size>1</Size></Contents><KeyCount>1</KeyCount>\
            </ListBucketResult>"
        );
        Box::pin(futures_util::stream::once(async move { Bytes::from(body) }))
    })
    .await;
    let mut s = c.list_objects_v2(ListObjectsV2::new("loop"));
    let mut keys = 0;
    let err = loop {
        match tokio::time::timeout(Duration::from_secs(10), s.next()).await {
            Ok(Some(Ok(_))) => keys += 1,
            Ok(Some(Err(e))) => break e,
            Ok(None) => panic!("the stream ended without an error"),
            Err(_) => panic!("the stream is still looping after {keys} keys"),
        }
    };
    assert!(matches!(err, Error::Parse(_)), "{err:?}");
    assert!(
        err.to_string().contains("same continuation marker"),
        "{err}"
    );
    // Page 1 (no token) and page 2 (token SAME) are yielded; page 2 names itself: stop.
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(keys, 2);
}

/// The keys a listing streams.
async fn listed(c: &Client, op: ListObjectsV2) -> Vec<String> {
    c.list_objects_v2(op)
        .map_ok(|o| o.key)
        .try_collect()
        .await
        .unwrap()
}

/// A page's body, sent as these parts in order.
type Parts = std::pin::Pin<Box<dyn futures_util::Stream<Item = Bytes> + Send>>;

/// A small HTTP server on a real socket playing a listing service (for what no emulator
/// does): `page(token)` is the body of the page asked for (`None`: the first page). Returns
/// a client for it and the number of requests it has received.
async fn listing_server(
    page: impl Fn(Option<String>) -> Parts + Send + Sync + 'static,
) -> (Client, Arc<AtomicU64>) {
    use hyper::service::service_fn;
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicU64::new(0));
    let (h, page) = (hits.clone(), Arc::new(page));
    tokio::spawn(async move {
        loop {
            let (s, _) = listener.accept().await.unwrap();
            let (h, page) = (h.clone(), page.clone());
            tokio::spawn(async move {
                let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    h.fetch_add(1, Ordering::SeqCst);
                    let token = req.uri().query().and_then(|q| {
                        q.split('&')
                            .find_map(|kv| kv.strip_prefix("continuation-token="))
                            .map(str::to_owned)
                    });
                    let body = page(token)
                        .map(|b| Ok::<_, std::convert::Infallible>(hyper::body::Frame::data(b)));
                    async move {
                        Ok::<_, std::convert::Infallible>(http::Response::new(
                            http_body_util::StreamBody::new(body),
                        ))
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(s), svc)
                    .await;
            });
        }
    });
    let c = Client::builder("cn-hangzhou")
        .endpoint(format!("http://{addr}"))
        .addressing_style(oss_sse_core::AddressingStyle::Path)
        .credentials(oss_sse_core::Credentials::new("ak", "sk"))
        .build()
        .unwrap();
    (c, hits)
}

/// A one-key page: truncated with `next` as its token in the head, or the last page.
fn one_key_page(key: &str, next: Option<&str>) -> (String, String) {
    let head = match next {
        Some(t) => format!(
            "<ListBucketResult><Name>pages</Name><EncodingType>url</EncodingType>\
            <IsTruncated>true</IsTruncated><NextContinuationToken>{t}</NextContinuationToken>"
        ),
        None => "<ListBucketResult><Name>pages</Name><EncodingType>url</EncodingType>\
            <IsTruncated>false</IsTruncated>"
            .to_owned(),
    };
    (
        format!("{head}<Contents><Key>{key}</Key>"),
        "<Size>1</Size></Contents><KeyCount>1</KeyCount></ListBucketResult>".to_owned(),
    )
}

/// The next page is requested as soon as the start of the current one names it, while the
/// rest of it is still on its way: the server holds back the end of page 1 until page 2
/// has been asked for (up to 5 s, after which it sends it anyway and the test fails).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_page_is_requested_before_the_current_one_has_arrived() {
    let asked = Arc::new(tokio::sync::Notify::new());
    let early = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (a, e) = (asked.clone(), early.clone());
    let (c, hits) = listing_server(move |token| match token.as_deref() {
        None => {
            let (head, rest) = one_key_page("k1", Some("p2"));
            let (a, e) = (a.clone(), e.clone());
            Box::pin(
                futures_util::stream::once(async move { Bytes::from(head) }).chain(
                    futures_util::stream::once(async move {
                        let waited = tokio::time::timeout(Duration::from_secs(5), a.notified());
                        e.store(waited.await.is_ok(), Ordering::SeqCst);
                        Bytes::from(rest)
                    }),
                ),
            )
        }
        _ => {
            a.notify_one();
            let (head, rest) = one_key_page("k2", None);
            Box::pin(futures_util::stream::once(async move {
                Bytes::from(head + &rest)
            }))
        }
    })
    .await;
    let keys = listed(&c, ListObjectsV2::new("pages")).await;
    assert_eq!(keys, ["k1", "k2"]);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(
        early.load(Ordering::SeqCst),
        "page 2 was not requested until page 1 had arrived whole"
    );
}

/// However far behind the consumer falls, at most four pages are requested ahead of the one
/// it is on: memory stays bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_requested_ahead_are_bounded() {
    let (c, hits) = listing_server(|token| {
        let i: u32 = token.map_or(0, |t| t.trim_start_matches('p').parse().unwrap());
        let next = (i < 9).then(|| format!("p{}", i + 1));
        let (head, rest) = one_key_page(&format!("k{i}"), next.as_deref());
        Box::pin(futures_util::stream::once(async move {
            Bytes::from(head + &rest)
        }))
    })
    .await;
    let mut s = c.list_objects_v2(ListObjectsV2::new("pages"));
    assert_eq!(s.try_next().await.unwrap().unwrap().key, "k0");
    // The consumer stalls on page 1: pages 2 to 5 are requested, page 6 is not.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while hits.load(Ordering::SeqCst) < 5 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 5);
    let mut n = 1;
    while s.try_next().await.unwrap().is_some() {
        n += 1;
    }
    assert_eq!((n, hits.load(Ordering::SeqCst)), (10, 10));
}

/// The parsed page is the authority: when the marker in a page's head (what the early
/// request follows) differs from the one the parsed page names, the parsed one is followed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_parsed_marker_wins_over_the_early_one() {
    let (c, hits) = listing_server(|token| {
        let body = match token.as_deref() {
            // The head says A; a second NextContinuationToken after the entries says B,
            // and the parser takes the last one.
            None => {
                let (head, _) = one_key_page("k1", Some("A"));
                format!(
                    "{head}<Size>1</Size></Contents>\
                    <NextContinuationToken>B</NextContinuationToken>\
                    <KeyCount>1</KeyCount></ListBucketResult>"
                )
            }
            Some("A") => {
                let (head, rest) = one_key_page("wrong", None);
                head + &rest
            }
            _ => {
                let (head, rest) = one_key_page("right", None);
                head + &rest
            }
        };
        Box::pin(futures_util::stream::once(async move { Bytes::from(body) }))
    })
    .await;
    let keys = listed(&c, ListObjectsV2::new("pages")).await;
    assert_eq!(keys, ["k1", "right"]);
    // The early request for A may have been sent (and dropped) before the page was parsed.
    assert!((2..=3).contains(&hits.load(Ordering::SeqCst)));
}

/// A page of `n` keys `k00000`.. (about 60 bytes an entry), truncated with token `next` or
/// the last page; `bad_size` garbles the size of the last entry.
fn big_page(n: usize, next: Option<&str>, bad_size: bool) -> String {
    let mut s =
        String::from("<ListBucketResult><Name>pages</Name><EncodingType>url</EncodingType>");
    match next {
        Some(t) => s.push_str(&format!(
            "<IsTruncated>true</IsTruncated><NextContinuationToken>{t}</NextContinuationToken>"
        )),
        None => s.push_str("<IsTruncated>false</IsTruncated>"),
    }
    for i in 0..n {
        let size = if bad_size && i + 1 == n { "x" } else { "1" };
        s.push_str(&format!(
            "<Contents><Key>k{i:05}</Key><Size>{size}</Size><Type>Normal</Type></Contents>"
        ));
    }
    s.push_str(&format!("<KeyCount>{n}</KeyCount></ListBucketResult>"));
    s
}

/// Pages of more than 64 KiB are parsed on the blocking pool, on a single-threaded runtime
/// too: a whole one is read once; one that arrives garbled is fetched again, and the listing
/// goes on from it.
#[tokio::test(flavor = "current_thread")]
async fn a_large_page_is_parsed_off_the_worker_and_fetched_again_when_garbled() {
    let first_asks = Arc::new(AtomicU64::new(0));
    let asks = first_asks.clone();
    let (c, hits) = listing_server(move |token| {
        let body = match token.as_deref() {
            // Garbled the first time it is asked for.
            None => {
                let garbled = asks.fetch_add(1, Ordering::SeqCst) == 0;
                big_page(1500, Some("p2"), garbled)
            }
            _ => {
                let (head, rest) = one_key_page("z", None);
                head + &rest
            }
        };
        Box::pin(futures_util::stream::once(async move { Bytes::from(body) }))
    })
    .await;
    assert!(big_page(1500, Some("p2"), true).len() > 64 * 1024);
    let mut want: Vec<String> = (0..1500).map(|i| format!("k{i:05}")).collect();
    want.push("z".into());
    assert_eq!(listed(&c, ListObjectsV2::new("pages")).await, want);
    // Page 1 twice (garbled, then whole). Page 2 once, or twice when the garbled copy's
    // early request was already on its way.
    assert_eq!(first_asks.load(Ordering::SeqCst), 2);
    let after_first = hits.load(Ordering::SeqCst);
    assert!((3..=4).contains(&after_first), "{after_first}");
    // Whole this time: each page once.
    assert_eq!(listed(&c, ListObjectsV2::new("pages")).await, want);
    assert_eq!(first_asks.load(Ordering::SeqCst), 3);
    assert_eq!(hits.load(Ordering::SeqCst), after_first + 2);
}
