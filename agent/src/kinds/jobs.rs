//! The batch jobs besides training: tuning, transform, processing and
//! labeling. Each stops on delete while it runs and keeps its record in AWS.

use sagemaker_core::kinds;
use serde_json::json;

use super::*;

pub static HYPER_PARAMETER_TUNING_JOB: AwsKind = AwsKind {
    info: &kinds::HYPER_PARAMETER_TUNING_JOB,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateHyperParameterTuningJob, create_hyper_parameter_tuning_job),
    describe: sagemaker_op!(DescribeHyperParameterTuningJob, describe_hyper_parameter_tuning_job),
    describe_list: None,
    update: None,
    delete: None,
    stop: Some(sagemaker_op!(StopHyperParameterTuningJob, stop_hyper_parameter_tuning_job)),
    list: Some(List {
        op: sagemaker_op!(ListHyperParameterTuningJobs, list_hyper_parameter_tuning_jobs),
        items: "hyperParameterTuningJobSummaries",
        input: || json!({}),
        name_contains: Some("nameContains"),
        renamed: &[],
    }),
    arn_field: "hyperParameterTuningJobARN",
    status_fields: &[
        "hyperParameterTuningJobStatus",
        "failureReason",
        "bestTrainingJob",
        "overallBestTrainingJob",
        "trainingJobStatusCounters",
        "objectiveStatusCounters",
        "creationTime",
        "lastModifiedTime",
        "hyperParameterTuningEndTime",
    ],
    last_modified: None,
    not_found: NotFound { code: "ResourceNotFound", message: "Amazon SageMaker can't find a tuning job with name {name}" },
    already_exists: Some(AlreadyExists {
        code: "ResourceInUse",
        message: "Resource Already Exists: Hyper Parameter Tuning Job with name {name} already exists. Choose a different name.",
    }),
    terminal_codes: JOB_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: None,
    // the training jobs it runs are named `<tuning job>-<n>-<id>`
    logs: Some(Logs { group: "/aws/sagemaker/TrainingJobs", streams: "{name}-" }),
    children: Some(Children {
        title: "Training Jobs",
        op: sagemaker_op!(ListTrainingJobsForHyperParameterTuningJob, list_training_jobs_for_hyper_parameter_tuning_job),
        input: |id| json!({ "hyperParameterTuningJobName": id["hyperParameterTuningJobName"], "maxResults": 100 }),
        items: "trainingJobSummaries",
        columns: &[
            ("NAME", "trainingJobName"),
            ("STATUS", "trainingJobStatus"),
            ("OBJECTIVE", "finalHyperParameterTuningJobObjectiveMetric.value"),
            ("OBJECTIVE-STATUS", "objectiveStatus"),
        ],
    }),
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: SimLifecycle {
        arn: "arn:aws:sagemaker:{region}:{account}:hyper-parameter-tuning-job/{name}",
        creating: &[("InProgress", ""), ("InProgress", ""), ("InProgress", ""), ("InProgress", ""), ("InProgress", "")],
        settled: ("Completed", ""),
        failed: ("Failed", ""),
        stopping: Some("Stopping"),
        fail_paths: &["trainingJobDefinition.environment.SIM_FAIL_REASON"],
        extras: crate::aws::sim::tuning_job_extras,
        logs: crate::aws::sim::tuning_job_logs,
        children: crate::aws::sim::tuning_job_children,
        ..SimLifecycle::exists("")
    },
};

/// A batch job's lifecycle in the simulator: three steps running, then done.
const fn batch_job(arn: &'static str) -> SimLifecycle {
    SimLifecycle {
        arn,
        creating: &[("InProgress", ""), ("InProgress", ""), ("InProgress", "")],
        settled: ("Completed", ""),
        failed: ("Failed", ""),
        stopping: Some("Stopping"),
        fail_paths: &["environment.SIM_FAIL_REASON"],
        logs: crate::aws::sim::batch_job_logs,
        ..SimLifecycle::exists(arn)
    }
}

/// What SageMaker answers for a transform or processing job it does not
/// know, and for a second one of the same name.
const JOB_NOT_FOUND: NotFound = NotFound { code: "ValidationException", message: "Could not find requested job with name {name}" };
const JOB_EXISTS: AlreadyExists = AlreadyExists {
    code: "ResourceInUse",
    message: "Job name must be unique within an AWS account and region, and a job with this name already exists ({arn})",
};

