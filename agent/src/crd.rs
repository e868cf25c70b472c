//! CustomResourceDefinitions generated from the kinds table and the SDK's
//! schemas: the spec is the create input, the status is ACK's metadata and
//! conditions plus the kind's fields of the describe output. The results are
//! committed under `manifests/crds/` and checked for drift by a test.

use serde_json::{Map, Value, json};

use crate::kinds::{AwsKind, KINDS};

fn condition_schema() -> Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["status", "type"],
            "properties": {
                "lastTransitionTime": { "type": "string", "format": "date-time" },
                "message": { "type": "string" },
                "observedGeneration": { "type": "integer", "format": "int64" },
                "reason": { "type": "string" },
                "status": { "type": "string" },
                "type": { "type": "string" },
            },
        },
    })
}

/// The CRD of one kind, as JSON.
pub fn crd(kind: &AwsKind) -> Value {
    let info = kind.info;
    let mut spec = kind.spec_schema();
    // a job's name may be left to metadata.name (a superset of ACK's CRD)
    let required: Vec<&str> =
        info.required_fields.iter().copied().filter(|f| !(info.name_defaults && info.identifiers == [*f])).collect();
    spec["required"] = json!(required);
    let describe = kind.describe_schema();
    let mut status = Map::new();
    status.insert(
        "ackResourceMetadata".into(),
        json!({
            "type": "object",
            "required": ["ownerAccountID", "region"],
            "properties": {
                "arn": { "type": "string" },
                "ownerAccountID": { "type": "string" },
                "partition": { "type": "string" },
                "region": { "type": "string" },
            },
        }),
    );
    status.insert("conditions".into(), condition_schema());
    for field in kind.status_fields {
        if let Some(s) = describe["properties"].get(*field) {
            status.insert((*field).to_string(), s.clone());
        }
    }
    if let Some(field) = kind.last_modified {
        status.insert(field.to_string(), json!({ "type": "string", "format": "date-time" }));
    }
    let mut columns: Vec<Value> = info
        .printer_columns
        .iter()
        .map(|c| {
            let mut col = json!({ "name": c.name, "type": "string", "jsonPath": format!(".{}", c.path) });
            if c.wide {
                col["priority"] = json!(1);
            }
            col
        })
        .collect();
    // what ACK's CRDs lack and its users ask for (community#2194): sync state and age
    columns.push(json!({
        "name": "SYNCED", "type": "string",
        "jsonPath": ".status.conditions[?(@.type==\"ACK.ResourceSynced\")].status",
    }));
    columns.push(json!({ "name": "AGE", "type": "date", "jsonPath": ".metadata.creationTimestamp" }));
    definition(info, columns, spec, Value::Object(status))
}

/// A CRD with a status subresource: one version, its printer
/// columns, its spec and status schemas.
fn definition(info: &sagemaker_core::KindInfo, columns: Vec<Value>, spec: Value, status: Value) -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": { "name": format!("{}.{}", info.plural, info.group) },
        "spec": {
            "group": info.group,
            "names": {
                "kind": info.kind,
                "listKind": format!("{}List", info.kind),
                "plural": info.plural,
                "singular": info.singular,
                "shortNames": info.short_names,
            },
            "scope": if info.cluster_scoped { "Cluster" } else { "Namespaced" },
            "versions": [{
                "name": info.version,
                "served": true,
                "storage": true,
                "subresources": { "status": {} },
                "additionalPrinterColumns": columns,
                "schema": { "openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "apiVersion": { "type": "string" },
                        "kind": { "type": "string" },
                        "metadata": { "type": "object" },
                        "spec": spec,
                        "status": { "type": "object", "properties": status },
                    },
                }},
            }],
        },
    })
}

/// ACK's AdoptedResource, as its documentation shows it: `spec.aws`
/// (`nameOrID` or `arn`) names what to adopt, `spec.kubernetes` (`group`,
/// `kind`, `metadata`) the resource to adopt it as; `ACK.Adopted` says how it went.
pub fn adopted_resource() -> Value {
    let info = &sagemaker_core::kinds::ADOPTED_RESOURCE;
    let string = json!({ "type": "string" });
    let strings = json!({ "type": "object", "additionalProperties": string });
    let aws = json!({ "type": "object", "properties": { "nameOrID": string, "arn": string, "additionalKeys": strings } });
    let metadata = json!({ "type": "object", "properties": {
        "name": string, "namespace": string, "labels": strings, "annotations": strings } });
    let kubernetes = json!({ "type": "object", "required": ["group", "kind"], "properties": {
        "group": string, "kind": string, "metadata": metadata } });
    let spec = json!({ "type": "object", "required": info.required_fields, "properties": { "aws": aws, "kubernetes": kubernetes } });
    let columns = vec![
        json!({ "name": "ADOPTED", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"ACK.Adopted\")].status" }),
        json!({ "name": "AGE", "type": "date", "jsonPath": ".metadata.creationTimestamp" }),
    ];
    definition(info, columns, spec, json!({ "conditions": condition_schema() }))
}

