//! Validation of manifests before anything is written: kind, names, spec
//! through the SDK's schemas, and the edits SageMaker cannot apply.

use sagemaker_core::{
    KindInfo, Resource, kinds,
    names::{check_kubernetes_name, check_sagemaker_name},
};
use serde_json::Value;

use crate::{
    error::{Error, Result},
    kinds::{AwsKind, for_info},
};

/// A manifest that passed validation.
#[derive(Debug)]
pub struct Validated {
    pub kind: &'static AwsKind,
    pub resource: Resource,
    pub source: String,
}

const TOP_LEVEL: &[&str] = &["apiVersion", "kind", "metadata", "spec", "status"];

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
    let mut resource: Resource = serde_json::from_value(value.clone())
        .map_err(|e| invalid(Some("metadata"), format!("metadata is malformed: {e}"), None))?;
    resource.status = Value::Null;
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
    validate_spec(source, info, kind, &resource.spec)?;
    Ok(Validated { kind, resource, source: source.to_string() })
}

fn validate_spec(source: &str, info: &KindInfo, kind: &AwsKind, spec: &Value) -> Result<()> {
    let invalid = |field: &str, msg: String, hint: Option<String>| Error::invalid(source, Some(field), msg, hint);
    let Some(obj) = spec.as_object() else {
        return Err(invalid("spec", "spec is missing or not an object".to_string(), None));
    };
    for required in info.required_fields {
        if obj.get(*required).is_none_or(Value::is_null) {
            return Err(invalid(
                &format!("spec.{required}"),
                format!("spec.{required} is required"),
                Some(format!("a {} needs {}", info.kind, info.required_fields.join(", "))),
            ));
        }
    }
    let id = info.identifier_field;
    if let Some(name) = obj.get(id) {
        let name = name.as_str().unwrap_or_default();
        check_sagemaker_name(name).map_err(|p| {
            invalid(&format!("spec.{id}"), format!("spec.{id} {name:?} is invalid: {p}"), Some("SageMaker names match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$".into()))
        })?;
    }
    (kind.create_input)(spec).map_err(|e| {
        let mut e = e.under("spec");
        // the hint travels on its own, so the plugin prints it once, as `hint:`
        let hint = e.hint.take();
        invalid(&e.path, e.to_string(), hint)
    })?;
    Ok(())
}

/// Refuses edits SageMaker cannot apply to an existing resource, naming the
/// first field that differs and what to do instead (ACK only turns Terminal later).
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
    let Some(path) = first_difference(&existing.spec, &v.resource.spec, "spec") else { return Ok(()) };
    let top = path.trim_start_matches("spec.").split(['.', '[']).next().unwrap_or_default();
    if v.kind.updatable_fields.contains(&top) {
        return Ok(());
    }
    let hint = if v.kind.updatable_fields.is_empty() {
        format!(
            "a {} cannot change after it is created; create a new one with a new metadata.name and {} (names are permanent in SageMaker)",
            info.kind, info.identifier_field
        )
    } else {
        format!("only {} can change after creation", v.kind.updatable_fields.join(", "))
    };
    Err(refused(path.clone(), format!("{path} cannot be changed on {} {}", info.kind, existing.key()), hint))
}

/// The path of the first difference between two JSON values.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            for k in keys {
                let (va, vb) = (x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null));
                if let Some(p) = first_difference(va, vb, &format!("{path}.{k}")) {
                    return Some(p);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (va, vb))| first_difference(va, vb, &format!("{path}[{i}]")))
        }
        _ if a == b => None,
        _ => Some(path.to_string()),
    }
}
