//! The reconcile engine on the embedded store and the simulator, with tokio's
//! clock paused: lifecycles that take minutes in AWS run in milliseconds,
//! and call counts are exact.

use std::sync::Arc;

use sagemaker_core::{KindInfo, Resource, ack};
use serde_json::{Value, json};

use super::*;
use crate::{
    aws::{AwsError, Target, sim::{FAIL_REASON_ENV, FAIL_TAG, Simulator}},
    kinds::{ENDPOINT, ENDPOINT_CONFIG, LAST_ENDPOINT_CONFIG_FOR_UPDATE, MODEL, Role, TRAINING_JOB},
    placement,
    store::embedded::EmbeddedStore,
};

mod kinds;

/// Seconds each simulated phase lasts (of tokio's paused clock).
const STEP: Duration = Duration::from_secs(30);

/// An engine over the embedded store and the simulator.
struct Rig {
    store: Arc<EmbeddedStore>,
    sim: Arc<Simulator>,
    aws: Option<Arc<Aws>>,
    _dir: tempfile::TempDir,
}

fn rig() -> Rig {
    rig_before_start().started()
}

/// The store and simulator, before the engine starts (as after a crash).
fn rig_before_start() -> Rig {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(EmbeddedStore::open(dir.path()).expect("store").0);
    let sim = Arc::new(Simulator::new("111111111111", STEP, None).expect("sim"));
    Rig { store, sim, aws: None, _dir: dir }
}

fn here() -> Target {
    Target { account: "111111111111".into(), region: "us-east-1".into(), ..Default::default() }
}

fn resource(kind: &KindInfo, name: &str, spec: Value) -> Resource {
    serde_json::from_value(json!({
        "apiVersion": kind.api_version(), "kind": kind.kind,
        "metadata": { "name": name, "namespace": "default" },
        "spec": spec,
    }))
    .expect("resource")
}

fn job(name: &str, env: Value) -> Resource {
    resource(&sagemaker_core::kinds::TRAINING_JOB, name, json!({
        "trainingJobName": name,
        "roleARN": "arn:aws:iam::111111111111:role/sm",
        "algorithmSpecification": { "trainingImage": "img", "trainingInputMode": "File" },
        "outputDataConfig": { "s3OutputPath": "s3://b/out" },
        "resourceConfig": { "instanceType": "ml.m5.large", "instanceCount": 1, "volumeSizeInGB": 5 },
        "stoppingCondition": { "maxRuntimeInSeconds": 3600 },
        "environment": env,
    }))
}

fn model(name: &str) -> Resource {
    resource(&sagemaker_core::kinds::MODEL, name, json!({
        "modelName": name,
        "executionRoleARN": "arn:aws:iam::111111111111:role/sm",
        "primaryContainer": { "image": "img", "modelDataURL": "s3://b/model.tar.gz" },
    }))
}

fn config(name: &str, model: &str, tags: Value) -> Resource {
    resource(&sagemaker_core::kinds::ENDPOINT_CONFIG, name, json!({
        "endpointConfigName": name,
        "productionVariants": [{ "variantName": "AllTraffic", "modelName": model, "initialInstanceCount": 1, "instanceType": "ml.m5.large" }],
        "tags": tags,
    }))
}

fn endpoint(name: &str, config: &str) -> Resource {
    resource(&sagemaker_core::kinds::ENDPOINT, name, json!({ "endpointName": name, "endpointConfigName": config }))
}

impl Rig {
    fn started(self) -> Rig {
        self.started_with("delete")
    }

    /// Started with the agent's `--deletion-policy`.
    fn started_with(mut self, deletion_policy: &str) -> Rig {
        let aws = Arc::new(Aws::new(self.sim.clone(), 1000.0));
        let settings = Settings {
            default_region: "us-east-1".into(),
            account: "111111111111".into(),
            poll_min: Duration::from_secs(5),
            poll_max: Duration::from_secs(20),
            concurrency: 4,
            resync: Default::default(),
            deletion_policy: deletion_policy.into(),
            resource_tags: reconcile::parse_resource_tags(&format!("{},team=%K8S_RESOURCE_KIND%", reconcile::DEFAULT_RESOURCE_TAGS)).expect("tags"),
            session_tags: Default::default(),
        };
        Engine::start(self.store.clone(), aws.clone(), settings);
        self.aws = Some(aws);
        self
    }

    fn calls(&self, op: &str) -> u64 {
        self.aws.as_ref().and_then(|a| a.calls().get(op).copied()).unwrap_or(0)
    }

    async fn apply(&self, r: &Resource) -> Resource {
        let kind = sagemaker_core::kinds::by_api_version(&r.api_version, &r.kind).expect("kind");
        self.store.apply(kind, r, false).await.expect("apply").0
    }

    /// Applies a job in `ns` managing the AWS name `aws_name`.
    async fn apply_in(&self, ns: &str, name: &str, aws_name: &str) -> Resource {
        let mut r = job(name, json!({}));
        r.metadata.namespace = ns.into();
        r.spec["trainingJobName"] = json!(aws_name);
        self.apply(&r).await
    }

    async fn get(&self, kind: &'static KindInfo, ns: &str, name: &str) -> Option<Resource> {
        self.store.get(kind, ns, name).await.expect("get")
    }

    /// Waits (up to 2 hours of the paused clock, a bound and not a
    /// measurement) until the stored resource satisfies `pred`.
    async fn until(&self, kind: &'static KindInfo, name: &str, what: &str, pred: impl Fn(&Resource) -> bool) -> Resource {
        self.until_in(kind, "default", name, what, pred).await
    }

