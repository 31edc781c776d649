//! The server-side XML readers on arbitrary bytes: `wire::parse_rule_request`,
//! `wire::parse_complete_request` (and `wire::parse_create_bucket_request`, the third reader
//! the emulator uses).
//!
//! The same bytes are also read as a structured value for a round-trip oracle: the body the
//! SDK writes (PutBucketEncryption, CompleteMultipartUpload, PutBucket) from a generated rule,
//! part list or storage class must be read back by the server-side reader as what was meant.
//! (Known, accepted normalisation: the reader trims whitespace around element text, so a KMS
//! key id of " k " reads back as "k".)
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use oss_sse_core::ops::{
    CompleteMultipartUpload, CompletedPart, Operation, PutBucket, PutBucketEncryption,
};
use oss_sse_core::{Config, DataEncryption, ServerSideEncryptionRule, SseAlgorithm, wire};

#[derive(Arbitrary, Debug)]
enum Alg {
    Aes256,
    Kms,
    Sm4,
    Unknown(String),
}

#[derive(Arbitrary, Debug)]
struct Rule {
    alg: Alg,
    key_id: Option<String>,
    sm4_data: Option<Option<String>>,
}

#[derive(Arbitrary, Debug)]
struct RoundTrip {
    rule: Rule,
    parts: Vec<(u16, String)>,
    class: u8,
}

fn config() -> Config {
    Config::new("cn-hangzhou").expect("region")
}

fuzz_target!(|data: &[u8]| {
    // 1. Raw bytes into every reader.
    if let Ok(Some(rule)) = wire::parse_rule_request(data) {
        let _ = (rule.validate(), rule.sse_algorithm().as_str());
    }
    if let Ok(parts) = wire::parse_complete_request(data) {
        for (_, etag) in &parts {
            assert!(!etag.is_empty(), "empty ETag accepted");
        }
    }
    let _ = wire::parse_create_bucket_request(data);

    // 2. Round trips through the SDK's writers.
    let Ok(rt) = RoundTrip::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let cfg = config();

    let alg = match &rt.rule.alg {
        Alg::Aes256 => SseAlgorithm::Aes256,
        Alg::Kms => SseAlgorithm::Kms,
        Alg::Sm4 => SseAlgorithm::Sm4,
        Alg::Unknown(s) => SseAlgorithm::from_wire(s),
    };
    let mut rule = ServerSideEncryptionRule::new(alg);
    if let Some(k) = &rt.rule.key_id {
        rule = rule.with_kms_master_key_id(k.clone());
    }
    if let Some(d) = &rt.rule.sm4_data {
        rule = rule.with_kms_data_encryption(match d {
            None => DataEncryption::Sm4,
            Some(s) => DataEncryption::from_wire(s),
        });
    }
    if let Ok(req) = PutBucketEncryption::new("examplebucket", rule.clone()).to_request(&cfg) {
        let body = req.body();
        let got = wire::parse_rule_request(body)
            .unwrap_or_else(|e| panic!("the reader rejects the SDK's own rule body {body:?}: {e}"));
        let mut want = ServerSideEncryptionRule::new(rule.sse_algorithm().clone());
        if let Some(k) = rule
            .kms_master_key_id()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            want = want.with_kms_master_key_id(k);
        }
        if let Some(d) = rule.kms_data_encryption() {
            want = want.with_kms_data_encryption(d.clone());
        }
        assert_eq!(got, Some(want), "rule round trip; body {body:?}");
    }

    let parts: Vec<CompletedPart> = rt
        .parts
        .iter()
        .map(|(n, e)| CompletedPart::new(u32::from(*n), e.clone()))
        .collect();
    if let Ok(req) = CompleteMultipartUpload::new("examplebucket", "k", "u", parts).to_request(&cfg)
    {
        let body = req.body();
        let got = wire::parse_complete_request(body).unwrap_or_else(|e| {
            panic!("the reader rejects the SDK's own CompleteMultipartUpload body {body:?}: {e}")
        });
        let mut want: Vec<(u32, String)> = rt
            .parts
            .iter()
            .map(|(n, e)| (u32::from(*n), e.trim_matches('"').to_owned()))
            .collect();
        want.sort_by_key(|p| p.0);
        assert_eq!(
            got, want,
            "CompleteMultipartUpload round trip; body {body:?}"
        );
    }

    let class = [
        "Standard",
        "IA",
        "Archive",
        "ColdArchive",
        "DeepColdArchive",
    ][usize::from(rt.class) % 5];
    let req = PutBucket::new("examplebucket")
        .with_storage_class(class)
        .to_request(&cfg)
        .expect("a known storage class builds");
    assert_eq!(
        wire::parse_create_bucket_request(req.body()),
        Ok(Some(class.to_owned())),
        "PutBucket round trip"
    );
});
