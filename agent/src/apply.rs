//! Validation of manifests before anything is written: kind, names, spec
//! through the SDK's schemas, and the edits SageMaker cannot apply.

use sagemaker_core::{
    KindInfo, Resource, ack, kinds,
    names::{check_kubernetes_name, check_sagemaker_name},
};
use sagemaker_schema::MappingErrorKind;
use serde_json::{Map, Value};

use crate::{
    error::{Error, Result},
    kinds::{AwsKind, for_info},
    placement,
};

/// A manifest that passed validation.
#[derive(Debug)]
pub struct Validated {
    pub kind: &'static AwsKind,
    pub resource: Resource,
    pub source: String,
}

const TOP_LEVEL: &[&str] = &["apiVersion", "kind", "metadata", "spec", "status"];

/// Tags per AWS resource (SageMaker's and Application Auto Scaling's limit).
const MAX_TAGS: usize = 50;
/// Tags the agent adds to what it creates.
const AGENT_TAGS: usize = 3;

fn known_kinds() -> String {
    kinds::KINDS.iter().map(|k| format!("{} ({})", k.kind, k.api_version())).collect::<Vec<_>>().join(", ")
}

/// Checks one manifest document. `default_namespace` fills a missing namespace.
pub fn validate(source: &str, json: &str, default_namespace: &str) -> Result<Validated> {
    let invalid = |field: Option<&str>, msg: String, hint: Option<String>| Error::invalid(source, field, msg, hint);
    let value: Value = serde_json::from_str(json).map_err(|e| invalid(None, format!("the document is not valid JSON: {e}"), None))?;
    let Some(obj) = value.as_object() else {
        return Err(invalid(None, "the document is not an object".to_string(), None));
    };
    let text = |f: &str| obj.get(f).and_then(Value::as_str);
    let (Some(api_version), Some(kind_name)) = (text("apiVersion"), text("kind")) else {
        let missing = if text("apiVersion").is_none() { "apiVersion" } else { "kind" };
        return Err(invalid(
            Some(missing),
            format!("{missing} is missing"),
            Some(format!("a manifest starts with apiVersion and kind, e.g. apiVersion: {}", kinds::TRAINING_JOB.api_version())),
        ));
    };
    let Some(info) = kinds::by_api_version(api_version, kind_name) else {
        let hint = if let Some(k) = kinds::find(kind_name) {
            format!("{kind_name} is served as apiVersion: {}", k.api_version())
        } else if api_version.starts_with("sagemaker.aws.amazon.com/") {
            "this is a manifest of the retired SageMaker operator; rewrite it for the ACK kinds".into()
        } else {
            format!("supported kinds: {}", known_kinds())
        };
        return Err(invalid(Some("kind"), format!("unknown kind {kind_name} in apiVersion {api_version}"), Some(hint)));
    };
    let kind = for_info(info).ok_or_else(|| invalid(Some("kind"), format!("{kind_name} is not served by this agent"), None))?;
    if let Some(extra) = obj.keys().find(|k| !TOP_LEVEL.contains(&k.as_str())) {
        return Err(invalid(
            Some(extra),
            format!("unknown top-level field {extra:?}"),
            Some("a manifest has only apiVersion, kind, metadata and spec at the top level".into()),
        ));
    }
    check_metadata(obj.get("metadata")).map_err(|(field, msg, hint)| invalid(Some(&field), msg, hint))?;
    let mut resource: Resource = serde_json::from_value(value.clone())
        .map_err(|e| invalid(Some("metadata"), format!("metadata is malformed: {e}"), None))?;
    resource.status = Value::Null;
    // what the server sets is not the user's to give (`get -o yaml` output
    // carries it): a copied uid or creation time must not decide ownership
    let m = &mut resource.metadata;
    (m.uid, m.resource_version, m.generation, m.creation_timestamp, m.deletion_timestamp) = (None, None, None, None, None);
    m.finalizers.clear();
    for server_set in ["managedFields", "selfLink"] {
        m.extra.remove(server_set);
    }
    // `generateName`: a fresh name per submission, as the API server would
    // give one (five characters after the prefix), chosen here so that the
    // apply can name what it writes
    if let Some(prefix) = m.extra.remove("generateName").and_then(|g| g.as_str().map(str::to_string))
        && m.name.is_empty()
    {
        m.name = format!("{prefix}{}", random_suffix());
    }
    check_kubernetes_name(&resource.metadata.name).map_err(|p| {
        let msg = if resource.metadata.name.is_empty() {
            "metadata.name is missing".to_string()
        } else {
            format!("metadata.name {:?} is invalid: {p}", resource.metadata.name)
        };
        invalid(Some("metadata.name"), msg, Some("Kubernetes names are lower-case letters, digits, '-' and '.'".into()))
    })?;
    if resource.metadata.namespace.is_empty() {
        resource.metadata.namespace = default_namespace.to_string();
    }
    check_kubernetes_name(&resource.metadata.namespace).map_err(|p| {
        invalid(Some("metadata.namespace"), format!("namespace {:?} is invalid: {p}", resource.metadata.namespace), None)
    })?;
    // `adopt` takes the spec from AWS: the manifest may give no more than
    // the identifiers (in the spec or in `adoption-fields`)
    let adopting = resource.annotation(ack::ANNOTATION_ADOPTION_POLICY) == Some("adopt");
    // a job named by its metadata.name: that name must be a SageMaker name
    // (and the spec is checked with it, against the kind's own name rules)
    let spec = info.effective_spec(&resource);
    if let (true, [field]) = (info.name_defaults, info.identifiers)
        && resource.spec.get(*field).is_none()
    {
        let name = spec.get(*field).and_then(Value::as_str).unwrap_or_default();
        check_sagemaker_name(name).map_err(|p| {
            invalid(
                Some("metadata.name"),
                format!("spec.{field} is not set, so metadata.name {name:?} names the {}, but it is not a SageMaker name: {p}", info.kind),
                Some(format!("set spec.{field} (SageMaker names match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,62}}$)")),
            )
        })?;
    }
    validate_spec(source, info, kind, &spec, adopting)?;
    Ok(Validated { kind, resource, source: source.to_string() })
}

