//! The full TrainingJob shape through the mapping: ACK manifests to
//! `CreateTrainingJobInput` and back, in both namings, and the errors a user
//! sees for a bad manifest.

mod common;

use std::collections::BTreeSet;

use aws_sdk_sagemaker::operation::create_training_job::CreateTrainingJobInput;
use aws_sdk_sagemaker::operation::describe_training_job::DescribeTrainingJobOutput;
use aws_sdk_sagemaker::types::{TrainingInputMode, TrainingInstanceType};
use sagemaker_schema::{
    MappingError, MappingErrorKind, Naming, from_json, member_paths, openapi_schema, to_json,
};
use serde_json::{Value, json};

/// The `spec` of training.yaml from ACK's "train, deploy and scale" tutorial,
/// with its shell variables filled in.
const TUTORIAL_SPEC: &str = r#"
trainingJobName: ack-xgboost-training-job-7420
hyperParameters:
  max_depth: "5"
  gamma: "4"
  eta: "0.2"
  min_child_weight: "6"
  subsample: "0.7"
  objective: "reg:linear"
  num_round: "50"
  verbosity: "2"
algorithmSpecification:
  trainingImage: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-1
  trainingInputMode: File
roleARN: arn:aws:iam::123456789012:role/ack-sagemaker-execution-role
outputDataConfig:
  s3OutputPath: s3://ack-sagemaker-bucket-123456789012
resourceConfig:
  instanceCount: 1
  instanceType: ml.m4.xlarge
  volumeSizeInGB: 5
stoppingCondition:
  maxRuntimeInSeconds: 3600
inputDataConfig:
  - channelName: train
    dataSource:
      s3DataSource:
        s3DataType: S3Prefix
        s3URI: s3://ack-sagemaker-bucket-123456789012/datasets/tabular/uci_abalone/train/abalone.train
        s3DataDistributionType: FullyReplicated
    contentType: text/libsvm
    compressionType: None
  - channelName: validation
    dataSource:
      s3DataSource:
        s3DataType: S3Prefix
        s3URI: s3://ack-sagemaker-bucket-123456789012/datasets/tabular/uci_abalone/validation/abalone.validation
        s3DataDistributionType: FullyReplicated
    contentType: text/libsvm
    compressionType: None
"#;

fn tutorial_spec() -> Value {
    serde_yaml::from_str(TUTORIAL_SPEC).expect("tutorial spec is YAML")
}

fn training_input(spec: &Value) -> Result<CreateTrainingJobInput, MappingError> {
    from_json(spec, Naming::Ack, CreateTrainingJobInput::deserialize)
}

fn training_input_paths() -> Vec<String> {
    member_paths(|d| CreateTrainingJobInput::deserialize(d).map(drop))
}

/// Sets `spec` at a dotted path (`a.b`) to `value`.
fn set(spec: &mut Value, path: &str, value: Value) {
    let mut node = spec;
    let segments: Vec<&str> = path.split('.').collect();
    for segment in &segments[..segments.len() - 1] {
        node = &mut node[*segment];
    }
    node[segments[segments.len() - 1]] = value;
}

#[test]
fn the_tutorial_training_job_spec_maps_to_the_sdk_input_and_back_unchanged() {
    let spec = tutorial_spec();
    let input = training_input(&spec).expect("tutorial spec maps");

    assert_eq!(input.training_job_name(), Some("ack-xgboost-training-job-7420"));
    assert_eq!(
        input.role_arn(),
        Some("arn:aws:iam::123456789012:role/ack-sagemaker-execution-role")
    );
    let hyper_parameters = input.hyper_parameters().expect("hyperparameters");
    assert_eq!(hyper_parameters.len(), 8);
    assert_eq!(hyper_parameters["objective"], "reg:linear");
    let resources = input.resource_config().expect("resource config");
    assert_eq!(resources.instance_type(), Some(&TrainingInstanceType::MlM4Xlarge));
    assert_eq!(resources.instance_count(), Some(1));
    assert_eq!(resources.volume_size_in_gb(), Some(5));
    assert_eq!(
        input
            .algorithm_specification()
            .and_then(|a| a.training_input_mode()),
        Some(&TrainingInputMode::File)
    );
    let channels = input.input_data_config();
    assert_eq!(channels.len(), 2);
    assert_eq!(channels[1].channel_name(), Some("validation"));
    assert!(
        channels[1]
            .data_source()
            .and_then(|d| d.s3_data_source())
            .and_then(|s| s.s3_uri())
            .is_some_and(|uri| uri.ends_with("abalone.validation"))
    );

    assert_eq!(to_json(&input, Naming::Ack).expect("serializes"), spec);
}

