//! Adoption: the custom resource for something that already runs in AWS,
//! with the spec read back from AWS through the kind's schemas. The resource
//! carries `services.k8s.aws/adoption-policy: adopt`, so the engine takes
//! the AWS resource over (finalizer, ARN) instead of creating one.

use std::sync::Arc;

use sagemaker_core::{KindInfo, Resource, ack, names::check_kubernetes_name};
use serde_json::{Map, Value, json};

use crate::{
    aws::{Aws, Priority},
    kinds::Role,
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
#[derive(Clone, Copy)]
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
    let cx = context(store.clone(), aws, &defaults);
    let managed = store.list(req.kind, None).await?;
    manifest_among(&cx, &defaults, &managed, req).await
}

/// Where the request puts a resource: its region and account annotations.
fn locate(req: &Request<'_>, resource: &mut Resource) {
    for (key, value) in [(ack::ANNOTATION_REGION, req.region), (ack::ANNOTATION_OWNER_ACCOUNT_ID, req.account)] {
        if !value.is_empty() {
            resource.metadata.annotations.insert(key.into(), value.into());
        }
    }
}

/// [`manifest`], with the context and the kind's stored resources given
/// (`adopt --all` reads them once for every resource it adopts).
async fn manifest_among(cx: &Context, defaults: &placement::Defaults, managed: &[Resource], req: &Request<'_>) -> Result<Resource, Error> {
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
    locate(req, &mut resource);
    let target = cx.place(kind, &resource, defaults).map_err(|f| failure(&f))?;
    // one AWS resource, one owner
    if let Some(owner) = placement::rival(&resource, managed, info, defaults) {
        return Err(Error::Refused {
            source_: None,
            field: None,
            message: format!("{} {} already manages the {} {} in account {} region {}", info.kind, owner.key(), info.kind, req.aws_name, target.account, target.region),
            hint: Some(format!("`kubectl sagemaker get {} {} -n {}` shows it", info.plural, owner.metadata.name, owner.metadata.namespace)),
        });
    }
    let observed = Describe.observe(cx, kind, &target, &resource.spec, Priority::Urgent).await.map_err(|f| failure(&f))?;
    let Some(observed) = observed else {
        return Err(Error::NotFound(format!(
            "there is no {} {} in account {} region {}; nothing was adopted",
            info.kind, req.aws_name, target.account, target.region
        )));
    };
    resource.spec = spec_from(kind, &observed, &resource.spec);
    // a name AWS assigned is no spec field: the annotation carries it
    if let Some(a) = info.assigned
        && resource.spec.get(a.field).is_none()
        && let Some(id) = identity.get(a.field)
    {
        resource.metadata.annotations.insert(ack::ANNOTATION_ADOPTION_FIELDS.into(), json!({ a.field: id }).to_string());
    }
    Ok(resource)
}

/// A context to read AWS with, outside the engine.
fn context(store: Arc<dyn Store>, aws: Arc<Aws>, defaults: &placement::Defaults) -> Context {
    Context {
        store,
        aws,
        observe: Arc::new(Describe),
        default_region: defaults.region.clone(),
        account: defaults.account.clone(),
        deletion_policy: defaults.deletion_policy.clone(),
        resync: Default::default(),
        resource_tags: Vec::new(),
        session_tags: defaults.session_tags,
        updates_sent: Default::default(),
    }
}

/// What `adopt --all` picks: names starting with `prefix` (any identifier,
/// for kinds named by several), carrying every tag of `tags`.
pub struct Filter<'a> {
    pub prefix: &'a str,
    pub tags: &'a [(String, String)],
}

/// Pages of a list call read at most (100 resources each).
const MAX_PAGES: usize = 50;

