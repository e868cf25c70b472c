//! The AWS half of the kinds table: per kind, which operations to call, how its
//! spec and status map to the SDK shapes, and how its errors and statuses read.
//!
//! Everything kind-specific the reconcile engine needs is a field here; the
//! engine itself has no per-kind code. Spec and status conversions go through
//! the SDK's runtime schemas ([`sagemaker_schema`]), instantiated per SDK type.

use aws_sdk_sagemaker::operation::{
    create_training_job::{CreateTrainingJobInput, CreateTrainingJobOutput},
    describe_training_job::{DescribeTrainingJobInput, DescribeTrainingJobOutput},
    list_tags::{ListTagsInput, ListTagsOutput},
    stop_training_job::StopTrainingJobInput,
};
use aws_smithy_schema::serde::{SerdeError, SerializableStruct, ShapeDeserializer};
use sagemaker_core::{KindInfo, kinds};
use sagemaker_schema::{MappingError, Naming};
use serde_json::{Value, json};

use crate::aws::AwsError;

/// An SDK shape that can be read through a schema deserializer. The SDK
/// generates an inherent `deserialize` per type; this trait lets generic code
/// name it.
pub trait Shape: SerializableStruct + Sized {
    fn read(d: &mut dyn ShapeDeserializer) -> Result<Self, SerdeError>;
}

macro_rules! shapes {
    ($($t:ty),* $(,)?) => {$(
        impl Shape for $t {
            fn read(d: &mut dyn ShapeDeserializer) -> Result<Self, SerdeError> {
                <$t>::deserialize(d)
            }
        }
    )*};
}

shapes!(
    CreateTrainingJobInput,
    CreateTrainingJobOutput,
    DescribeTrainingJobInput,
    DescribeTrainingJobOutput,
    StopTrainingJobInput,
    ListTagsInput,
    ListTagsOutput,
);

/// Re-names a JSON document from one naming to another by reading it into the
/// SDK type `T` and writing it back: validation and renaming in one pass.
pub fn convert<T: Shape>(value: &Value, from: Naming, to: Naming) -> Result<Value, MappingError> {
    let typed = sagemaker_schema::from_json(value, from, T::read)?;
    sagemaker_schema::to_json(&typed, to)
}

/// A spec as the AWS input, enforcing the service model's constraints on the
/// way (what SageMaker would reject is rejected at apply, naming the field).
fn ack_to_aws<T: Shape>(value: &Value) -> Result<Value, MappingError> {
    let typed = sagemaker_schema::from_json_validated(value, Naming::Ack, T::read)?;
    sagemaker_schema::to_json(&typed, Naming::Aws)
}

fn aws_to_ack<T: Shape>(value: &Value) -> Result<Value, MappingError> {
    convert::<T>(value, Naming::Aws, Naming::Ack)
}

fn openapi<T: Shape>() -> Value {
    sagemaker_schema::openapi_schema(|d| T::read(d).map(|_| ()))
}

/// The OpenAPI of an input shape, with the service model's constraints.
fn openapi_validated<T: Shape>() -> Value {
    sagemaker_schema::openapi_schema_validated(|d| T::read(d).map(|_| ()))
}