fn validate_spec(source: &str, info: &KindInfo, kind: &AwsKind, spec: &Value, adopting: bool) -> Result<()> {
    let invalid = |field: &str, msg: String, hint: Option<String>| Error::invalid(source, Some(field), msg, hint);
    let Some(obj) = spec.as_object() else {
        return Err(invalid("spec", "spec is missing or not an object".to_string(), None));
    };
    // a job's name may be left out: metadata.name stands for it
    let defaulted = |f: &&&str| info.name_defaults && info.identifiers == [**f];
    for required in info.required_fields.iter().filter(|_| !adopting).filter(|f| !defaulted(f)) {
        if obj.get(*required).is_none_or(Value::is_null) {
            return Err(invalid(
                &format!("spec.{required}"),
                format!("spec.{required} is required"),
                Some(format!("a {} needs {}", info.kind, info.required_fields.join(", "))),
            ));
        }
    }
    if kind.service.names_resources {
        for id in info.identifiers {
            let Some(name) = obj.get(*id) else { continue };
            let name = name.as_str().unwrap_or_default();
            check_sagemaker_name(name).map_err(|p| {
                invalid(&format!("spec.{id}"), format!("spec.{id} {name:?} is invalid: {p}"), Some("SageMaker names match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$".into()))
            })?;
        }
    }
    // the agent adds its own tags (owner, namespace) to the service's limit
    if let Some(field) = kind.tags_field {
        let limit = MAX_TAGS - AGENT_TAGS;
        let count = obj.get(field).map(|t| t.as_array().map(Vec::len).or(t.as_object().map(Map::len)).unwrap_or(0));
        if let Some(tags) = count.filter(|n| *n > limit) {
            return Err(invalid(
                &format!("spec.{field}"),
                format!("spec.{field} has {tags} tags; at most {limit} fit"),
                Some(format!("SageMaker allows {MAX_TAGS} tags and the agent adds {AGENT_TAGS} (owner, controller version and namespace, by default)")),
            ));
        }
    }
    (kind.create.input)(&kind.create_spec(spec), !adopting).map_err(|e| {
        let e = e.under("spec");
        // the field and the hint travel on their own, so the plugin prints
        // each once: `spec.x: <what is wrong>` and `hint:`
        let hint = e.hint.clone().or_else(|| match &e.kind {
            MappingErrorKind::WrongType { expected: "string", found: "number" | "boolean" } => Some(
                "quote the value (\"5\", \"true\"): YAML reads 5 and true as a number and a boolean".into(),
            ),
            _ => None,
        });
        invalid(&e.path, e.kind.to_string(), hint)
    })?;
    Ok(())
}

