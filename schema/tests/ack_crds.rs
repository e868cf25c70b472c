//! Conformance with ACK's published CRDs: every field ACK puts under `spec`
//! (and the TrainingJob status fields) must exist, with the same name and
//! type, in the OpenAPI schema walked from the SDK's own shape, or for
//! Application Auto Scaling (whose SDK has no runtime schemas) from
//! botocore's service model.
//!
//! The CRDs are reference material outside the repository
//! (`../shared/reference/ack-crds` from the workspace root); the tests skip
//! with a note when that folder is missing.

use std::collections::BTreeMap;

use aws_smithy_schema::serde::{SerdeError, ShapeDeserializer};
use sagemaker_schema::{application_autoscaling, openapi_schema};
use serde_json::Value;

type Walk = fn(&mut dyn ShapeDeserializer) -> Result<(), SerdeError>;

/// Each SageMaker ACK kind and the SDK input its `spec` mirrors.
///
/// ScalableTarget and ScalingPolicy are in [`APPLICATION_AUTOSCALING_KINDS`]:
/// aws-sdk-applicationautoscaling 1.127.0, the newest release, is generated
/// without runtime schemas, so their shapes come from the service model.
fn kinds() -> Vec<(&'static str, Walk)> {
    use aws_sdk_sagemaker::operation as sm;
    vec![
        ("TrainingJob", |d| {
            sm::create_training_job::CreateTrainingJobInput::deserialize(d).map(drop)
        }),
        ("HyperParameterTuningJob", |d| {
            sm::create_hyper_parameter_tuning_job::CreateHyperParameterTuningJobInput::deserialize(d)
                .map(drop)
        }),
        ("TransformJob", |d| {
            sm::create_transform_job::CreateTransformJobInput::deserialize(d).map(drop)
        }),
        ("ProcessingJob", |d| {
            sm::create_processing_job::CreateProcessingJobInput::deserialize(d).map(drop)
        }),
        ("Model", |d| {
            sm::create_model::CreateModelInput::deserialize(d).map(drop)
        }),
        ("EndpointConfig", |d| {
            sm::create_endpoint_config::CreateEndpointConfigInput::deserialize(d).map(drop)
        }),
        ("Endpoint", |d| {
            sm::create_endpoint::CreateEndpointInput::deserialize(d).map(drop)
        }),
        ("DataQualityJobDefinition", |d| {
            sm::create_data_quality_job_definition::CreateDataQualityJobDefinitionInput::deserialize(d)
                .map(drop)
        }),
        ("ModelBiasJobDefinition", |d| {
            sm::create_model_bias_job_definition::CreateModelBiasJobDefinitionInput::deserialize(d).map(drop)
        }),
        ("ModelExplainabilityJobDefinition", |d| {
            sm::create_model_explainability_job_definition::CreateModelExplainabilityJobDefinitionInput::deserialize(d)
                .map(drop)
        }),
        ("ModelQualityJobDefinition", |d| {
            sm::create_model_quality_job_definition::CreateModelQualityJobDefinitionInput::deserialize(d)
                .map(drop)
        }),
        ("MonitoringSchedule", |d| {
            sm::create_monitoring_schedule::CreateMonitoringScheduleInput::deserialize(d).map(drop)
        }),
    ]
}

/// ACK's CRDs by kind, or `None` (with a note) when the reference folder is
/// not there.
fn ack_crds() -> Option<BTreeMap<String, Value>> {
    let dir = sagemaker_core::manifest_dir(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/ack-crds");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!(
            "note: {} not found; skipping the ACK CRD conformance check",
            dir.display()
        );
        return None;
    };
    let mut crds = BTreeMap::new();
    for entry in entries {
        let path = entry.expect("readable directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable CRD");
        let crd: Value = serde_yaml::from_str(&text).expect("CRD is YAML");
        let kind = crd["spec"]["names"]["kind"]
            .as_str()
            .expect("CRD names a kind")
            .to_string();
        crds.insert(kind, crd);
    }
    Some(crds)
}

fn root_schema(crd: &Value) -> &Value {
    &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
}

