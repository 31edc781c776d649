//! The secret and the security token never appear in Debug or Display output of
//! credentials, signers, signed requests, presigned requests or errors.

use std::time::{Duration, UNIX_EPOCH};

use oss_sse_core::ops::{GetObject, Operation, PutObject};
use oss_sse_core::sign::{SignatureVersion, Signer};
use oss_sse_core::{Config, Credentials};

const SECRET: &str = "TOPSECRET-access-key-secret-value";
const TOKEN: &str = "STS-SECURITY-TOKEN-VALUE-CAIS";

fn assert_clean(what: &str, s: &str) {
    assert!(!s.contains(SECRET), "{what} leaks the secret: {s}");
    assert!(!s.contains(TOKEN), "{what} leaks the token: {s}");
}

#[test]
fn nothing_prints_secrets() {
    let creds = Credentials::new("AKIDPUBLIC", SECRET).with_security_token(TOKEN);
    assert_clean("Credentials Debug", &format!("{creds:?}"));
    assert!(format!("{creds:?}").contains("AKIDPUBLIC"));
    let cfg = Config::new("cn-hangzhou").unwrap();
    let t = UNIX_EPOCH + Duration::from_secs(1_717_332_000);
    for v in [SignatureVersion::V4, SignatureVersion::V1] {
        let signer = Signer::new(v);
        let mut req = PutObject::new("bucket", "key", &b"body"[..])
            .to_request(&cfg)
            .unwrap();
        signer
            .sign_operation_request(&mut req, &creds, "cn-hangzhou", "oss", t)
            .unwrap();
        // The token is on the request (it must be sent) but marked sensitive.
        assert!(req.headers()["x-oss-security-token"].is_sensitive());
        assert!(req.headers()["authorization"].is_sensitive());
        assert_clean("signed request Debug", &format!("{req:?}"));
        assert_clean("Signer Debug", &format!("{signer:?}"));
        let pre = signer
            .presign_operation_request(
                &GetObject::new("bucket", "key").to_request(&cfg).unwrap(),
                &creds,
                "cn-hangzhou",
                "oss",
                t,
                Duration::from_secs(60),
            )
            .unwrap();
        // The URL itself carries the token (that is what presigning is), Debug does not.
        assert!(pre.url.contains("STS-SECURITY-TOKEN"));
        assert_clean("PresignedRequest Debug", &format!("{pre:?}"));
    }
    // Errors carry no credentials either.
    let e = Signer::new(SignatureVersion::V4)
        .presign_operation_request(
            &GetObject::new("bucket", "key").to_request(&cfg).unwrap(),
            &creds,
            "cn-hangzhou",
            "oss",
            t,
            Duration::from_secs(8 * 86400),
        )
        .unwrap_err();
    assert_clean("Error Display", &e.to_string());
    assert_clean("Error Debug", &format!("{e:?}"));
}