/// Checks metadata's shape with messages naming the field, before serde
/// (whose text, `invalid type: null, expected a string`, names nothing).
fn check_metadata(metadata: Option<&Value>) -> std::result::Result<(), (String, String, Option<String>)> {
    let name_hint = || Some("every manifest needs metadata.name: lower-case letters, digits, '-' and '.'".to_string());
    let Some(metadata) = metadata.filter(|m| !m.is_null()) else {
        return Err(("metadata.name".into(), "metadata.name is missing".into(), name_hint()));
    };
    let Some(metadata) = metadata.as_object() else {
        return Err(("metadata".into(), "metadata must be a mapping (name, namespace, labels, annotations)".into(), None));
    };
    let generated = metadata.get("generateName").and_then(Value::as_str).is_some_and(|g| !g.is_empty());
    match metadata.get("name") {
        None | Some(Value::Null) if generated => {}
        None | Some(Value::Null) => return Err(("metadata.name".into(), "metadata.name is missing".into(), name_hint())),
        Some(Value::String(_)) => {}
        Some(other) => {
            return Err(("metadata.name".into(), format!("metadata.name must be a string, not {other}"), name_hint()));
        }
    }
    if let Some(ns) = metadata.get("namespace").filter(|n| !n.is_null() && !n.is_string()) {
        return Err(("metadata.namespace".into(), format!("metadata.namespace must be a string, not {ns}"), None));
    }
    for field in ["labels", "annotations"] {
        let Some(map) = metadata.get(field).filter(|m| !m.is_null()) else { continue };
        let Some(map) = map.as_object() else {
            return Err((format!("metadata.{field}"), format!("metadata.{field} must be a mapping of strings"), None));
        };
        if let Some((key, value)) = map.iter().find(|(_, v)| !v.is_string()) {
            return Err((
                format!("metadata.{field}[{key:?}]"),
                format!("metadata.{field}[{key:?}] must be a string, not {value}"),
                Some(format!("quote it: {key}: \"{}\"", value.to_string().trim_matches('"'))),
            ));
        }
    }
    Ok(())
}