#[test]
fn the_tutorial_spec_in_aws_naming_uses_the_wire_names() {
    let input = training_input(&tutorial_spec()).expect("tutorial spec maps");
    let aws = to_json(&input, Naming::Aws).expect("serializes");
    assert_eq!(
        aws["RoleArn"],
        "arn:aws:iam::123456789012:role/ack-sagemaker-execution-role"
    );
    assert_eq!(aws["ResourceConfig"]["VolumeSizeInGB"], 5);
    assert_eq!(
        aws["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"]
            .as_str()
            .map(|s| s.starts_with("s3://")),
        Some(true)
    );
    assert_eq!(aws["HyperParameters"]["max_depth"], "5");
    assert_eq!(
        from_json(&aws, Naming::Aws, CreateTrainingJobInput::deserialize).expect("maps back"),
        input
    );
}

/// A spec that sets every member of CreateTrainingJobInput at every level.
fn every_member_spec() -> (Value, Vec<String>) {
    common::every_member_value(CreateTrainingJobInput::deserialize)
}

#[test]
fn a_spec_setting_every_member_at_every_level_round_trips_through_the_sdk_type() {
    let (spec, left_out) = every_member_spec();
    let input = training_input(&spec).expect("synthetic spec maps");
    assert_eq!(to_json(&input, Naming::Ack).expect("serializes"), spec);

    // The spec really covers the whole shape.
    let members = training_input_paths();
    assert!(members.len() > 140, "only {} member paths", members.len());
    common::assert_covers(&spec, &members, &left_out);
}

#[test]
fn a_spec_setting_every_member_round_trips_through_aws_naming_losslessly() {
    let (spec, _) = every_member_spec();
    let input = training_input(&spec).expect("synthetic spec maps");
    let aws = to_json(&input, Naming::Aws).expect("serializes to AWS naming");
    assert!(aws.get("RoleArn").is_some() && aws.get("roleARN").is_none());
    let again =
        from_json(&aws, Naming::Aws, CreateTrainingJobInput::deserialize).expect("AWS JSON maps back");
    assert_eq!(again, input);
    assert_eq!(to_json(&again, Naming::Ack).expect("serializes"), spec);
}

#[test]
fn unknown_nested_field_is_an_error_naming_its_path_and_shape() {
    let mut spec = tutorial_spec();
    set(&mut spec, "resourceConfig.instanceCont", json!(2));
    let error = training_input(&spec).expect_err("unknown field");
    assert_eq!(error.path, "resourceConfig.instanceCont");
    assert_eq!(
        error.kind,
        MappingErrorKind::UnknownField {
            field: "instanceCont".into(),
            shape: "com.amazonaws.sagemaker#ResourceConfig".into()
        }
    );
    assert_eq!(error.hint.as_deref(), Some("did you mean \"instanceCount\"?"));
    assert_eq!(
        error.to_string(),
        "field \"resourceConfig.instanceCont\": unknown field in ResourceConfig; did you mean \"instanceCount\"?"
    );
}

#[test]
fn unknown_field_inside_a_list_item_names_the_item_index() {
    let mut spec = tutorial_spec();
    let source = &mut spec["inputDataConfig"][1]["dataSource"]["s3DataSource"];
    let uri = source
        .as_object_mut()
        .and_then(|o| o.remove("s3URI"))
        .expect("s3URI");
    source["s3Uri"] = uri;
    let error = training_input(&spec).expect_err("unknown field");
    assert_eq!(error.path, "inputDataConfig[1].dataSource.s3DataSource.s3Uri");
    assert!(
        matches!(&error.kind, MappingErrorKind::UnknownField { shape, .. } if shape == "com.amazonaws.sagemaker#S3DataSource")
    );
    assert_eq!(error.hint.as_deref(), Some("did you mean \"s3URI\"?"));
}

