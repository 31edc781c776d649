//! Listing, multipart listing, server-side copy and tagging against the emulator over real
//! sockets, edge by edge (oss-listing-copy §8): every listing walk is compared with a model
//! of OSS's semantics over random key sets with awkward characters.

mod common;

use std::collections::BTreeSet;
use std::time::SystemTime;

use common::{client, code_of, send_op, send_raw, status_of};
use oss_sse_core::ops::{
    CompleteMultipartUpload, CompletedPart, CopyObject, DeleteObjectTagging, GetObject,
    GetObjectTagging, InitiateMultipartUpload, ListMultipartUploads, ListObjectsV2, ListParts,
    MetadataDirective, Paginate, PutObject, PutObjectTagging, TaggingDirective, UploadPartCopy,
};
use oss_sse_core::sign::SignatureVersion;
use oss_sse_core::{DataEncryption, ObjectType, ServerSideEncryption, StorageClass};
use oss_sse_emulator::{Emulator, EmulatorHandle};
use oss_sse_hyper::Client;

async fn with_bucket(name: &str) -> (EmulatorHandle, Client) {
    let emu = Emulator::builder().kms_key("cmk-1").start().await.unwrap();
    let c = client(&emu);
    c.put_bucket(name).await.unwrap();
    (emu, c)
}

async fn put(c: &Client, b: &str, k: &str, body: &[u8]) {
    c.send(&PutObject::new(b, k, body.to_vec())).await.unwrap();
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Entry {
    Key(String),
    Prefix(String),
}

/// OSS's listing semantics, written plainly: keys after `start_after` under `prefix`, those
/// with a `delimiter` after the prefix rolled up into one common prefix each, and a prefix
/// listed only if it sorts after `start_after` (so no prefix is listed twice across pages).
fn model(keys: &BTreeSet<String>, prefix: &str, delimiter: &str, start_after: &str) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for k in keys {
        if k.as_str() <= start_after || !k.starts_with(prefix) {
            continue;
        }
        let rest = &k[prefix.len()..];
        match (!delimiter.is_empty())
            .then(|| rest.find(delimiter))
            .flatten()
        {
            Some(i) => {
                let p = format!("{prefix}{}", &rest[..i + delimiter.len()]);
                if p.as_str() > start_after && out.last() != Some(&Entry::Prefix(p.clone())) {
                    out.push(Entry::Prefix(p));
                }
            }
            None => out.push(Entry::Key(k.clone())),
        }
    }
    out
}

/// Walks every page with the paginator; checks each page's invariants.
async fn walk(c: &Client, first: ListObjectsV2, max: Option<u32>) -> (Vec<Entry>, usize) {
    let mut req = Some(first);
    let mut got = Vec::new();
    let mut pages = 0;
    while let Some(r) = req {
        let page = c.send(&r).await.unwrap();
        pages += 1;
        let n = page.contents.len() + page.common_prefixes.len();
        assert_eq!(page.key_count, Some(n as u64), "KeyCount");
        assert_eq!(page.max_keys, Some(max.unwrap_or(100)), "MaxKeys");
        if page.is_truncated {
            assert_eq!(n, max.unwrap_or(100) as usize, "a truncated page is full");
        }
        // Keys and prefixes of one page, merged in order.
        let mut entries: Vec<Entry> = page
            .contents
            .iter()
            .map(|o| Entry::Key(o.key.clone()))
            .chain(
                page.common_prefixes
                    .iter()
                    .map(|p| Entry::Prefix(p.clone())),
            )
            .collect();
        entries.sort_by(|a, b| {
            let s = |e: &Entry| match e {
                Entry::Key(k) | Entry::Prefix(k) => k.clone(),
            };
            s(a).cmp(&s(b))
        });
        got.extend(entries);
        req = r.next_page(&page);
        assert!(pages < 10_000, "the walk does not end");
    }
    (got, pages)
}

