//! Model monitoring: the four job definitions (immutable) and the schedule
//! that runs them, which is never changed while one of its executions runs.

use sagemaker_core::kinds;
use serde_json::{Value, json};

use super::*;

const DEFINITION_NOT_FOUND: NotFound = NotFound { code: "ResourceNotFound", message: "Job definition {name} does not exist." };
const DEFINITION_EXISTS: AlreadyExists = AlreadyExists {
    code: "ResourceInUse",
    message: "Resource Already Exists: Job definition with name {name} already exists. Choose a different name.",
};

/// A job definition: created and deleted, never updated (any edit is
/// refused at apply: create a definition of another name instead).
macro_rules! job_definition {
    ($name:ident, $info:ident, $create:ident, $create_fn:ident, $describe:ident, $describe_fn:ident, $delete:ident, $delete_fn:ident, $list:ident, $list_fn:ident, $arn:literal) => {
        pub static $name: AwsKind = AwsKind {
            info: &kinds::$info,
            service: &SAGEMAKER,
            create: sagemaker_op!($create, $create_fn),
            describe: sagemaker_op!($describe, $describe_fn),
            describe_list: None,
            update: None,
            delete: Some(sagemaker_op!($delete, $delete_fn)),
            stop: None,
            list: Some(List {
                op: sagemaker_op!($list, $list_fn),
                items: "jobDefinitionSummaries",
                input: || json!({}),
                name_contains: Some("nameContains"),
                renamed: &[("MonitoringJobDefinitionName", "JobDefinitionName"), ("MonitoringJobDefinitionArn", "JobDefinitionArn")],
            }),
            arn_field: "jobDefinitionARN",
            status_fields: &["creationTime"],
            last_modified: None,
            not_found: DEFINITION_NOT_FOUND,
            already_exists: Some(DEFINITION_EXISTS),
            terminal_codes: JOB_TERMINAL_CODES,
            tags_field: Some("tags"),
            resync: STEADY,
            logs: None,
            children: None,
            find: None,
            client_token: None,
            gone: &[],
            hooks: NO_HOOKS,
            sim: SimLifecycle::exists(concat!("arn:aws:sagemaker:{region}:{account}:", $arn, "/{name}")),
        };
    };
}

job_definition!(
    DATA_QUALITY_JOB_DEFINITION,
    DATA_QUALITY_JOB_DEFINITION,
    CreateDataQualityJobDefinition,
    create_data_quality_job_definition,
    DescribeDataQualityJobDefinition,
    describe_data_quality_job_definition,
    DeleteDataQualityJobDefinition,
    delete_data_quality_job_definition,
    ListDataQualityJobDefinitions,
    list_data_quality_job_definitions,
    "data-quality-job-definition"
);
job_definition!(
    MODEL_BIAS_JOB_DEFINITION,
    MODEL_BIAS_JOB_DEFINITION,
    CreateModelBiasJobDefinition,
    create_model_bias_job_definition,
    DescribeModelBiasJobDefinition,
    describe_model_bias_job_definition,
    DeleteModelBiasJobDefinition,
    delete_model_bias_job_definition,
    ListModelBiasJobDefinitions,
    list_model_bias_job_definitions,
    "model-bias-job-definition"
);
job_definition!(
    MODEL_EXPLAINABILITY_JOB_DEFINITION,
    MODEL_EXPLAINABILITY_JOB_DEFINITION,
    CreateModelExplainabilityJobDefinition,
    create_model_explainability_job_definition,
    DescribeModelExplainabilityJobDefinition,
    describe_model_explainability_job_definition,
    DeleteModelExplainabilityJobDefinition,
    delete_model_explainability_job_definition,
    ListModelExplainabilityJobDefinitions,
    list_model_explainability_job_definitions,
    "model-explainability-job-definition"
);
job_definition!(
    MODEL_QUALITY_JOB_DEFINITION,
    MODEL_QUALITY_JOB_DEFINITION,
    CreateModelQualityJobDefinition,
    create_model_quality_job_definition,
    DescribeModelQualityJobDefinition,
    describe_model_quality_job_definition,
    DeleteModelQualityJobDefinition,
    delete_model_quality_job_definition,
    ListModelQualityJobDefinitions,
    list_model_quality_job_definitions,
    "model-quality-job-definition"
);

pub static MONITORING_SCHEDULE: AwsKind = AwsKind {
    info: &kinds::MONITORING_SCHEDULE,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateMonitoringSchedule, create_monitoring_schedule),
    describe: sagemaker_op!(DescribeMonitoringSchedule, describe_monitoring_schedule),
    describe_list: None,
    update: Some(Update {
        op: sagemaker_op!(UpdateMonitoringSchedule, update_monitoring_schedule),
        fields: &["monitoringScheduleConfig"],
        compare: &["monitoringScheduleConfig"],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(sagemaker_op!(DeleteMonitoringSchedule, delete_monitoring_schedule)),
    stop: None,
    list: Some(List {
        op: sagemaker_op!(ListMonitoringSchedules, list_monitoring_schedules),
        items: "monitoringScheduleSummaries",
        input: || json!({}),
        name_contains: Some("nameContains"),
        renamed: &[],
    }),
    arn_field: "monitoringScheduleARN",
    status_fields: &["monitoringScheduleStatus", "failureReason", "creationTime", "lastModifiedTime", "lastMonitoringExecutionSummary"],
    last_modified: None,
    not_found: NotFound { code: "ResourceNotFound", message: "Monitoring Schedule {arn} does not exist." },
    already_exists: Some(AlreadyExists {
        code: "ResourceInUse",
        message: "Resource Already Exists: Monitoring Schedule with name {name} already exists. Choose a different name.",
    }),
    terminal_codes: JOB_TERMINAL_CODES,
    tags_field: Some("tags"),
    // its executions come and go: looked at often enough to see them (ACK: 30 s)
    resync: Some(std::time::Duration::from_secs(60)),
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: Hooks { before_update: |cx| no_execution_running(cx.observed), before_delete: no_execution_running, ..NO_HOOKS },
    sim: SimLifecycle {
        arn: "arn:aws:sagemaker:{region}:{account}:monitoring-schedule/{name}",
        creating: &[("Pending", "")],
        settled: ("Scheduled", ""),
        failed: ("Failed", ""),
        updating: Some(("Pending", "Pending")),
        extras: crate::aws::sim::monitoring_schedule_extras,
        ..SimLifecycle::exists("")
    },
};

/// ACK's rule (§2.9): a schedule is neither updated nor deleted while it is
/// Pending or its last execution is still under way; the change waits.
fn no_execution_running(observed: &Value) -> Result<(), Hold> {
    let execution = observed.pointer("/lastMonitoringExecutionSummary/monitoringExecutionStatus").and_then(Value::as_str);
    match execution {
        Some(s @ ("Pending" | "InProgress" | "Stopping")) => Err(Hold::Wait(format!(
            "Monitoring Job in {s} state, MonitoringSchedule cannot be modified or deleted: waiting for the execution to end"
        ))),
        _ => Ok(()),
    }
}