    async fn until_in(&self, kind: &'static KindInfo, ns: &str, name: &str, what: &str, pred: impl Fn(&Resource) -> bool) -> Resource {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(7200);
        loop {
            if let Some(r) = self.get(kind, ns, name).await
                && pred(&r)
            {
                return r;
            }
            if tokio::time::Instant::now() >= deadline {
                let last = self.get(kind, ns, name).await.map(|r| r.status);
                panic!("{ns}/{name} never became {what}; its status: {last:?}");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn until_gone(&self, kind: &'static KindInfo, name: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(7200);
        while self.get(kind, "default", name).await.is_some() {
            assert!(tokio::time::Instant::now() < deadline, "{name}'s finalizer was never released");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

fn condition_status<'a>(r: &'a Resource, type_: &str) -> Option<&'a str> {
    r.condition(type_).and_then(|c| c["status"].as_str())
}

fn condition_message(r: &Resource, type_: &str) -> String {
    r.condition(type_).and_then(|c| c["message"].as_str()).unwrap_or_default().to_string()
}

fn ready(r: &Resource) -> bool {
    condition_status(r, ack::CONDITION_READY) == Some("True")
}

fn terminal(r: &Resource) -> bool {
    condition_status(r, ack::CONDITION_TERMINAL) == Some("True")
}

/// The hosting chain, applied and in service.
async fn serving(rig: &Rig) -> Resource {
    rig.apply(&model("m")).await;
    rig.apply(&config("c1", "m", json!([]))).await;
    rig.apply(&endpoint("e", "c1")).await;
    rig.until(&sagemaker_core::kinds::ENDPOINT, "e", "in service", ready).await
}

#[tokio::test(start_paused = true)]
async fn every_kind_reaches_its_steady_state_and_then_costs_no_calls_until_its_resync() {
    let rig = rig();
    rig.apply(&job("j", json!({}))).await;
    let e = serving(&rig).await;
    assert_eq!(e.str_at("status.endpointStatus"), Some("InService"));
    let j = rig.until(&sagemaker_core::kinds::TRAINING_JOB, "j", "completed", ready).await;
    assert_eq!(j.str_at("status.trainingJobStatus"), Some("Completed"));
    for (kind, name) in [(&sagemaker_core::kinds::MODEL, "m"), (&sagemaker_core::kinds::ENDPOINT_CONFIG, "c1")] {
        let r = rig.until(kind, name, "ready", ready).await;
        assert!(r.str_at("status.ackResourceMetadata.arn").is_some_and(|a| a.starts_with("arn:aws:sagemaker:us-east-1:111111111111:")));
    }
    // over the next 50 minutes: the finished job costs nothing, the steady
    // ones one describe per resync (Endpoint 5 minutes, the others 10)
    let before = rig.aws.as_ref().map(|a| a.calls()).unwrap_or_default();
    tokio::time::sleep(Duration::from_secs(3000)).await;
    let after = rig.aws.as_ref().map(|a| a.calls()).unwrap_or_default();
    let grew = |op: &str| after.get(op).copied().unwrap_or(0) - before.get(op).copied().unwrap_or(0);
    assert_eq!(grew("DescribeTrainingJob"), 0, "a finished job is never described again");
    assert!((9..=11).contains(&grew("DescribeEndpoint")), "{}", grew("DescribeEndpoint"));
    for op in ["DescribeModel", "DescribeEndpointConfig"] {
        assert!((4..=6).contains(&grew(op)), "{op}: {}", grew(op));
    }
    let writes: u64 = after.iter().filter(|(op, _)| !op.starts_with("Describe")).map(|(_, n)| n).sum::<u64>()
        - before.iter().filter(|(op, _)| !op.starts_with("Describe")).map(|(_, n)| n).sum::<u64>();
    assert_eq!(writes, 0, "nothing is created or changed again");
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_config_waits_for_its_model_and_says_so_instead_of_failing() {
    let rig = rig();
    rig.apply(&config("c1", "later", json!([]))).await;
    let waiting = rig
        .until(&sagemaker_core::kinds::ENDPOINT_CONFIG, "c1", "waiting", |r| {
            condition_message(r, ack::CONDITION_SYNCED).starts_with("waiting for Model later")
        })
        .await;
    assert_eq!(condition_status(&waiting, ack::CONDITION_SYNCED), Some("False"));
    assert_eq!(condition_status(&waiting, ack::CONDITION_TERMINAL), None);
    assert_eq!(rig.calls("CreateEndpointConfig"), 0);
    rig.apply(&model("later")).await;
    rig.until(&sagemaker_core::kinds::ENDPOINT_CONFIG, "c1", "created", ready).await;
    assert_eq!(rig.calls("CreateEndpointConfig"), 1);
}

#[tokio::test(start_paused = true)]
async fn pointing_an_endpoint_at_another_config_updates_it_retaining_variant_properties() {
    let rig = rig();
    serving(&rig).await;
    rig.apply(&config("c2", "m", json!([]))).await;
    rig.until(&sagemaker_core::kinds::ENDPOINT_CONFIG, "c2", "created", ready).await;
    rig.apply(&endpoint("e", "c2")).await;
    let e = rig
        .until(&sagemaker_core::kinds::ENDPOINT, "e", "updated", |r| ready(r) && rig.calls("UpdateEndpoint") == 1)
        .await;
    assert_eq!(e.annotation(LAST_ENDPOINT_CONFIG_FOR_UPDATE), Some("c2"));
    assert_eq!(e.value_at("status.productionVariants").and_then(|v| v[0]["currentInstanceCount"].as_i64()), Some(1));
    assert_eq!(rig.sim.status_of(&here(), &ENDPOINT, "e"), Some("InService"));
    // nothing further to do: no second update
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(rig.calls("UpdateEndpoint"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failed_endpoint_update_is_shown_never_retried_for_the_same_config_and_a_new_config_is_tried() {
    let rig = rig();
    serving(&rig).await;
    let bad = json!([{ "key": FAIL_TAG, "value": "the primary container did not pass the ping health check" }]);
    rig.apply(&config("bad", "m", bad)).await;
    rig.apply(&config("good", "m", json!([]))).await;
    rig.until(&sagemaker_core::kinds::ENDPOINT_CONFIG, "bad", "created", ready).await;
    rig.until(&sagemaker_core::kinds::ENDPOINT_CONFIG, "good", "created", ready).await;

    rig.apply(&endpoint("e", "bad")).await;
    let e = rig.until(&sagemaker_core::kinds::ENDPOINT, "e", "terminal", terminal).await;
    let message = condition_message(&e, ack::CONDITION_TERMINAL);
    assert!(message.contains("ping health check") && message.contains("still serves c1"), "{message}");
    assert_eq!(e.str_at("status.failureReason"), Some("the primary container did not pass the ping health check"));
    tokio::time::sleep(Duration::from_secs(900)).await;
    assert_eq!(rig.calls("UpdateEndpoint"), 1, "the failed config is not tried again");

    rig.apply(&endpoint("e", "good")).await;
    rig.until(&sagemaker_core::kinds::ENDPOINT, "e", "updated", |r| ready(r) && !terminal(r)).await;
    assert_eq!(rig.calls("UpdateEndpoint"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failed_endpoint_is_terminal_with_the_reason() {
    let rig = rig();
    rig.apply(&model("m")).await;
    rig.apply(&config("broken", "m", json!([{ "key": FAIL_TAG, "value": "image not found" }]))).await;
    rig.apply(&endpoint("e", "broken")).await;
    let e = rig.until(&sagemaker_core::kinds::ENDPOINT, "e", "terminal", terminal).await;
    assert_eq!(e.str_at("status.endpointStatus"), Some("Failed"));
    assert!(condition_message(&e, ack::CONDITION_TERMINAL).contains("image not found"));
    assert_eq!(condition_status(&e, ack::CONDITION_READY), Some("False"));
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_deleted_outside_kubernetes_is_noticed_on_resync_and_created_again() {
    let rig = rig();
    serving(&rig).await;
    rig.sim.delete_outside(&here(), &ENDPOINT, "e");
    tokio::time::sleep(Duration::from_secs(400)).await;
    rig.until(&sagemaker_core::kinds::ENDPOINT, "e", "serving again", ready).await;
    assert_eq!(rig.calls("CreateEndpoint"), 2);
    assert_eq!(rig.sim.status_of(&here(), &ENDPOINT, "e"), Some("InService"));
}

#[tokio::test(start_paused = true)]
async fn deleting_each_kind_stops_or_deletes_it_in_aws_and_then_releases_the_finalizer() {
    let rig = rig();
    serving(&rig).await;
    rig.apply(&job("j", json!({}))).await;
    rig.until(&sagemaker_core::kinds::TRAINING_JOB, "j", "running", |r| r.str_at("status.trainingJobStatus") == Some("InProgress")).await;
    for (kind, name) in [
        (&sagemaker_core::kinds::TRAINING_JOB, "j"),
        (&sagemaker_core::kinds::ENDPOINT, "e"),
        (&sagemaker_core::kinds::ENDPOINT_CONFIG, "c1"),
        (&sagemaker_core::kinds::MODEL, "m"),
    ] {
        rig.store.delete(kind, "default", name).await.expect("delete");
        rig.until_gone(kind, name).await;
    }
    assert_eq!(rig.calls("StopTrainingJob"), 1);
    assert_eq!(rig.sim.status_of(&here(), &TRAINING_JOB, "j"), Some("Stopped"), "a job's record stays, stopped");
    for (kind, id, op) in [(&ENDPOINT, "e", "DeleteEndpoint"), (&ENDPOINT_CONFIG, "c1", "DeleteEndpointConfig"), (&MODEL, "m", "DeleteModel")] {
        assert_eq!(rig.calls(op), 1, "{op}");
        assert_eq!(rig.sim.status_of(&here(), kind, id), None, "{id} is gone from AWS");
    }
}

#[tokio::test(start_paused = true)]
async fn deleting_an_endpoint_while_it_is_created_waits_for_it_then_deletes_it() {
    let rig = rig();
    rig.apply(&model("m")).await;
    rig.apply(&config("c1", "m", json!([]))).await;
    rig.apply(&endpoint("e", "c1")).await;
    rig.until(&sagemaker_core::kinds::ENDPOINT, "e", "creating", |r| r.str_at("status.endpointStatus") == Some("Creating")).await;
    rig.store.delete(&sagemaker_core::kinds::ENDPOINT, "default", "e").await.expect("delete");
    rig.until_gone(&sagemaker_core::kinds::ENDPOINT, "e").await;
    assert_eq!(rig.calls("DeleteEndpoint"), 1, "deleted once, after it stopped changing");
    assert_eq!(rig.sim.status_of(&here(), &ENDPOINT, "e"), None);
}

#[tokio::test(start_paused = true)]
async fn retain_leaves_the_aws_resource_running() {
    let rig = rig();
    serving(&rig).await;
    rig.store
        .annotate(&sagemaker_core::kinds::ENDPOINT, "default", "e", ack::ANNOTATION_DELETION_POLICY, ack::DELETION_POLICY_RETAIN)
        .await
        .expect("annotate");
    rig.store.delete(&sagemaker_core::kinds::ENDPOINT, "default", "e").await.expect("delete");
    rig.until_gone(&sagemaker_core::kinds::ENDPOINT, "e").await;
    assert_eq!(rig.calls("DeleteEndpoint"), 0);
    assert_eq!(rig.sim.status_of(&here(), &ENDPOINT, "e"), Some("InService"));
}

#[tokio::test(start_paused = true)]
async fn a_request_aws_rejects_as_invalid_turns_terminal_at_once_instead_of_retrying_forever() {
    let rig = rig();
    let invalid = AwsError::new(
        "CreateTrainingJob",
        "ValidationException",
        "1 validation error detected: Value 'not-an-arn' at 'roleArn' failed to satisfy constraint",
    );
    rig.sim.inject("CreateTrainingJob", invalid, 1);
    rig.apply(&job("bad-role", json!({}))).await;
    let r = rig.until(&sagemaker_core::kinds::TRAINING_JOB, "bad-role", "terminal", terminal).await;
    let message = condition_message(&r, ack::CONDITION_TERMINAL);
    assert!(message.contains("ValidationException") && message.contains("roleArn"), "{message}");
    assert_eq!(condition_status(&r, ack::CONDITION_READY), Some("False"));
    assert_eq!(rig.calls("CreateTrainingJob"), 1);
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_with_backoff_and_the_job_still_gets_created() {
    let rig = rig();
    rig.sim.inject("CreateTrainingJob", AwsError::new("CreateTrainingJob", "ThrottlingException", "Rate exceeded"), 1);
    rig.apply(&job("throttled", json!({}))).await;
    let r = rig
        .until(&sagemaker_core::kinds::TRAINING_JOB, "throttled", "recoverable", |r| {
            condition_status(r, ack::CONDITION_RECOVERABLE) == Some("True")
        })
        .await;
    assert_eq!(condition_status(&r, ack::CONDITION_TERMINAL), None);
    let started = tokio::time::Instant::now();
    let r = rig
        .until(&sagemaker_core::kinds::TRAINING_JOB, "throttled", "created", |r| r.str_at("status.ackResourceMetadata.arn").is_some())
        .await;
    assert!(started.elapsed() >= Duration::from_secs(1), "retried after a backoff, not at once");
    assert_eq!(condition_status(&r, ack::CONDITION_RECOVERABLE), None);
    assert_eq!(rig.calls("CreateTrainingJob"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failed_job_is_synced_but_not_ready_and_says_why() {
    let rig = rig();
    rig.apply(&job("fails", json!({ FAIL_REASON_ENV: "AlgorithmError: boom" }))).await;
    let r = rig
        .until(&sagemaker_core::kinds::TRAINING_JOB, "fails", "failed", |r| {
            r.str_at("status.trainingJobStatus") == Some("Failed") && r.condition(ack::CONDITION_READY).is_some()
        })
        .await;
    assert_eq!(condition_status(&r, ack::CONDITION_SYNCED), Some("True"));
    let ready = r.condition(ack::CONDITION_READY).expect("ready");
    assert_eq!(ready["status"], "False");
    assert_eq!(ready["reason"], "Failed");
    assert!(ready["message"].as_str().unwrap_or_default().contains("AlgorithmError: boom"), "{ready}");
}

#[tokio::test(start_paused = true)]
async fn a_training_job_gets_its_warm_pool_update_and_nothing_else_is_sent() {
    let rig = rig();
    let mut j = job("warm", json!({}));
    j.spec["resourceConfig"]["keepAlivePeriodInSeconds"] = json!(600);
    rig.apply(&j).await;
    rig.until(&sagemaker_core::kinds::TRAINING_JOB, "warm", "running", |r| r.str_at("status.trainingJobStatus") == Some("InProgress")).await;
    j.spec["resourceConfig"]["keepAlivePeriodInSeconds"] = json!(1200);
    rig.apply(&j).await;
    rig.until(&sagemaker_core::kinds::TRAINING_JOB, "warm", "updated", |_| rig.calls("UpdateTrainingJob") == 1).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(rig.calls("UpdateTrainingJob"), 1);
}

#[tokio::test(start_paused = true)]
async fn two_resources_naming_one_aws_job_create_it_once_and_only_one_owns_it() {
    let rig = rig_before_start();
    rig.apply_in("team-a", "first", "shared").await;
    rig.apply_in("team-b", "second", "shared").await;
    let rig = rig.started();
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    // whichever wins, exactly one records the job and the other names it as the owner
    let settled = |r: &Resource| placement::recorded_arn(r).is_some() || terminal(r);
    let first = rig.until_in(tj, "team-a", "first", "settled", settled).await;
    let second = rig.until_in(tj, "team-b", "second", "settled", settled).await;
    let (owner, loser) = match (placement::recorded_arn(&first), placement::recorded_arn(&second)) {
        (Some(_), None) => (first, second),
        (None, Some(_)) => (second, first),
        other => panic!("exactly one may own the job: {other:?}"),
    };
    // the older owns it; within one second (timestamps' granularity) the smaller uid
    assert!(placement::owns_before(&owner, &loser) || owner.metadata.creation_timestamp == loser.metadata.creation_timestamp);
    let message = condition_message(&loser, ack::CONDITION_TERMINAL);
    let before = format!("{} already manages the TrainingJob named shared", owner.key());
    let after = format!("managed by {} and was not created for this resource", owner.key());
    assert!(message.contains(&before) || message.contains(&after), "{message}");
    // the second create, if it came, was refused: AWS has the owner's job
    assert!(rig.calls("CreateTrainingJob") <= 2);
    assert_eq!(rig.sim.status_of(&here(), &TRAINING_JOB, "shared"), Some("InProgress"));
}

/// The create input the agent sends for `r` (owner tags included).
fn create_input(r: &Resource) -> Value {
    let mut spec = r.spec.clone();
    reconcile::add_owner_tags(&mut spec, "tags", false, r, &[]);
    (TRAINING_JOB.create.input)(&spec, false).expect("input")
}

#[tokio::test(start_paused = true)]
async fn after_a_restart_the_loser_of_a_name_race_never_takes_over_or_stops_the_winners_job() {
    // what a crash left: the loser added its finalizer, then lost the
    // create to the winner (ResourceInUse) and recorded no ARN
    let rig = rig_before_start();
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    let winner = rig.apply_in("team-a", "winner", "shared").await;
    let loser = rig.apply_in("team-b", "loser", "shared").await;
    let finalizer = ack::finalizer(tj.group, tj.kind);
    rig.store.set_finalizer(tj, &loser, &finalizer, true).await.expect("finalizer");
    rig.sim.create_outside(&here(), &TRAINING_JOB, create_input(&winner));
    // the winner's status write was lost too: it is recognised by its tag
    let winner = rig.get(tj, "team-a", "winner").await.expect("winner");
    rig.store.set_finalizer(tj, &winner, &finalizer, true).await.expect("finalizer");

    let rig = rig.started();
    rig.until_in(tj, "team-a", "winner", "adopted", |r| r.str_at("status.ackResourceMetadata.arn").is_some()).await;
    let loser = rig.until_in(tj, "team-b", "loser", "terminal", terminal).await;
    assert!(loser.str_at("status.ackResourceMetadata.arn").is_none(), "the loser took the winner's ARN");
    let message = condition_message(&loser, ack::CONDITION_TERMINAL);
    assert!(message.contains("was not created for this resource") && message.contains("managed by team-a/winner"), "{message}");
    assert_eq!(rig.calls("CreateTrainingJob"), 0);

    rig.store.delete(tj, "team-b", "loser").await.expect("delete");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(600);
    while rig.get(tj, "team-b", "loser").await.is_some() {
        assert!(tokio::time::Instant::now() < deadline, "the loser's finalizer was never released");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(rig.calls("StopTrainingJob"), 0);
    assert_eq!(rig.sim.status_of(&here(), &TRAINING_JOB, "shared"), Some("InProgress"), "the winner's job must keep running");
}

#[tokio::test(start_paused = true)]
async fn a_job_of_the_same_name_created_outside_the_agent_is_never_adopted() {
    let rig = rig_before_start();
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    let r = rig.apply_in("default", "mine", "theirs").await;
    let finalizer = ack::finalizer(tj.group, tj.kind);
    rig.store.set_finalizer(tj, &r, &finalizer, true).await.expect("finalizer");
    rig.sim.create_outside(&here(), &TRAINING_JOB, (TRAINING_JOB.create.input)(&r.spec, false).expect("input"));
    let rig = rig.started();
    let r = rig.until(tj, "mine", "terminal", terminal).await;
    assert!(r.str_at("status.ackResourceMetadata.arn").is_none());
    assert_eq!(rig.calls("ListTags"), 1, "ownership is checked once, by tags");
}

#[tokio::test(start_paused = true)]
async fn a_job_aws_shows_differently_than_recorded_turns_terminal_and_is_not_stopped_on_delete() {
    let rig = rig_before_start();
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    let r = rig.apply_in("default", "replaced", "replaced").await;
    let finalizer = ack::finalizer(tj.group, tj.kind);
    let r = rig.store.set_finalizer(tj, &r, &finalizer, true).await.expect("finalizer");
    // what was recorded is not what AWS now has under that name
    let recorded = json!({"ackResourceMetadata": {
        "arn": "arn:aws:sagemaker:us-east-1:111111111111:training-job/an-earlier-one",
        "region": "us-east-1", "ownerAccountID": "111111111111"}});
    rig.store.write_status(tj, &r, recorded).await.expect("status");
    rig.sim.create_outside(&here(), &TRAINING_JOB, (TRAINING_JOB.create.input)(&r.spec, false).expect("input"));
    let rig = rig.started();
    let r = rig.until(tj, "replaced", "terminal", terminal).await;
    assert!(condition_message(&r, ack::CONDITION_TERMINAL).contains("was replaced outside this resource"));
    rig.store.delete(tj, "default", "replaced").await.expect("delete");
    rig.until_gone(tj, "replaced").await;
    assert_eq!(rig.calls("StopTrainingJob"), 0);
    assert_eq!(rig.sim.status_of(&here(), &TRAINING_JOB, "replaced"), Some("InProgress"));
}

#[tokio::test(start_paused = true)]
async fn a_describe_aws_rejects_is_retried_not_terminal() {
    let rig = rig();
    rig.sim.inject("DescribeTrainingJob", AwsError::new("DescribeTrainingJob", "ValidationException", "something odd"), 1);
    rig.apply(&job("odd", json!({}))).await;
    let r = rig
        .until(&sagemaker_core::kinds::TRAINING_JOB, "odd", "recoverable", |r| {
            condition_status(r, ack::CONDITION_RECOVERABLE) == Some("True")
        })
        .await;
    assert_eq!(condition_status(&r, ack::CONDITION_TERMINAL), None);
}

#[tokio::test(start_paused = true)]
async fn a_region_annotation_moved_away_turns_terminal_and_restoring_it_recovers_without_a_restart() {
    let rig = rig();
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    rig.apply(&job("pinned", json!({}))).await;
    rig.until(tj, "pinned", "created", |r| r.str_at("status.ackResourceMetadata.region") == Some("us-east-1")).await;
    rig.store.annotate(tj, "default", "pinned", ack::ANNOTATION_REGION, "eu-west-1").await.expect("annotate");
    let r = rig.until(tj, "pinned", "terminal", terminal).await;
    assert_eq!(r.str_at("status.ackResourceMetadata.region"), Some("us-east-1"));
    rig.store.annotate(tj, "default", "pinned", ack::ANNOTATION_REGION, "us-east-1").await.expect("restore");
    rig.until(tj, "pinned", "recovered", |r| r.condition(ack::CONDITION_TERMINAL).is_none()).await;
}

#[test]
fn every_role_a_kind_declares_has_an_operation_and_no_other() {
    for kind in crate::kinds::KINDS {
        assert!(kind.op(Role::Create).is_some() && kind.op(Role::Describe).is_some(), "{}", kind.info.kind);
        // jobs, and what stops without ending (a notebook instance)
        assert_eq!(kind.op(Role::Stop).is_some(), kind.info.statuses.stopped.is_some(), "{}: stop goes with a stopped status", kind.info.kind);
        assert!(kind.op(Role::Stop).is_some() || kind.op(Role::Delete).is_some() || kind.info.is_job(), "{}", kind.info.kind);
        // what restarts after an update is stopped for it
        assert!(kind.op(Role::Start).is_none() || kind.op(Role::Stop).is_some(), "{}", kind.info.kind);
        // what AWS names itself is found again, or created idempotently
        assert!(kind.info.assigned.is_none() || kind.find.is_some() || kind.client_token.is_some(), "{}", kind.info.kind);
    }
}

fn scalable_target(name: &str, endpoint: &str, min: i64, max: i64) -> Resource {
    resource(&sagemaker_core::kinds::SCALABLE_TARGET, name, json!({
        "maxCapacity": max, "minCapacity": min,
        "resourceID": format!("endpoint/{endpoint}/variant/AllTraffic"),
        "scalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "serviceNamespace": "sagemaker",
    }))
}

fn scaling_policy(name: &str, endpoint: &str, target_value: f64) -> Resource {
    resource(&sagemaker_core::kinds::SCALING_POLICY, name, json!({
        "policyName": name,
        "policyType": "TargetTrackingScaling",
        "resourceID": format!("endpoint/{endpoint}/variant/AllTraffic"),
        "scalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "serviceNamespace": "sagemaker",
        "targetTrackingScalingPolicyConfiguration": {
            "targetValue": target_value, "scaleInCooldown": 700, "scaleOutCooldown": 300,
            "predefinedMetricSpecification": { "predefinedMetricType": "SageMakerVariantInvocationsPerInstance" },
        },
    }))
}

#[tokio::test(start_paused = true)]
async fn a_scaling_policy_applied_before_its_target_waits_then_both_land_with_alarms_in_status() {
    let rig = rig();
    let (st, sp) = (&sagemaker_core::kinds::SCALABLE_TARGET, &sagemaker_core::kinds::SCALING_POLICY);
    rig.apply(&scaling_policy("p", "e", 60.0)).await;
    let waiting = rig.until(sp, "p", "waiting", |r| condition_message(r, ack::CONDITION_SYNCED).starts_with("waiting for ScalableTarget")).await;
    assert_eq!(condition_status(&waiting, ack::CONDITION_TERMINAL), None);
    assert_eq!(rig.calls("PutScalingPolicy"), 0);
    rig.apply(&scalable_target("t", "e", 1, 20)).await;
    let t = rig.until(st, "t", "registered", ready).await;
    assert!(t.str_at("status.ackResourceMetadata.arn").is_some_and(|a| a.starts_with("arn:aws:application-autoscaling:us-east-1:111111111111:scalable-target/")));
    let p = rig.until(sp, "p", "put", ready).await;
    let arn = p.str_at("status.ackResourceMetadata.arn").unwrap_or_default();
    assert!(arn.starts_with("arn:aws:autoscaling:us-east-1:111111111111:scalingPolicy:") && arn.ends_with(":policyName/p"), "{arn}");
    let alarms = p.value_at("status.alarms").and_then(Value::as_array).cloned().unwrap_or_default();
    assert_eq!(alarms.len(), 2, "{alarms:?}");
    assert!(alarms[0]["alarmName"].as_str().unwrap_or_default().starts_with("TargetTracking-endpoint/e/variant/AllTraffic-AlarmHigh-"));
    assert!(p.str_at("status.creationTime").is_some());
}

#[tokio::test(start_paused = true)]
async fn editing_a_target_or_a_policy_registers_or_puts_it_again_once() {
    let rig = rig();
    let (st, sp) = (&sagemaker_core::kinds::SCALABLE_TARGET, &sagemaker_core::kinds::SCALING_POLICY);
    rig.apply(&scalable_target("t", "e", 1, 20)).await;
    rig.apply(&scaling_policy("p", "e", 60.0)).await;
    rig.until(st, "t", "registered", ready).await;
    rig.until(sp, "p", "put", ready).await;
    let (registers, puts) = (rig.calls("RegisterScalableTarget"), rig.calls("PutScalingPolicy"));
    let before = rig.get(st, "default", "t").await.expect("target");
    // as ACK shows it: the creation time until the agent changes it
    assert_eq!(before.status["lastModifiedTime"], before.status["creationTime"], "{:?}", before.status);
    rig.apply(&scalable_target("t", "e", 2, 10)).await;
    rig.apply(&scaling_policy("p", "e", 75.0)).await;
    let after = rig.until(st, "t", "updated", |r| ready(r) && rig.calls("RegisterScalableTarget") == registers + 1).await;
    assert_ne!(after.status["lastModifiedTime"], before.status["lastModifiedTime"], "the update's time is recorded");
    rig.until(sp, "p", "updated", |r| ready(r) && rig.calls("PutScalingPolicy") == puts + 1).await;
    tokio::time::sleep(Duration::from_secs(900)).await;
    assert_eq!((rig.calls("RegisterScalableTarget"), rig.calls("PutScalingPolicy")), (registers + 1, puts + 1), "no further updates");
}

#[tokio::test(start_paused = true)]
async fn deleting_a_target_and_its_policy_deregisters_and_deletes_them_in_aws() {
    let rig = rig();
    let (st, sp) = (&sagemaker_core::kinds::SCALABLE_TARGET, &sagemaker_core::kinds::SCALING_POLICY);
    rig.apply(&scalable_target("t", "e", 1, 20)).await;
    rig.apply(&scaling_policy("p", "e", 60.0)).await;
    rig.until(sp, "p", "put", ready).await;
    rig.store.delete(sp, "default", "p").await.expect("delete policy");
    rig.until_gone(sp, "p").await;
    rig.store.delete(st, "default", "t").await.expect("delete target");
    rig.until_gone(st, "t").await;
    assert_eq!((rig.calls("DeleteScalingPolicy"), rig.calls("DeregisterScalableTarget")), (1, 1));
    let id = "sagemaker endpoint/e/variant/AllTraffic sagemaker:variant:DesiredInstanceCount";
    assert_eq!(rig.sim.status_of(&here(), &crate::kinds::SCALABLE_TARGET, id), None);
}

#[tokio::test(start_paused = true)]
async fn a_create_the_sdk_retried_after_it_went_through_is_recognised_by_its_tag_not_turned_terminal() {
    // what a retried create leaves: the job exists, tagged for this
    // resource, and the create answers "already exists"
    let rig = rig_before_start();
    let r = rig.apply(&job("retried", json!({}))).await;
    rig.sim.create_outside(&here(), &TRAINING_JOB, create_input(&r));
    let rig = rig.started();
    let r = rig
        .until(&sagemaker_core::kinds::TRAINING_JOB, "retried", "recognised", |r| r.str_at("status.ackResourceMetadata.arn").is_some())
        .await;
    assert!(!terminal(&r), "{:?}", r.status);
    assert_eq!(rig.calls("CreateTrainingJob"), 1, "the one refused create");
}

#[tokio::test(start_paused = true)]
async fn a_job_stopped_before_it_was_created_is_never_started() {
    let rig = rig();
    let mut j = job("never", json!({}));
    j.metadata.annotations.insert(ack::ANNOTATION_STOP.into(), "true".into());
    rig.apply(&j).await;
    let r = rig
        .until(&sagemaker_core::kinds::TRAINING_JOB, "never", "settled", |r| condition_status(r, ack::CONDITION_SYNCED) == Some("True"))
        .await;
    assert!(condition_message(&r, ack::CONDITION_SYNCED).contains("stopped before it was created"));
    assert_eq!(rig.calls("CreateTrainingJob"), 0);
}

#[tokio::test(start_paused = true)]
async fn an_application_auto_scaling_rejection_is_retried_not_terminal() {
    // e.g. a target registered while its endpoint is still being created
    let rig = rig();
    let refused = AwsError::new("RegisterScalableTarget", "ValidationException", "The target resource is not in a valid state");
    rig.sim.inject("RegisterScalableTarget", refused, 1);
    rig.apply(&scalable_target("t", "e", 1, 20)).await;
    let st = &sagemaker_core::kinds::SCALABLE_TARGET;
    let r = rig.until(st, "t", "recoverable", |r| condition_status(r, ack::CONDITION_RECOVERABLE) == Some("True")).await;
    assert_eq!(condition_status(&r, ack::CONDITION_TERMINAL), None);
    rig.until(st, "t", "registered", ready).await;
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_pointed_at_a_config_not_yet_in_aws_waits_for_it_before_updating() {
    let rig = rig();
    serving(&rig).await;
    rig.apply(&endpoint("e", "later")).await;
    let ep = &sagemaker_core::kinds::ENDPOINT;
    rig.until(ep, "e", "waiting", |r| condition_message(r, ack::CONDITION_SYNCED).starts_with("waiting for EndpointConfig later")).await;
    assert_eq!(rig.calls("UpdateEndpoint"), 0);
    rig.apply(&config("later", "m", json!([]))).await;
    rig.until(ep, "e", "updated", |r| ready(r) && rig.calls("UpdateEndpoint") == 1).await;
    assert_eq!(rig.sim.status_of(&here(), &ENDPOINT, "e"), Some("InService"));
}

fn in_region(region: &str) -> Target {
    Target { region: region.into(), ..here() }
}

#[tokio::test(start_paused = true)]
async fn a_namespace_default_region_places_its_resources_there_unless_a_resource_names_its_own() {
    let rig = rig();
    rig.store.annotate_namespace("west", ack::ANNOTATION_DEFAULT_REGION, "us-west-2");
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    let mut j = job("in-west", json!({}));
    j.metadata.namespace = "west".into();
    rig.apply(&j).await;
    let mut pinned = job("pinned-east", json!({}));
    pinned.metadata.namespace = "west".into();
    pinned.metadata.annotations.insert(ack::ANNOTATION_REGION.into(), "us-east-1".into());
    rig.apply(&pinned).await;
    let r = rig.until_in(tj, "west", "in-west", "created", |r| r.str_at("status.ackResourceMetadata.arn").is_some()).await;
    assert_eq!(r.str_at("status.ackResourceMetadata.region"), Some("us-west-2"));
    assert!(rig.sim.status_of(&in_region("us-west-2"), &TRAINING_JOB, "in-west").is_some());
    assert!(rig.sim.status_of(&in_region("us-east-1"), &TRAINING_JOB, "in-west").is_none());
    rig.until_in(tj, "west", "pinned-east", "created", |r| r.str_at("status.ackResourceMetadata.arn").is_some()).await;
    assert!(rig.sim.status_of(&in_region("us-east-1"), &TRAINING_JOB, "pinned-east").is_some());
}

#[tokio::test(start_paused = true)]
async fn retain_from_the_namespace_or_the_agent_leaves_the_aws_resource_and_the_resource_can_say_otherwise() {
    let md = &sagemaker_core::kinds::MODEL;
    // the namespace's policy for SageMaker resources
    let rig = rig();
    rig.store.annotate_namespace("keep", &ack::namespace_deletion_policy(md.group), "retain");
    let mut kept = model("kept");
    kept.metadata.namespace = "keep".into();
    let mut deleted = model("deleted");
    deleted.metadata.namespace = "keep".into();
    deleted.metadata.annotations.insert(ack::ANNOTATION_DELETION_POLICY.into(), "delete".into());
    for m in [&kept, &deleted] {
        rig.apply(m).await;
        rig.until_in(md, "keep", &m.metadata.name, "created", ready).await;
        rig.store.delete(md, "keep", &m.metadata.name).await.expect("delete");
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(600);
    while rig.get(md, "keep", "kept").await.is_some() || rig.get(md, "keep", "deleted").await.is_some() {
        assert!(tokio::time::Instant::now() < deadline, "finalizers were never released");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(rig.sim.status_of(&here(), &MODEL, "kept"), Some(""), "retained in AWS");
    assert_eq!(rig.sim.status_of(&here(), &MODEL, "deleted"), None, "the resource's own policy wins");

    // the agent's --deletion-policy
    let rig = rig_before_start().started_with("retain");
    rig.apply(&model("agent-kept")).await;
    rig.until(md, "agent-kept", "created", ready).await;
    rig.store.delete(md, "default", "agent-kept").await.expect("delete");
    rig.until_gone(md, "agent-kept").await;
    assert_eq!(rig.calls("DeleteModel"), 0);
    assert_eq!(rig.sim.status_of(&here(), &MODEL, "agent-kept"), Some(""));
}

#[tokio::test(start_paused = true)]
async fn a_read_only_resource_observes_and_never_writes_to_aws() {
    let rig = rig_before_start();
    rig.sim.create_outside(&here(), &MODEL, (MODEL.create.input)(&model("theirs").spec, false).expect("input"));
    let rig = rig.started();
    let md = &sagemaker_core::kinds::MODEL;
    let read_only = |name: &str| {
        let mut m = model(name);
        m.metadata.annotations.insert(ack::ANNOTATION_READ_ONLY.into(), "true".into());
        m
    };
    rig.apply(&read_only("theirs")).await;
    let r = rig.until(md, "theirs", "observed", ready).await;
    assert!(r.str_at("status.ackResourceMetadata.arn").is_some_and(|a| a.ends_with(":model/theirs")));
    rig.apply(&read_only("missing")).await;
    let missing = rig
        .until(md, "missing", "not found", |r| condition_message(r, ack::CONDITION_SYNCED).starts_with("ReadOnlyResourceNotFound"))
        .await;
    assert_eq!(condition_status(&missing, ack::CONDITION_SYNCED), Some("False"));
    for name in ["theirs", "missing"] {
        rig.store.delete(md, "default", name).await.expect("delete");
        rig.until_gone(md, name).await;
    }
    assert_eq!((rig.calls("CreateModel"), rig.calls("DeleteModel")), (0, 0));
    assert_eq!(rig.sim.status_of(&here(), &MODEL, "theirs"), Some(""), "still in AWS");
}

#[tokio::test(start_paused = true)]
async fn a_namespace_of_another_account_waits_for_its_role_then_lands_there_with_its_external_id() {
    let rig = rig();
    rig.store.annotate_namespace("team-b", ack::ANNOTATION_OWNER_ACCOUNT_ID, "222222222222");
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    let mut j = job("elsewhere", json!({}));
    j.metadata.namespace = "team-b".into();
    rig.apply(&j).await;
    let waiting = rig
        .until_in(tj, "team-b", "elsewhere", "waiting for a role", |r| {
            condition_message(r, ack::CONDITION_SYNCED).starts_with("IAM role is not available for account 222222222222")
        })
        .await;
    assert_eq!(condition_status(&waiting, ack::CONDITION_TERMINAL), None);
    assert_eq!(rig.calls("CreateTrainingJob"), 0, "never in the agent's own account");

    // the mapping arrives (service-level key, with an ExternalId): no restart
    let role = "arn:aws:iam::222222222222:role/sagemaker-agent";
    rig.store.set_config_map(
        crate::store::kube::ROLE_ACCOUNT_MAP,
        [("sagemaker.222222222222".to_string(), format!(r#"{{"roleARN": "{role}", "externalID": "team-b-2024"}}"#))].into(),
    );
    let r = rig.until_in(tj, "team-b", "elsewhere", "created", |r| r.str_at("status.ackResourceMetadata.arn").is_some()).await;
    assert_eq!(r.str_at("status.ackResourceMetadata.ownerAccountID"), Some("222222222222"));
    let other = Target { account: "222222222222".into(), ..here() };
    assert!(rig.sim.status_of(&other, &TRAINING_JOB, "elsewhere").is_some());
    assert!(rig.sim.status_of(&here(), &TRAINING_JOB, "elsewhere").is_none());
    let roles = rig.sim.roles.lock().expect("roles").clone();
    assert!(roles.contains(&(Some(role.into()), Some("team-b-2024".into()))), "{roles:?}");
    // the agent's own account uses its own credentials
    rig.apply(&job("at-home", json!({}))).await;
    rig.until(tj, "at-home", "created", |r| r.str_at("status.ackResourceMetadata.arn").is_some()).await;
    assert!(rig.sim.roles.lock().expect("roles").contains(&(None, None)));
}

#[tokio::test(start_paused = true)]
async fn an_adoption_policy_takes_over_what_runs_in_aws_and_a_missing_one_is_terminal_with_nothing_created() {
    let rig = rig_before_start();
    rig.sim.create_outside(&here(), &MODEL, (MODEL.create.input)(&model("existing").spec, false).expect("input"));
    let rig = rig.started();
    let md = &sagemaker_core::kinds::MODEL;
    let adopting = |name: &str, policy: &str| {
        let mut m = model(name);
        m.metadata.annotations.insert(ack::ANNOTATION_ADOPTION_POLICY.into(), policy.into());
        m
    };
    rig.apply(&adopting("existing", "adopt")).await;
    let r = rig.until(md, "existing", "adopted", ready).await;
    assert!(r.str_at("status.ackResourceMetadata.arn").is_some_and(|a| a.ends_with(":model/existing")));
    assert!(r.metadata.finalizers.contains(&ack::finalizer(md.group, md.kind)), "managed from now on");
    rig.apply(&adopting("absent", "adopt")).await;
    let r = rig.until(md, "absent", "terminal", terminal).await;
    assert!(condition_message(&r, ack::CONDITION_TERMINAL).starts_with("adopted resource not found"));
    rig.apply(&adopting("made", "adopt-or-create")).await;
    rig.until(md, "made", "created", ready).await;
    assert_eq!(rig.calls("CreateModel"), 1, "only adopt-or-create creates");
    // an adopted resource is deleted in AWS like any other
    rig.store.delete(md, "default", "existing").await.expect("delete");
    rig.until_gone(md, "existing").await;
    assert_eq!(rig.sim.status_of(&here(), &MODEL, "existing"), None);
}

#[tokio::test(start_paused = true)]
async fn what_the_agent_creates_carries_its_owner_tag_and_the_resource_tags_with_acks_placeholders_filled() {
    use crate::aws::{Backend, Call};
    let rig = rig();
    let mut j = job("tagged", json!({}));
    j.spec["tags"] = json!([{ "key": "team", "value": "mine" }]);
    rig.apply(&j).await;
    let r = rig.until(&sagemaker_core::kinds::TRAINING_JOB, "tagged", "created", |r| r.str_at("status.ackResourceMetadata.arn").is_some()).await;
    let arn = r.str_at("status.ackResourceMetadata.arn").expect("arn");
    let call = Call::of(&TRAINING_JOB, Role::ListTags).expect("list tags");
    let out = rig.sim.call(&here(), call, json!({ "ResourceArn": arn })).await.expect("tags");
    let tags: Vec<(String, String)> = out["Tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| (t["Key"].as_str().unwrap_or_default().into(), t["Value"].as_str().unwrap_or_default().into()))
        .collect();
    let has = |k: &str, v: &str| tags.contains(&(k.to_string(), v.to_string()));
    assert!(has(ack::TAG_OWNER, r.metadata.uid.as_deref().unwrap_or_default()), "{tags:?}");
    assert!(has("services.k8s.aws/controller-version", &format!("sagemaker-{}", env!("CARGO_PKG_VERSION"))), "{tags:?}");
    assert!(has("services.k8s.aws/namespace", "default"), "{tags:?}");
    // a tag of the user's wins over a --resource-tags tag of the same key
    assert!(has("team", "mine") && !has("team", "TrainingJob"), "{tags:?}");
}

#[tokio::test(start_paused = true)]
async fn a_team_namespace_uses_its_teams_role_and_a_resource_names_its_own_account_only_where_allowed() {
    let rig = rig();
    let kube = crate::store::kube::ROLE_TEAM_MAP;
    rig.store.set_config_map(kube, [("ml".to_string(), "arn:aws:iam::333333333333:role/ml".to_string())].into());
    rig.store.set_config_map(
        crate::store::kube::ROLE_ACCOUNT_MAP,
        [("444444444444".to_string(), "arn:aws:iam::444444444444:role/sm".to_string())].into(),
    );
    rig.store.annotate_namespace("ml", ack::ANNOTATION_TEAM_ID, "ml");
    rig.store.annotate_namespace("open", ack::ANNOTATION_ALLOWED_ACCOUNTS, "444444444444");
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    let in_ns = |ns: &str, name: &str, account: Option<&str>| {
        let mut j = job(name, json!({}));
        j.metadata.namespace = ns.into();
        if let Some(a) = account {
            j.metadata.annotations.insert(ack::ANNOTATION_OWNER_ACCOUNT_ID.into(), a.into());
        }
        j
    };
    rig.apply(&in_ns("ml", "team-job", None)).await;
    rig.apply(&in_ns("open", "own-account", Some("444444444444"))).await;
    rig.apply(&in_ns("default", "not-allowed", Some("444444444444"))).await;
    let created = |r: &Resource| r.str_at("status.ackResourceMetadata.arn").is_some();
    let r = rig.until_in(tj, "ml", "team-job", "created", created).await;
    assert_eq!(r.str_at("status.ackResourceMetadata.ownerAccountID"), Some("333333333333"));
    // what `describe` shows: the role, and the mapping that chose it
    assert_eq!(r.annotation(ack::ANNOTATION_ROLE), Some("arn:aws:iam::333333333333:role/ml (ack-role-team-map[ml])"));
    assert!(rig.sim.roles.lock().expect("roles").contains(&(Some("arn:aws:iam::333333333333:role/ml".into()), None)));
    let r = rig.until_in(tj, "open", "own-account", "created", created).await;
    assert_eq!(r.str_at("status.ackResourceMetadata.ownerAccountID"), Some("444444444444"));
    let r = rig.until_in(tj, "default", "not-allowed", "refused", terminal).await;
    assert!(condition_message(&r, ack::CONDITION_TERMINAL).contains("does not allow its resources to name account 444444444444"));
    assert!(rig.sim.status_of(&Target { account: "444444444444".into(), ..here() }, &TRAINING_JOB, "not-allowed").is_none());
}

#[tokio::test(start_paused = true)]
async fn an_adopted_resource_makes_the_resource_it_names_from_aws_and_says_adopted() {
    let rig = rig_before_start();
    rig.sim.create_outside(&here(), &MODEL, (MODEL.create.input)(&model("outside").spec, false).expect("input"));
    let rig = rig.started();
    let ar = &sagemaker_core::kinds::ADOPTED_RESOURCE;
    let adopted_resource = |name: &str, aws: &str, target: &str| -> Resource {
        serde_json::from_value(json!({
            "apiVersion": ar.api_version(), "kind": ar.kind,
            "metadata": { "name": name, "namespace": "default" },
            "spec": { "aws": { "nameOrID": aws },
                "kubernetes": { "group": "sagemaker.services.k8s.aws", "kind": "Model", "metadata": { "name": target } } },
        }))
        .expect("adopted resource")
    };
    rig.store.apply(ar, &adopted_resource("adopt-model", "outside", "outside-model"), false).await.expect("apply");
    let done = rig.until(ar, "adopt-model", "adopted", |r| condition_status(r, "ACK.Adopted") == Some("True")).await;
    assert!(condition_message(&done, "ACK.Adopted").contains("model.sagemaker.services.k8s.aws/default/outside-model"));
    let m = rig.until(&sagemaker_core::kinds::MODEL, "outside-model", "managed", ready).await;
    assert_eq!(m.spec["primaryContainer"]["image"], "img", "the spec AWS holds");
    assert_eq!(rig.calls("CreateModel"), 0);

    rig.store.apply(ar, &adopted_resource("adopt-nothing", "never-made", "nothing"), false).await.expect("apply");
    let failed = rig.until(ar, "adopt-nothing", "refused", |r| condition_status(r, "ACK.Adopted") == Some("False")).await;
    assert!(condition_message(&failed, "ACK.Adopted").contains("there is no Model never-made"));
    assert!(rig.get(&sagemaker_core::kinds::MODEL, "default", "nothing").await.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_stop_request_stops_a_running_job_and_the_resource_stays_with_its_final_status() {
    let rig = rig();
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    rig.apply(&job("halt", json!({}))).await;
    rig.until(tj, "halt", "running", |r| r.str_at("status.trainingJobStatus") == Some("InProgress")).await;
    rig.store.annotate(tj, "default", "halt", ack::ANNOTATION_STOP, "true").await.expect("annotate");
    let r = rig.until(tj, "halt", "stopped", |r| r.str_at("status.trainingJobStatus") == Some("Stopped")).await;
    assert_eq!(rig.calls("StopTrainingJob"), 1);
    assert_eq!(condition_status(&r, ack::CONDITION_READY), Some("False"), "stopped is not a success");
    assert!(!r.is_deleting());
}

#[tokio::test(start_paused = true)]
async fn a_warm_pool_edit_on_a_finished_job_waits_for_the_pool_and_sends_nothing_meanwhile() {
    let rig = rig();
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    let mut j = job("pooled", json!({}));
    j.spec["resourceConfig"]["keepAlivePeriodInSeconds"] = json!(600);
    rig.apply(&j).await;
    rig.until(tj, "pooled", "completed", |r| r.str_at("status.trainingJobStatus") == Some("Completed")).await;
    j.spec["resourceConfig"]["keepAlivePeriodInSeconds"] = json!(1200);
    rig.apply(&j).await;
    // the simulator reports no warm pool status: the update waits, saying why
    let r = rig
        .until(tj, "pooled", "waiting", |r| condition_message(r, ack::CONDITION_SYNCED).starts_with("waiting for the warm pool"))
        .await;
    assert_eq!(condition_status(&r, ack::CONDITION_SYNCED), Some("False"));
    assert_eq!(rig.calls("UpdateTrainingJob"), 0);
}

#[tokio::test(start_paused = true)]
async fn an_iam_role_selector_gives_its_role_says_what_it_selects_and_two_matching_selectors_make_the_resource_wait() {
    let rig = rig();
    let sel = &sagemaker_core::kinds::IAM_ROLE_SELECTOR;
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    let selector = |name: &str, spec: Value| -> Resource {
        serde_json::from_value(json!({
            "apiVersion": sel.api_version(), "kind": sel.kind, "metadata": { "name": name }, "spec": spec,
        }))
        .expect("selector")
    };
    rig.store.label_namespace("vision", "team", "vision");
    rig.store
        .apply(sel, &selector("vision-jobs", json!({
            "arn": "arn:aws:iam::555555555555:role/vision",
            "namespaceSelector": { "labelSelector": { "matchLabels": { "team": "vision" } } },
            "resourceTypeSelector": [{ "kind": "TrainingJob" }],
        })), false)
        .await
        .expect("apply selector");
    let mut j = job("selected", json!({}));
    j.metadata.namespace = "vision".into();
    // a failed first create: the status already says which selector chose the role
    rig.sim.inject("CreateTrainingJob", AwsError::new("CreateTrainingJob", "AccessDeniedException", "not yet"), 1);
    rig.apply(&j).await;
    let failed = rig
        .until_in(tj, "vision", "selected", "refused once", |r| condition_status(r, ack::CONDITION_RECOVERABLE) == Some("True"))
        .await;
    assert_eq!(condition_status(&failed, ack::CONDITION_IAM_ROLE_SELECTED), Some("True"));
    let created = |r: &Resource| r.str_at("status.ackResourceMetadata.arn").is_some();
    let r = rig.until_in(tj, "vision", "selected", "created", created).await;
    assert_eq!(r.str_at("status.ackResourceMetadata.ownerAccountID"), Some("555555555555"));
    assert_eq!(r.annotation(ack::ANNOTATION_ROLE), Some("arn:aws:iam::555555555555:role/vision (IAMRoleSelector vision-jobs)"));
    assert!(condition_message(&r, ack::CONDITION_IAM_ROLE_SELECTED).starts_with("roleARN: arn:aws:iam::555555555555:role/vision, selectorName: vision-jobs"));
    assert!(rig.sim.roles.lock().expect("roles").contains(&(Some("arn:aws:iam::555555555555:role/vision".into()), None)));
    let s = rig.until_in(sel, "", "vision-jobs", "selecting", |s| s.status["selectedCount"] == 1).await;
    assert_eq!(s.status["selectedResources"][0], json!({ "group": tj.group, "kind": "TrainingJob", "namespace": "vision", "name": "selected" }));

    // a second selector matching the next job: it waits, named by both, and nothing is created
    rig.store
        .apply(sel, &selector("all-vision", json!({
            "arn": "arn:aws:iam::666666666666:role/all", "namespaceSelector": { "names": ["vision"] } })), false)
        .await
        .expect("apply selector");
    let mut second = job("contested", json!({}));
    second.metadata.namespace = "vision".into();
    rig.apply(&second).await;
    let r = rig
        .until_in(tj, "vision", "contested", "waiting", |r| condition_message(r, ack::CONDITION_SYNCED).starts_with("multiple (2)"))
        .await;
    assert!(condition_message(&r, ack::CONDITION_SYNCED).contains("all-vision, vision-jobs"), "{}", condition_message(&r, ack::CONDITION_SYNCED));
    assert!(placement::recorded_arn(&r).is_none());
    let s = rig.until_in(sel, "", "all-vision", "conflicting", |s| s.status["conflicts"].as_array().is_some_and(|c| c.len() == 2)).await;
    assert_eq!(s.status["conditions"][0]["status"], "False");
    // the job made before is contested too: it says so, and keeps its account
    let r = rig
        .until_in(tj, "vision", "selected", "contested", |r| condition_message(r, ack::CONDITION_SYNCED).starts_with("multiple (2)"))
        .await;
    assert_eq!(r.str_at("status.ackResourceMetadata.ownerAccountID"), Some("555555555555"));
}

#[tokio::test(start_paused = true)]
async fn adoption_fields_name_what_to_adopt_adopt_takes_the_spec_aws_holds_and_a_missing_identifier_is_terminal() {
    let rig = rig_before_start();
    rig.sim.create_outside(&here(), &MODEL, (MODEL.create.input)(&model("outside").spec, false).expect("input"));
    let rig = rig.started();
    let md = &sagemaker_core::kinds::MODEL;
    let mut bare = resource(md, "by-fields", json!({}));
    bare.metadata.annotations.insert(ack::ANNOTATION_ADOPTION_POLICY.into(), "adopt".into());
    bare.metadata.annotations.insert(ack::ANNOTATION_ADOPTION_FIELDS.into(), r#"{"modelName": "outside"}"#.into());
    rig.apply(&bare).await;
    let r = rig.until(md, "by-fields", "adopted", ready).await;
    assert_eq!(r.spec["modelName"], "outside");
    assert_eq!(r.spec["primaryContainer"]["image"], "img", "the spec AWS holds: {}", r.spec);
    assert_eq!(r.annotation(ack::ANNOTATION_ADOPTED), Some("true"));
    assert_eq!(rig.calls("CreateModel"), 0);

    let mut missing = resource(md, "no-name", json!({}));
    missing.metadata.annotations.insert(ack::ANNOTATION_ADOPTION_POLICY.into(), "adopt".into());
    missing.metadata.annotations.insert(ack::ANNOTATION_ADOPTION_FIELDS.into(), r#"{"name": "outside"}"#.into());
    rig.apply(&missing).await;
    let r = rig.until(md, "no-name", "terminal", terminal).await;
    assert_eq!(condition_message(&r, ack::CONDITION_TERMINAL), "required field missing: modelName (in spec or services.k8s.aws/adoption-fields)");
    assert_eq!(rig.calls("CreateModel"), 0);
}

#[tokio::test(start_paused = true)]
async fn adopt_or_create_keeps_the_manifests_spec_and_sends_what_differs_to_aws() {
    let rig = rig_before_start();
    let ep = &sagemaker_core::kinds::ENDPOINT;
    rig.sim.create_outside(&here(), &MODEL, (MODEL.create.input)(&model("m").spec, false).expect("input"));
    for c in ["c1", "c2"] {
        rig.sim.create_outside(&here(), &ENDPOINT_CONFIG, (ENDPOINT_CONFIG.create.input)(&config(c, "m", json!([])).spec, false).expect("input"));
    }
    rig.sim.create_outside(&here(), &ENDPOINT, (ENDPOINT.create.input)(&endpoint("ep", "c1").spec, false).expect("input"));
    let rig = rig.started();
    let mut mine = endpoint("ep", "c2");
    mine.metadata.annotations.insert(ack::ANNOTATION_ADOPTION_POLICY.into(), "adopt-or-create".into());
    rig.apply(&mine).await;
    let r = rig.until(ep, "ep", "updated", |r| ready(r) && r.str_at("status.endpointStatus") == Some("InService") && rig.calls("UpdateEndpoint") == 1).await;
    assert_eq!(r.spec["endpointConfigName"], "c2", "the manifest's spec stays");
    assert_eq!(rig.calls("CreateEndpoint"), 0);
}

#[tokio::test(start_paused = true)]
async fn adopt_all_picks_by_prefix_and_tag_and_skips_what_another_resource_manages() {
    let rig = rig_before_start();
    for (name, team) in [("batch-a", "vision"), ("batch-b", "vision"), ("batch-c", "nlp"), ("other", "vision")] {
        let mut m = model(name);
        m.spec["tags"] = json!([{ "key": "team", "value": team }]);
        rig.sim.create_outside(&here(), &MODEL, (MODEL.create.input)(&m.spec, false).expect("input"));
    }
    let rig = rig.started();
    let md = &sagemaker_core::kinds::MODEL;
    let mut owner = model("batch-b");
    owner.metadata.name = "already".into();
    owner.metadata.annotations.insert(ack::ANNOTATION_ADOPTION_POLICY.into(), "adopt".into());
    rig.apply(&owner).await;
    rig.until(md, "already", "adopted", ready).await;

    let defaults = placement::Defaults { region: "us-east-1".into(), account: "111111111111".into(), ..Default::default() };
    let request = crate::adopt::Request { kind: md, aws_name: "", name: "", namespace: "default", region: "", account: "" };
    let tags = [("team".to_string(), "vision".to_string())];
    let filter = crate::adopt::Filter { prefix: "batch-", tags: &tags };
    let aws = rig.aws.clone().expect("started");
    let (manifests, skipped) = crate::adopt::manifests_all(rig.store.clone(), aws, defaults, &request, &filter).await.expect("listed");
    let names: Vec<&str> = manifests.iter().map(|m| m.metadata.name.as_str()).collect();
    assert_eq!(names, ["batch-a"], "batch-c has another team, other another prefix, batch-b an owner");
    assert_eq!(manifests[0].spec["primaryContainer"]["image"], "img");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].starts_with("batch-b: ") && skipped[0].contains("default/already"), "{skipped:?}");
    assert_eq!(rig.calls("ListModels"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_jobs_lifecycle_and_a_retried_aws_error_become_events_and_the_retries_one_counted_event() {
    let rig = rig();
    let tj = &sagemaker_core::kinds::TRAINING_JOB;
    let done = rig.apply(&job("evented", json!({}))).await;
    rig.until(tj, "evented", "completed", |r| r.str_at("status.trainingJobStatus") == Some("Completed")).await;
    let events = rig.store.events(tj, &done).await.expect("events");
    let reasons: Vec<&str> = events.iter().map(|e| e.note.reason.as_str()).collect();
    assert_eq!(reasons.first(), Some(&"Created"), "{reasons:?}");
    for step in ["Starting", "Downloading", "Training", "Uploading", "Completed"] {
        assert!(reasons.contains(&step), "{step} missing from {reasons:?}");
    }
    assert!(events.iter().all(|e| !e.note.warning && e.count == 1), "{events:?}");

    // throttled five times in a row: one Warning event, counted five times
    rig.sim.inject("CreateTrainingJob", crate::aws::AwsError::new("CreateTrainingJob", "ThrottlingException", "Rate exceeded"), 5);
    let throttled = rig.apply(&job("throttled", json!({}))).await;
    rig.until(tj, "throttled", "created", |r| placement::recorded_arn(r).is_some()).await;
    let events = rig.store.events(tj, &throttled).await.expect("events");
    let warnings: Vec<_> = events.iter().filter(|e| e.note.warning).collect();
    assert_eq!(warnings.len(), 1, "{events:?}");
    assert_eq!((warnings[0].note.reason.as_str(), warnings[0].count), ("ThrottlingException", 5));
    assert!(warnings[0].note.message.contains("Rate exceeded"), "{warnings:?}");
}