/// How an AWS "not found" looks for a kind (it differs per API, §1.4).
#[derive(Debug, Clone, Copy)]
pub enum NotFound {
    /// An error code, e.g. `ResourceNotFound`.
    Code(&'static str),
    /// `ValidationException` whose message starts with this text.
    ValidationPrefix(&'static str),
}

impl NotFound {
    pub fn matches(&self, e: &AwsError) -> bool {
        match self {
            NotFound::Code(code) => e.code == *code,
            NotFound::ValidationPrefix(prefix) => {
                e.code == "ValidationException" && e.message.starts_with(prefix)
            }
        }
    }
}

/// Everything the engine needs to manage one kind in AWS.
pub struct AwsKind {
    pub info: &'static KindInfo,
    pub create_op: &'static str,
    pub describe_op: &'static str,
    /// Stop operation for jobs: deleting a running job stops it.
    pub stop_op: Option<&'static str>,
    /// ACK spec -> AWS create input, validated through the SDK input type.
    pub create_input: fn(&Value) -> Result<Value, MappingError>,
    /// AWS describe output -> the same output in ACK naming.
    pub describe_output: fn(&Value) -> Result<Value, MappingError>,
    /// AWS member carrying the resource name in describe/stop inputs.
    pub name_member: &'static str,
    /// ACK-named member of the describe output holding the lifecycle status.
    pub aws_status_field: &'static str,
    /// ACK-named member of the create/describe output holding the ARN.
    pub arn_field: &'static str,
    /// AWS member of the create output holding the ARN.
    pub create_arn_member: &'static str,
    /// ACK-named describe-output members copied into `status`, as ACK does.
    pub status_fields: &'static [&'static str],
    /// Statuses during which the resource is still changing (ACK's "modifying").
    pub modifying_statuses: &'static [&'static str],
    pub not_found: NotFound,
    /// AWS error codes that need a spec change to get past (`ACK.Terminal`).
    pub terminal_codes: &'static [&'static str],
    /// The create input's tag list member, where the agent adds its owner tag.
    pub tags_member: Option<&'static str>,
    /// The operation listing an AWS resource's tags by ARN (`{"ResourceArn"}`
    /// in, `{"Tags": [{"Key", "Value"}]}` out), to prove ownership after a crash.
    pub list_tags_op: Option<&'static str>,
    /// Spec fields that may change after creation; any other edit is refused at apply.
    pub updatable_fields: &'static [&'static str],
    /// OpenAPI schema of the spec (the create input) and of the describe output.
    pub spec_schema: fn() -> Value,
    pub describe_schema: fn() -> Value,
}

impl AwsKind {
    /// The describe/stop input for a resource name.
    pub fn name_input(&self, name: &str) -> Value {
        json!({ self.name_member: name })
    }
}

/// ACK's terminal codes for SageMaker jobs (`generator.yaml`).
const JOB_TERMINAL_CODES: &[&str] = &[
    "ResourceNotFound",
    "ResourceInUse",
    "InvalidParameterCombination",
    "InvalidParameterValue",
    "MissingParameter",
];

pub static TRAINING_JOB: AwsKind = AwsKind {
    info: &kinds::TRAINING_JOB,
    create_op: "CreateTrainingJob",
    describe_op: "DescribeTrainingJob",
    stop_op: Some("StopTrainingJob"),
    create_input: ack_to_aws::<CreateTrainingJobInput>,
    describe_output: aws_to_ack::<DescribeTrainingJobOutput>,
    name_member: "TrainingJobName",
    aws_status_field: "trainingJobStatus",
    arn_field: "trainingJobARN",
    create_arn_member: "TrainingJobArn",
    status_fields: &[
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
    ],
    modifying_statuses: &["InProgress", "Stopping"],
    not_found: NotFound::ValidationPrefix("Requested resource not found"),
    terminal_codes: JOB_TERMINAL_CODES,
    tags_member: Some("Tags"),
    list_tags_op: Some("ListTags"),
    // ACK allows only warm-pool and profiler updates (§2.1); UpdateTrainingJob
    // is not wired yet, so every edit after creation is refused up front.
    updatable_fields: &[],
    spec_schema: openapi_validated::<CreateTrainingJobInput>,
    describe_schema: openapi::<DescribeTrainingJobOutput>,
};

/// Every kind the agent manages.
pub static KINDS: &[&AwsKind] = &[&TRAINING_JOB];

/// The AWS table entry for a kind.
pub fn for_info(info: &KindInfo) -> Option<&'static AwsKind> {
    KINDS.iter().copied().find(|k| k.info == info)
}

impl std::fmt::Debug for AwsKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsKind").field("kind", &self.info.kind).finish_non_exhaustive()
    }
}