/// The manifests of every resource of a kind `filter` picks in AWS, and
/// what was left out and why (already managed, say). Nothing is written.
pub async fn manifests_all(
    store: Arc<dyn Store>,
    aws: Arc<Aws>,
    defaults: placement::Defaults,
    req: &Request<'_>,
    filter: &Filter<'_>,
) -> Result<(Vec<Resource>, Vec<String>), Error> {
    let kind = kinds::for_info(req.kind).ok_or_else(|| Error::NotFound(format!("{} is not served", req.kind.kind)))?;
    let list = kind.list.as_ref().ok_or_else(|| Error::NotFound(format!("a {} cannot be listed", req.kind.kind)))?;
    let cx = context(store.clone(), aws, &defaults);
    // where to look: as a resource of the namespace with the request's region and account
    let mut probe = Resource::default();
    probe.metadata.namespace = req.namespace.to_string();
    locate(req, &mut probe);
    let target = cx.place(kind, &probe, &defaults).map_err(|f| failure(&f))?;
    let mut input = (list.input)();
    if let (Some(field), false) = (list.name_contains, filter.prefix.is_empty()) {
        input[field] = json!(filter.prefix);
    }
    let mut items = Vec::new();
    for _ in 0..MAX_PAGES {
        let out = cx.call(kind, Role::List, &target, &input, Priority::Urgent).await.map_err(|f| failure(&f))?;
        items.extend(out.get(list.items).and_then(Value::as_array).cloned().unwrap_or_default());
        match out.get("nextToken").and_then(Value::as_str) {
            Some(token) => input["nextToken"] = json!(token),
            None => break,
        }
    }
    // what a resource manages already (under any name) is left as it is
    let managed = store.list(req.kind, None).await?;
    let owner = |identity: &Value| {
        let candidate = Resource { spec: identity.clone(), ..probe.clone() };
        placement::claimants(&candidate, &managed, req.kind, &defaults).next()
    };
    let mut manifests = Vec::new();
    let mut skipped = Vec::new();
    for item in items {
        let item = list.in_spec_terms(&item);
        let identity = kind.identity(&item);
        let values: Vec<&str> = kind.info.identifiers.iter().filter_map(|f| identity.get(*f).and_then(Value::as_str)).collect();
        if !values.iter().any(|v| v.starts_with(filter.prefix)) {
            continue;
        }
        if let Some(o) = owner(&identity) {
            skipped.push(format!("{}: {} {} already manages it", req.kind.aws_id(&identity), req.kind.kind, o.key()));
            continue;
        }
        if !filter.tags.is_empty() {
            let Some(arn) = item.get(kind.arn_field).and_then(Value::as_str) else { continue };
            let out = cx.call(kind, Role::ListTags, &target, &json!({ "resourceARN": arn }), Priority::Urgent).await.map_err(|f| failure(&f))?;
            let tags = (kind.service.read_tags)(&out);
            if !filter.tags.iter().all(|t| tags.contains(t)) {
                continue;
            }
        }
        let aws_name = match values.as_slice() {
            [one] => (*one).to_string(),
            _ => identity.to_string(),
        };
        let one = Request { aws_name: &aws_name, name: &resource_name(kind.info, &identity), ..*req };
        match manifest_among(&cx, &defaults, &managed, &one).await {
            Ok(m) => manifests.push(m),
            Err(e) => skipped.push(format!("{}: {e}", kind.info.aws_id(&identity))),
        }
    }
    Ok((manifests, skipped))
}

/// A resource name for an AWS identity: its name-like identifier (`…Name`),
/// else its id (`resourceID`), lower-cased, with what Kubernetes names do
/// not allow made `-`.
fn resource_name(info: &KindInfo, identity: &Value) -> String {
    let pick = |suffix: &str| info.identifiers.iter().find(|f| f.ends_with(suffix)).and_then(|f| identity.get(*f)).and_then(Value::as_str);
    let raw = pick("Name").or_else(|| pick("ID")).unwrap_or_default().to_ascii_lowercase();
    let mut name = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' };
        if !(c == '-' && (name.is_empty() || name.ends_with('-'))) {
            name.push(c);
        }
    }
    name.trim_end_matches('-').to_string()
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
    // what AWS reports under another name than the spec's (a notebook's
    // lifecycle configuration), under the spec's
    let mut seen = observed.clone();
    (kind.hooks.observed_as_spec)(&mut seen);
    let mut spec: Map<String, Value> = seen
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
