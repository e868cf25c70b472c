//! Where a resource lives in AWS, decided in one place for apply-time checks
//! and the engine: once created, what its status recorded; before that, its
//! region annotation, else its namespace's default, else the agent's.
//! (CARM account mapping plugs in here.)

use std::collections::BTreeMap;

use sagemaker_core::{KindInfo, Resource, ack};

/// Annotations by namespace (the namespaces that have any).
pub type NamespaceAnnotations = BTreeMap<String, BTreeMap<String, String>>;

/// What applies where a resource says nothing: its namespace's annotations,
/// then the agent's own settings.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub region: String,
    pub account: String,
    /// `delete` or `retain` (`--deletion-policy`).
    pub deletion_policy: String,
    pub namespaces: NamespaceAnnotations,
}

impl Defaults {
    fn namespace(&self, ns: &str, key: &str) -> Option<&str> {
        self.namespaces.get(ns).and_then(|a| a.get(key)).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The region for a resource of `ns` that names none:
    /// `services.k8s.aws/default-region` on its namespace, else the agent's.
    pub fn region(&self, ns: &str) -> &str {
        self.namespace(ns, ack::ANNOTATION_DEFAULT_REGION).unwrap_or(&self.region)
    }

    /// Whether deleting `r` leaves its AWS resource: its annotation, else
    /// its namespace's `<group>/deletion-policy`, else the agent's policy.
    pub fn retains(&self, r: &Resource, kind: &KindInfo) -> bool {
        let policy = r
            .annotation(ack::ANNOTATION_DELETION_POLICY)
            .or_else(|| self.namespace(&r.metadata.namespace, &ack::namespace_deletion_policy(kind.group)))
            .unwrap_or(&self.deletion_policy);
        policy == ack::DELETION_POLICY_RETAIN
    }
}

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
    defaults: &Defaults,
) -> Option<&'a Resource> {
    let name = aws_id(r, kind);
    let at = |o: &'a Resource| (account(o, &defaults.account), region(o, defaults.region(&o.metadata.namespace)));
    let here = (account(r, &defaults.account), region(r, defaults.region(&r.metadata.namespace)));
    others
        .iter()
        .filter(|o| o.key() != r.key())
        .filter(|o| aws_id(o, kind) == name && at(o) == here)
        .filter(|o| r.metadata.uid.is_none() || owns_before(o, r))
        .min_by(|a, b| if owns_before(a, b) { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater })
}
