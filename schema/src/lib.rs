//! Kubernetes JSON to and from AWS SDK shapes, through the SDK's own runtime
//! schemas.
//!
//! Custom resources compatible with the ACK SageMaker controller carry the AWS
//! Create* input shapes in their `spec`, renamed to ACK's lowerCamel names
//! (`roleARN`, `s3URI`, `volumeSizeInGB`, `type_`), and parts of Describe*
//! outputs in their `status`. Every shape in the current AWS Rust SDK has a
//! runtime schema, a generated `deserialize(&mut dyn ShapeDeserializer)` and
//! an `impl SerializableStruct`. This crate supplies one deserializer over
//! `serde_json::Value` and one serializer to it, so every SDK type maps to and
//! from JSON without a hand-written line per field:
//!
//! ```
//! use aws_sdk_sagemaker::operation::create_training_job::CreateTrainingJobInput;
//! use sagemaker_schema::{Naming, from_json, to_json};
//!
//! let spec = serde_json::json!({
//!     "trainingJobName": "xgboost",
//!     "roleARN": "arn:aws:iam::123456789012:role/sagemaker",
//!     "resourceConfig": {"instanceType": "ml.m5.large", "instanceCount": 1, "volumeSizeInGB": 5},
//!     "hyperParameters": {"max_depth": "5"}
//! });
//! let input = from_json(&spec, Naming::Ack, CreateTrainingJobInput::deserialize)?;
//! assert_eq!(input.resource_config().and_then(|r| r.volume_size_in_gb()), Some(5));
//! assert_eq!(to_json(&input, Naming::Ack)?, spec);
//! assert_eq!(to_json(&input, Naming::Aws)?["RoleArn"], spec["roleARN"]);
//! # Ok::<(), sagemaker_schema::MappingError>(())
//! ```
//!
//! The same schemas give the CRD's OpenAPI schema ([`openapi_schema`]).
//! Only public `aws-smithy-schema` traits are used, so the crate is generic
//! over any SDK shape and does not depend on a service crate. It needs a
//! service crate generated with runtime schemas: aws-sdk-sagemaker 1.248 is;
//! aws-sdk-applicationautoscaling 1.127 (the newest at the time of writing)
//! is not, so its types have no `deserialize` to pass here. Its shapes come
//! from botocore's service model instead ([`ServiceModel`],
//! [`application_autoscaling`]), through the same deserializer, serializer
//! and schema walk:
//!
//! ```
//! use sagemaker_schema::{Naming, application_autoscaling};
//!
//! let spec = serde_json::json!({
//!     "serviceNamespace": "sagemaker",
//!     "resourceID": "endpoint/xgboost/variant/AllTraffic",
//!     "scalableDimension": "sagemaker:variant:DesiredInstanceCount",
//!     "minCapacity": 1,
//!     "maxCapacity": 20
//! });
//! let aas = application_autoscaling();
//! let request = aas.to_json("RegisterScalableTargetRequest", &spec, Naming::Ack, Naming::Aws, true)?;
//! assert_eq!(request["ResourceId"], spec["resourceID"]);
//! # Ok::<(), sagemaker_schema::MappingError>(())
//! ```

pub mod constraints;
mod de;
mod error;
mod model;
mod names;
mod path;
mod ser;
mod walk;

use aws_smithy_schema::serde::{SerdeError, SerializableStruct, ShapeDeserializer};
use serde_json::Value;

pub use error::{ConstraintError, MappingError, MappingErrorKind};
pub use model::{Operation, ServiceModel, application_autoscaling};
pub use names::ack_name;

/// Which JSON field names (and timestamp encoding) to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    /// ACK's Kubernetes names: lowerCamel with initialisms (`roleARN`,
    /// `s3URI`, `kmsKeyID`, `volumeSizeInGB`, `modelDataURL`,
    /// `securityGroupIDs`, `type_` for a member named `Type`); timestamps as
    /// RFC 3339 strings.
    Ack,
    /// The AWS JSON wire names (member names exactly as in the schema, e.g.
    /// `RoleArn`); timestamps as epoch seconds (a number); blobs in base64.
    Aws,
}

