//! An in-process stand-in for SageMaker: the embedded default, so the whole
//! product runs on a laptop with no AWS.
//!
//! It answers the same AWS-JSON operations the SDK backend sends, with AWS's
//! ARNs, error codes and messages, and moves resources through their real
//! lifecycles on a clock (`step` per secondary status). State is keyed by
//! account and region, so accounts are isolated as in AWS, and it is written
//! to disk after every change, so an agent restart loses nothing. Status is a
//! pure function of creation and stop times, so no background task is needed.

use std::{
    collections::{BTreeMap, HashMap},
    path::PathBuf,
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;
use aws_sdk_sagemaker::operation::{
    create_training_job::CreateTrainingJobInput, describe_training_job::DescribeTrainingJobOutput,
};
use sagemaker_schema::{MappingError, MappingErrorKind, Naming};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{AwsError, Backend, Target};

/// Environment variable in a job's `environment` that makes the simulated job
/// fail with its value as the failure reason (the same switch the moto
/// extension in the test support honours).
pub const FAIL_REASON_ENV: &str = "SIM_FAIL_REASON";

/// Environment variable in a job's `environment` that makes CreateTrainingJob
/// itself fail with a ValidationException carrying its value: a request the
/// service rejects though it passed apply (as a bad role trust policy does).
pub const REJECT_REASON_ENV: &str = "SIM_REJECT_REASON";

/// Training's secondary statuses while InProgress, in order (SageMaker API reference).
const TRAINING_STEPS: &[&str] = &["Starting", "LaunchingMLInstances", "Downloading", "Training", "Uploading"];

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Job {
    /// The create input as received (AWS names).
    input: Value,
    arn: String,
    created: f64,
    stopped_at: Option<f64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// `account/region/name` -> job.
    training_jobs: BTreeMap<String, Job>,
}

/// A failure to inject, for tests.
#[derive(Debug, Clone)]
struct Injected {
    error: AwsError,
    remaining: usize,
}

pub struct Simulator {
    account: String,
    step: Duration,
    file: Option<PathBuf>,
    state: Mutex<State>,
    injected: Mutex<HashMap<String, Injected>>,
}

impl Simulator {
    /// A simulator whose own credentials belong to `account`. With a `data_dir`
    /// its state survives restarts.
    pub fn new(account: impl Into<String>, step: Duration, data_dir: Option<PathBuf>) -> std::io::Result<Self> {
        let file = data_dir.map(|d| d.join("simulator.json"));
        if let Some(f) = &file {
            // a temp file is a write that never finished: the saved state is the last whole one
            let _ = std::fs::remove_file(f.with_extension("json.tmp"));
        }
        let state = match &file {
            Some(f) if f.exists() => serde_json::from_slice(&std::fs::read(f)?)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?,
            _ => State::default(),
        };
        Ok(Simulator {
            account: account.into(),
            step,
            file,
            state: Mutex::new(state),
            injected: Mutex::default(),
        })
    }

    /// Makes the next `times` calls of `operation` fail with `error`.
    pub fn inject(&self, operation: &str, error: AwsError, times: usize) {
        self.injected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(operation.to_string(), Injected { error, remaining: times });
    }

    fn take_injected(&self, operation: &str) -> Option<AwsError> {
        let mut injected = self.injected.lock().unwrap_or_else(|p| p.into_inner());
        let entry = injected.get_mut(operation)?;
        entry.remaining -= 1;
        let error = entry.error.clone();
        if entry.remaining == 0 {
            injected.remove(operation);
        }
        Some(error)
    }

    fn save(&self, state: &State) -> Result<(), AwsError> {
        let Some(file) = &self.file else { return Ok(()) };
        let internal = |e: std::io::Error| AwsError::new("Simulator", "InternalFailure", e.to_string());
        let tmp = file.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(state).map_err(|e| internal(e.into()))?;
        std::fs::write(&tmp, bytes).map_err(internal)?;
        std::fs::rename(&tmp, file).map_err(internal)
    }

    /// ListTags by ARN: the tags the resource was created with.
    fn list_tags(&self, op: &str, target: &Target, input: &Value) -> Result<Value, AwsError> {
        let arn = input.get("ResourceArn").and_then(Value::as_str).unwrap_or_default();
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let prefix = format!("{}/{}/", target.account, target.region);
        let job = state
            .training_jobs
            .iter()
            .find(|(k, j)| k.starts_with(&prefix) && j.arn == arn)
            .map(|(_, j)| j)
            .ok_or_else(|| AwsError::new(op, "ValidationException", format!("Could not find resource {arn}")))?;
        Ok(json!({ "Tags": job.input.get("Tags").cloned().unwrap_or(json!([])) }))
    }

    /// Creates a job directly, as another tool would (for tests).
    #[cfg(test)]
    pub(crate) fn create_outside(&self, target: &Target, input: Value) -> String {
        let name = input["TrainingJobName"].as_str().unwrap_or_default().to_string();
        let arn = format!("arn:aws:sagemaker:{}:{}:training-job/{}", target.region, target.account, name.to_ascii_lowercase());
        let job = Job { input, arn: arn.clone(), created: now(), stopped_at: None };
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.training_jobs.insert(format!("{}/{}/{name}", target.account, target.region), job);
        arn
    }

    /// A job's status now (for tests).
    #[cfg(test)]
    pub(crate) fn status_of(&self, target: &Target, name: &str) -> Option<&'static str> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let job = state.training_jobs.get(&format!("{}/{}/{name}", target.account, target.region))?;
        Some(training_progress(job, self.step.as_secs_f64(), now()).status)
    }

    fn training_job(&self, op: &str, target: &Target, input: &Value) -> Result<Value, AwsError> {
        let name = input.get("TrainingJobName").and_then(Value::as_str).unwrap_or_default();
        let key = format!("{}/{}/{}", target.account, target.region, name);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = now();
        let not_found = || AwsError::new(op, "ValidationException", "Requested resource not found.");
        match op {
            "CreateTrainingJob" => {
                validate_training_input(op, input)?;
                if let Some(existing) = state.training_jobs.get(&key) {
                    return Err(AwsError::new(
                        op,
                        "ResourceInUse",
                        format!(
                            "Training job names must be unique within an AWS account and region, and a training job with this name already exists ({})",
                            existing.arn
                        ),
                    ));
                }
                let arn = format!(
                    "arn:aws:sagemaker:{}:{}:training-job/{}",
                    target.region,
                    target.account,
                    name.to_ascii_lowercase()
                );
                state.training_jobs.insert(
                    key,
                    Job { input: input.clone(), arn: arn.clone(), created: now, stopped_at: None },
                );
                self.save(&state)?;
                Ok(json!({ "TrainingJobArn": arn }))
            }
            "DescribeTrainingJob" => {
                let job = state.training_jobs.get(&key).ok_or_else(not_found)?;
                Ok(describe_training_job(job, self.step.as_secs_f64(), now))
            }
            "StopTrainingJob" => {
                let step = self.step.as_secs_f64();
                let job = state.training_jobs.get_mut(&key).ok_or_else(not_found)?;
                let status = training_progress(job, step, now).status;
                if status != "InProgress" {
                    return Err(AwsError::new(
                        op,
                        "ValidationException",
                        format!("The request was rejected because the training job is in status {status}."),
                    ));
                }
                job.stopped_at = Some(now);
                self.save(&state)?;
                Ok(json!({}))
            }
            _ => Err(unsupported(op)),
        }
    }
}