/// Refuses edits SageMaker cannot apply to an existing resource, naming every
/// field that cannot change and what to do instead (ACK only turns Terminal
/// later).
pub fn check_update(v: &Validated, existing: &Resource) -> Result<()> {
    let info = v.kind.info;
    let refused = |field: String, message: String, hint: String| Error::Refused {
        source_: Some(v.source.clone()),
        field: Some(field),
        message,
        hint: Some(hint),
    };
    if existing.is_deleting() {
        return Err(refused(
            "metadata.deletionTimestamp".into(),
            format!("{} {} is being deleted", info.kind, existing.key()),
            "wait until it is gone, then apply again".into(),
        ));
    }
    // where it lives is fixed once it exists in AWS, like its name
    if let Some(m) = placement::moved(existing, &v.resource) {
        let field = format!("metadata.annotations[{:?}]", m.annotation);
        let message = format!("{} {} exists in {what} {}; the manifest asks for {what} {}", info.kind, existing.key(), m.from, m.to, what = m.what);
        let hint = format!(
            "a resource cannot move between {what}s: keep `{}: {}`, or create a new resource with another metadata.name",
            m.annotation,
            m.from,
            what = m.what
        );
        return Err(refused(field, message, hint));
    }
    // nothing reached AWS yet (creation failed, or has not started): the spec
    // may still change freely, which is how a rejected spec gets fixed
    if !reached_aws(existing) {
        return Ok(());
    }
    let mut paths = Vec::new();
    // a job's name stated or left to metadata.name is the same name
    differences(&info.effective_spec(existing), &info.effective_spec(&v.resource), "spec", &mut paths);
    let updatable: &[&str] = v.kind.update.as_ref().map(|u| u.fields).unwrap_or_default();
    // tag edits reach AWS on every kind that has tags
    let tags: &[&str] = v.kind.tags_field.as_slice();
    let immutable: Vec<String> = paths
        .into_iter()
        .filter(|path| {
            let path = path.trim_start_matches("spec.");
            !updatable.iter().chain(tags).any(|f| path == *f || path.starts_with(&format!("{f}.")) || path.starts_with(&format!("{f}[")))
        })
        .collect();
    let Some(first) = immutable.first() else { return Ok(()) };
    let hint = immutable_hint(info, updatable);
    let message = format!("{} cannot be changed on {} {}", immutable.join(", "), info.kind, existing.key());
    Err(refused(first.clone(), message, hint))
}

/// What to do instead of editing an immutable field: for a kind another
/// kind refers to (an EndpointConfig an Endpoint names), create a new one and
/// point the referrer at it; otherwise, create a new resource.
fn immutable_hint(info: &KindInfo, updatable: &[&str]) -> String {
    if !updatable.is_empty() {
        return format!("only {} can change after creation", updatable.join(", "));
    }
    let referrer = sagemaker_core::kinds::KINDS
        .iter()
        .find_map(|k| k.depends_on.iter().find(|d| d.kind == info).map(|d| (k, d)));
    match referrer {
        Some((k, d)) => format!(
            "a {kind} cannot change after it is created: create a new {kind} with another {id} and point the {referrer}'s {path} at it",
            kind = info.kind,
            id = info.identifier_names(),
            referrer = k.kind,
            path = d.fields.first().map(|f| f.1).unwrap_or_default(),
        ),
        None => format!(
            "a {} cannot change after it is created; create a new one with a new metadata.name and {} (names are permanent in SageMaker)",
            info.kind,
            info.identifier_names()
        ),
    }
}

/// Refuses a manifest whose AWS resource (kind, account, region, name) is
/// already managed by another resource, naming that owner: two owners race,
/// and deleting one would stop or delete the other's resource.
pub fn check_unique(v: &Validated, others: &[Resource], defaults: &placement::Defaults) -> Result<()> {
    let info = v.kind.info;
    let Some(owner) = placement::rival(&v.resource, others, info, defaults) else {
        return Ok(());
    };
    let name = placement::aws_id(&v.resource, info);
    let region = placement::region(owner, defaults.region(&owner.metadata.namespace));
    let account = placement::account(owner, &defaults.account);
    Err(Error::Refused {
        source_: Some(v.source.clone()),
        field: Some(format!("spec.{}", info.identifiers.first().copied().unwrap_or_default())),
        message: format!(
            "{} {} already manages the {} named {name} in account {account} region {region}",
            info.kind,
            owner.key(),
            info.kind
        ),
        hint: Some(format!(
            "SageMaker names are unique per account and region: choose another {}, or delete {} {} first",
            info.identifier_names(),
            info.singular,
            owner.key()
        )),
    })
}

/// Whether the resource has (or may have) an AWS counterpart: an ARN was
/// recorded, or a creation may be under way (the finalizer goes on before
/// the create call) and did not end Terminal.
fn reached_aws(r: &Resource) -> bool {
    if placement::recorded_arn(r).is_some() {
        return true;
    }
    let terminal = r.condition(ack::CONDITION_TERMINAL).is_some_and(|c| c["status"] == "True");
    !r.metadata.finalizers.is_empty() && !terminal
}

