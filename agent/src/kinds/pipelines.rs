//! Pipelines and their executions. A pipeline's definition is a JSON
//! document in a string: compared as a document, never as text. An
//! execution is named by the ARN AWS gives it; its start carries the
//! resource's uid as client token, so a lost status never starts it twice.

use sagemaker_core::kinds;
use serde_json::json;

use super::*;

pub static PIPELINE: AwsKind = AwsKind {
    info: &kinds::PIPELINE,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreatePipeline, create_pipeline),
    describe: sagemaker_op!(DescribePipeline, describe_pipeline),
    describe_list: None,
    update: Some(Update {
        op: sagemaker_op!(UpdatePipeline, update_pipeline),
        fields: &["pipelineDefinition", "pipelineDescription", "pipelineDisplayName", "roleARN", "parallelismConfiguration"],
        compare: &["pipelineDefinition", "pipelineDescription", "pipelineDisplayName", "roleARN", "parallelismConfiguration"],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(sagemaker_op!(DeletePipeline, delete_pipeline)),
    stop: None,
    list: Some(List {
        op: sagemaker_op!(ListPipelines, list_pipelines),
        items: "pipelineSummaries",
        input: || json!({}),
        name_contains: Some("pipelineNamePrefix"),
        renamed: &[],
    }),
    arn_field: "pipelineARN",
    status_fields: &["pipelineStatus", "creationTime", "lastModifiedTime"],
    last_modified: None,
    not_found: NotFound { code: "ResourceNotFound", message: "Pipeline '{arn}' does not exist." },
    already_exists: Some(AlreadyExists {
        code: "ResourceInUse",
        message: "Pipeline names must be unique within an AWS account and region. Pipeline with name ({name}) already exists.",
    }),
    terminal_codes: &["InvalidParameterCombination", "InvalidParameterValue", "MissingParameter", "ResourceNotFound"],
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: Some("clientRequestToken"),
    gone: &[],
    hooks: NO_HOOKS,
    sim: SimLifecycle {
        settled: ("Active", ""),
        deleting: Some("Deleting"),
        ..SimLifecycle::exists("arn:aws:sagemaker:{region}:{account}:pipeline/{name}")
    },
};

pub static PIPELINE_EXECUTION: AwsKind = AwsKind {
    info: &kinds::PIPELINE_EXECUTION,
    service: &SAGEMAKER,
    create: sagemaker_op!(StartPipelineExecution, start_pipeline_execution),
    describe: sagemaker_op!(DescribePipelineExecution, describe_pipeline_execution),
    describe_list: None,
    update: Some(Update {
        op: sagemaker_op!(UpdatePipelineExecution, update_pipeline_execution),
        fields: &["pipelineExecutionDescription", "pipelineExecutionDisplayName", "parallelismConfiguration"],
        compare: &["pipelineExecutionDescription", "pipelineExecutionDisplayName", "parallelismConfiguration"],
        allowed_in: Some(&["Executing", "Succeeded", "Failed", "Stopped"]),
        restart: None,
        cleared: &[],
    }),
    delete: None,
    stop: Some(sagemaker_op!(StopPipelineExecution, stop_pipeline_execution)),
    list: None,
    arn_field: "pipelineExecutionARN",
    status_fields: &["pipelineExecutionStatus", "failureReason", "creationTime", "lastModifiedTime"],
    last_modified: None,
    not_found: NotFound { code: "ResourceNotFound", message: "Pipeline execution '{arn}' does not exist" },
    already_exists: None,
    terminal_codes: &["InvalidParameterCombination", "InvalidParameterValue", "MissingParameter", "ResourceNotFound"],
    // executions take no tags
    tags_field: None,
    resync: None,
    logs: None,
    children: None,
    find: None,
    client_token: Some("clientRequestToken"),
    gone: &[],
    hooks: NO_HOOKS,
    sim: SimLifecycle {
        creating: &[("Executing", ""), ("Executing", ""), ("Executing", "")],
        settled: ("Succeeded", ""),
        failed: ("Failed", ""),
        stopping: Some("Stopping"),
        fail_paths: &["pipelineParameters[SIM_FAIL_REASON]"],
        assigned_arn: Some("arn:aws:sagemaker:{region}:{account}:pipeline/{pipelineName}/execution/{new}"),
        ..SimLifecycle::exists("{pipelineExecutionARN}")
    },
};