/// ACK's IAMRoleSelector (cluster-scoped), with ACK's spec (`arn` and the
/// selectors; ACK's CEL rule fixing `arn` is left out so that API servers
/// without CEL accept the CRD: a changed `arn` never moves a resource to
/// another account, the engine refuses that) and a status ACK lacks: what it selects now
/// (`selectedCount`, the first `selectedResources`) and `conflicts` with
/// other selectors.
pub fn iam_role_selector() -> Value {
    let info = &sagemaker_core::kinds::IAM_ROLE_SELECTOR;
    let string = json!({ "type": "string" });
    let strings = json!({ "type": "array", "items": string });
    let match_labels = json!({ "type": "object", "properties": {
        "matchLabels": { "type": "object", "additionalProperties": string } } });
    let spec = json!({
        "type": "object",
        "required": info.required_fields,
        "properties": {
            "arn": string,
            "namespaceSelector": { "type": "object", "properties": { "names": strings, "labelSelector": match_labels } },
            "resourceTypeSelector": { "type": "array", "items": { "type": "object", "properties": {
                "group": string, "version": string, "kind": string } } },
            "resourceLabelSelector": match_labels,
        },
    });
    let reference = json!({ "type": "object", "properties": {
        "group": string, "kind": string, "namespace": string, "name": string, "selectors": strings } });
    let status = json!({
        "selectedCount": { "type": "integer" },
        "selectedResources": { "type": "array", "items": reference },
        "conflicts": { "type": "array", "items": reference },
        "conditions": condition_schema(),
    });
    let columns = vec![
        json!({ "name": "ARN", "type": "string", "jsonPath": ".spec.arn" }),
        json!({ "name": "SELECTED", "type": "integer", "jsonPath": ".status.selectedCount" }),
        json!({ "name": "READY", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status" }),
        json!({ "name": "AGE", "type": "date", "jsonPath": ".metadata.creationTimestamp" }),
    ];
    definition(info, columns, spec, status)
}

/// YAML that reads the same in YAML 1.1 (kubectl's and the API server's
/// parser) as in 1.2 (ours): a plain `Off`, `On`, `Yes`, `No`, `Y` or `N`
/// is a boolean in 1.1 (SageMaker's `trainingJobEarlyStoppingType` enum has
/// `Off`), so such scalars are quoted.
fn yaml11_safe(yaml: &str) -> String {
    const BOOLEANS: &[&str] = &["y", "yes", "n", "no", "on", "off"];
    yaml.lines()
        .map(|line| {
            let (head, value) = match line.rsplit_once(": ") {
                Some((h, v)) => (format!("{h}: "), v),
                None => match line.trim_start().strip_prefix("- ") {
                    Some(v) => (line[..line.len() - v.len()].to_string(), v),
                    None => return line.to_string(),
                },
            };
            if BOOLEANS.contains(&value.to_ascii_lowercase().as_str()) { format!("{head}'{value}'") } else { line.to_string() }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Every CRD as `(file name, YAML)`, in table order, then ACK's own kinds.
pub fn all() -> Vec<(String, String)> {
    let header = |yaml: String| format!("# Generated by `sagemaker-agent crds`; do not edit.\n{}", yaml11_safe(&yaml));
    let file = |info: &sagemaker_core::KindInfo, crd: Value| {
        (format!("{}_{}.yaml", info.group, info.plural), header(serde_yaml::to_string(&crd).unwrap_or_default()))
    };
    KINDS
        .iter()
        .map(|k| file(k.info, crd(k)))
        .chain([
            file(&sagemaker_core::kinds::ADOPTED_RESOURCE, adopted_resource()),
            file(&sagemaker_core::kinds::IAM_ROLE_SELECTOR, iam_role_selector()),
        ])
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn crds_in_manifests_match_the_sdk_schemas() {
        crate::generated::check("manifests/crds", super::all(), "cargo test -p sagemaker-agent crds");
    }

    #[test]
    fn yaml_11_booleans_are_quoted_so_kubectl_reads_strings() {
        let yaml = "enum:\n- Off\n- Auto\nx: On\ny: Online\n";
        assert_eq!(super::yaml11_safe(yaml), "enum:\n- 'Off'\n- Auto\nx: 'On'\ny: Online\n");
        let hpo = super::all().into_iter().find(|(f, _)| f.contains("hyperparametertuningjobs")).expect("hpo").1;
        assert!(hpo.contains("- 'Off'") && !hpo.contains("- Off\n"), "the early stopping enum is quoted");
    }

    #[test]
    fn the_training_job_crd_carries_ack_names_and_required_fields() {
        let crd = super::crd(&crate::kinds::TRAINING_JOB);
        let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"];
        assert!(schema["spec"]["properties"]["roleARN"].is_object());
        assert!(schema["spec"]["properties"]["resourceConfig"]["properties"]["volumeSizeInGB"].is_object());
        // the name may be left to metadata.name
        assert_eq!(schema["spec"]["required"][0], "roleARN");
        assert!(schema["status"]["properties"]["modelArtifacts"]["properties"]["s3ModelArtifacts"].is_object());
    }
}
