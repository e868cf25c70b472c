//! Every member of the SDK input behind each SageMaker kind, and of the
//! Describe outputs its status comes from, survives ACK JSON -> SDK type ->
//! ACK JSON and ACK -> SDK -> AWS JSON -> SDK -> ACK without loss.

mod common;

use std::fmt::Debug;

use aws_sdk_sagemaker::operation as sm;
use aws_smithy_schema::serde::{SerdeError, SerializableStruct, ShapeDeserializer};
use sagemaker_schema::{Naming, from_json, member_paths, to_json};

fn round_trips_every_member<T>(name: &str, read: fn(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>)
where
    T: SerializableStruct + PartialEq + Debug,
{
    let (value, left_out) = common::every_member_value(read);
    let members = member_paths(|d| read(d).map(drop));
    common::assert_covers(&value, &members, &left_out);

    let typed = from_json(&value, Naming::Ack, read).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        to_json(&typed, Naming::Ack).expect("serializes"),
        value,
        "{name}: ACK round trip"
    );

    let aws = to_json(&typed, Naming::Aws).expect("serializes to AWS naming");
    let again = from_json(&aws, Naming::Aws, read).unwrap_or_else(|e| panic!("{name} (AWS naming): {e}"));
    assert_eq!(again, typed, "{name}: AWS round trip");
    assert_eq!(
        to_json(&again, Naming::Ack).expect("serializes"),
        value,
        "{name}: ACK after AWS"
    );
}

#[test]
fn every_member_of_every_sagemaker_create_input_round_trips_in_both_namings() {
    round_trips_every_member(
        "CreateTrainingJobInput",
        sm::create_training_job::CreateTrainingJobInput::deserialize,
    );
    round_trips_every_member(
        "CreateHyperParameterTuningJobInput",
        sm::create_hyper_parameter_tuning_job::CreateHyperParameterTuningJobInput::deserialize,
    );
    round_trips_every_member(
        "CreateTransformJobInput",
        sm::create_transform_job::CreateTransformJobInput::deserialize,
    );
    round_trips_every_member(
        "CreateProcessingJobInput",
        sm::create_processing_job::CreateProcessingJobInput::deserialize,
    );
    round_trips_every_member(
        "CreateModelInput",
        sm::create_model::CreateModelInput::deserialize,
    );
    round_trips_every_member(
        "CreateEndpointConfigInput",
        sm::create_endpoint_config::CreateEndpointConfigInput::deserialize,
    );
    round_trips_every_member(
        "CreateEndpointInput",
        sm::create_endpoint::CreateEndpointInput::deserialize,
    );
    round_trips_every_member(
        "CreateDataQualityJobDefinitionInput",
        sm::create_data_quality_job_definition::CreateDataQualityJobDefinitionInput::deserialize,
    );
    round_trips_every_member(
        "CreateModelBiasJobDefinitionInput",
        sm::create_model_bias_job_definition::CreateModelBiasJobDefinitionInput::deserialize,
    );
    round_trips_every_member(
        "CreateModelExplainabilityJobDefinitionInput",
        sm::create_model_explainability_job_definition::CreateModelExplainabilityJobDefinitionInput::deserialize,
    );
    round_trips_every_member(
        "CreateModelQualityJobDefinitionInput",
        sm::create_model_quality_job_definition::CreateModelQualityJobDefinitionInput::deserialize,
    );
    round_trips_every_member(
        "CreateMonitoringScheduleInput",
        sm::create_monitoring_schedule::CreateMonitoringScheduleInput::deserialize,
    );
}

#[test]
fn every_member_of_the_describe_outputs_behind_status_round_trips_in_both_namings() {
    round_trips_every_member(
        "DescribeTrainingJobOutput",
        sm::describe_training_job::DescribeTrainingJobOutput::deserialize,
    );
    round_trips_every_member(
        "DescribeHyperParameterTuningJobOutput",
        sm::describe_hyper_parameter_tuning_job::DescribeHyperParameterTuningJobOutput::deserialize,
    );
    round_trips_every_member(
        "DescribeTransformJobOutput",
        sm::describe_transform_job::DescribeTransformJobOutput::deserialize,
    );
    round_trips_every_member(
        "DescribeProcessingJobOutput",
        sm::describe_processing_job::DescribeProcessingJobOutput::deserialize,
    );
    round_trips_every_member(
        "DescribeModelOutput",
        sm::describe_model::DescribeModelOutput::deserialize,
    );
    round_trips_every_member(
        "DescribeEndpointConfigOutput",
        sm::describe_endpoint_config::DescribeEndpointConfigOutput::deserialize,
    );
    round_trips_every_member(
        "DescribeEndpointOutput",
        sm::describe_endpoint::DescribeEndpointOutput::deserialize,
    );
    round_trips_every_member(
        "DescribeMonitoringScheduleOutput",
        sm::describe_monitoring_schedule::DescribeMonitoringScheduleOutput::deserialize,
    );
}