#[test]
fn aws_style_names_in_an_ack_spec_are_errors_that_suggest_the_ack_name() {
    let mut spec = tutorial_spec();
    let role = spec
        .as_object_mut()
        .and_then(|o| o.remove("roleARN"))
        .expect("roleARN");
    spec["RoleArn"] = role;
    let error = training_input(&spec).expect_err("AWS name in an ACK spec");
    assert_eq!(error.path, "RoleArn");
    assert_eq!(error.hint.as_deref(), Some("did you mean \"roleARN\"?"));
    assert!(
        error
            .to_string()
            .starts_with("field \"RoleArn\": unknown field in CreateTrainingJobInput")
    );
}

#[test]
fn a_string_where_an_integer_belongs_is_a_wrong_type_error() {
    let mut spec = tutorial_spec();
    set(&mut spec, "resourceConfig.instanceCount", json!("1"));
    let error = training_input(&spec).expect_err("wrong type");
    assert_eq!(error.path, "resourceConfig.instanceCount");
    assert_eq!(
        error.kind,
        MappingErrorKind::WrongType {
            expected: "integer (int32)",
            found: "string"
        }
    );
    assert_eq!(
        error.to_string(),
        "field \"resourceConfig.instanceCount\": expected integer (int32), found string"
    );
}

#[test]
fn other_wrong_types_name_what_was_expected_and_found() {
    let cases = [
        (
            "inputDataConfig",
            json!({"channelName": "train"}),
            "inputDataConfig",
            "list",
            "object",
        ),
        (
            "resourceConfig",
            json!("ml.m5.large"),
            "resourceConfig",
            "object",
            "string",
        ),
        (
            "enableNetworkIsolation",
            json!("true"),
            "enableNetworkIsolation",
            "boolean",
            "string",
        ),
        (
            "hyperParameters",
            json!(["a"]),
            "hyperParameters",
            "map of string",
            "list",
        ),
        (
            "trainingJobName",
            json!(42),
            "trainingJobName",
            "string",
            "number",
        ),
        (
            "resourceConfig.volumeSizeInGB",
            json!(1.5),
            "resourceConfig.volumeSizeInGB",
            "integer (int32)",
            "number",
        ),
    ];
    for (field, value, path, expected, found) in cases {
        let mut spec = tutorial_spec();
        set(&mut spec, field, value);
        let error = training_input(&spec).expect_err(field);
        assert_eq!(error.path, path);
        assert_eq!(
            error.kind,
            MappingErrorKind::WrongType { expected, found },
            "{field}"
        );
    }
}

#[test]
fn a_number_in_a_string_map_names_the_map_key() {
    let mut spec = tutorial_spec();
    set(&mut spec, "hyperParameters.max_depth", json!(5));
    let error = training_input(&spec).expect_err("number in a string map");
    assert_eq!(error.path, "hyperParameters[\"max_depth\"]");
    assert_eq!(
        error.kind,
        MappingErrorKind::WrongType {
            expected: "string",
            found: "number"
        }
    );
}

#[test]
fn an_integer_beyond_int32_is_out_of_range() {
    let mut spec = tutorial_spec();
    set(
        &mut spec,
        "stoppingCondition.maxRuntimeInSeconds",
        json!(3_000_000_000_i64),
    );
    let error = training_input(&spec).expect_err("int32 overflow");
    assert_eq!(error.path, "stoppingCondition.maxRuntimeInSeconds");
    assert_eq!(
        error.kind,
        MappingErrorKind::OutOfRange {
            value: "3000000000".into(),
            expected: "integer (int32)"
        }
    );
    assert_eq!(
        error.to_string(),
        "field \"stoppingCondition.maxRuntimeInSeconds\": 3000000000 is out of range for integer (int32)"
    );

    set(
        &mut spec,
        "stoppingCondition.maxRuntimeInSeconds",
        json!(i64::from(i32::MAX)),
    );
    assert!(training_input(&spec).is_ok(), "i32::MAX itself is fine");
}

#[test]
fn an_integral_float_is_accepted_for_an_integer() {
    let mut spec = tutorial_spec();
    set(&mut spec, "resourceConfig.instanceCount", json!(2.0));
    let input = training_input(&spec).expect("2.0 is an integer");
    assert_eq!(input.resource_config().and_then(|r| r.instance_count()), Some(2));
}

#[test]
fn json_null_for_a_member_means_absent() {
    let mut spec = tutorial_spec();
    set(&mut spec, "vpcConfig", Value::Null);
    set(&mut spec, "resourceConfig.volumeKMSKeyID", Value::Null);
    let input = training_input(&spec).expect("nulls are absent members");
    assert!(input.vpc_config().is_none());
    assert_eq!(to_json(&input, Naming::Ack).expect("serializes"), tutorial_spec());
}