/// Deserializes a typed SDK value from JSON.
///
/// `read` is the type's generated deserializer:
/// `from_json(&spec, Naming::Ack, CreateTrainingJobInput::deserialize)`.
///
/// Every JSON key must be a member of its structure (an unknown field is an
/// error, never dropped); JSON `null` for a member means "absent"; map keys
/// (`hyperParameters`, `environment`) are data and are left untouched;
/// integers are range-checked against their member type (int32 for most
/// AWS integers); a union takes exactly one member; documents pass through.
pub fn from_json<T>(
    value: &Value,
    naming: Naming,
    read: impl FnOnce(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>,
) -> Result<T, MappingError> {
    read_json(value, de::Context::new(naming), read)
}

/// Like [`from_json`], and also enforces what the service model states about
/// every value: enums, numeric ranges, string lengths, item counts and
/// patterns ([`constraints`]), so an input SageMaker would reject is
/// rejected here first, naming the field. For inputs only: AWS's answers may
/// carry values newer than the model.
pub fn from_json_validated<T>(
    value: &Value,
    naming: Naming,
    read: impl FnOnce(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>,
) -> Result<T, MappingError> {
    let mut cx = de::Context::new(naming);
    cx.validate = true;
    read_json(value, cx, read)
}

pub(crate) fn read_json<T>(
    value: &Value,
    cx: de::Context,
    read: impl FnOnce(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>,
) -> Result<T, MappingError> {
    let mut deserializer = de::ValueDeserializer {
        value,
        path: String::new(),
        cx: &cx,
    };
    let result = read(&mut deserializer);
    // Generated code propagates every error, so a recorded error and `Err`
    // go together; checking the record first also keeps its location.
    if let Some(error) = cx.take_error() {
        return Err(error);
    }
    result.map_err(|error| MappingError::new("", MappingErrorKind::Other(error.to_string())))
}

/// Serializes any SDK structure (an operation input or output, or a nested
/// type) to a JSON object in the given naming. Absent members are omitted;
/// map entries are sorted by key so the output is stable.
pub fn to_json(value: &dyn SerializableStruct, naming: Naming) -> Result<Value, MappingError> {
    let cx = de::Context::new(naming);
    let result = ser::ValueSerializer::new(&cx).object(value);
    if let Some(error) = cx.take_error() {
        return Err(error);
    }
    result.map_err(|error| MappingError::new("", MappingErrorKind::Other(error.to_string())))
}

/// A Kubernetes structural OpenAPI v3 schema (ACK names) for a shape.
///
/// `read` walks the shape through its generated deserializer:
/// `openapi_schema(|d| CreateTrainingJobInput::deserialize(d).map(|_| ()))`.
///
/// Structures become `{type: object, properties}` (members in schema order),
/// lists `{type: array, items}`, maps `{type: object, additionalProperties}`,
/// strings, enums and blobs `string`, integer types `integer`, floating and
/// decimal types `number`, booleans `boolean`, timestamps
/// `{type: string, format: date-time}`, documents
/// `{x-kubernetes-preserve-unknown-fields: true}`. A structure that contains
/// itself becomes `{type: object, x-kubernetes-preserve-unknown-fields: true}`
/// where it recurs.
pub fn openapi_schema(read: impl FnOnce(&mut dyn ShapeDeserializer) -> Result<(), SerdeError>) -> Value {
    walk::openapi(&walk::walk(read), false)
}

/// [`openapi_schema`] plus the service model's constraints ([`constraints`]:
/// `enum`, `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/`maxItems`,
/// `pattern`), for input shapes (a CRD's spec), so the API server itself
/// refuses what SageMaker would.
pub fn openapi_schema_validated(read: impl FnOnce(&mut dyn ShapeDeserializer) -> Result<(), SerdeError>) -> Value {
    walk::openapi(&walk::walk(read), true)
}

/// Every member path of a shape in ACK names, in schema order, from the same
/// walk as [`openapi_schema`]: `resourceConfig`, `resourceConfig.instanceCount`,
/// list items as `inputDataConfig[].channelName`, map values as `name{}`.
/// Handy for tests and for "did you mean" hints.
pub fn member_paths(read: impl FnOnce(&mut dyn ShapeDeserializer) -> Result<(), SerdeError>) -> Vec<String> {
    let mut out = Vec::new();
    walk::paths(&walk::walk(read), "", &mut out);
    out
}
