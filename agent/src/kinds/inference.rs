//! Inference components: a model's share of an endpoint's instances, with
//! the endpoint's failed-update guard.

use sagemaker_core::kinds;
use serde_json::{Value, json};

use super::*;

/// ACK's annotation holding the spec an update last sent, so a failed
/// update is never retried with the same spec.
pub const LAST_SPEC_FOR_UPDATE: &str = "sagemaker.services.k8s.aws/last-spec-for-update";

pub static INFERENCE_COMPONENT: AwsKind = AwsKind {
    info: &kinds::INFERENCE_COMPONENT,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateInferenceComponent, create_inference_component),
    describe: sagemaker_op!(DescribeInferenceComponent, describe_inference_component),
    describe_list: None,
    update: Some(Update {
        op: sagemaker_op!(UpdateInferenceComponent, update_inference_component),
        fields: &["specification", "runtimeConfig"],
        compare: &["specification", "runtimeConfig"],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(sagemaker_op!(DeleteInferenceComponent, delete_inference_component)),
    stop: None,
    list: Some(List {
        op: sagemaker_op!(ListInferenceComponents, list_inference_components),
        items: "inferenceComponents",
        input: || json!({}),
        name_contains: Some("nameContains"),
        renamed: &[],
    }),
    arn_field: "inferenceComponentARN",
    status_fields: &[
        "inferenceComponentStatus",
        "failureReason",
        "creationTime",
        "lastModifiedTime",
        "endpointName",
        "variantName",
        "runtimeConfig",
    ],
    last_modified: None,
    not_found: NotFound { code: "ValidationException", message: "Could not find inference component \"{arn}\"." },
    already_exists: Some(AlreadyExists { code: "ValidationException", message: "Cannot create already existing inference component \"{arn}\"." }),
    terminal_codes: HOSTING_TERMINAL_CODES,
    tags_field: Some("tags"),
    // ACK: 30 s; copies scale with the endpoint's traffic
    resync: Some(std::time::Duration::from_secs(120)),
    logs: Some(Logs { group: "/aws/sagemaker/InferenceComponents/{name}", streams: "" }),
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: Hooks {
        // the spec's copy count is what AWS calls the desired one
        observed_as_spec: |observed| {
            if let Some(copies) = observed.pointer("/runtimeConfig/desiredCopyCount").cloned() {
                observed["runtimeConfig"]["copyCount"] = copies;
            }
            // describe reports a container's image as the one it was given
            // (and the digest it resolved to): the spec's image is the former
            if let Some(image) = observed.pointer("/specification/container/deployedImage/specifiedImage").cloned() {
                observed["specification"]["container"]["image"] = image;
            }
        },
        before_update: update_guard,
        after_update: |cx| vec![(LAST_SPEC_FOR_UPDATE, sent(cx.input))],
        ..NO_HOOKS
    },
    sim: SimLifecycle {
        creating: &[("Creating", "")],
        settled: ("InService", ""),
        failed: ("Failed", ""),
        updating: Some(("Updating", "Updating")),
        deleting: Some("Deleting"),
        fail_paths: &["specification.container.environment.SIM_FAIL_REASON"],
        extras: crate::aws::sim::inference_component_extras,
        ..SimLifecycle::exists("arn:aws:sagemaker:{region}:{account}:inference-component/{name}")
    },
};

/// What an update sends, as the annotation records it.
fn sent(input: &Value) -> String {
    json!({ "specification": input.get("specification"), "runtimeConfig": input.get("runtimeConfig") }).to_string()
}

/// Endpoint's guard (§2.7) for inference components: a failed update rolls
/// back with a FailureReason, and the same spec is not sent again.
fn update_guard(cx: &UpdateContext<'_>) -> Result<(), Hold> {
    let status = cx.observed.get("inferenceComponentStatus").and_then(Value::as_str).unwrap_or_default();
    let failure = cx.observed.get("failureReason").and_then(Value::as_str);
    if status == "Failed" {
        return Err(Hold::Terminal(format!(
            "unable to update the inference component: it is Failed ({}); delete it and create it again",
            failure.unwrap_or_default()
        )));
    }
    if let Some(reason) = failure
        && cx.resource.annotation(LAST_SPEC_FOR_UPDATE) == Some(sent(cx.input).as_str())
    {
        return Err(Hold::Terminal(format!(
            "the last update of this spec failed and was rolled back ({reason}): fix the cause and change the spec"
        )));
    }
    Ok(())
}