#[test]
fn map_keys_are_left_untouched() {
    let mut spec = tutorial_spec();
    spec["hyperParameters"] = json!({"RoleArn": "kept", "max-depth": "5", "sagemaker_program": "train.py"});
    spec["environment"] = json!({"AWS_REGION": "us-west-2", "kmsKeyId": "as-is"});
    let input = training_input(&spec).expect("maps");
    assert_eq!(
        input.hyper_parameters().map(|h| h["RoleArn"].as_str()),
        Some("kept")
    );
    assert_eq!(input.environment().map(|e| e["kmsKeyId"].as_str()), Some("as-is"));
    let back = to_json(&input, Naming::Ack).expect("serializes");
    assert_eq!(back["hyperParameters"], spec["hyperParameters"]);
    assert_eq!(back["environment"], spec["environment"]);
    // Sorted keys: stable output from the SDK's HashMaps.
    let keys: Vec<&String> = back["hyperParameters"]
        .as_object()
        .expect("object")
        .keys()
        .collect();
    assert_eq!(keys, ["RoleArn", "max-depth", "sagemaker_program"]);
}

#[test]
fn tags_are_a_list_of_key_value_objects() {
    let mut spec = tutorial_spec();
    spec["tags"] = json!([{"key": "team", "value": "ml"}, {"key": "Cost-Center", "value": "42"}]);
    let input = training_input(&spec).expect("maps");
    assert_eq!(input.tags()[1].key(), Some("Cost-Center"));
    assert_eq!(
        to_json(&input, Naming::Ack).expect("serializes")["tags"],
        spec["tags"]
    );
}

fn describe_output_aws() -> Value {
    json!({
        "TrainingJobName": "ack-xgboost-training-job-7420",
        "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/ack-xgboost-training-job-7420",
        "TrainingJobStatus": "InProgress",
        "SecondaryStatus": "Downloading",
        "CreationTime": 1576540098.52,
        "LastModifiedTime": 1576540100.0,
        "SecondaryStatusTransitions": [
            {"Status": "Starting", "StartTime": 1576540098.52, "EndTime": 1576540099.001, "StatusMessage": "Preparing the instances"}
        ],
        "ModelArtifacts": {"S3ModelArtifacts": "s3://bucket/output/model.tar.gz"},
        "WarmPoolStatus": {"Status": "Available", "ResourceRetainedBillableTimeInSeconds": 60, "ReusedByJob": "other-job"}
    })
}

#[test]
fn timestamps_round_trip_between_epoch_seconds_and_rfc3339() {
    let aws = describe_output_aws();
    let output = from_json(&aws, Naming::Aws, DescribeTrainingJobOutput::deserialize).expect("AWS JSON maps");
    let ack = to_json(&output, Naming::Ack).expect("serializes");
    assert_eq!(ack["creationTime"], "2019-12-16T23:48:18.52Z");
    assert_eq!(ack["lastModifiedTime"], "2019-12-16T23:48:20Z");
    assert_eq!(
        ack["secondaryStatusTransitions"][0]["endTime"],
        "2019-12-16T23:48:19.001Z"
    );

    let again = from_json(&ack, Naming::Ack, DescribeTrainingJobOutput::deserialize).expect("ACK JSON maps");
    assert_eq!(again, output);
    assert_eq!(to_json(&again, Naming::Aws).expect("serializes"), aws);
}

#[test]
fn describe_training_job_output_gives_the_ack_status_field_names() {
    let output = from_json(
        &describe_output_aws(),
        Naming::Aws,
        DescribeTrainingJobOutput::deserialize,
    )
    .expect("maps");
    let ack = to_json(&output, Naming::Ack).expect("serializes");
    assert_eq!(ack["trainingJobStatus"], "InProgress");
    assert_eq!(ack["secondaryStatus"], "Downloading");
    assert_eq!(
        ack["modelArtifacts"]["s3ModelArtifacts"],
        "s3://bucket/output/model.tar.gz"
    );
    assert_eq!(ack["warmPoolStatus"]["resourceRetainedBillableTimeInSeconds"], 60);
    assert_eq!(
        ack["trainingJobARN"],
        "arn:aws:sagemaker:us-east-1:123456789012:training-job/ack-xgboost-training-job-7420"
    );
}

