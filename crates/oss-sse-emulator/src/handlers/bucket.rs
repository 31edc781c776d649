//! Buckets and their default encryption.

use std::fmt::Write as _;

use http::StatusCode;

use oss_sse_core::time::format_iso8601;
use oss_sse_core::wire::{self, xml_escape};

use super::{R, XML_DECL, bucket_meta, check_kms_key_id, ok_empty, read_xml_body, xml};
use crate::body::ReqBody;
use crate::error::OssErr;
use crate::server::{Ctx, Shared, empty};
use crate::store::{BucketMeta, RuleRecord};

fn malformed(detail: Option<&str>) -> OssErr {
    let mut m =
        "The XML you provided was not well-formed or did not validate against our published schema"
            .to_owned();
    if let Some(d) = detail {
        m.push_str(": ");
        m.push_str(d);
    } else {
        m.push('.');
    }
    OssErr::new(400, "MalformedXML", m)
}

pub(super) async fn put_bucket(shared: &Shared, ctx: &Ctx, body: &mut ReqBody) -> R {
    let body = read_xml_body(ctx, body).await?;
    let class = wire::parse_create_bucket_request(&body)
        .map_err(|e| malformed(Some(&e)))?
        .unwrap_or_else(|| "Standard".into());
    let name = ctx.bucket().to_owned();
    let created = shared.now_secs();
    shared
        .store
        .update_buckets(|b| {
            if b.contains_key(&name) {
                return Err(OssErr::new(
                    409,
                    "BucketAlreadyExists",
                    "The requested bucket name is not available.",
                )
                .with("BucketName", &name));
            }
            b.insert(
                name.clone(),
                BucketMeta {
                    name: name.clone(),
                    created,
                    storage_class: class,
                    rule: None,
                },
            );
            Ok(())
        })
        .await?;
    Ok(ok_empty(StatusCode::OK).body(empty()).expect("response"))
}

pub(super) async fn delete_bucket(shared: &Shared, ctx: &Ctx) -> R {
    let uploads_open = shared
        .store
        .uploads
        .read()
        .await
        .by_key
        .keys()
        .any(|(b, _, _)| b == ctx.bucket());
    let name = ctx.bucket().to_owned();
    let has_objects = shared
        .store
        .buckets
        .read()
        .await
        .get(&name)
        .is_some_and(|b| !b.objects.is_empty());
    shared
        .store
        .update_buckets(|b| {
            if !b.contains_key(&name) {
                return Err(OssErr::no_such_bucket(&name));
            }
            if has_objects || uploads_open {
                return Err(OssErr::new(
                    409,
                    "BucketNotEmpty",
                    "The bucket has objects. Please delete them first.",
                )
                .with("BucketName", &name));
            }
            b.remove(&name);
            Ok(())
        })
        .await?;
    Ok(ok_empty(StatusCode::NO_CONTENT)
        .body(empty())
        .expect("response"))
}

fn rule_xml(r: Option<&RuleRecord>, wrapped: bool) -> String {
    let mut s = String::new();
    let inner = match r {
        None => "<SSEAlgorithm>None</SSEAlgorithm>".to_owned(),
        Some(r) => {
            let mut i = format!("<SSEAlgorithm>{}</SSEAlgorithm>", xml_escape(&r.algorithm));
            if wrapped {
                if let Some(k) = &r.kms_master_key_id {
                    let _ = write!(i, "<KMSMasterKeyID>{}</KMSMasterKeyID>", xml_escape(k));
                }
            } else {
                let _ = write!(
                    i,
                    "<KMSMasterKeyID>{}</KMSMasterKeyID>",
                    xml_escape(r.kms_master_key_id.as_deref().unwrap_or(""))
                );
            }
            if let Some(d) = &r.kms_data_encryption {
                let _ = write!(
                    i,
                    "<KMSDataEncryption>{}</KMSDataEncryption>",
                    xml_escape(d)
                );
            }
            i
        }
    };
    if wrapped {
        let _ = write!(
            s,
            "<ServerSideEncryptionRule>\n  <ApplyServerSideEncryptionByDefault>\n    {inner}\n  </ApplyServerSideEncryptionByDefault>\n</ServerSideEncryptionRule>\n"
        );
    } else {
        let _ = write!(
            s,
            "<ServerSideEncryptionRule>{inner}</ServerSideEncryptionRule>"
        );
    }
    s
}

