//! The kinds beyond training and hosting, each from its example manifest
//! (`examples/kinds/`), validated as `apply` validates it, on the embedded
//! store and the simulator with the clock paused.

use sagemaker_core::kinds as info;

use super::*;
use crate::{
    aws::{Backend, Call},
    kinds::{self as aws, ANNOTATION_RESTART},
};

/// The documents of an example, validated as apply validates them (with
/// `DOMAIN_ID` replaced).
fn example(yaml: &str, domain_id: &str) -> Vec<Resource> {
    let yaml = yaml.replace("DOMAIN_ID", domain_id);
    serde_yaml::Deserializer::from_str(&yaml)
        .map(|doc| {
            let value = serde_json::to_value(Value::deserialize(doc).expect("YAML")).expect("JSON");
            crate::apply::validate("example", &value.to_string(), "default").unwrap_or_else(|e| panic!("{e}")).resource
        })
        .collect()
}

use serde::Deserialize;

const TUNING: &str = include_str!("../../../../examples/kinds/hyperparametertuningjob.yaml");
const TRANSFORM: &str = include_str!("../../../../examples/kinds/transformjob.yaml");
const PROCESSING: &str = include_str!("../../../../examples/kinds/processingjob.yaml");
const LABELING: &str = include_str!("../../../../examples/kinds/labelingjob.yaml");
const MONITORING: &str = include_str!("../../../../examples/kinds/monitoring.yaml");
const MONITORING_DEFINITIONS: &str = include_str!("../../../../examples/kinds/monitoring-definitions.yaml");
const STUDIO: &str = include_str!("../../../../examples/kinds/studio.yaml");
const STUDIO_USERS: &str = include_str!("../../../../examples/kinds/studio-users.yaml");
const FEATURE_GROUP: &str = include_str!("../../../../examples/kinds/featuregroup.yaml");
const INFERENCE_COMPONENT: &str = include_str!("../../../../examples/kinds/inferencecomponent.yaml");
const MODEL_PACKAGE: &str = include_str!("../../../../examples/kinds/modelpackage.yaml");
const NOTEBOOK: &str = include_str!("../../../../examples/kinds/notebookinstance.yaml");
const PIPELINE: &str = include_str!("../../../../examples/kinds/pipeline.yaml");
const PROJECT: &str = include_str!("../../../../examples/kinds/project.yaml");

impl Rig {
    async fn apply_all(&self, docs: &[Resource]) {
        for d in docs {
            self.apply(d).await;
        }
    }

    async fn settled(&self, kind: &'static KindInfo, name: &str) -> Resource {
        self.until(kind, name, "settled", |r| {
            let status = kind.status_path().and_then(|p| r.str_at(&p).map(str::to_string));
            ready(r) && status.is_none_or(|s| kind.statuses.success.contains(&s.as_str()))
        })
        .await
    }

    async fn delete(&self, kind: &'static KindInfo, name: &str) {
        self.store.delete(kind, "default", name).await.expect("delete");
    }
}

fn copy_count(r: &Resource) -> Option<i64> {
    r.status.pointer("/runtimeConfig/desiredCopyCount").and_then(Value::as_i64)
}

#[tokio::test(start_paused = true)]
async fn a_tuning_job_shows_its_counters_and_best_training_job_and_stops_on_delete_while_running() {
    let rig = rig();
    rig.apply_all(&example(TUNING, "")).await;
    let done = rig.settled(&info::HYPER_PARAMETER_TUNING_JOB, "xgboost-tuning").await;
    assert_eq!(done.status.pointer("/trainingJobStatusCounters/completed"), Some(&json!(3)));
    let best = done.str_at("status.bestTrainingJob.trainingJobName").expect("best");
    assert!(best.starts_with("xgboost-tuning-003-"), "the highest objective wins when maximizing: {best}");
    assert_eq!(done.status.pointer("/bestTrainingJob/finalHyperParameterTuningJobObjectiveMetric/value").and_then(Value::as_f64), Some(0.7));
    // its training jobs, as describe lists them
    let children = rig.sim.children_of(&here(), &aws::HYPER_PARAMETER_TUNING_JOB, "xgboost-tuning");
    assert_eq!(children.len(), 3);
    // a second one, deleted while it runs: stopped, then released
    let mut second = example(TUNING, "").remove(0);
    second.metadata.name = "second".into();
    second.spec["hyperParameterTuningJobName"] = json!("second");
    rig.apply(&second).await;
    rig.until(&info::HYPER_PARAMETER_TUNING_JOB, "second", "running", |r| r.str_at("status.hyperParameterTuningJobStatus") == Some("InProgress")).await;
    rig.delete(&info::HYPER_PARAMETER_TUNING_JOB, "second").await;
    rig.until_gone(&info::HYPER_PARAMETER_TUNING_JOB, "second").await;
    assert_eq!(rig.calls("StopHyperParameterTuningJob"), 1);
    assert_eq!(rig.sim.status_of(&here(), &aws::HYPER_PARAMETER_TUNING_JOB, "second"), Some("Stopped"));
}