#[test]
fn an_rfc3339_timestamp_with_an_offset_is_read_as_utc() {
    let ack = json!({"trainingJobName": "x", "creationTime": "2019-12-17T01:48:18+02:00"});
    let output =
        from_json(&ack, Naming::Ack, DescribeTrainingJobOutput::deserialize).expect("offset accepted");
    assert_eq!(
        to_json(&output, Naming::Ack).expect("serializes")["creationTime"],
        "2019-12-16T23:48:18Z"
    );
}

#[test]
fn a_malformed_or_mistyped_timestamp_is_an_error_naming_the_field() {
    let bad = json!({"creationTime": "yesterday"});
    let error =
        from_json(&bad, Naming::Ack, DescribeTrainingJobOutput::deserialize).expect_err("bad timestamp");
    assert_eq!(error.path, "creationTime");
    assert!(
        error
            .to_string()
            .starts_with("field \"creationTime\": invalid timestamp \"yesterday\""),
        "{error}"
    );

    let number = json!({"creationTime": 1576540098});
    let error =
        from_json(&number, Naming::Ack, DescribeTrainingJobOutput::deserialize).expect_err("epoch in ACK");
    assert_eq!(
        error.kind,
        MappingErrorKind::WrongType {
            expected: "RFC 3339 timestamp",
            found: "number"
        }
    );
}

#[test]
fn the_top_level_value_must_be_an_object() {
    let error = training_input(&json!(["not", "a", "spec"])).expect_err("array");
    assert_eq!(error.path, "");
    assert_eq!(error.to_string(), "top-level value: expected object, found list");
}

#[test]
fn the_openapi_schema_follows_the_sdk_shape_in_member_order() {
    let schema = openapi_schema(|d| CreateTrainingJobInput::deserialize(d).map(drop));
    assert_eq!(schema["type"], "object");
    let properties = schema["properties"].as_object().expect("properties");
    let names: Vec<&String> = properties.keys().take(4).collect();
    assert_eq!(
        names,
        [
            "trainingJobName",
            "hyperParameters",
            "algorithmSpecification",
            "roleARN"
        ]
    );
    assert_eq!(
        properties["resourceConfig"]["properties"]["instanceCount"],
        json!({"type": "integer"})
    );
    assert_eq!(
        properties["resourceConfig"]["properties"]["volumeKMSKeyID"],
        json!({"type": "string"})
    );
    assert_eq!(
        properties["hyperParameters"],
        json!({"type": "object", "additionalProperties": {"type": "string"}})
    );
    assert_eq!(properties["tags"]["type"], "array");
    assert_eq!(
        properties["tags"]["items"]["properties"]["key"],
        json!({"type": "string"})
    );
    assert_eq!(properties["enableNetworkIsolation"], json!({"type": "boolean"}));
    assert_eq!(
        properties["inputDataConfig"]["items"]["properties"]["dataSource"]["properties"]["s3DataSource"]["properties"]
            ["s3URI"],
        json!({"type": "string"})
    );

    let describe = openapi_schema(|d| DescribeTrainingJobOutput::deserialize(d).map(drop));
    assert_eq!(
        describe["properties"]["creationTime"],
        json!({"type": "string", "format": "date-time"})
    );
    assert_eq!(
        describe["properties"]["finalMetricDataList"]["items"]["properties"]["value"],
        json!({"type": "number"})
    );
}

#[test]
fn the_openapi_schema_is_deterministic() {
    let first = openapi_schema(|d| CreateTrainingJobInput::deserialize(d).map(drop));
    let second = openapi_schema(|d| CreateTrainingJobInput::deserialize(d).map(drop));
    assert_eq!(
        serde_json::to_string(&first).expect("serializes"),
        serde_json::to_string(&second).expect("serializes")
    );
}

#[test]
fn member_paths_list_every_nested_member_in_ack_names() {
    let paths = training_input_paths();
    for expected in [
        "trainingJobName",
        "roleARN",
        "resourceConfig.volumeSizeInGB",
        "inputDataConfig[].dataSource.s3DataSource.s3URI",
        "vpcConfig.securityGroupIDs",
        "outputDataConfig.kmsKeyID",
        "tags[].key",
    ] {
        assert!(paths.iter().any(|p| p == expected), "{expected} in member paths");
    }
    assert_eq!(
        paths.iter().collect::<BTreeSet<_>>().len(),
        paths.len(),
        "no duplicates"
    );
}