/// The paths where two JSON values differ, in document order.
fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let (va, vb) = (x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null));
                differences(va, vb, &format!("{path}.{k}"), out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                differences(va, vb, &format!("{path}[{i}]"), out);
            }
        }
        _ if a == b => {}
        _ => out.push(path.to_string()),
    }
}

/// Five characters for a `generateName` (the API server's alphabet: no
/// vowels, no look-alikes).
fn random_suffix() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..5).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here() -> placement::Defaults {
        placement::Defaults { region: "us-east-1".into(), account: "1".into(), ..Default::default() }
    }
    use serde_json::json;

    const JOB: &str = r#"{
        "apiVersion": "sagemaker.services.k8s.aws/v1alpha1", "kind": "TrainingJob",
        "metadata": {"name": "j", "namespace": "default"},
        "spec": {
            "trainingJobName": "j", "roleARN": "arn:aws:iam::111111111111:role/sm",
            "algorithmSpecification": {"trainingImage": "img", "trainingInputMode": "File"},
            "outputDataConfig": {"s3OutputPath": "s3://b/out"},
            "resourceConfig": {"instanceType": "ml.m5.large", "instanceCount": 1, "volumeSizeInGB": 5},
            "stoppingCondition": {"maxRuntimeInSeconds": 3600}
        }
    }"#;

    fn validated(edit: impl FnOnce(&mut Value)) -> Validated {
        let mut v: Value = serde_json::from_str(JOB).expect("json");
        edit(&mut v);
        validate("job.yaml (document 1)", &v.to_string(), "default").expect("valid")
    }

    /// The stored resource after the engine created it in `region`.
    fn created_in(region: &str) -> Resource {
        let mut r = validated(|_| {}).resource;
        r.metadata.finalizers = vec![ack::finalizer(r.api_version.split('/').next().unwrap_or_default(), "TrainingJob")];
        r.status = json!({"ackResourceMetadata": {"arn": "arn:aws:sagemaker:x", "region": region, "ownerAccountID": "1"}});
        r
    }

    #[test]
    fn moving_an_existing_resource_to_another_region_is_refused_naming_the_annotation() {
        let moved = validated(|v| v["metadata"]["annotations"] = json!({ack::ANNOTATION_REGION: "eu-west-1"}));
        let err = check_update(&moved, &created_in("us-east-1")).expect_err("refused");
        let Error::Refused { field, message, hint, .. } = &err else { panic!("{err:?}") };
        assert_eq!(field.as_deref(), Some("metadata.annotations[\"services.k8s.aws/region\"]"));
        assert!(message.contains("exists in region us-east-1") && message.contains("eu-west-1"), "{message}");
        assert!(hint.as_deref().unwrap_or_default().contains("services.k8s.aws/region: us-east-1"), "{hint:?}");
        // the same region spelt out is fine, and so is none (it stays where it is)
        let same = validated(|v| v["metadata"]["annotations"] = json!({ack::ANNOTATION_REGION: "us-east-1"}));
        check_update(&same, &created_in("us-east-1")).expect("same region");
        check_update(&validated(|_| {}), &created_in("us-east-1")).expect("default region");
    }

    #[test]
    fn moving_an_existing_resource_to_another_account_is_refused_naming_the_annotation() {
        let moved = validated(|v| v["metadata"]["annotations"] = json!({ack::ANNOTATION_OWNER_ACCOUNT_ID: "222222222222"}));
        let mut existing = created_in("us-east-1");
        existing.status["ackResourceMetadata"]["ownerAccountID"] = json!("111111111111");
        let err = check_update(&moved, &existing).expect_err("refused");
        let Error::Refused { field, message, hint, .. } = &err else { panic!("{err:?}") };
        assert_eq!(field.as_deref(), Some("metadata.annotations[\"services.k8s.aws/owner-account-id\"]"));
        assert!(message.contains("exists in account 111111111111; the manifest asks for account 222222222222"), "{message}");
        assert!(hint.as_deref().unwrap_or_default().starts_with("a resource cannot move between accounts"), "{hint:?}");
    }

    #[test]
    fn every_field_that_cannot_change_is_named_not_only_the_first() {
        let edited = validated(|v| {
            v["spec"]["resourceConfig"]["instanceCount"] = json!(2);
            v["spec"]["stoppingCondition"]["maxRuntimeInSeconds"] = json!(60);
        });
        let err = check_update(&edited, &created_in("us-east-1")).expect_err("refused");
        let Error::Refused { field, message, .. } = &err else { panic!("{err:?}") };
        assert_eq!(field.as_deref(), Some("spec.resourceConfig.instanceCount"));
        assert!(
            message.starts_with("spec.resourceConfig.instanceCount, spec.stoppingCondition.maxRuntimeInSeconds cannot be changed"),
            "{message}"
        );
    }

    #[test]
    fn a_second_resource_naming_the_same_aws_resource_is_refused_naming_the_owner() {
        let mut owner = created_in("us-east-1");
        owner.metadata.namespace = "team-a".into();
        owner.metadata.name = "first".into();
        let v = validated(|_| {});
        let err = check_unique(&v, std::slice::from_ref(&owner), &here()).expect_err("refused");
        let Error::Refused { field, message, hint, .. } = &err else { panic!("{err:?}") };
        assert_eq!(field.as_deref(), Some("spec.trainingJobName"));
        assert_eq!(message, "TrainingJob team-a/first already manages the TrainingJob named j in account 1 region us-east-1");
        assert!(hint.as_deref().unwrap_or_default().contains("delete trainingjob team-a/first first"), "{hint:?}");
        // another region is another AWS resource
        let elsewhere = validated(|v| v["metadata"]["annotations"] = json!({ack::ANNOTATION_REGION: "eu-west-1"}));
        check_unique(&elsewhere, std::slice::from_ref(&owner), &here()).expect("other region");
        // re-applying the owner itself is no conflict
        let mut again = validated(|_| {});
        again.resource.metadata.namespace = "team-a".into();
        again.resource.metadata.name = "first".into();
        check_unique(&again, std::slice::from_ref(&owner), &here()).expect("same resource");
    }

    fn invalid_of(edit: impl FnOnce(&mut Value)) -> (Option<String>, String, Option<String>) {
        let mut v: Value = serde_json::from_str(JOB).expect("json");
        edit(&mut v);
        match validate("job.yaml (document 1)", &v.to_string(), "default").expect_err("invalid") {
            Error::Invalid { field, message, hint, .. } => (field, message, hint),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_field_error_names_the_field_once_and_hints_at_quoting_a_number_meant_as_a_string() {
        let (field, message, hint) = invalid_of(|v| v["spec"]["hyperParameters"] = json!({"max_depth": 5}));
        assert_eq!(field.as_deref(), Some("spec.hyperParameters[\"max_depth\"]"));
        assert_eq!(message, "expected string, found number");
        assert!(hint.as_deref().unwrap_or_default().starts_with("quote the value"), "{hint:?}");
        let (field, message, _) = invalid_of(|v| v["spec"]["resourceConfig"]["instanceCount"] = json!(-1));
        assert_eq!(field.as_deref(), Some("spec.resourceConfig.instanceCount"));
        assert_eq!(message, "-1 is not allowed: must be at least 0");
    }

    #[test]
    fn metadata_problems_name_the_field_without_serde_jargon() {
        let (field, message, _) = invalid_of(|v| v["metadata"]["name"] = Value::Null);
        assert_eq!((field.as_deref(), message.as_str()), (Some("metadata.name"), "metadata.name is missing"));
        let (_, message, _) = invalid_of(|v| v["metadata"] = Value::Null);
        assert_eq!(message, "metadata.name is missing");
        let (field, message, hint) = invalid_of(|v| v["metadata"]["labels"] = json!({"team": 7}));
        assert_eq!(field.as_deref(), Some("metadata.labels[\"team\"]"));
        assert_eq!(message, "metadata.labels[\"team\"] must be a string, not 7");
        assert_eq!(hint.as_deref(), Some("quote it: team: \"7\""));
    }

    #[test]
    fn what_the_server_sets_is_ignored_in_a_manifest_so_a_copied_uid_cannot_claim_ownership() {
        let v = validated(|v| {
            v["metadata"]["uid"] = json!("copied-uid");
            v["metadata"]["creationTimestamp"] = json!("2000-01-01T00:00:00Z");
            v["metadata"]["finalizers"] = json!(["x"]);
            v["metadata"]["managedFields"] = json!([{"manager": "someone"}]);
        });
        let m = &v.resource.metadata;
        assert_eq!((m.uid.as_deref(), m.creation_timestamp.as_deref()), (None, None));
        assert!(m.finalizers.is_empty() && !m.extra.contains_key("managedFields"));
    }

    #[test]
    fn tags_beyond_what_fits_beside_the_agents_own_are_refused() {
        let tags: Vec<Value> = (0..49).map(|i| json!({"key": format!("k{i}"), "value": "v"})).collect();
        let (field, message, hint) = invalid_of(|v| v["spec"]["tags"] = json!(tags));
        assert_eq!(field.as_deref(), Some("spec.tags"));
        assert_eq!(message, "spec.tags has 49 tags; at most 47 fit");
        assert!(hint.as_deref().unwrap_or_default().contains("the agent adds 3"), "{hint:?}");
    }

    #[test]
    fn a_resource_whose_creation_was_rejected_can_still_be_fixed() {
        let mut rejected = created_in("us-east-1");
        rejected.status = json!({"conditions": [{"type": ack::CONDITION_TERMINAL, "status": "True", "message": "ValidationException"}]});
        let fixed = validated(|v| v["spec"]["roleARN"] = json!("arn:aws:iam::111111111111:role/other"));
        check_update(&fixed, &rejected).expect("nothing reached AWS, so the spec may change");
    }

    #[test]
    fn a_job_left_unnamed_takes_its_metadata_name_and_stating_that_name_later_is_no_change() {
        let unnamed = validated(|v| {
            v["spec"].as_object_mut().expect("spec").remove("trainingJobName");
        });
        assert_eq!(unnamed.resource.spec.get("trainingJobName"), None, "the stored spec stays as written");
        let mut existing = created_in("us-east-1");
        existing.spec.as_object_mut().expect("spec").remove("trainingJobName");
        // stating the name it already has is no edit of an immutable field
        check_update(&validated(|_| {}), &existing).expect("the same name");
        let other = validated(|v| v["spec"]["trainingJobName"] = json!("k"));
        assert!(check_update(&other, &existing).is_err(), "another name is");
    }

    #[test]
    fn generate_name_gives_each_submission_a_fresh_name_and_a_bad_defaulted_name_is_named() {
        let generated = |_: ()| {
            validated(|v| {
                v["metadata"] = json!({ "generateName": "nightly-", "namespace": "default" });
                v["spec"].as_object_mut().expect("spec").remove("trainingJobName");
            })
            .resource
            .metadata
            .name
        };
        let (a, b) = (generated(()), generated(()));
        assert!(a.starts_with("nightly-") && a.len() == "nightly-".len() + 5, "{a}");
        assert_ne!(a, b, "each submission gets its own name");
        // a metadata.name that is no SageMaker name, with spec's name left out
        let mut v: Value = serde_json::from_str(JOB).expect("json");
        v["metadata"]["name"] = json!("has.dots");
        v["spec"].as_object_mut().expect("spec").remove("trainingJobName");
        let e = validate("job.yaml (document 1)", &v.to_string(), "default").expect_err("invalid").to_string();
        assert!(e.contains("metadata.name \"has.dots\" names the TrainingJob"), "{e}");
    }
}