#[tokio::test(start_paused = true)]
async fn transform_processing_and_labeling_jobs_run_to_completion_and_a_job_without_a_name_takes_its_metadata_name() {
    let rig = rig();
    rig.apply_all(&example(TRANSFORM, "")).await;
    rig.apply_all(&example(PROCESSING, "")).await;
    let mut labeling = example(LABELING, "").remove(0);
    labeling.spec.as_object_mut().expect("spec").remove("labelingJobName");
    rig.apply(&labeling).await;
    let t = rig.settled(&info::TRANSFORM_JOB, "xgboost-batch").await;
    assert!(t.str_at("status.ackResourceMetadata.arn").is_some_and(|a| a.ends_with(":transform-job/xgboost-batch")));
    rig.settled(&info::PROCESSING_JOB, "preprocess").await;
    // Initializing is polled like any change, never left for hours (ACK's bug)
    let l = rig.settled(&info::LABELING_JOB, "images").await;
    assert!(l.str_at("status.ackResourceMetadata.arn").is_some_and(|a| a.ends_with(":labeling-job/images")), "{:?}", l.status);
    assert_eq!(l.status.pointer("/labelCounters/totalLabeled"), Some(&json!(30)));
    assert_eq!(rig.calls("CreateLabelingJob"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_monitoring_schedule_update_waits_while_an_execution_runs_and_job_definitions_are_immutable() {
    let rig = rig();
    let docs = example(MONITORING, "");
    rig.apply_all(&docs).await;
    rig.settled(&info::DATA_QUALITY_JOB_DEFINITION, "churn-data-quality").await;
    rig.settled(&info::MONITORING_SCHEDULE, "churn-hourly").await;
    // an execution starts with the schedule: an edit waits for it to end
    rig.until(&info::MONITORING_SCHEDULE, "churn-hourly", "executing", |r| {
        r.str_at("status.lastMonitoringExecutionSummary.monitoringExecutionStatus") == Some("InProgress")
    })
    .await;
    let mut edited = docs[1].clone();
    edited.spec["monitoringScheduleConfig"]["scheduleConfig"]["scheduleExpression"] = json!("cron(0 0 ? * * *)");
    rig.apply(&edited).await;
    let waiting = rig
        .until(&info::MONITORING_SCHEDULE, "churn-hourly", "waiting", |r| condition_message(r, ack::CONDITION_SYNCED).starts_with("Monitoring Job in InProgress state"))
        .await;
    assert_eq!(condition_status(&waiting, ack::CONDITION_SYNCED), Some("False"));
    assert_eq!(rig.calls("UpdateMonitoringSchedule"), 0);
    rig.until(&info::MONITORING_SCHEDULE, "churn-hourly", "updated", |r| {
        ready(r) && r.status.pointer("/lastMonitoringExecutionSummary").is_some() && rig_updated(r)
    })
    .await;
    assert_eq!(rig.calls("UpdateMonitoringSchedule"), 1);
    // a job definition cannot change: refused at apply, naming the field
    let existing = rig.get(&info::DATA_QUALITY_JOB_DEFINITION, "default", "churn-data-quality").await.expect("stored");
    let mut changed = docs[0].clone();
    changed.spec["jobResources"]["clusterConfig"]["instanceCount"] = json!(2);
    let validated = crate::apply::validate("edit", &changed.to_json().to_string(), "default").expect("valid");
    let refused = crate::apply::check_update(&validated, &existing).expect_err("immutable").to_string();
    assert!(refused.contains("spec.jobResources.clusterConfig.instanceCount cannot be changed"), "{refused}");
}

fn rig_updated(r: &Resource) -> bool {
    r.status.get("conditions").is_some() && r.metadata.generation == status::synced_generation(r)
}

#[tokio::test(start_paused = true)]
async fn a_domain_whose_status_was_lost_is_found_by_its_tag_not_created_twice_and_its_users_spaces_and_apps_follow() {
    let rig = rig_before_start().started();
    rig.apply_all(&example(STUDIO, "")).await;
    let domain = rig.settled(&info::DOMAIN, "team").await;
    let id = domain.str_at("status.domainID").expect("domain id").to_string();
    assert!(id.starts_with("d-") && domain.str_at("status.url").is_some_and(|u| u.contains(&id)), "{:?}", domain.status);
    // users, spaces and apps name the domain by its id
    rig.apply_all(&example(STUDIO_USERS, &id)).await;
    rig.settled(&info::USER_PROFILE, "alice").await;
    rig.settled(&info::SPACE, "shared").await;
    rig.settled(&info::APP, "alice-jupyter").await;
    // the status is lost (restored from a backup without it): the domain is
    // found again by its owner tag, and nothing is created
    rig.store.write_status(&info::DOMAIN, &domain, json!({})).await.expect("lose status");
    let found = rig.until(&info::DOMAIN, "team", "found again", |r| r.str_at("status.domainID") == Some(id.as_str())).await;
    // recorded at once, then compared with the spec before it says Synced
    assert!(condition_message(&found, ack::CONDITION_SYNCED).contains("found again"), "{:?}", found.status);
    rig.until(&info::DOMAIN, "team", "synced again", ready).await;
    assert_eq!(rig.calls("CreateDomain"), 1, "never a second Domain");
    // one look before the first create (a namesake would be a mistake), one after the loss
    assert_eq!(rig.calls("ListDomains"), 2);
    // deleting the domain while its profile exists waits for nothing else
    // to be asked of AWS while the domain changes; apps, then the rest, go
    rig.delete(&info::APP, "alice-jupyter").await;
    rig.until_gone(&info::APP, "alice-jupyter").await;
    for (kind, name) in [(&info::USER_PROFILE, "alice"), (&info::SPACE, "shared"), (&info::DOMAIN, "team")] {
        rig.delete(kind, name).await;
        rig.until_gone(kind, name).await;
    }
    assert_eq!(rig.calls("DeleteDomain"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_same_named_domain_not_made_for_this_resource_blocks_the_create_and_says_how_to_adopt_it() {
    let rig = rig();
    let docs = example(STUDIO, "");
    // one made by someone else, then ours (applied again in a rebuilt cluster)
    let input = (aws::DOMAIN.create.input)(&docs[0].spec, false).expect("input");
    let call = Call::of(&aws::DOMAIN, Role::Create).expect("create");
    rig.sim.call(&here(), call, input).await.expect("created by someone else");
    rig.apply(&docs[0]).await;
    let stuck = rig.until(&info::DOMAIN, "team", "terminal", terminal).await;
    let message = condition_message(&stuck, ack::CONDITION_TERMINAL);
    assert!(message.contains("a Domain named team already exists") && message.contains("adoption-fields"), "{message}");
    assert_eq!(rig.calls("CreateDomain"), 0);
}

#[tokio::test(start_paused = true)]
async fn a_feature_group_adds_features_refuses_to_drop_one_and_aws_defaults_never_read_as_drift() {
    let rig = rig();
    let docs = example(FEATURE_GROUP, "");
    rig.apply_all(&docs).await;
    rig.settled(&info::FEATURE_GROUP, "customers").await;
    let mut more = docs[0].clone();
    more.spec["featureDefinitions"].as_array_mut().expect("list").push(json!({ "featureName": "tenure", "featureType": "Integral" }));
    rig.apply(&more).await;
    rig.until(&info::FEATURE_GROUP, "customers", "updated", |r| ready(r) && rig_updated(r)).await;
    assert_eq!(rig.calls("UpdateFeatureGroup"), 1);
    let mut fewer = more.clone();
    fewer.spec["featureDefinitions"].as_array_mut().expect("list").remove(2);
    rig.apply(&fewer).await;
    let refused = rig.until(&info::FEATURE_GROUP, "customers", "terminal", terminal).await;
    assert!(condition_message(&refused, ack::CONDITION_TERMINAL).contains("feature churned cannot be removed"));
    assert_eq!(rig.calls("UpdateFeatureGroup"), 1);
}

#[tokio::test(start_paused = true)]
async fn an_inference_component_update_that_failed_is_not_sent_again_for_the_same_spec() {
    let rig = rig();
    rig.apply(&model("xgboost-model")).await;
    rig.apply(&config("c1", "xgboost-model", json!([]))).await;
    rig.apply(&endpoint("xgboost-endpoint", "c1")).await;
    let docs = example(INFERENCE_COMPONENT, "");
    rig.apply_all(&docs).await;
    let ic = rig.settled(&info::INFERENCE_COMPONENT, "xgboost-ic").await;
    assert_eq!(copy_count(&ic), Some(1));
    // copies scale in place; AWS's desiredCopyCount is the spec's copyCount
    let mut two = docs[0].clone();
    two.spec["runtimeConfig"]["copyCount"] = json!(2);
    rig.apply(&two).await;
    rig.until(&info::INFERENCE_COMPONENT, "xgboost-ic", "two copies", |r| copy_count(r) == Some(2) && ready(r)).await;
    assert_eq!(rig.calls("UpdateInferenceComponent"), 1);
    // an update that fails rolls back and is never retried as it was
    let mut bad = two.clone();
    bad.spec["specification"]["container"] = json!({ "image": "img", "environment": { FAIL_REASON_ENV: "CUDA out of memory" } });
    bad.spec["specification"].as_object_mut().expect("spec").remove("modelName");
    rig.apply(&bad).await;
    let stuck = rig.until(&info::INFERENCE_COMPONENT, "xgboost-ic", "terminal", terminal).await;
    assert!(condition_message(&stuck, ack::CONDITION_TERMINAL).contains("CUDA out of memory"), "{:?}", stuck.status);
    assert_eq!(rig.calls("UpdateInferenceComponent"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_model_package_version_is_found_again_after_its_status_is_lost_and_only_approval_is_updated() {
    let rig = rig();
    let docs = example(MODEL_PACKAGE, "");
    rig.apply_all(&docs).await;
    rig.settled(&info::MODEL_PACKAGE_GROUP, "churn-models").await;
    let v1 = rig.settled(&info::MODEL_PACKAGE, "churn-v1").await;
    let arn = v1.str_at("status.ackResourceMetadata.arn").expect("arn").to_string();
    assert!(arn.ends_with(":model-package/churn-models/1"), "{arn}");
    rig.store.write_status(&info::MODEL_PACKAGE, &v1, json!({})).await.expect("lose status");
    rig.until(&info::MODEL_PACKAGE, "churn-v1", "found", |r| r.str_at("status.ackResourceMetadata.arn") == Some(arn.as_str()) && ready(r)).await;
    assert_eq!(rig.calls("CreateModelPackage"), 1, "never a second version");
    let mut approved = docs[1].clone();
    approved.spec["modelApprovalStatus"] = json!("Approved");
    approved.spec["approvalDescription"] = json!("passed the offline evaluation");
    rig.apply(&approved).await;
    rig.until(&info::MODEL_PACKAGE, "churn-v1", "approved", |r| ready(r) && rig_updated(r)).await;
    assert_eq!(rig.calls("UpdateModelPackage"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_notebook_instance_is_stopped_updated_and_started_again_and_stopped_before_it_is_deleted() {
    let rig = rig();
    let docs = example(NOTEBOOK, "");
    rig.apply_all(&docs).await;
    let nb = rig.settled(&info::NOTEBOOK_INSTANCE, "explore").await;
    assert_eq!(nb.str_at("status.notebookInstanceStatus"), Some("InService"));
    // the defaults AWS fills in (volume size, platform) are no drift
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(rig.calls("UpdateNotebookInstance") + rig.calls("StopNotebookInstance"), 0);
    let mut bigger = docs[1].clone();
    bigger.spec["instanceType"] = json!("ml.t3.large");
    rig.apply(&bigger).await;
    let back = rig
        .until(&info::NOTEBOOK_INSTANCE, "explore", "updated and running", |r| {
            r.str_at("status.notebookInstanceStatus") == Some("InService") && ready(r) && r.annotation(ANNOTATION_RESTART) == Some("false")
        })
        .await;
    assert_eq!(back.str_at("status.notebookInstanceStatus"), Some("InService"));
    assert_eq!((rig.calls("StopNotebookInstance"), rig.calls("UpdateNotebookInstance"), rig.calls("StartNotebookInstance")), (1, 1, 1));
    rig.delete(&info::NOTEBOOK_INSTANCE, "explore").await;
    rig.until_gone(&info::NOTEBOOK_INSTANCE, "explore").await;
    assert_eq!((rig.calls("StopNotebookInstance"), rig.calls("DeleteNotebookInstance")), (2, 1));
}

#[tokio::test(start_paused = true)]
async fn a_lifecycle_configuration_removed_from_a_notebook_instance_is_disassociated_in_aws() {
    let rig = rig();
    let docs = example(NOTEBOOK, "");
    rig.apply_all(&docs).await;
    let nb = rig.settled(&info::NOTEBOOK_INSTANCE, "explore").await;
    let arn = nb.str_at("status.ackResourceMetadata.arn").expect("arn").to_string();
    let described = || async {
        let call = Call::of(&aws::NOTEBOOK_INSTANCE, Role::Describe).expect("describe");
        rig.sim.call(&here(), call, json!({ "NotebookInstanceName": "explore" })).await.expect("described")
    };
    assert_eq!(described().await["NotebookInstanceLifecycleConfigName"], "install-packages");
    let mut without = docs[1].clone();
    without.spec.as_object_mut().expect("spec").remove("lifecycleConfigName");
    rig.apply(&without).await;
    rig.until(&info::NOTEBOOK_INSTANCE, "explore", "updated and running", |r| {
        r.str_at("status.notebookInstanceStatus") == Some("InService") && ready(r) && r.annotation(ANNOTATION_RESTART) == Some("false")
    })
    .await;
    let after = described().await;
    assert_eq!(after["NotebookInstanceArn"], arn.as_str());
    let nb = rig.get(&info::NOTEBOOK_INSTANCE, "default", "explore").await.expect("stored");
    assert_eq!(nb.annotation(aws::ANNOTATION_STATED), Some(""), "what the spec states now is recorded after the update");
    assert!(after.get("NotebookInstanceLifecycleConfigName").is_none(), "still associated: {after}");
    // gone in AWS as in the spec: nothing more to send
    tokio::time::sleep(Duration::from_secs(900)).await;
    assert_eq!((rig.calls("StopNotebookInstance"), rig.calls("UpdateNotebookInstance"), rig.calls("StartNotebookInstance")), (1, 1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_pipeline_definition_compares_as_a_document_and_an_execution_is_never_started_twice() {
    let rig = rig();
    let docs = example(PIPELINE, "");
    rig.apply_all(&docs).await;
    rig.settled(&info::PIPELINE, "churn-pipeline").await;
    let run = rig.settled(&info::PIPELINE_EXECUTION, "churn-run").await;
    let arn = run.str_at("status.ackResourceMetadata.arn").expect("arn").to_string();
    assert!(arn.contains(":pipeline/churn-pipeline/execution/"), "named from its pipeline, not from the ARN: {arn}");
    // the same definition, spaced differently: no update
    let mut respaced = docs[0].clone();
    let text = respaced.spec["pipelineDefinition"].as_str().expect("text").to_string();
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    respaced.spec["pipelineDefinition"] = json!(serde_json::to_string_pretty(&doc).expect("pretty"));
    rig.apply(&respaced).await;
    tokio::time::sleep(Duration::from_secs(900)).await;
    assert_eq!(rig.calls("UpdatePipeline"), 0);
    assert_eq!(rig.calls("StartPipelineExecution"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_project_is_provisioned_and_its_description_updated() {
    let rig = rig();
    let docs = example(PROJECT, "");
    rig.apply_all(&docs).await;
    let p = rig.settled(&info::PROJECT, "mlops").await;
    assert!(p.str_at("status.projectID").is_some_and(|id| id.starts_with("p-")));
    let mut edited = docs[0].clone();
    edited.spec["projectDescription"] = json!("Build, train, deploy and monitor");
    rig.apply(&edited).await;
    rig.until(&info::PROJECT, "mlops", "updated", |r| ready(r) && rig_updated(r)).await;
    assert_eq!(rig.calls("UpdateProject"), 1);
}

#[tokio::test(start_paused = true)]
async fn tag_edits_reach_aws_with_an_update_and_only_the_tags_the_spec_dropped_are_removed() {
    let rig = rig();
    let docs = example(PROJECT, "");
    let mut tagged = docs[0].clone();
    tagged.spec["tags"] = json!([{ "key": "team", "value": "a" }, { "key": "cost", "value": "1" }]);
    rig.apply(&tagged).await;
    let p = rig.settled(&info::PROJECT, "mlops").await;
    let arn = p.str_at("status.ackResourceMetadata.arn").expect("arn").to_string();
    // a tag another system put there
    let call = Call::of(&aws::PROJECT, Role::AddTags).expect("add tags");
    rig.sim.call(&here(), call, json!({ "ResourceArn": arn, "Tags": [{ "Key": "sagemaker:project-name", "Value": "mlops" }] })).await.expect("tagged");
    // a tag edit and an update in one apply: both reach AWS
    tagged.spec["tags"] = json!([{ "key": "team", "value": "b" }]);
    tagged.spec["projectDescription"] = json!("retagged");
    rig.apply(&tagged).await;
    rig.until(&info::PROJECT, "mlops", "retagged", |r| ready(r) && rig_updated(r)).await;
    let tags = rig.sim.tags_of(&here(), &arn);
    assert!(tags.contains(&("team".into(), "b".into())) && !tags.iter().any(|(k, _)| k == "cost"), "{tags:?}");
    assert!(tags.iter().any(|(k, _)| k == ack::TAG_OWNER), "the owner tag stays: {tags:?}");
    assert!(tags.iter().any(|(k, _)| k == "sagemaker:project-name"), "what the spec never had stays: {tags:?}");
    assert_eq!((rig.calls("AddTags"), rig.calls("DeleteTags"), rig.calls("UpdateProject")), (1, 1, 1));
    // nothing more to do: no more tag calls
    tokio::time::sleep(Duration::from_secs(1800)).await;
    assert_eq!((rig.calls("AddTags"), rig.calls("DeleteTags"), rig.calls("ListTags")), (1, 1, 1));
}

/// What a crash between a create and its status write leaves: the stored
/// resource with the agent's finalizer and no status, and in AWS what the
/// agent's create made (its owner tag, its client token).
async fn created_before_a_crash(rig: &Rig, kind: &'static aws::AwsKind, r: &Resource) {
    let stored = rig.apply(r).await;
    let stored = rig.store.set_finalizer(kind.info, &stored, &ack::finalizer(kind.info.group, kind.info.kind), true).await.expect("finalizer");
    let mut input = kind.create_spec(&kind.info.effective_spec(&stored));
    if let (Some(token), Some(uid)) = (kind.client_token, &stored.metadata.uid) {
        input[token] = json!(uid);
    }
    if let Some(field) = kind.tags_field {
        reconcile::add_owner_tags(&mut input, field, kind.service.tags_are_a_map, &stored, &[]);
    }
    let call = Call::of(kind, Role::Create).expect("create");
    rig.sim.call(&here(), call, (kind.create.input)(&input, false).expect("input")).await.expect("created");
}

#[tokio::test(start_paused = true)]
async fn after_a_crash_between_create_and_status_no_new_kind_is_created_twice() {
    let rig = rig_before_start();
    let pipeline = example(PIPELINE, "");
    let package = example(MODEL_PACKAGE, "");
    let notebook = example(NOTEBOOK, "");
    let crashed: Vec<(&'static aws::AwsKind, &Resource)> = vec![
        (&aws::HYPER_PARAMETER_TUNING_JOB, &example(TUNING, "").leak()[0]),
        (&aws::PROCESSING_JOB, &example(PROCESSING, "").leak()[0]),
        (&aws::DOMAIN, &example(STUDIO, "").leak()[0]),
        (&aws::PIPELINE, &pipeline[0]),
        (&aws::PIPELINE_EXECUTION, &pipeline[1]),
        (&aws::MODEL_PACKAGE_GROUP, &package[0]),
        (&aws::MODEL_PACKAGE, &package[1]),
        (&aws::NOTEBOOK_INSTANCE_LIFECYCLE_CONFIG, &notebook[0]),
        (&aws::NOTEBOOK_INSTANCE, &notebook[1]),
    ];
    for (kind, r) in &crashed {
        created_before_a_crash(&rig, kind, r).await;
    }
    let rig = rig.started();
    for (kind, r) in &crashed {
        let found = rig.settled(kind.info, &r.metadata.name).await;
        assert!(found.str_at("status.ackResourceMetadata.arn").is_some(), "{}: {:?}", kind.info.kind, found.status);
        assert_eq!(rig.sim.count(&here(), kind), 1, "{}: one in AWS", kind.info.kind);
        // only what is named by a client token alone is created again, and
        // AWS answers with the one the token made
        let retried = kind.info.assigned.is_some() && kind.find.is_none();
        assert_eq!(rig.calls(kind.create.name), u64::from(retried), "{}", kind.info.kind);
    }
}

#[tokio::test(start_paused = true)]
async fn a_domain_deleted_after_its_status_was_lost_is_found_and_deleted_not_left_behind() {
    let rig = rig_before_start();
    let domain = example(STUDIO, "").remove(0);
    created_before_a_crash(&rig, &aws::DOMAIN, &domain).await;
    rig.delete(&info::DOMAIN, "team").await;
    let rig = rig.started();
    rig.until_gone(&info::DOMAIN, "team").await;
    assert_eq!(rig.calls("DeleteDomain"), 1);
    assert_eq!(rig.sim.count(&here(), &aws::DOMAIN), 0, "nothing left in AWS");
}

#[tokio::test(start_paused = true)]
async fn a_notebook_the_user_stopped_during_an_update_is_not_started_again() {
    let rig = rig();
    let docs = example(NOTEBOOK, "");
    rig.apply_all(&docs).await;
    rig.settled(&info::NOTEBOOK_INSTANCE, "explore").await;
    let mut bigger = docs[1].clone();
    bigger.spec["instanceType"] = json!("ml.t3.large");
    rig.apply(&bigger).await;
    rig.until(&info::NOTEBOOK_INSTANCE, "explore", "stopped for the update", |r| r.annotation(ANNOTATION_RESTART) == Some("true")).await;
    // the user asks it to stay stopped (`kubectl sagemaker stop`)
    rig.store.annotate(&info::NOTEBOOK_INSTANCE, "default", "explore", ack::ANNOTATION_STOP, "true").await.expect("stop");
    tokio::time::sleep(Duration::from_secs(1800)).await;
    assert_eq!(rig.calls("UpdateNotebookInstance"), 1, "the update still goes");
    assert_eq!(rig.calls("StartNotebookInstance"), 0, "but it is not started against the user's stop");
    assert_eq!(rig.sim.status_of(&here(), &aws::NOTEBOOK_INSTANCE, "explore"), Some("Stopped"));
}

#[tokio::test(start_paused = true)]
async fn adopt_all_reads_job_definitions_and_user_profiles_by_their_summaries_names() {
    let rig = rig_before_start();
    let definition = example(MONITORING, "").remove(0);
    rig.sim.create_outside(&here(), &aws::DATA_QUALITY_JOB_DEFINITION, (aws::DATA_QUALITY_JOB_DEFINITION.create.input)(&definition.spec, false).expect("input"));
    let user = example(STUDIO_USERS, "d-outside0001").remove(0);
    rig.sim.create_outside(&here(), &aws::USER_PROFILE, (aws::USER_PROFILE.create.input)(&user.spec, false).expect("input"));
    let rig = rig.started();
    let aws = rig.aws.clone().expect("started");
    let defaults = placement::Defaults { region: "us-east-1".into(), account: "111111111111".into(), ..Default::default() };
    let adopt_all = |kind: &'static sagemaker_core::KindInfo| {
        let (store, aws, defaults) = (rig.store.clone(), aws.clone(), defaults.clone());
        async move {
            let request = crate::adopt::Request { kind, aws_name: "", name: "", namespace: "default", region: "", account: "" };
            let filter = crate::adopt::Filter { prefix: "", tags: &[] };
            crate::adopt::manifests_all(store, aws, defaults, &request, &filter).await
        }
    };
    // a definition's summary says MonitoringJobDefinitionName
    let (manifests, skipped) = adopt_all(&info::DATA_QUALITY_JOB_DEFINITION).await.expect("listed");
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(manifests.len(), 1);
    assert_eq!(manifests[0].metadata.name, "churn-data-quality");
    assert_eq!(manifests[0].spec["jobDefinitionName"], "churn-data-quality");
    assert_eq!(manifests[0].spec["jobResources"]["clusterConfig"]["instanceCount"], 1, "the spec AWS holds: {:?}", manifests[0].spec);
    // a user profile is named by its domain and name
    let (manifests, _) = adopt_all(&info::USER_PROFILE).await.expect("listed");
    assert_eq!(manifests.len(), 1);
    assert_eq!((manifests[0].spec["domainID"].as_str(), manifests[0].spec["userProfileName"].as_str()), (Some("d-outside0001"), Some("alice")));
    assert_eq!((rig.calls("ListDataQualityJobDefinitions"), rig.calls("ListUserProfiles")), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn the_bias_explainability_and_quality_definitions_are_created_and_deleted_as_written() {
    let rig = rig();
    let docs = example(MONITORING_DEFINITIONS, "");
    rig.apply_all(&docs).await;
    for (info, name) in [
        (&info::MODEL_BIAS_JOB_DEFINITION, "churn-bias"),
        (&info::MODEL_EXPLAINABILITY_JOB_DEFINITION, "churn-explainability"),
        (&info::MODEL_QUALITY_JOB_DEFINITION, "churn-quality"),
    ] {
        let r = rig.settled(info, name).await;
        assert!(r.str_at("status.ackResourceMetadata.arn").is_some_and(|a| a.ends_with(&format!("-job-definition/{name}"))), "{:?}", r.status);
        rig.delete(info, name).await;
        rig.until_gone(info, name).await;
    }
    let calls = ["CreateModelBiasJobDefinition", "CreateModelExplainabilityJobDefinition", "CreateModelQualityJobDefinition"].map(|op| rig.calls(op));
    assert_eq!(calls, [1, 1, 1]);
    assert_eq!(rig.calls("DeleteModelQualityJobDefinition"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_lifecycle_configuration_no_spec_ever_stated_is_never_removed_from_an_adopted_notebook() {
    let rig = rig_before_start();
    let docs = example(NOTEBOOK, "");
    rig.sim.create_outside(&here(), &aws::NOTEBOOK_INSTANCE_LIFECYCLE_CONFIG, (aws::NOTEBOOK_INSTANCE_LIFECYCLE_CONFIG.create.input)(&docs[0].spec, false).expect("input"));
    rig.sim.create_outside(&here(), &aws::NOTEBOOK_INSTANCE, (aws::NOTEBOOK_INSTANCE.create.input)(&docs[1].spec, false).expect("input"));
    let rig = rig.started();
    // adopted with a manifest that says nothing of the lifecycle configuration
    let mut adopting = docs[1].clone();
    adopting.spec.as_object_mut().expect("spec").remove("lifecycleConfigName");
    adopting.metadata.annotations.insert(ack::ANNOTATION_ADOPTION_POLICY.into(), "adopt-or-create".into());
    rig.apply(&adopting).await;
    rig.settled(&info::NOTEBOOK_INSTANCE, "explore").await;
    tokio::time::sleep(Duration::from_secs(900)).await;
    assert_eq!((rig.calls("StopNotebookInstance"), rig.calls("UpdateNotebookInstance")), (0, 0), "the notebook is left running as it is");
    // and `adopt` writes the spec AWS holds, the configuration in it
    let observed = json!({ "notebookInstanceName": "explore", "instanceType": "ml.t3.medium", "roleARN": "arn:aws:iam::111111111111:role/x", "notebookInstanceLifecycleConfigName": "install-packages" });
    let spec = crate::adopt::spec_from(&aws::NOTEBOOK_INSTANCE, &observed, &json!({ "notebookInstanceName": "explore" }));
    assert_eq!(spec["lifecycleConfigName"], "install-packages", "{spec}");
}

#[tokio::test(start_paused = true)]
async fn a_notebook_update_aws_refuses_starts_it_again_as_it_was_and_says_why() {
    let rig = rig();
    let docs = example(NOTEBOOK, "");
    rig.apply_all(&docs).await;
    rig.settled(&info::NOTEBOOK_INSTANCE, "explore").await;
    let mut wrong = docs[1].clone();
    wrong.spec["instanceType"] = json!("ml.nonexistent.size");
    rig.apply(&wrong).await;
    let refused = rig.until(&info::NOTEBOOK_INSTANCE, "explore", "terminal", terminal).await;
    assert!(condition_message(&refused, ack::CONDITION_TERMINAL).contains("started again as it was"), "{:?}", refused.status);
    rig.until(&info::NOTEBOOK_INSTANCE, "explore", "running again", |r| r.annotation(ANNOTATION_RESTART) == Some("false")).await;
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(rig.sim.status_of(&here(), &aws::NOTEBOOK_INSTANCE, "explore"), Some("InService"));
    assert_eq!((rig.calls("StopNotebookInstance"), rig.calls("StartNotebookInstance")), (1, 1));
}

#[test]
fn an_inference_components_deployed_image_reads_as_the_image_its_spec_gave() {
    let mut seen = json!({
        "specification": { "container": { "deployedImage": { "specifiedImage": "img:1", "resolvedImage": "img@sha256:abc" } } },
        "runtimeConfig": { "desiredCopyCount": 2, "currentCopyCount": 1 },
    });
    (aws::INFERENCE_COMPONENT.hooks.observed_as_spec)(&mut seen);
    assert_eq!(seen.pointer("/specification/container/image"), Some(&json!("img:1")));
    assert_eq!(seen.pointer("/runtimeConfig/copyCount"), Some(&json!(2)));
}
