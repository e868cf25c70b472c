//! Application Auto Scaling through botocore's service model: ACK manifests
//! to AWS requests and back, AWS answers to ACK status, the errors a user
//! sees, and the CRD schema, all without an SDK shape.

mod common;

use std::collections::BTreeSet;

use sagemaker_schema::constraints::{self, Violation};
use sagemaker_schema::{ConstraintError, MappingError, MappingErrorKind, Naming, application_autoscaling};
use serde_json::{Value, json};

/// The two documents of scale-endpoint.yaml from ACK's "train, deploy and
/// scale" tutorial, with `$ENDPOINT_NAME` filled in.
const TUTORIAL_SCALE_ENDPOINT: &str = r#"
apiVersion: applicationautoscaling.services.k8s.aws/v1alpha1
kind: ScalableTarget
metadata:
  name: ack-scalable-target-predfined
spec:
  maxCapacity: 20
  minCapacity: 1
  resourceID: endpoint/ack-xgboost-endpoint-7420/variant/AllTraffic
  scalableDimension: "sagemaker:variant:DesiredInstanceCount"
  serviceNamespace: sagemaker
---
apiVersion: applicationautoscaling.services.k8s.aws/v1alpha1
kind: ScalingPolicy
metadata:
  name: ack-scaling-policy-predefined
spec:
  policyName: ack-scaling-policy-predefined
  policyType: TargetTrackingScaling
  resourceID: endpoint/ack-xgboost-endpoint-7420/variant/AllTraffic
  scalableDimension: "sagemaker:variant:DesiredInstanceCount"
  serviceNamespace: sagemaker
  targetTrackingScalingPolicyConfiguration:
    targetValue: 60
    scaleInCooldown: 700
    scaleOutCooldown: 300
    predefinedMetricSpecification:
        predefinedMetricType: SageMakerVariantInvocationsPerInstance
"#;

/// The tutorial's ScalableTarget and ScalingPolicy specs.
fn tutorial_specs() -> (Value, Value) {
    let mut specs = TUTORIAL_SCALE_ENDPOINT.split("\n---\n").map(|document| {
        let manifest: Value = serde_yaml::from_str(document).expect("tutorial manifest is YAML");
        manifest["spec"].clone()
    });
    let target = specs.next().expect("ScalableTarget");
    let policy = specs.next().expect("ScalingPolicy");
    (target, policy)
}

/// An ACK spec as the AWS request of `shape`, validated as apply does.
fn request(shape: &str, spec: &Value) -> Result<Value, MappingError> {
    application_autoscaling().to_json(shape, spec, Naming::Ack, Naming::Aws, true)
}

/// A document of `shape` in another naming, unvalidated (AWS's answers, and
/// inputs where a test wants no constraint in the way).
fn unvalidated(shape: &str, value: &Value, from: Naming, to: Naming) -> Result<Value, MappingError> {
    application_autoscaling().to_json(shape, value, from, to, false)
}

fn register(spec: &Value) -> Result<Value, MappingError> {
    request("RegisterScalableTargetRequest", spec)
}

fn put_policy(spec: &Value) -> Result<Value, MappingError> {
    request("PutScalingPolicyRequest", spec)
}

fn constraint(error: &MappingError) -> &ConstraintError {
    match &error.kind {
        MappingErrorKind::Constraint(c) => c,
        other => panic!("expected a constraint error, got {other:?}"),
    }
}

#[test]
fn the_tutorial_scale_endpoint_specs_map_to_aws_requests_and_back_unchanged() {
    let model = application_autoscaling();
    let (target, policy) = tutorial_specs();

    let aws = register(&target).expect("the tutorial's ScalableTarget maps");
    assert_eq!(
        aws,
        json!({
            "ServiceNamespace": "sagemaker",
            "ResourceId": "endpoint/ack-xgboost-endpoint-7420/variant/AllTraffic",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "MinCapacity": 1,
            "MaxCapacity": 20
        })
    );
    let back = model
        .to_json(
            "RegisterScalableTargetRequest",
            &aws,
            Naming::Aws,
            Naming::Ack,
            true,
        )
        .expect("maps back");
    assert_eq!(back, target);

    let aws = put_policy(&policy).expect("the tutorial's ScalingPolicy maps");
    assert_eq!(
        aws["ResourceId"],
        "endpoint/ack-xgboost-endpoint-7420/variant/AllTraffic"
    );
    assert_eq!(aws["ScalableDimension"], "sagemaker:variant:DesiredInstanceCount");
    let tracking = &aws["TargetTrackingScalingPolicyConfiguration"];
    assert_eq!(
        tracking["PredefinedMetricSpecification"]["PredefinedMetricType"],
        "SageMakerVariantInvocationsPerInstance"
    );
    assert_eq!(tracking["ScaleInCooldown"], 700);
    // a double member: 60 stays 60 (not 60.0), as ACK's Go code writes it
    assert_eq!(
        serde_json::to_string(&tracking["TargetValue"]).expect("serializes"),
        "60"
    );
    let back = model
        .to_json("PutScalingPolicyRequest", &aws, Naming::Aws, Naming::Ack, true)
        .expect("maps back");
    // the same document (members come back in model order, not the manifest's)
    assert_eq!(back, policy);
}