#[async_trait]
impl Backend for Simulator {
    async fn call(&self, target: &Target, operation: &'static str, input: Value) -> Result<Value, AwsError> {
        if let Some(error) = self.take_injected(operation) {
            return Err(error);
        }
        match operation {
            "CreateTrainingJob" | "DescribeTrainingJob" | "StopTrainingJob" => {
                self.training_job(operation, target, &input)
            }
            "ListTags" => self.list_tags(operation, target, &input),
            _ => Err(unsupported(operation)),
        }
    }

    async fn caller_account(&self) -> Result<String, AwsError> {
        Ok(self.account.clone())
    }

    fn name(&self) -> &'static str {
        "sim"
    }
}

fn unsupported(op: &str) -> AwsError {
    AwsError::new(op, "UnknownOperationException", format!("the simulator does not implement {op}"))
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64()
}

/// What SageMaker itself rejects at create time, with SageMaker's words: the
/// service model's constraints (the same table apply enforces) and required
/// members, so the simulator never accepts what AWS would not.
fn validate_training_input(op: &str, input: &Value) -> Result<(), AwsError> {
    for member in ["TrainingJobName", "RoleArn", "OutputDataConfig", "ResourceConfig", "StoppingCondition"] {
        if input.get(member).is_none() {
            return Err(AwsError::new(
                op,
                "ValidationException",
                format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", lower_first(member)),
            ));
        }
    }
    sagemaker_schema::from_json_validated(input, Naming::Aws, CreateTrainingJobInput::deserialize)
        .map_err(|e| AwsError::new(op, "ValidationException", validation_message(&e)))?;
    match input["Environment"][REJECT_REASON_ENV].as_str() {
        Some(reason) => Err(AwsError::new(op, "ValidationException", reason)),
        None => Ok(()),
    }
}