/// Every property path in an OpenAPI schema, with the node's `type` and
/// `format`: `a`, `a.b`, list items as `a[]`, map values as `a{}`.
fn typed_paths(schema: &Value, prefix: &str, out: &mut BTreeMap<String, String>) {
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            out.insert(path.clone(), type_of(property));
            typed_paths(property, &path, out);
        }
    }
    if schema["items"].is_object() {
        typed_paths(&schema["items"], &format!("{prefix}[]"), out);
    }
    if schema["additionalProperties"].is_object() {
        typed_paths(&schema["additionalProperties"], &format!("{prefix}{{}}"), out);
    }
}

/// `string`, `string/date-time`, `object`, `array of string`, `map of string`...
fn type_of(schema: &Value) -> String {
    let base = schema["type"].as_str().unwrap_or("any");
    match (base, schema["format"].as_str()) {
        ("array", _) => format!("array of {}", type_of(&schema["items"])),
        ("object", _) if schema["additionalProperties"].is_object() => {
            format!("map of {}", type_of(&schema["additionalProperties"]))
        }
        // ACK writes every AWS integer as int64 (and range-checks int32 in
        // code); our schema leaves integer formats out, so only the JSON
        // type is compared for integers.
        ("integer", _) => "integer".to_string(),
        (base, Some(format)) => format!("{base}/{format}"),
        (base, None) => base.to_string(),
    }
}

/// ACK adds `<field>Ref` next to fields it can resolve from another resource
/// (ScalableTarget `roleRef` for `roleARN`, a list `<field>Refs` for
/// `<field>IDs`); those are ACK's, not AWS's. They are recognised only next
/// to the field they resolve, so a `...Ref` AWS has would still be checked.
fn is_ack_reference(path: &str, ours: &BTreeMap<String, String>) -> bool {
    let first_ref = path
        .split('.')
        .scan(String::new(), |prefix, segment| {
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(segment);
            Some((prefix.clone(), segment.to_string()))
        })
        .find(|(_, segment)| segment.ends_with("Ref"));
    match first_ref {
        Some((ref_path, _)) => {
            let field = ref_path.strip_suffix("Ref").unwrap_or(&ref_path);
            let field = field.strip_suffix("Ref").unwrap_or(field);
            ["", "s", "ARN", "ARNs", "ID", "IDs", "Name", "Names"]
                .iter()
                .any(|suffix| ours.contains_key(&format!("{field}{suffix}")))
        }
        None => false,
    }
}

/// What one kind's CRD `spec` has that `ours` (an OpenAPI schema) lacks or
/// types differently, how many fields were checked, and the paths only
/// `ours` has.
struct SpecComparison {
    problems: Vec<String>,
    checked: usize,
    only_ours: Vec<String>,
}

fn compare_spec(crds: &BTreeMap<String, Value>, kind: &str, ours: &Value) -> SpecComparison {
    let crd = crds
        .get(kind)
        .unwrap_or_else(|| panic!("ACK CRD for {kind} is in the reference folder"));
    let mut theirs = BTreeMap::new();
    typed_paths(&root_schema(crd)["properties"]["spec"], "", &mut theirs);
    let mut our_paths = BTreeMap::new();
    typed_paths(ours, "", &mut our_paths);
    let mut comparison = SpecComparison {
        problems: Vec::new(),
        checked: 0,
        only_ours: our_paths
            .keys()
            .filter(|p| !theirs.contains_key(*p))
            .cloned()
            .collect(),
    };
    for (path, their_type) in &theirs {
        if is_ack_reference(path, &our_paths) {
            continue;
        }
        comparison.checked += 1;
        comparison
            .problems
            .extend(mismatch(&format!("{kind}: spec"), path, their_type, &our_paths));
    }
    comparison
}

/// How `ours` differs from ACK at `path` (under `root`, for the message):
/// the field is missing or has another type.
fn mismatch(root: &str, path: &str, their_type: &str, ours: &BTreeMap<String, String>) -> Option<String> {
    match ours.get(path) {
        None => Some(format!("{root}.{path} is missing")),
        Some(our_type) if our_type != their_type => {
            Some(format!("{root}.{path} is {our_type}, ACK has {their_type}"))
        }
        Some(_) => None,
    }
}