#[test]
fn an_unknown_field_is_an_error_naming_its_path_and_structure() {
    let (_, mut policy) = tutorial_specs();
    policy["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"]["predefinedMetricTyp"] =
        json!("SageMakerVariantInvocationsPerInstance");
    let error = put_policy(&policy).expect_err("unknown field");
    assert_eq!(
        error.path,
        "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricTyp"
    );
    assert_eq!(
        error.kind,
        MappingErrorKind::UnknownField {
            field: "predefinedMetricTyp".into(),
            shape: "com.amazonaws.applicationautoscaling#PredefinedMetricSpecification".into()
        }
    );
    assert_eq!(
        error.hint.as_deref(),
        Some("did you mean \"predefinedMetricType\"?")
    );
    assert_eq!(
        error.to_string(),
        "field \"targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricTyp\": \
         unknown field in PredefinedMetricSpecification; did you mean \"predefinedMetricType\"?"
    );
}

#[test]
fn an_aws_name_in_an_ack_spec_suggests_the_ack_name() {
    let (mut target, _) = tutorial_specs();
    let fields = target.as_object_mut().expect("object");
    let id = fields.remove("resourceID").expect("resourceID");
    fields.insert("ResourceId".into(), id);
    let error = register(&target).expect_err("AWS name in an ACK spec");
    assert_eq!(
        error.to_string(),
        "field \"ResourceId\": unknown field in RegisterScalableTargetRequest; did you mean \"resourceID\"?"
    );
}

#[test]
fn a_value_outside_the_enum_is_rejected_naming_the_field_and_the_closest_value() {
    let (mut target, _) = tutorial_specs();
    target["scalableDimension"] = json!("sagemaker:variant:DesiredInstanceCont");
    let error = register(&target).expect_err("not in the enum");
    assert_eq!(error.path, "scalableDimension");
    assert!(
        matches!(&constraint(&error).violation, Violation::NotInEnum(values)
            if values.contains(&"sagemaker:variant:DesiredInstanceCount".to_string())),
        "{error}"
    );
    assert_eq!(
        error.hint.as_deref(),
        Some("did you mean \"sagemaker:variant:DesiredInstanceCount\"?")
    );
    // without validation (an AWS answer may carry a newer value) it passes
    unvalidated("RegisterScalableTargetRequest", &target, Naming::Ack, Naming::Aws).expect("unvalidated");
}