/// A mapping error as SageMaker's ValidationException message.
fn validation_message(e: &MappingError) -> String {
    let path: Vec<String> = e.path.split('.').map(lower_first).collect();
    match &e.kind {
        MappingErrorKind::Constraint(c) => {
            let (value, violation) = (&c.value, &c.violation);
            let value = match value {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            format!(
                "1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: {}",
                path.join("."),
                violation.aws_constraint()
            )
        }
        _ => format!("1 validation error detected: {e}"),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_ascii_lowercase().to_string() + c.as_str()).unwrap_or_default()
}

struct Progress {
    status: &'static str,
    secondary: &'static str,
    /// Secondary statuses passed through so far, with their start times.
    transitions: Vec<(&'static str, f64)>,
    ended: Option<f64>,
    failure: Option<String>,
}

/// Where a job is at `now`: a pure function of its creation and stop times.
fn training_progress(job: &Job, step: f64, now: f64) -> Progress {
    let fail_reason = job.input["Environment"][FAIL_REASON_ENV].as_str().map(str::to_string);
    // a failing job fails during Training, like a bad script does
    let last_step = if fail_reason.is_some() { 4 } else { TRAINING_STEPS.len() };
    let at = |i: usize| job.created + step * i as f64;
    let end = at(last_step);
    let mut transitions = Vec::new();
    let mut ended = None;
    let (status, secondary, failure) = match job.stopped_at {
        Some(stop) if stop < end => {
            for (i, s) in TRAINING_STEPS.iter().enumerate().take(last_step) {
                if at(i) <= stop {
                    transitions.push((*s, at(i)));
                }
            }
            transitions.push(("Stopping", stop));
            if now < stop + step {
                ("Stopping", "Stopping", None)
            } else {
                transitions.push(("Stopped", stop + step));
                ended = Some(stop + step);
                ("Stopped", "Stopped", None)
            }
        }
        _ => {
            for (i, s) in TRAINING_STEPS.iter().enumerate().take(last_step) {
                if at(i) <= now {
                    transitions.push((*s, at(i)));
                }
            }
            if now < end {
                let (s, _) = transitions.last().copied().unwrap_or((TRAINING_STEPS[0], job.created));
                ("InProgress", s, None)
            } else {
                ended = Some(end);
                match fail_reason {
                    Some(reason) => {
                        transitions.push(("Failed", end));
                        ("Failed", "Failed", Some(reason))
                    }
                    None => {
                        transitions.push(("Completed", end));
                        ("Completed", "Completed", None)
                    }
                }
            }
        }
    };
    Progress { status, secondary, transitions, ended, failure }
}

fn describe_training_job(job: &Job, step: f64, now: f64) -> Value {
    let p = training_progress(job, step, now);
    // echo the create input, keeping only what DescribeTrainingJob returns
    let members: Vec<&str> =
        DescribeTrainingJobOutput::SCHEMA.members().iter().filter_map(|m| m.member_name()).collect();
    let mut out: Map<String, Value> = job
        .input
        .as_object()
        .map(|o| o.iter().filter(|(k, _)| members.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    out.insert("TrainingJobArn".into(), json!(job.arn));
    out.insert("TrainingJobStatus".into(), json!(p.status));
    out.insert("SecondaryStatus".into(), json!(p.secondary));
    out.insert("CreationTime".into(), json!(job.created));
    let last_change = p.transitions.last().map(|t| t.1).unwrap_or(job.created);
    out.insert("LastModifiedTime".into(), json!(last_change));
    if p.transitions.len() > 1 {
        out.insert("TrainingStartTime".into(), json!(job.created + step));
    }
    let transitions: Vec<Value> = p
        .transitions
        .iter()
        .enumerate()
        .map(|(i, (status, start))| {
            let mut t = json!({ "Status": status, "StartTime": start, "StatusMessage": status_message(status) });
            if let Some((_, next)) = p.transitions.get(i + 1) {
                t["EndTime"] = json!(next);
            }
            t
        })
        .collect();
    out.insert("SecondaryStatusTransitions".into(), json!(transitions));
    if let Some(ended) = p.ended {
        out.insert("TrainingEndTime".into(), json!(ended));
        out.insert("TrainingTimeInSeconds".into(), json!((ended - job.created).round() as i64));
        out.insert("BillableTimeInSeconds".into(), json!((ended - job.created).round() as i64));
    }
    if p.status == "Completed" {
        let output = job.input["OutputDataConfig"]["S3OutputPath"].as_str().unwrap_or_default();
        let name = job.input["TrainingJobName"].as_str().unwrap_or_default();
        out.insert(
            "ModelArtifacts".into(),
            json!({ "S3ModelArtifacts": format!("{}/{name}/output/model.tar.gz", output.trim_end_matches('/')) }),
        );
    }
    if let Some(reason) = p.failure {
        out.insert("FailureReason".into(), json!(reason));
    }
    Value::Object(out)
}

fn status_message(status: &str) -> &'static str {
    match status {
        "Starting" => "Preparing the instances for training",
        "LaunchingMLInstances" => "Launching requested ML instances",
        "Downloading" => "Downloading input data",
        "Training" => "Training image download completed. Training in progress.",
        "Uploading" => "Uploading generated training model",
        "Completed" => "Training job completed",
        "Failed" => "Training job failed",
        "Stopping" => "Stopping the training job",
        "Stopped" => "The training job was stopped",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(env: Value) -> Job {
        Job {
            input: json!({
                "TrainingJobName": "j",
                "OutputDataConfig": { "S3OutputPath": "s3://b/out/" },
                "Environment": env,
                "Tags": [{ "Key": "a", "Value": "b" }],
            }),
            arn: "arn:aws:sagemaker:us-east-1:1:training-job/j".into(),
            created: 1000.0,
            stopped_at: None,
        }
    }

    #[test]
    fn a_training_job_passes_through_each_secondary_status_then_completes() {
        let j = job(json!({}));
        let seen: Vec<_> = (0..7).map(|i| training_progress(&j, 10.0, 1000.0 + 10.0 * i as f64 + 1.0)).collect();
        let secondaries: Vec<_> = seen.iter().map(|p| p.secondary).collect();
        assert_eq!(
            secondaries,
            ["Starting", "LaunchingMLInstances", "Downloading", "Training", "Uploading", "Completed", "Completed"]
        );
        assert_eq!(seen[4].status, "InProgress");
        let out = describe_training_job(&j, 10.0, 1100.0);
        assert_eq!(out["ModelArtifacts"]["S3ModelArtifacts"], "s3://b/out/j/output/model.tar.gz");
        assert!(out.get("Tags").is_none(), "DescribeTrainingJob does not return tags");
    }

    #[test]
    fn a_stopped_job_goes_through_stopping_to_stopped() {
        let mut j = job(json!({}));
        j.stopped_at = Some(1015.0);
        assert_eq!(training_progress(&j, 10.0, 1020.0).status, "Stopping");
        let p = training_progress(&j, 10.0, 1030.0);
        assert_eq!((p.status, p.secondary), ("Stopped", "Stopped"));
    }

    #[test]
    fn a_job_asked_to_fail_ends_failed_with_its_reason() {
        let j = job(json!({ FAIL_REASON_ENV: "AlgorithmError: boom" }));
        let p = training_progress(&j, 1.0, 2000.0);
        assert_eq!(p.status, "Failed");
        assert_eq!(p.failure.as_deref(), Some("AlgorithmError: boom"));
    }

    #[tokio::test]
    async fn accounts_are_isolated_and_duplicate_names_are_rejected() {
        let sim = Simulator::new("111111111111", Duration::from_secs(1), None).expect("sim");
        let input = json!({
            "TrainingJobName": "j", "RoleArn": "arn:aws:iam::111111111111:role/r",
            "OutputDataConfig": {}, "ResourceConfig": {}, "StoppingCondition": {},
        });
        let a = Target { account: "1".into(), region: "us-east-1".into(), role_arn: None };
        let b = Target { account: "2".into(), ..a.clone() };
        sim.call(&a, "CreateTrainingJob", input.clone()).await.expect("created");
        let dup = sim.call(&a, "CreateTrainingJob", input.clone()).await.expect_err("duplicate");
        assert_eq!(dup.code, "ResourceInUse");
        let missing = sim.call(&b, "DescribeTrainingJob", json!({"TrainingJobName": "j"})).await;
        assert_eq!(missing.expect_err("other account").message, "Requested resource not found.");
    }

    #[tokio::test]
    async fn the_simulator_rejects_what_sagemaker_rejects_with_sagemakers_message() {
        let sim = Simulator::new("1", Duration::from_secs(1), None).expect("sim");
        let t = Target { account: "1".into(), region: "us-east-1".into(), role_arn: None };
        let input = |count: i64, mode: &str| json!({
            "TrainingJobName": "j", "RoleArn": "arn:aws:iam::111111111111:role/r",
            "AlgorithmSpecification": { "TrainingImage": "img", "TrainingInputMode": mode },
            "OutputDataConfig": { "S3OutputPath": "s3://b/o" },
            "ResourceConfig": { "InstanceType": "ml.m5.large", "InstanceCount": count, "VolumeSizeInGB": 5 },
            "StoppingCondition": { "MaxRuntimeInSeconds": 60 },
        });
        let e = sim.call(&t, "CreateTrainingJob", input(-1, "File")).await.expect_err("negative count");
        assert_eq!(e.code, "ValidationException");
        assert_eq!(
            e.message,
            "1 validation error detected: Value '-1' at 'resourceConfig.instanceCount' failed to satisfy constraint: \
             Member must have value greater than or equal to 0"
        );
        let e = sim.call(&t, "CreateTrainingJob", input(1, "Filez")).await.expect_err("bad mode");
        assert!(e.message.contains("at 'algorithmSpecification.trainingInputMode'") && e.message.contains("enum value set"), "{}", e.message);
        let mut bogus = input(1, "File");
        bogus["ResourceConfig"]["InstanceType"] = json!("ml.bogus.huge");
        assert!(sim.call(&t, "CreateTrainingJob", bogus).await.is_err());
        sim.call(&t, "CreateTrainingJob", input(1, "File")).await.expect("valid");
    }

    #[tokio::test]
    async fn state_survives_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = json!({
            "TrainingJobName": "j", "RoleArn": "arn:aws:iam::111111111111:role/r",
            "OutputDataConfig": {}, "ResourceConfig": {}, "StoppingCondition": {},
        });
        let t = Target { account: "1".into(), region: "r".into(), role_arn: None };
        let sim = Simulator::new("1", Duration::from_secs(60), Some(dir.path().into())).expect("sim");
        sim.call(&t, "CreateTrainingJob", input).await.expect("created");
        drop(sim);
        let sim = Simulator::new("1", Duration::from_secs(60), Some(dir.path().into())).expect("sim");
        let out = sim.call(&t, "DescribeTrainingJob", json!({"TrainingJobName": "j"})).await.expect("found");
        assert_eq!(out["TrainingJobStatus"], "InProgress");
    }
}
