//! Adoption: the custom resource for something that already runs in AWS,
//! with the spec read back from AWS through the kind's schemas. The resource
//! carries `services.k8s.aws/adoption-policy: adopt`, so the engine takes
//! the AWS resource over (finalizer, ARN) instead of creating one.

use std::sync::Arc;

use sagemaker_core::{KindInfo, Resource, ack, names::check_kubernetes_name};
use serde_json::{Map, Value, json};

use crate::{
    aws::{Aws, Priority},
    engine::{
        Context,
        observe::{Describe, Observe},
    },
    error::Error,
    kinds::{self, AwsKind},
    placement,
    store::Store,
};

/// What to adopt and where the resource goes.
pub struct Request<'a> {
    pub kind: &'static KindInfo,
    pub aws_name: &'a str,
    pub name: &'a str,
    pub namespace: &'a str,
    pub region: &'a str,
    /// Another account than the namespace's (`owner-account-id`), or empty.
    pub account: &'a str,
}

/// The manifest of the resource that adopts what `req` names, read from AWS.
/// Nothing is written anywhere.
pub async fn manifest(store: Arc<dyn Store>, aws: Arc<Aws>, defaults: placement::Defaults, req: &Request<'_>) -> Result<Resource, Error> {
    let kind = kinds::for_info(req.kind).ok_or_else(|| Error::NotFound(format!("{} is not served", req.kind.kind)))?;
    let info = req.kind;
    let identity = identity(kind, req.aws_name)?;
    let name = if req.name.is_empty() { req.aws_name.to_ascii_lowercase() } else { req.name.to_string() };
    check_kubernetes_name(&name).map_err(|p| {
        Error::invalid("adopt", Some("metadata.name"), format!("{name:?} is not a valid resource name: {p}"), Some("choose one with --name".into()))
    })?;
    let mut resource: Resource = serde_json::from_value(json!({
        "apiVersion": info.api_version(), "kind": info.kind,
        "metadata": { "name": name, "namespace": req.namespace,
            "annotations": { ack::ANNOTATION_ADOPTION_POLICY: "adopt" } },
        "spec": identity,
    }))
    .map_err(|e| Error::invalid("adopt", None, e.to_string(), None))?;
    if !req.region.is_empty() {
        resource.metadata.annotations.insert(ack::ANNOTATION_REGION.into(), req.region.into());
    }
    if !req.account.is_empty() {
        resource.metadata.annotations.insert(ack::ANNOTATION_OWNER_ACCOUNT_ID.into(), req.account.into());
    }
    let cx = Context {
        store: store.clone(),
        aws,
        observe: Arc::new(Describe),
        default_region: defaults.region.clone(),
        account: defaults.account.clone(),
        deletion_policy: defaults.deletion_policy.clone(),
        resync: Default::default(),
        resource_tags: Vec::new(),
        session_tags: defaults.session_tags,
        updates_sent: Default::default(),
    };
    let target = cx.place(kind, &resource, &defaults).map_err(|f| failure(&f))?;
    // one AWS resource, one owner
    let all = store.list(info, None).await?;
    if let Some(owner) = placement::rival(&resource, &all, info, &defaults) {
        return Err(Error::Refused {
            source_: None,
            field: None,
            message: format!("{} {} already manages the {} {} in account {} region {}", info.kind, owner.key(), info.kind, req.aws_name, target.account, target.region),
            hint: Some(format!("`kubectl sagemaker get {} {} -n {}` shows it", info.plural, owner.metadata.name, owner.metadata.namespace)),
        });
    }
    let observed = Describe.observe(&cx, kind, &target, &resource.spec, Priority::Urgent).await.map_err(|f| failure(&f))?;
    let Some(observed) = observed else {
        return Err(Error::NotFound(format!(
            "there is no {} {} in account {} region {}; nothing was adopted",
            info.kind, req.aws_name, target.account, target.region
        )));
    };
    resource.spec = spec_from(kind, &observed, &resource.spec);
    Ok(resource)
}

fn failure(f: &crate::engine::Failure) -> Error {
    Error::Refused { source_: None, field: None, message: f.to_string(), hint: None }
}

/// The identifiers of what to adopt: the AWS name, or a JSON object of them.
fn identity(kind: &AwsKind, aws_name: &str) -> Result<Value, Error> {
    match kind.info.identifiers {
        [one] if !aws_name.trim_start().starts_with('{') => Ok(json!({ *one: aws_name })),
        fields => {
            let v: Value = serde_json::from_str(aws_name).map_err(|_| {
                Error::invalid(
                    "adopt",
                    None,
                    format!("a {} is named by {}", kind.info.kind, kind.info.identifier_names()),
                    Some(format!("give them as JSON: '{{{}}}'", fields.iter().map(|f| format!("\"{f}\": ...")).collect::<Vec<_>>().join(", "))),
                )
            })?;
            Ok(kind.identity(&v))
        }
    }
}

/// The spec AWS holds: every member of what describe reports that the spec
/// (the create input) has, in ACK names; a member whose shape differs
/// between the two is left out rather than failing the whole adoption.
pub(crate) fn spec_from(kind: &AwsKind, observed: &Value, identity: &Value) -> Value {
    let schema = kind.spec_schema();
    let mut spec: Map<String, Value> = observed
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| schema.pointer(&format!("/properties/{k}")).is_some())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(id) = identity.as_object() {
        spec.extend(id.clone());
    }
    for _ in 0..spec.len() {
        let candidate = Value::Object(spec.clone());
        match (kind.create.input)(&candidate, false) {
            Ok(_) => return candidate,
            Err(e) => {
                let field = e.path.split(['.', '[']).next().unwrap_or_default().to_string();
                if spec.remove(&field).is_none() {
                    break;
                }
            }
        }
    }
    Value::Object(spec)
}