#[test]
fn a_number_outside_the_models_range_is_rejected_naming_the_field() {
    let (_, mut policy) = tutorial_specs();
    policy["policyType"] = json!("PredictiveScaling");
    policy["predictiveScalingPolicyConfiguration"] = json!({
        "metricSpecifications": [{"targetValue": 40, "predefinedMetricPairSpecification": {"predefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}],
        "maxCapacityBuffer": 101
    });
    let error = put_policy(&policy).expect_err("above the maximum");
    assert_eq!(
        error.path,
        "predictiveScalingPolicyConfiguration.maxCapacityBuffer"
    );
    assert_eq!(constraint(&error).violation, Violation::AboveMaximum(100.0));
    assert_eq!(
        error.to_string(),
        "field \"predictiveScalingPolicyConfiguration.maxCapacityBuffer\": 101 is not allowed: must be at most 100"
    );
}

#[test]
fn an_integer_beyond_int32_is_out_of_range_and_a_fraction_is_the_wrong_type() {
    let (mut target, _) = tutorial_specs();
    target["maxCapacity"] = json!(3_000_000_000_i64);
    let error = register(&target).expect_err("int32 overflow");
    assert_eq!(
        error.to_string(),
        "field \"maxCapacity\": 3000000000 is out of range for integer (int32)"
    );
    target["maxCapacity"] = json!(2.5);
    let error = register(&target).expect_err("a fraction");
    assert_eq!(
        error.to_string(),
        "field \"maxCapacity\": expected integer (int32), found number"
    );
    target["maxCapacity"] = json!(2.0);
    assert_eq!(register(&target).expect("an integral float")["MaxCapacity"], 2);
}

#[test]
fn a_missing_required_member_is_rejected_when_validating_at_any_depth() {
    let (mut target, mut policy) = tutorial_specs();
    target
        .as_object_mut()
        .expect("object")
        .remove("scalableDimension");
    let error = register(&target).expect_err("scalableDimension is required");
    assert_eq!(error.path, "scalableDimension");
    assert_eq!(constraint(&error).violation, Violation::Missing);
    assert_eq!(
        error.to_string(),
        "field \"scalableDimension\": required, but not set; \
         RegisterScalableTargetRequest requires serviceNamespace, resourceID, scalableDimension"
    );
    assert_eq!(Violation::Missing.aws_constraint(), "Member must not be null");

    // JSON null is absent, so it is missing too
    policy["targetTrackingScalingPolicyConfiguration"]["targetValue"] = Value::Null;
    let error = put_policy(&policy).expect_err("targetValue is required");
    assert_eq!(error.path, "targetTrackingScalingPolicyConfiguration.targetValue");
    assert_eq!(constraint(&error).violation, Violation::Missing);

    // unvalidated (an AWS answer, a partial document) it maps
    let aws = unvalidated("PutScalingPolicyRequest", &policy, Naming::Ack, Naming::Aws).expect("unvalidated");
    assert!(
        aws["TargetTrackingScalingPolicyConfiguration"]
            .get("TargetValue")
            .is_none()
    );
}

#[test]
fn null_members_are_absent_and_map_keys_are_data() {
    let (mut target, _) = tutorial_specs();
    target["roleARN"] = Value::Null;
    target["tags"] = json!({"team": "ml", "Cost-Center": "42", "RoleArn": "kept as written"});
    let aws = register(&target).expect("maps");
    assert!(aws.get("RoleARN").is_none());
    assert_eq!(
        aws["Tags"],
        json!({"Cost-Center": "42", "RoleArn": "kept as written", "team": "ml"})
    );
    let keys: Vec<&String> = aws["Tags"].as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        ["Cost-Center", "RoleArn", "team"],
        "sorted, as the SDK path writes maps"
    );

    target["tags"]["team"] = json!(7);
    let error = register(&target).expect_err("a number in a string map");
    assert_eq!(
        error.to_string(),
        "field \"tags[\\\"team\\\"]\": expected string, found number"
    );
}

/// DescribeScalingPolicies' answer for the tutorial's policy, as AWS sends it.
fn describe_scaling_policies_response() -> Value {
    json!({
        "ScalingPolicies": [{
            "PolicyARN": "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:6d8b0a9b-ffff-4f5b-9a3a-0123456789ab:resource/sagemaker/endpoint/ack-xgboost-endpoint-7420/variant/AllTraffic:policyName/ack-scaling-policy-predefined",
            "PolicyName": "ack-scaling-policy-predefined",
            "ServiceNamespace": "sagemaker",
            "ResourceId": "endpoint/ack-xgboost-endpoint-7420/variant/AllTraffic",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 60.5,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
                "ScaleOutCooldown": 300,
                "ScaleInCooldown": 700
            },
            "Alarms": [
                {"AlarmName": "TargetTracking-endpoint/ack-xgboost-endpoint-7420/variant/AllTraffic-AlarmHigh-1", "AlarmARN": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:TargetTracking-AlarmHigh-1"},
                {"AlarmName": "TargetTracking-endpoint/ack-xgboost-endpoint-7420/variant/AllTraffic-AlarmLow-2", "AlarmARN": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:TargetTracking-AlarmLow-2"}
            ],
            "CreationTime": 1576540098.52
        }],
        "NextToken": "next"
    })
}

#[test]
fn a_describe_scaling_policies_response_converts_to_ack_naming_with_rfc3339_times() {
    let aws = describe_scaling_policies_response();
    let ack = unvalidated("DescribeScalingPoliciesResponse", &aws, Naming::Aws, Naming::Ack)
        .expect("AWS answer maps");
    let policy = &ack["scalingPolicies"][0];
    assert_eq!(policy["creationTime"], "2019-12-16T23:48:18.52Z");
    assert_eq!(policy["policyARN"], aws["ScalingPolicies"][0]["PolicyARN"]);
    assert_eq!(
        policy["alarms"][1]["alarmARN"],
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:TargetTracking-AlarmLow-2"
    );
    assert_eq!(
        policy["targetTrackingScalingPolicyConfiguration"]["targetValue"],
        60.5
    );
    assert_eq!(ack["nextToken"], "next");

    let again = unvalidated("DescribeScalingPoliciesResponse", &ack, Naming::Ack, Naming::Aws)
        .expect("ACK status maps back");
    assert_eq!(again, aws);

    // a status is one item of the answer: the ScalingPolicy shape itself
    let item = unvalidated(
        "ScalingPolicy",
        &aws["ScalingPolicies"][0],
        Naming::Aws,
        Naming::Ack,
    )
    .expect("one policy maps");
    assert_eq!(&item, policy);

    let epoch_in_ack = json!({"scalingPolicies": [{"creationTime": 1576540098}]});
    let error = unvalidated(
        "DescribeScalingPoliciesResponse",
        &epoch_in_ack,
        Naming::Ack,
        Naming::Aws,
    )
    .expect_err("epoch seconds in ACK naming");
    assert_eq!(
        error.to_string(),
        "field \"scalingPolicies[0].creationTime\": expected RFC 3339 timestamp, found number"
    );
}

#[test]
fn every_member_of_every_operation_round_trips_in_both_namings() {
    let model = application_autoscaling();
    let mut shapes = Vec::new();
    let names: Vec<&str> = model.operations().map(|(name, _)| name).collect();
    assert_eq!(
        names.join(" "),
        "DeleteScalingPolicy DeregisterScalableTarget DescribeScalableTargets DescribeScalingPolicies \
         ListTagsForResource PutScalingPolicy RegisterScalableTarget TagResource UntagResource"
    );
    for (_, operation) in model.operations() {
        shapes.extend(operation.input.iter().chain(&operation.output).cloned());
    }
    assert_eq!(shapes.len(), 18);
    let mut covered = 0;
    for shape in &shapes {
        let value = common::synthetic(&model.openapi_schema(shape, false), "");
        let members = model.member_paths(shape);
        common::assert_covers(&value, &members, &[]);
        covered += members.len();

        let aws =
            unvalidated(shape, &value, Naming::Ack, Naming::Aws).unwrap_or_else(|e| panic!("{shape}: {e}"));
        let back =
            unvalidated(shape, &aws, Naming::Aws, Naming::Ack).unwrap_or_else(|e| panic!("{shape}: {e}"));
        assert_eq!(back, value, "{shape}: ACK -> AWS -> ACK");
        let same = unvalidated(shape, &aws, Naming::Aws, Naming::Aws).expect("AWS -> AWS");
        assert_eq!(same, aws, "{shape}: AWS naming is stable");
    }
    assert!(covered > 250, "only {covered} member paths");
}

#[test]
fn the_spec_member_paths_are_in_ack_names() {
    let model = application_autoscaling();
    let target = model.member_paths("RegisterScalableTargetRequest");
    assert_eq!(
        target,
        [
            "serviceNamespace",
            "resourceID",
            "scalableDimension",
            "minCapacity",
            "maxCapacity",
            "roleARN",
            "suspendedState",
            "suspendedState.dynamicScalingInSuspended",
            "suspendedState.dynamicScalingOutSuspended",
            "suspendedState.scheduledScalingSuspended",
            "tags",
        ]
    );
    let policy: BTreeSet<String> = model
        .member_paths("PutScalingPolicyRequest")
        .into_iter()
        .collect();
    for path in [
        "policyName",
        "policyType",
        "stepScalingPolicyConfiguration.stepAdjustments[].metricIntervalLowerBound",
        "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.dimensions[].name",
        "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.metrics[].metricStat.metric.namespace",
        "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.resourceLabel",
    ] {
        assert!(policy.contains(path), "{path}");
    }
}

#[test]
fn the_validated_openapi_schema_carries_the_models_constraints_and_required_members() {
    let model = application_autoscaling();
    let schema = model.openapi_schema("RegisterScalableTargetRequest", true);
    assert_eq!(
        schema["required"],
        json!(["serviceNamespace", "resourceID", "scalableDimension"])
    );
    let properties = &schema["properties"];
    assert!(
        properties["scalableDimension"]["enum"]
            .as_array()
            .is_some_and(|values| values.contains(&json!("sagemaker:variant:DesiredInstanceCount")))
    );
    // the model's pattern for resource ids (surrogate escapes) is not one this
    // crate can enforce, so the CRD leaves it out rather than guess
    assert_eq!(
        properties["resourceID"],
        json!({"type": "string", "minLength": 1, "maxLength": 1600})
    );
    assert_eq!(properties["minCapacity"], json!({"type": "integer"}));
    assert_eq!(
        properties["tags"],
        json!({"type": "object", "additionalProperties": {"type": "string", "maxLength": 256}})
    );

    let policy = model.openapi_schema("PutScalingPolicyRequest", true);
    let tracking = &policy["properties"]["targetTrackingScalingPolicyConfiguration"];
    assert_eq!(tracking["required"], json!(["targetValue"]));
    assert_eq!(tracking["properties"]["targetValue"], json!({"type": "number"}));
    let buffer =
        &policy["properties"]["predictiveScalingPolicyConfiguration"]["properties"]["maxCapacityBuffer"];
    assert_eq!(buffer, &json!({"type": "integer", "minimum": 0, "maximum": 100}));

    // unvalidated (status): types only
    let status = model.openapi_schema("ScalingPolicy", false);
    assert!(status.get("required").is_none());
    let properties = &status["properties"];
    assert_eq!(properties["creationTime"]["format"], "date-time");
    assert_eq!(
        properties["alarms"]["items"]["properties"]["alarmARN"]["type"],
        "string"
    );
}

#[test]
fn operations_name_their_input_and_output_shapes_and_an_unknown_shape_is_an_error() {
    let model = application_autoscaling();
    let put = model.operation("PutScalingPolicy").expect("PutScalingPolicy");
    assert_eq!(put.input.as_deref(), Some("PutScalingPolicyRequest"));
    assert_eq!(put.output.as_deref(), Some("PutScalingPolicyResponse"));
    assert!(
        model.operation("DescribeScalingActivities").is_none(),
        "only the operations the project calls"
    );
    assert!(model.source().starts_with("botocore "), "{}", model.source());

    let error =
        unvalidated("ScalableTargetSpec", &json!({}), Naming::Ack, Naming::Aws).expect_err("no such shape");
    assert_eq!(
        error.to_string(),
        "top-level value: the application-autoscaling model has no structure \"ScalableTargetSpec\""
    );
}

/// The constraints `scripts/gen-constraints.py` wrote into the model file
/// for the shapes a member targets, in the table's vocabulary.
fn model_constraint(shapes: &Value, target: &str) -> Option<Value> {
    let shape = shapes[target].as_object()?;
    let kept: serde_json::Map<String, Value> = shape
        .iter()
        .filter(|(key, _)| ["enum", "range", "length", "items", "pattern"].contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    (!kept.is_empty()).then_some(Value::Object(kept))
}

/// A table entry as JSON in the model file's vocabulary.
fn table_constraint(c: &constraints::Constraint) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(values) = c.enum_values {
        out.insert("enum".into(), json!(values));
    }
    let pair = |lo: Option<u64>, hi: Option<u64>| json!([lo, hi]);
    if c.range != (None, None) {
        let number = |n: Option<f64>| {
            n.map(|n| {
                if n.fract() == 0.0 {
                    json!(n as i64)
                } else {
                    json!(n)
                }
            })
        };
        out.insert("range".into(), json!([number(c.range.0), number(c.range.1)]));
    }
    if c.length != (None, None) {
        out.insert("length".into(), pair(c.length.0, c.length.1));
    }
    if c.items != (None, None) {
        out.insert("items".into(), pair(c.items.0, c.items.1));
    }
    if let Some(pattern) = c.pattern {
        out.insert("pattern".into(), json!(pattern));
    }
    Value::Object(out)
}

#[test]
fn the_constraint_table_states_what_the_model_file_states_for_every_member() {
    let model: Value =
        serde_json::from_str(include_str!("../data/applicationautoscaling.json")).expect("model is JSON");
    let namespace = model["namespace"].as_str().expect("namespace");
    let shapes = &model["shapes"];
    let mut checked = 0;
    for (name, shape) in shapes.as_object().expect("shapes") {
        let members: Vec<(String, &str)> = match shape["type"].as_str() {
            Some("structure") => shape["members"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| {
                    (
                        m["name"].as_str().expect("name").to_string(),
                        m["shape"].as_str().expect("shape"),
                    )
                })
                .collect(),
            Some("list") => vec![("member".into(), shape["member"].as_str().expect("member"))],
            Some("map") => vec![
                ("key".into(), shape["key"].as_str().expect("key")),
                ("value".into(), shape["value"].as_str().expect("value")),
            ],
            _ => continue,
        };
        for (member, target) in members {
            let id = format!("{namespace}#{name}${member}");
            let table = constraints::of(&id).map(table_constraint);
            assert_eq!(table, model_constraint(shapes, target), "{id}");
            checked += usize::from(table.is_some());
        }
    }
    assert!(checked > 50, "only {checked} constrained members");
    assert!(
        constraints::of("com.amazonaws.applicationautoscaling#RegisterScalableTargetRequest$ResourceId")
            .is_some()
    );
}