pub(super) async fn get_bucket_info(shared: &Shared, ctx: &Ctx) -> R {
    let m = bucket_meta(shared, ctx.bucket()).await?;
    let region = &shared.settings.region;
    let body = format!(
        "{XML_DECL}<BucketInfo><Bucket><AccessMonitor>Disabled</AccessMonitor><CreationDate>{}</CreationDate><ExtranetEndpoint>oss-{region}.aliyuncs.com</ExtranetEndpoint><IntranetEndpoint>oss-{region}-internal.aliyuncs.com</IntranetEndpoint><Location>oss-{region}</Location><StorageClass>{}</StorageClass><Name>{}</Name><Owner><DisplayName>oss-sse-emulator</DisplayName><ID>oss-sse-emulator</ID></Owner><AccessControlList><Grant>private</Grant></AccessControlList>{}</Bucket></BucketInfo>\n",
        format_iso8601(m.created),
        xml_escape(&m.storage_class),
        xml_escape(&m.name),
        rule_xml(m.rule.as_ref(), false)
    );
    Ok(xml(StatusCode::OK, body))
}

pub(super) async fn get_bucket_acl(shared: &Shared, ctx: &Ctx) -> R {
    bucket_meta(shared, ctx.bucket()).await?;
    Ok(xml(StatusCode::OK, super::acl_xml("private")))
}

pub(super) async fn put_bucket_encryption(shared: &Shared, ctx: &Ctx, body: &mut ReqBody) -> R {
    bucket_meta(shared, ctx.bucket()).await?;
    let body = read_xml_body(ctx, body).await?;
    let rule = wire::parse_rule_request(&body)
        .map_err(|_| malformed(None))?
        .ok_or_else(|| malformed(None))?;
    let alg = rule.sse_algorithm().as_str().to_owned();
    if !matches!(alg.as_str(), "AES256" | "KMS" | "SM4") {
        return Err(OssErr::new(
            400,
            "InvalidEncryptionAlgorithmError",
            "The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4.",
        ));
    }
    if let Some(k) = rule.kms_master_key_id() {
        check_kms_key_id("KMSMasterKeyID", k)?;
    }
    let record = if alg == "KMS" {
        if let Some(d) = rule.kms_data_encryption()
            && d.as_str() != "SM4"
        {
            return Err(OssErr::invalid_argument(
                "KMSDataEncryption supports only SM4.",
            ));
        }
        RuleRecord {
            algorithm: alg,
            kms_master_key_id: rule.kms_master_key_id().map(str::to_owned),
            kms_data_encryption: rule.kms_data_encryption().map(|d| d.as_str().to_owned()),
        }
    } else {
        if rule.kms_master_key_id().is_some() {
            return Err(OssErr::invalid_argument(
                "KMSMasterKeyID is not applicable if the default sse algorithm is not KMS",
            ));
        }
        // OSS silently drops KMSDataEncryption when the algorithm is not KMS.
        RuleRecord {
            algorithm: alg,
            kms_master_key_id: None,
            kms_data_encryption: None,
        }
    };
    set_rule(shared, ctx, Some(record)).await?;
    Ok(ok_empty(StatusCode::OK).body(empty()).expect("response"))
}

async fn set_rule(shared: &Shared, ctx: &Ctx, rule: Option<RuleRecord>) -> Result<(), OssErr> {
    let name = ctx.bucket();
    shared
        .store
        .update_buckets(|b| {
            let m = b
                .get_mut(name)
                .ok_or_else(|| OssErr::no_such_bucket(name))?;
            m.rule = rule;
            Ok(())
        })
        .await
}

pub(super) async fn get_bucket_encryption(shared: &Shared, ctx: &Ctx) -> R {
    let m = bucket_meta(shared, ctx.bucket()).await?;
    match m.rule {
        None => Err(OssErr::new(
            404,
            "NoSuchServerSideEncryptionRule",
            "The server side encryption rule does not exist.",
        )
        .with("BucketName", ctx.bucket())),
        Some(r) => Ok(xml(
            StatusCode::OK,
            format!("{XML_DECL}{}", rule_xml(Some(&r), true)),
        )),
    }
}

pub(super) async fn delete_bucket_encryption(shared: &Shared, ctx: &Ctx) -> R {
    set_rule(shared, ctx, None).await?;
    Ok(ok_empty(StatusCode::NO_CONTENT)
        .body(empty())
        .expect("response"))
}