#[test]
fn every_spec_field_of_the_12_sagemaker_ack_crds_exists_with_the_same_name_and_type_in_the_sdk_input() {
    let Some(crds) = ack_crds() else { return };
    let mut problems = Vec::new();
    let mut checked = 0;
    for (kind, walk) in kinds() {
        let comparison = compare_spec(&crds, kind, &openapi_schema(walk));
        problems.extend(comparison.problems);
        checked += comparison.checked;
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(checked > 800, "checked only {checked} fields");
}

#[test]
fn training_job_status_fields_of_the_ack_crd_exist_in_describe_training_job_output() {
    let Some(crds) = ack_crds() else { return };
    use aws_sdk_sagemaker::operation::describe_training_job::DescribeTrainingJobOutput;
    let ours_schema = openapi_schema(|d| DescribeTrainingJobOutput::deserialize(d).map(drop));
    let mut ours = BTreeMap::new();
    typed_paths(&ours_schema, "", &mut ours);
    let mut theirs = BTreeMap::new();
    typed_paths(
        &root_schema(&crds["TrainingJob"])["properties"]["status"],
        "",
        &mut theirs,
    );

    let fields = [
        "trainingJobStatus",
        "secondaryStatus",
        "failureReason",
        "modelArtifacts",
        "debugRuleEvaluationStatuses",
        "profilerRuleEvaluationStatuses",
        "profilingStatus",
        "warmPoolStatus",
        "creationTime",
        "lastModifiedTime",
    ];
    let mut problems = Vec::new();
    for field in fields {
        assert!(theirs.contains_key(field), "ACK's TrainingJob status has {field}");
        let under_field = |path: &&String| {
            path.as_str() == field
                || path.starts_with(&format!("{field}."))
                || path.starts_with(&format!("{field}[]"))
        };
        for (path, their_type) in theirs.iter().filter(|(path, _)| under_field(path)) {
            problems.extend(mismatch("status", path, their_type, &ours));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each Application Auto Scaling ACK kind and the model shape its `spec`
/// mirrors.
const APPLICATION_AUTOSCALING_KINDS: &[(&str, &str)] = &[
    ("ScalableTarget", "RegisterScalableTargetRequest"),
    ("ScalingPolicy", "PutScalingPolicyRequest"),
];

#[test]
fn every_spec_field_of_the_application_autoscaling_ack_crds_exists_with_the_same_name_and_type_in_the_model_input()
 {
    let Some(crds) = ack_crds() else { return };
    let model = application_autoscaling();
    let mut problems = Vec::new();
    let mut only_ours = Vec::new();
    let mut checked = 0;
    for (kind, shape) in APPLICATION_AUTOSCALING_KINDS {
        let comparison = compare_spec(&crds, kind, &model.openapi_schema(shape, false));
        problems.extend(comparison.problems);
        checked += comparison.checked;
        only_ours.extend(
            comparison
                .only_ours
                .into_iter()
                .map(|p| format!("{kind}: spec.{p}")),
        );
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // all 44 of ACK's spec fields but ScalableTarget's roleRef, roleRef.from,
    // roleRef.from.name and roleRef.from.namespace (ACK's reference to an IAM
    // Role resource, resolved to roleARN)
    assert_eq!(checked, 40, "fields checked");
    // What AWS added after ACK generated these CRDs (ACK's are older than the
    // model): the API takes them, so the spec offers them.
    let added = [
        "ScalableTarget: spec.tags",
        "ScalableTarget: spec.tags{}",
        "ScalingPolicy: spec.predictiveScalingPolicyConfiguration",
    ];
    let unexpected: Vec<&String> = only_ours
        .iter()
        .filter(|p| {
            !added.contains(&p.as_str())
                && !p.starts_with("ScalingPolicy: spec.predictiveScalingPolicyConfiguration.")
                && !p.starts_with(
                    "ScalingPolicy: spec.targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.metrics",
                )
        })
        .collect();
    assert!(unexpected.is_empty(), "fields only the model has: {unexpected:?}");
}

#[test]
fn application_autoscaling_status_fields_of_the_ack_crds_exist_in_the_describe_output_items() {
    let Some(crds) = ack_crds() else { return };
    let model = application_autoscaling();
    // (kind, the Describe* output item its status comes from, status fields)
    // lastModifiedTime is ACK's own (AWS reports no such time).
    let kinds = [
        ("ScalableTarget", "ScalableTarget", &["creationTime"][..]),
        ("ScalingPolicy", "ScalingPolicy", &["alarms", "creationTime"][..]),
    ];
    let mut problems = Vec::new();
    for (kind, shape, fields) in kinds {
        let mut theirs = BTreeMap::new();
        typed_paths(&root_schema(&crds[kind])["properties"]["status"], "", &mut theirs);
        let mut ours = BTreeMap::new();
        typed_paths(&model.openapi_schema(shape, false), "", &mut ours);
        for field in fields {
            assert!(theirs.contains_key(*field), "ACK's {kind} status has {field}");
        }
        for (path, their_type) in &theirs {
            if fields
                .iter()
                .any(|f| path == f || path.starts_with(&format!("{f}[]")))
            {
                problems.extend(mismatch(&format!("{kind}: status"), path, their_type, &ours));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// This project's generated CRDs (`manifests/crds/`) by kind.
fn our_crds() -> BTreeMap<String, Value> {
    let dir = sagemaker_core::manifest_dir(env!("CARGO_MANIFEST_DIR")).join("../manifests/crds");
    let mut crds = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("manifests/crds exists") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("readable CRD");
        let crd: Value = serde_yaml::from_str(&text).expect("CRD is YAML");
        let kind = crd["spec"]["names"]["kind"].as_str().expect("kind").to_string();
        crds.insert(kind, crd);
    }
    crds
}

/// ACK's status fields that are ACK's own bookkeeping, not AWS's: a
/// NotebookInstance's `stoppedByControllerMetadata` (ACK's note that it
/// stopped the instance for an update; here an annotation says so).
const ACK_ONLY_STATUS: &[&str] = &["NotebookInstance: stoppedByControllerMetadata"];

#[test]
fn every_spec_and_status_field_of_all_28_ack_crds_exists_with_the_same_name_and_type_in_the_generated_crds() {
    let Some(theirs) = ack_crds() else { return };
    let ours = our_crds();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (kind, crd) in &theirs {
        let Some(our) = ours.get(kind) else {
            problems.push(format!("{kind}: no generated CRD"));
            continue;
        };
        let comparison = compare_spec(&theirs, kind, &root_schema(our)["properties"]["spec"]);
        problems.extend(comparison.problems);
        checked += comparison.checked;
        let mut their_status = BTreeMap::new();
        typed_paths(&root_schema(crd)["properties"]["status"], "", &mut their_status);
        let mut our_status = BTreeMap::new();
        typed_paths(&root_schema(our)["properties"]["status"], "", &mut our_status);
        for (path, their_type) in &their_status {
            let top = path.split(['.', '[']).next().unwrap_or_default();
            if ACK_ONLY_STATUS.contains(&format!("{kind}: {top}").as_str()) {
                continue;
            }
            checked += 1;
            problems.extend(mismatch(&format!("{kind}: status"), path, their_type, &our_status));
        }
        let names = |c: &Value| (c["spec"]["names"]["plural"].clone(), c["spec"]["group"].clone(), c["spec"]["scope"].clone());
        if names(crd) != names(our) {
            problems.push(format!("{kind}: plural, group or scope differ: {:?} vs {:?}", names(crd), names(our)));
        }
    }
    // the README's figure: `cargo test -p sagemaker-schema --test ack_crds -- --nocapture all_28`
    println!("compared {checked} spec and status fields of {} kinds: {} differences", theirs.len(), problems.len());
    assert_eq!(theirs.len(), 28, "ACK's CRDs in the reference folder");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    assert!(checked > 2000, "checked only {checked} fields");
}