/// Awkward key material: `/`, `+`, space, `%`, `?`, `&`, unicode, a control character.
const ALPHABET: &[&str] = &[
    "a", "b", "/", "/", "+", " ", "%", "?", "&", "é", "中", "\u{1}", "~", "-", "z", "%2F",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
    fn word(&mut self, max: u64) -> String {
        (0..1 + self.next() % max)
            .map(|_| self.pick(ALPHABET))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_matches_the_model_for_any_keys_page_size_and_parameters() {
    let (emu, c) = with_bucket("lst").await;
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut keys = BTreeSet::new();
    while keys.len() < 150 {
        let k = rng.word(6);
        if oss_sse_core::validate::object_key(&k).is_ok() {
            keys.insert(k);
        }
    }
    for k in &keys {
        put(&c, "lst", k, k.as_bytes()).await;
    }
    for case in 0..40 {
        let prefix = if case % 3 == 0 {
            String::new()
        } else {
            rng.word(2)
        };
        let delimiter = ["", "/", "/", "+", "é"][(rng.next() % 5) as usize];
        let start_after = if case % 4 == 0 {
            rng.word(3)
        } else {
            String::new()
        };
        let max = [None, Some(1), Some(2), Some(3), Some(7), Some(1000)][(rng.next() % 6) as usize];
        let mut first = ListObjectsV2::new("lst")
            .with_prefix(prefix.clone())
            .with_delimiter(delimiter)
            .with_start_after(start_after.clone());
        if let Some(m) = max {
            first = first.with_max_keys(m);
        }
        let (got, _) = walk(&c, first, max).await;
        let want = model(&keys, &prefix, delimiter, &start_after);
        assert_eq!(
            got, want,
            "case {case}: prefix {prefix:?} delimiter {delimiter:?} start-after {start_after:?} max {max:?}"
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn listing_edges() {
    let (emu, c) = with_bucket("edge").await;
    // Empty bucket: one page, KeyCount 0, not truncated, no token.
    let p = c.send(&ListObjectsV2::new("edge")).await.unwrap();
    assert_eq!(
        (
            p.key_count,
            p.is_truncated,
            p.next_continuation_token.as_deref()
        ),
        (Some(0), false, None)
    );
    assert!(p.contents.is_empty());
    // Exact page boundaries: 6 keys in pages of 3 → 2 pages, the second not truncated.
    for i in 0..6 {
        put(&c, "edge", &format!("k{i}"), b"x").await;
    }
    let (got, pages) = walk(&c, ListObjectsV2::new("edge").with_max_keys(3), Some(3)).await;
    assert_eq!((got.len(), pages), (6, 2));
    // Default max-keys is 100; 1000 is the most.
    for n in 0..150 {
        put(&c, "edge", &format!("many/{n:03}"), b"").await;
    }
    let p = c
        .send(&ListObjectsV2::new("edge").with_prefix("many/"))
        .await
        .unwrap();
    assert_eq!(
        (p.contents.len(), p.max_keys, p.is_truncated),
        (100, Some(100), true)
    );
    let o = &p.contents[0];
    assert_eq!(o.object_type, Some(ObjectType::Normal));
    assert_eq!(o.etag.as_deref(), Some("D41D8CD98F00B204E9800998ECF8427E"));
    assert!(o.last_modified.is_some_and(|t| t.unix_millis() % 1000 == 0));
    // On the wire as OSS writes it: to the millisecond, in UTC.
    let raw = send_op(
        &emu,
        &ListObjectsV2::new("edge").with_max_keys(1),
        emu.credentials(),
        SignatureVersion::V4,
        SystemTime::now(),
        |_| {},
    )
    .await;
    let text = raw.field("LastModified").unwrap();
    assert!(text.len() == 24 && text.ends_with(".000Z"), "{text}");
    assert_eq!(o.storage_class, Some(StorageClass::Standard));
    assert!(o.owner.is_none());
    let p = c
        .send(
            &ListObjectsV2::new("edge")
                .with_max_keys(1)
                .with_fetch_owner(true),
        )
        .await
        .unwrap();
    assert!(p.contents[0].owner.as_ref().is_some_and(|o| o.id.is_some()));
    // max-keys 0 and 1001, a garbage token: 400 InvalidArgument (raw: core refuses to build them).
    for q in [
        "max-keys=0",
        "max-keys=1001",
        "max-keys=x",
        "continuation-token=%00garbage",
        "continuation-token=bm9wZQ",
    ] {
        let r = send_op(
            &emu,
            &ListObjectsV2::new("edge"),
            emu.credentials(),
            SignatureVersion::V4,
            SystemTime::now(),
            |req| {
                *req.uri_mut() = format!("{}&{q}", req.uri()).parse().unwrap();
            },
        )
        .await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "InvalidArgument"),
            "{q}: {}",
            r.doc()
        );
    }
    // The raw document: no namespace, KeyCount, exact booleans, quoted ETags, url encoding.
    put(&c, "edge", "a b+c/d%e\u{1}", b"").await;
    let r = send_op(
        &emu,
        &ListObjectsV2::new("edge").with_prefix("a b"),
        emu.credentials(),
        SignatureVersion::V4,
        SystemTime::now(),
        |_| {},
    )
    .await;
    let doc = r.doc();
    assert!(doc.contains("<ListBucketResult>"), "{doc}");
    assert!(!doc.contains("xmlns"), "{doc}");
    assert!(
        doc.contains("<IsTruncated>false</IsTruncated>") && doc.contains("<KeyCount>1</KeyCount>"),
        "{doc}"
    );
    assert!(doc.contains("<Key>a%20b%2Bc%2Fd%25e%01</Key>"), "{doc}");
    assert!(
        doc.contains("<Prefix>a%20b</Prefix>") && doc.contains("<EncodingType>url</EncodingType>"),
        "{doc}"
    );
    assert!(
        doc.contains("<ETag>\"D41D8CD98F00B204E9800998ECF8427E\"</ETag>"),
        "{doc}"
    );
    assert!(doc.contains("<Type>Normal</Type>"), "{doc}");
    assert!(!doc.contains("NextContinuationToken"), "{doc}");
    // Without encoding-type, a key with a control character makes the document unparseable, as
    // on OSS (clients must ask for url encoding; ours always does).
    let r = send_op(
        &emu,
        &ListObjectsV2::new("edge").with_prefix("a b"),
        emu.credentials(),
        SignatureVersion::V4,
        SystemTime::now(),
        |req| {
            *req.uri_mut() = req
                .uri()
                .to_string()
                .replace("encoding-type=url", "encoding-type=")
                .parse()
                .unwrap();
        },
    )
    .await;
    assert_eq!(r.status, 200);
    // The key round-trips through our decoder.
    let p = c
        .send(&ListObjectsV2::new("edge").with_prefix("a b"))
        .await
        .unwrap();
    assert_eq!(p.contents[0].key, "a b+c/d%e\u{1}");
    // A missing bucket.
    let e = c
        .send(&ListObjectsV2::new("no-such-bucket"))
        .await
        .unwrap_err();
    assert_eq!((status_of(&e), code_of(&e).as_str()), (404, "NoSuchBucket"));
    emu.shutdown().await;
}

/// Delimiter with start-after, and a page that ends on a prefix: no prefix is listed twice.
#[tokio::test]
async fn prefixes_are_never_listed_twice() {
    let (emu, c) = with_bucket("pfx").await;
    for k in ["a/1", "a/2", "b/1", "b/x/2", "c", "d/1", "d/2", "e"] {
        put(&c, "pfx", k, b"").await;
    }
    let keys: BTreeSet<String> = ["a/1", "a/2", "b/1", "b/x/2", "c", "d/1", "d/2", "e"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for max in 1..=4 {
        let (got, _) = walk(
            &c,
            ListObjectsV2::new("pfx")
                .with_delimiter("/")
                .with_max_keys(max),
            Some(max),
        )
        .await;
        assert_eq!(got, model(&keys, "", "/", ""), "max {max}");
    }
    // start-after inside a common prefix: the prefix is not listed again.
    let (got, _) = walk(
        &c,
        ListObjectsV2::new("pfx")
            .with_delimiter("/")
            .with_start_after("b/1"),
        None,
    )
    .await;
    assert_eq!(
        got,
        vec![
            Entry::Key("c".into()),
            Entry::Prefix("d/".into()),
            Entry::Key("e".into())
        ]
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn multipart_uploads_are_listed_in_key_then_id_order() {
    let (emu, c) = with_bucket("ups").await;
    let mut ids = Vec::new();
    for k in ["x/b", "x/a", "y", "x/a", "z z+"] {
        let up = c
            .send(&InitiateMultipartUpload::new("ups", k))
            .await
            .unwrap();
        ids.push((k.to_owned(), up.upload_id));
    }
    ids.sort();
    // Page by page, two at a time, with the paginator.
    let mut req = Some(ListMultipartUploads::new("ups").with_max_uploads(2));
    let mut got = Vec::new();
    while let Some(r) = req {
        let page = c.send(&r).await.unwrap();
        got.extend(
            page.uploads
                .iter()
                .map(|u| (u.key.clone(), u.upload_id.clone())),
        );
        assert!(
            page.uploads
                .iter()
                .all(|u| u.initiated.is_some_and(|t| t.unix_millis() % 1000 == 0))
        );
        req = r.next_page(&page);
    }
    assert_eq!(got, ids);
    let raw = send_op(
        &emu,
        &ListMultipartUploads::new("ups"),
        emu.credentials(),
        SignatureVersion::V4,
        SystemTime::now(),
        |_| {},
    )
    .await;
    let text = raw.field("Initiated").unwrap();
    assert!(text.len() == 24 && text.ends_with(".000Z"), "{text}");
    // Prefix and delimiter.
    let p = c
        .send(&ListMultipartUploads::new("ups").with_delimiter("/"))
        .await
        .unwrap();
    assert_eq!(p.common_prefixes, vec!["x/".to_owned()]);
    assert_eq!(
        p.uploads.iter().map(|u| u.key.as_str()).collect::<Vec<_>>(),
        vec!["y", "z z+"]
    );
    // NextKeyMarker and NextUploadIdMarker are always there (oss2 requires them).
    let r = send_op(
        &emu,
        &ListMultipartUploads::new("ups"),
        emu.credentials(),
        SignatureVersion::V1,
        SystemTime::now(),
        |_| {},
    )
    .await;
    let doc = r.doc();
    assert!(
        doc.contains("<NextKeyMarker>") && doc.contains("<NextUploadIdMarker>"),
        "{doc}"
    );
    assert!(!doc.contains("xmlns"), "{doc}");
    emu.shutdown().await;
}

// ---------------- copy ----------------

#[tokio::test]
async fn upload_part_copy_decrypts_the_source_and_encrypts_under_the_upload() {
    let (emu, c) = with_bucket("upc").await;
    let src: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let put_out = c
        .send(
            &PutObject::new("upc", "src", src.clone())
                .with_server_side_encryption(ServerSideEncryption::aes256()),
        )
        .await
        .unwrap();
    let up = c
        .send(
            &InitiateMultipartUpload::new("upc", "dst").with_server_side_encryption(
                ServerSideEncryption::kms()
                    .with_key_id("cmk-1")
                    .with_data_encryption(DataEncryption::Sm4),
            ),
        )
        .await
        .unwrap();
    let p1 = c
        .send(
            &UploadPartCopy::new("upc", "dst", &up.upload_id, 1, "upc", "src")
                .with_source_range(0, 199_999),
        )
        .await
        .unwrap();
    // A range past the end copies the whole source; no range copies the whole source with the
    // source's ETag.
    let p2 = c
        .send(
            &UploadPartCopy::new("upc", "dst", &up.upload_id, 2, "upc", "src")
                .with_source_range(200_000, 10_000_000),
        )
        .await
        .unwrap();
    let p3 = c
        .send(&UploadPartCopy::new(
            "upc",
            "dst",
            &up.upload_id,
            3,
            "upc",
            "src",
        ))
        .await
        .unwrap();
    assert_eq!(
        p3.etag, put_out.etag,
        "a whole-object part has the source's ETag"
    );
    let parts = c
        .send(&ListParts::new("upc", "dst", &up.upload_id))
        .await
        .unwrap();
    let sizes: Vec<u64> = parts.parts.iter().map(|p| p.size).collect();
    assert_eq!(sizes, vec![200_000, 300_000, 300_000]);
    let done = c
        .send(&CompleteMultipartUpload::new(
            "upc",
            "dst",
            &up.upload_id,
            vec![
                CompletedPart::new(1, p1.etag.unwrap()),
                CompletedPart::new(2, p2.etag.unwrap()),
                CompletedPart::new(3, p3.etag.unwrap()),
            ],
        ))
        .await
        .unwrap();
    let want = [&src[..200_000], &src[..], &src[..]].concat();
    assert_eq!(done.hash_crc64, Some(oss_sse_core::crc::crc64(&want)));
    let got = c
        .get_object_bytes(&GetObject::new("upc", "dst"))
        .await
        .unwrap();
    assert!(got.body[..] == want[..]);
    let sse = got.head.server_side_encryption.unwrap();
    assert_eq!(
        (sse.key_id(), sse.data_encryption()),
        (Some("cmk-1"), Some(&DataEncryption::Sm4))
    );
    // The raw answer has the ETag header and a CopyPartResult body (oss2 reads the header).
    let r = send_op(
        &emu,
        &UploadPartCopy::new("upc", "dst2", "nope", 1, "upc", "src"),
        emu.credentials(),
        SignatureVersion::V4,
        SystemTime::now(),
        |_| {},
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (404, "NoSuchUpload"));
    let up = c
        .send(&InitiateMultipartUpload::new("upc", "dst2"))
        .await
        .unwrap();
    let r = send_op(
        &emu,
        &UploadPartCopy::new("upc", "dst2", &up.upload_id, 1, "upc", "src"),
        emu.credentials(),
        SignatureVersion::V1,
        SystemTime::now(),
        |_| {},
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.doc());
    assert!(r.h("etag").is_some_and(|e| e.starts_with('"')));
    assert!(r.doc().contains("<CopyPartResult>"), "{}", r.doc());
    emu.shutdown().await;
}

#[tokio::test]
async fn copy_preconditions_are_412_or_304_and_copy_nothing() {
    let (emu, c) = with_bucket("pre").await;
    let out = c
        .send(&PutObject::new("pre", "src", &b"v1"[..]))
        .await
        .unwrap();
    let etag = out.etag.unwrap();
    let past = SystemTime::now() - std::time::Duration::from_secs(3600);
    let future = SystemTime::now() + std::time::Duration::from_secs(3600);
    for (op, want) in [
        (
            CopyObject::new("pre", "src", "pre", "d").with_copy_source_if_match("0000"),
            412,
        ),
        (
            CopyObject::new("pre", "src", "pre", "d").with_copy_source_if_none_match(etag.clone()),
            304,
        ),
        (
            CopyObject::new("pre", "src", "pre", "d").with_copy_source_if_unmodified_since(past),
            412,
        ),
        (
            CopyObject::new("pre", "src", "pre", "d").with_copy_source_if_modified_since(future),
            304,
        ),
        (
            CopyObject::new("pre", "src", "pre", "d")
                .with_copy_source_if_match(format!("\"{etag}\"")),
            200,
        ),
    ] {
        let r = c.copy_object(&op).await;
        match want {
            200 => assert!(r.is_ok(), "{r:?}"),
            _ => {
                let e = r.unwrap_err();
                assert_eq!(status_of(&e), want, "{e}");
                if want == 412 {
                    assert_eq!(code_of(&e), "PreconditionFailed");
                }
            }
        }
    }
    // On the wire a 304 is bare: no body and no x-oss-err document (oss2 maps exactly that
    // to NotModified; with a document it raised a generic ServerError).
    let r = send_op(
        &emu,
        &CopyObject::new("pre", "src", "pre", "d").with_copy_source_if_none_match(etag.clone()),
        emu.credentials(),
        SignatureVersion::V4,
        SystemTime::now(),
        |_| {},
    )
    .await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty(), "{}", r.doc());
    assert!(r.h("x-oss-err").is_none());
    // UploadPartCopy too.
    let up = c
        .send(&InitiateMultipartUpload::new("pre", "mp"))
        .await
        .unwrap();
    let e = c
        .send(
            &UploadPartCopy::new("pre", "mp", &up.upload_id, 1, "pre", "src")
                .with_copy_source_if_match("FFFF"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (status_of(&e), code_of(&e).as_str()),
        (412, "PreconditionFailed")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn copy_answers_etag_keeps_headers_and_applies_the_self_copy_rule() {
    let (emu, c) = with_bucket("cpy").await;
    c.send(
        &PutObject::new("cpy", "src", &b"hello"[..])
            .with_content_type("text/plain")
            .with_cache_control("max-age=60")
            .with_content_disposition("attachment; filename=\"a.txt\"")
            .with_content_encoding("identity")
            .with_content_language("en")
            .with_expires("Wed, 21 Oct 2037 07:28:00 GMT")
            .with_metadata("owner", "ann")
            .with_tag("team", "blue")
            .with_tag("env", "a b+c"),
    )
    .await
    .unwrap();
    let h = c.head_object("cpy", "src").await.unwrap();
    assert_eq!(h.cache_control.as_deref(), Some("max-age=60"));
    assert_eq!(
        h.content_disposition.as_deref(),
        Some("attachment; filename=\"a.txt\"")
    );
    assert_eq!(h.content_encoding.as_deref(), Some("identity"));
    assert_eq!(h.content_language.as_deref(), Some("en"));
    assert_eq!(h.expires.as_deref(), Some("Wed, 21 Oct 2037 07:28:00 GMT"));
    assert_eq!(h.tagging_count, 2);
    // COPY to another key keeps headers, metadata and tags; the ETag is in the header too.
    let r = send_op(
        &emu,
        &CopyObject::new("cpy", "src", "cpy", "dst"),
        emu.credentials(),
        SignatureVersion::V4,
        SystemTime::now(),
        |_| {},
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.h("etag").map(|e| e.trim_matches('"')), h.etag.as_deref());
    let d = c.head_object("cpy", "dst").await.unwrap();
    assert_eq!(
        (d.headers(), d.metadata.clone(), d.tagging_count),
        (h.headers(), h.metadata.clone(), 2)
    );
    let tags = c
        .send(&GetObjectTagging::new("cpy", "dst"))
        .await
        .unwrap()
        .tags;
    assert_eq!(
        tags,
        vec![
            ("team".into(), "blue".into()),
            ("env".into(), "a b+c".into())
        ]
    );
    // REPLACE replaces; tags: Replace with none removes them.
    c.copy_object(
        &CopyObject::new("cpy", "src", "cpy", "dst")
            .with_metadata_directive(MetadataDirective::Replace)
            .with_content_type("application/json")
            .with_metadata("owner", "bob")
            .with_tagging_directive(TaggingDirective::Replace),
    )
    .await
    .unwrap();
    let d = c.head_object("cpy", "dst").await.unwrap();
    assert_eq!(d.content_type.as_deref(), Some("application/json"));
    assert_eq!(d.cache_control, None);
    assert_eq!(d.metadata, vec![("owner".into(), "bob".into())]);
    assert_eq!(d.tagging_count, 0);
    // A self-copy keeps only what the request carries (unversioned bucket), even with COPY.
    c.copy_object(
        &CopyObject::new("cpy", "src", "cpy", "src")
            .with_server_side_encryption(ServerSideEncryption::sm4()),
    )
    .await
    .unwrap();
    let s = c.head_object("cpy", "src").await.unwrap();
    assert!(s.metadata.is_empty(), "{:?}", s.metadata);
    assert_eq!(s.cache_control, None);
    assert_eq!(s.content_type.as_deref(), Some("application/octet-stream"));
    assert_eq!(s.server_side_encryption, Some(ServerSideEncryption::sm4()));
    let got = c
        .get_object_bytes(&GetObject::new("cpy", "src"))
        .await
        .unwrap();
    assert_eq!(&got.body[..], b"hello");
    emu.shutdown().await;
}

#[tokio::test]
async fn object_tagging_round_trips() {
    let (emu, c) = with_bucket("tag").await;
    put(&c, "tag", "k", b"data").await;
    let h = c.head_object("tag", "k").await.unwrap();
    c.send(&PutObjectTagging::new(
        "tag",
        "k",
        vec![("a".into(), "1".into()), ("b b".into(), "&<>".into())],
    ))
    .await
    .unwrap();
    let t = c
        .send(&GetObjectTagging::new("tag", "k"))
        .await
        .unwrap()
        .tags;
    assert_eq!(
        t,
        vec![("a".into(), "1".into()), ("b b".into(), "&<>".into())]
    );
    let h2 = c.head_object("tag", "k").await.unwrap();
    assert_eq!(
        (h2.tagging_count, h2.etag.clone()),
        (2, h.etag.clone()),
        "tags do not change the data"
    );
    c.send(&DeleteObjectTagging::new("tag", "k")).await.unwrap();
    assert!(
        c.send(&GetObjectTagging::new("tag", "k"))
            .await
            .unwrap()
            .tags
            .is_empty()
    );
    assert_eq!(c.head_object("tag", "k").await.unwrap().tagging_count, 0);
    // Too many tags: core refuses; the emulator too (raw header).
    let r = send_op(
        &emu,
        &PutObject::new("tag", "k2", &b"x"[..]),
        emu.credentials(),
        SignatureVersion::V4,
        SystemTime::now(),
        |req| {
            let many: Vec<String> = (0..11).map(|i| format!("k{i}=v")).collect();
            common::set(req, "x-oss-tagging", &many.join("&"));
        },
    )
    .await;
    assert_eq!((r.status, r.code().as_str()), (400, "InvalidArgument"));
    let e = c
        .send(&GetObjectTagging::new("tag", "missing"))
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), "NoSuchKey");
    emu.shutdown().await;
}

/// Copies larger than OSS allows in one CopyObject: 1 GB with an encryption change, 5 GB
/// across buckets (limits lowered for the test).
#[tokio::test]
async fn single_copy_size_limits() {
    let emu = Emulator::builder()
        .copy_limits(1000, 5000)
        .start()
        .await
        .unwrap();
    let c = client(&emu);
    c.put_bucket("lim").await.unwrap();
    c.put_bucket("lim-other").await.unwrap();
    put(&c, "lim", "big", &vec![1u8; 2000]).await;
    let e = c
        .copy_object(
            &CopyObject::new("lim", "big", "lim", "big")
                .with_server_side_encryption(ServerSideEncryption::aes256()),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (status_of(&e), code_of(&e).as_str()),
        (400, "EntityTooLarge")
    );
    // No encryption change, same bucket: fine (a metadata-only copy).
    c.copy_object(&CopyObject::new("lim", "big", "lim", "big2"))
        .await
        .unwrap();
    put(&c, "lim", "huge", &vec![1u8; 6000]).await;
    let e = c
        .copy_object(&CopyObject::new("lim", "huge", "lim-other", "huge"))
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), "EntityTooLarge");
    // A multipart copy has no such limit.
    let up = c
        .send(
            &InitiateMultipartUpload::new("lim", "big")
                .with_server_side_encryption(ServerSideEncryption::aes256()),
        )
        .await
        .unwrap();
    c.send(&UploadPartCopy::new(
        "lim",
        "big",
        &up.upload_id,
        1,
        "lim",
        "big",
    ))
    .await
    .unwrap();
    let _ = send_raw;
    emu.shutdown().await;
}

/// The seed call (admin endpoint and library API) makes real objects: listed, readable,
/// encrypted as asked or by the bucket's rule; bad specs are refused with a reason.
#[tokio::test]
async fn seed_makes_real_objects_and_refuses_bad_specs() {
    let (emu, c) = with_bucket("seed").await;
    c.put_bucket_encryption("seed", oss_sse_core::ServerSideEncryptionRule::sm4())
        .await
        .unwrap();
    let post = |body: serde_json::Value| {
        let req = http::Request::post(format!("{}/-/seed", emu.endpoint()))
            .header("content-type", "application/json")
            .body(bytes::Bytes::from(body.to_string()))
            .unwrap();
        send_raw(req)
    };
    let r =
        post(serde_json::json!({"bucket": "seed", "prefix": "a/", "count": 250, "size": 10})).await;
    assert_eq!(r.status, 200, "{}", r.doc());
    assert_eq!(r.doc(), r#"{"created":250}"#);
    let n = emu
        .seed(
            &serde_json::from_value(serde_json::json!({
                "bucket": "seed", "prefix": "b/", "count": 3, "sse": "KMS", "sse_key_id": "cmk-1"
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(n, 3);
    let (entries, _) = walk(&c, ListObjectsV2::new("seed"), Some(100)).await;
    assert_eq!(entries.len(), 253);
    let first = c
        .get_object_bytes(&GetObject::new("seed", "a/00000000"))
        .await
        .unwrap();
    assert_eq!(&first.body[..], &(0..10u8).collect::<Vec<_>>()[..]);
    assert_eq!(
        first
            .head
            .server_side_encryption
            .unwrap()
            .algorithm()
            .as_str(),
        "SM4"
    );
    let kms = c.head_object("seed", "b/00000002").await.unwrap();
    assert_eq!(kms.server_side_encryption.unwrap().key_id(), Some("cmk-1"));
    for (bad, want) in [
        (serde_json::json!({"bucket": "nope", "count": 1}), 404),
        (
            serde_json::json!({"bucket": "seed", "count": 20_000_000}),
            400,
        ),
        (
            serde_json::json!({"bucket": "seed", "count": 1, "sse": "ROT13"}),
            400,
        ),
        (
            serde_json::json!({"bucket": "seed", "count": 1, "colour": "red"}),
            400,
        ),
    ] {
        let r = post(bad.clone()).await;
        assert_eq!(r.status, want, "{bad}: {}", r.doc());
    }
    // Every answer says how long the server took, as OSS does.
    let r = send_op(
        &emu,
        &ListObjectsV2::new("seed").with_max_keys(1000),
        emu.credentials(),
        SignatureVersion::V4,
        SystemTime::now(),
        |_| {},
    )
    .await;
    assert!(
        r.h("x-oss-server-time")
            .is_some_and(|v| v.parse::<u64>().is_ok())
    );
    emu.shutdown().await;
}
