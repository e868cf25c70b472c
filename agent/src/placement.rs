//! Where a resource lives in AWS, decided in one place for apply-time checks
//! and the engine: once created, what its status recorded; before that, its
//! region annotation, else the agent's defaults. (Namespace defaults and
//! CARM account mapping plug in here.)

use sagemaker_core::{KindInfo, Resource, ack};

/// The ARN recorded when the resource was created (or adopted).
pub fn recorded_arn(r: &Resource) -> Option<&str> {
    r.str_at("status.ackResourceMetadata.arn")
}

/// `(recorded, wanted)` when `wanted`'s region annotation names another
/// region than the one `recorded` was created in. A missing annotation asks
/// for nothing: the resource stays where it is (so a changed agent default
/// never moves existing resources).
pub fn moved<'a>(recorded: &'a Resource, wanted: &'a Resource) -> Option<(&'a str, &'a str)> {
    let from = recorded.str_at("status.ackResourceMetadata.region")?;
    let to = wanted.annotation(ack::ANNOTATION_REGION)?;
    (from != to).then_some((from, to))
}

/// The region a resource lives (or will live) in.
pub fn region<'a>(r: &'a Resource, default: &'a str) -> &'a str {
    r.str_at("status.ackResourceMetadata.region").or(r.annotation(ack::ANNOTATION_REGION)).unwrap_or(default)
}

/// The account a resource lives (or will live) in.
pub fn account<'a>(r: &'a Resource, default: &'a str) -> &'a str {
    r.str_at("status.ackResourceMetadata.ownerAccountID").unwrap_or(default)
}

/// The AWS resource a resource manages: its identifier values.
pub fn aws_id(r: &Resource, kind: &KindInfo) -> String {
    kind.aws_id(&r.spec)
}

/// Which of two resources claiming one AWS name owns it: the one that
/// recorded its ARN, else the older (then the smaller uid), so every reader
/// of the store picks the same owner.
pub fn owns_before(a: &Resource, b: &Resource) -> bool {
    let arn = |r: &Resource| recorded_arn(r).is_some();
    match (arn(a), arn(b)) {
        (true, false) => true,
        (false, true) => false,
        _ => {
            let key = |r: &Resource| {
                (r.metadata.creation_timestamp.clone().unwrap_or_default(), r.metadata.uid.clone().unwrap_or_default())
            };
            key(a) < key(b)
        }
    }
}

/// The resource among `others` that owns the AWS resource `r` names in
/// the same account and region, if it is not `r` itself.
pub fn rival<'a>(
    r: &Resource,
    others: &'a [Resource],
    kind: &KindInfo,
    default_region: &str,
    default_account: &str,
) -> Option<&'a Resource> {
    let name = aws_id(r, kind);
    let here = (account(r, default_account), region(r, default_region));
    others
        .iter()
        .filter(|o| o.key() != r.key())
        .filter(|o| aws_id(o, kind) == name && (account(o, default_account), region(o, default_region)) == here)
        .filter(|o| r.metadata.uid.is_none() || owns_before(o, r))
        .min_by(|a, b| if owns_before(a, b) { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater })
}