pub static TRANSFORM_JOB: AwsKind = AwsKind {
    info: &kinds::TRANSFORM_JOB,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateTransformJob, create_transform_job),
    describe: sagemaker_op!(DescribeTransformJob, describe_transform_job),
    describe_list: None,
    update: None,
    delete: None,
    stop: Some(sagemaker_op!(StopTransformJob, stop_transform_job)),
    list: Some(List {
        op: sagemaker_op!(ListTransformJobs, list_transform_jobs),
        items: "transformJobSummaries",
        input: || json!({}),
        name_contains: Some("nameContains"),
        renamed: &[],
    }),
    arn_field: "transformJobARN",
    status_fields: &["transformJobStatus", "failureReason", "creationTime", "transformStartTime", "transformEndTime"],
    last_modified: None,
    not_found: JOB_NOT_FOUND,
    already_exists: Some(JOB_EXISTS),
    terminal_codes: JOB_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: None,
    logs: Some(Logs { group: "/aws/sagemaker/TransformJobs", streams: "{name}/" }),
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: batch_job("arn:aws:sagemaker:{region}:{account}:transform-job/{name}"),
};

pub static PROCESSING_JOB: AwsKind = AwsKind {
    info: &kinds::PROCESSING_JOB,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateProcessingJob, create_processing_job),
    describe: sagemaker_op!(DescribeProcessingJob, describe_processing_job),
    describe_list: None,
    update: None,
    delete: None,
    stop: Some(sagemaker_op!(StopProcessingJob, stop_processing_job)),
    list: Some(List {
        op: sagemaker_op!(ListProcessingJobs, list_processing_jobs),
        items: "processingJobSummaries",
        input: || json!({}),
        name_contains: Some("nameContains"),
        renamed: &[],
    }),
    arn_field: "processingJobARN",
    status_fields: &["processingJobStatus", "failureReason", "exitMessage", "creationTime", "processingStartTime", "processingEndTime"],
    last_modified: None,
    not_found: JOB_NOT_FOUND,
    already_exists: Some(JOB_EXISTS),
    terminal_codes: JOB_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: None,
    logs: Some(Logs { group: "/aws/sagemaker/ProcessingJobs", streams: "{name}/" }),
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: batch_job("arn:aws:sagemaker:{region}:{account}:processing-job/{name}"),
};

pub static LABELING_JOB: AwsKind = AwsKind {
    info: &kinds::LABELING_JOB,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateLabelingJob, create_labeling_job),
    describe: sagemaker_op!(DescribeLabelingJob, describe_labeling_job),
    describe_list: None,
    update: None,
    delete: None,
    stop: Some(sagemaker_op!(StopLabelingJob, stop_labeling_job)),
    list: Some(List {
        op: sagemaker_op!(ListLabelingJobs, list_labeling_jobs),
        items: "labelingJobSummaryList",
        input: || json!({}),
        name_contains: Some("nameContains"),
        renamed: &[],
    }),
    arn_field: "labelingJobARN",
    status_fields: &[
        "labelingJobStatus",
        "failureReason",
        "labelCounters",
        "labelingJobOutput",
        "jobReferenceCode",
        "creationTime",
        "lastModifiedTime",
    ],
    last_modified: None,
    not_found: NotFound { code: "ValidationException", message: "Could not find labeling job \"{arn}\"." },
    already_exists: Some(JOB_EXISTS),
    terminal_codes: JOB_TERMINAL_CODES,
    tags_field: Some("tags"),
    // Initializing is a change like any other: polled, never left for the
    // resync period (ACK's ten-hour wait)
    resync: None,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: SimLifecycle {
        arn: "arn:aws:sagemaker:{region}:{account}:labeling-job/{name}",
        creating: &[("Initializing", ""), ("InProgress", ""), ("InProgress", "")],
        settled: ("Completed", ""),
        failed: ("Failed", ""),
        stopping: Some("Stopping"),
        extras: crate::aws::sim::labeling_job_extras,
        ..SimLifecycle::exists("")
    },
};
