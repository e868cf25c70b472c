//! A fake sagemaker-agent: the generated `Agent` service over an in-memory
//! map, served on 127.0.0.1 so that the real plugin binary can talk to it.
//!
//! It keeps the contract's promises that the plugin relies on (dry runs write
//! nothing, a request applies all manifests or none, errors carry
//! `x-sagemaker-*` metadata, a watch starts with the current state, a
//! resource is one of a kind: the same name may be a Model and an Endpoint)
//! and records every call so tests can check what the plugin sent, down to
//! the order of the manifests in an apply.

#![allow(dead_code)] // each test binary uses a different part of it

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use chrono::{TimeDelta, Utc};
use sagemaker_core::{KindInfo, ack, kinds, wire};
use sagemaker_proto::v1::{
    ApplyOutcome, ApplyRequest, ApplyResponse, ApplyResult, DeleteRequest, DeleteResponse, EventType,
    GetRequest, InfoRequest, InfoResponse, ListRequest, ListResponse, Resource, ResourceRef, StopRequest,
    StopResponse, WatchEvent, WatchRequest, LogLine, LogsMessage, LogsRequest, LogsSource, logs_message,
    agent_server::{Agent, AgentServer},
};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{
    Request, Response, Status,
    transport::{Server, server::TcpIncoming},
};

/// One recorded call.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: &'static str,
    pub namespace: String,
    pub dry_run: bool,
    pub authorization: Option<String>,
    /// `impersonate-user`, then each `impersonate-group` (`--as`, `--as-group`).
    pub impersonate: Vec<String>,
    /// What the call was about: `Kind/name` of each manifest of an apply, in
    /// the order sent; the kind (and name) of the other calls.
    pub targets: Vec<String>,
}

/// A change the fake makes to a resource once a watch of it starts.
#[derive(Debug, Clone)]
pub enum Step {
    /// Merge these fields into `status`.
    Status(Value),
    /// Remove the resource.
    Delete,
}

/// (kind, namespace, name): as in Kubernetes, a name is unique per kind.
type Key = (String, String, String);

/// A line a resource wrote: (stream, milliseconds since the epoch, message).
type Written = (String, i64, String);

pub struct State {
    resources: Mutex<BTreeMap<Key, Value>>,
    logs: Mutex<HashMap<Key, Vec<Written>>>,
    scripts: Mutex<HashMap<String, Vec<Step>>>,
    calls: Mutex<Vec<Call>>,
    events: broadcast::Sender<WatchEvent>,
}

/// A running fake agent; it stops when dropped.
pub struct FakeAgent {
    pub url: String,
    state: Arc<State>,
    _shutdown: oneshot::Sender<()>,
}

impl FakeAgent {
    pub async fn start() -> FakeAgent {
        let incoming = TcpIncoming::bind("127.0.0.1:0".parse().expect("address")).expect("bind");
        let url = format!("http://{}", incoming.local_addr().expect("local address"));
        let state = Arc::new(State {
            resources: Mutex::default(),
            logs: Mutex::default(),
            scripts: Mutex::default(),
            calls: Mutex::default(),
            events: broadcast::channel(64).0,
        });
        let (shutdown, stop) = oneshot::channel::<()>();
        let service = AgentServer::new(Fake(state.clone()));
        tokio::spawn(async move {
            Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(incoming, async {
                    let _ = stop.await;
                })
                .await
                .expect("fake agent serves");
        });
        FakeAgent {
            url,
            state,
            _shutdown: shutdown,
        }
    }

    /// Lines a resource wrote: (stream, milliseconds since the epoch, message).
    pub fn write_logs(&self, kind: &str, namespace: &str, name: &str, lines: &[(&str, i64, &str)]) {
        let key = (kind.to_string(), namespace.to_string(), name.to_string());
        lock(&self.state.logs).entry(key).or_default().extend(lines.iter().map(|(s, t, m)| (s.to_string(), *t, m.to_string())));
    }

    /// Stores a TrainingJob created twenty minutes ago with this status.
    pub fn insert(&self, namespace: &str, name: &str, status: Value) {
        let mut job = training_job(namespace, name);
        job["status"] = status;
        self.insert_object(job);
    }

    /// Stores any object (created twenty minutes ago unless it says when): an
    /// age from 10 minutes on prints without seconds (`20m`), so a slow test
    /// sees the same table.
    pub fn insert_object(&self, mut value: Value) {
        if value.pointer("/metadata/creationTimestamp").is_none() {
            let created = (Utc::now() - TimeDelta::minutes(20)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            value["metadata"]["creationTimestamp"] = json!(created);
        }
        lock(&self.state.resources).insert(key_of(&value), value);
    }

    /// Changes to play on the resource `name` once a watch of it starts.
    pub fn script(&self, name: &str, steps: Vec<Step>) {
        lock(&self.state.scripts).insert(name.into(), steps);
    }

    pub fn calls(&self) -> Vec<Call> {
        lock(&self.state.calls).clone()
    }

    /// Apply calls that were not dry runs.
    pub fn writes(&self) -> usize {
        self.calls()
            .iter()
            .filter(|c| c.method == "apply" && !c.dry_run)
            .count()
    }

    /// Apply calls that were not dry runs, as the `Kind/name` of each manifest in order.
    pub fn applied(&self) -> Vec<Vec<String>> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == "apply" && !c.dry_run)
            .map(|c| c.targets)
            .collect()
    }

    /// A TrainingJob.
    pub fn resource(&self, namespace: &str, name: &str) -> Option<Value> {
        self.resource_of("TrainingJob", namespace, name)
    }

    /// A resource of `kind` (as in manifests: `Endpoint`).
    pub fn resource_of(&self, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        lock(&self.state.resources)
            .get(&(kind.to_string(), namespace.to_string(), name.to_string()))
            .cloned()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn training_job(namespace: &str, name: &str) -> Value {
    json!({
        "apiVersion": "sagemaker.services.k8s.aws/v1alpha1",
        "kind": "TrainingJob",
        "metadata": {"name": name, "namespace": namespace, "generation": 1},
        "spec": {"trainingJobName": name},
    })
}

/// The status a new resource gets, from its kind's declaration: the first
/// modifying status (InProgress, Creating) and not yet synced; a kind without
/// an AWS status is synced at once.
/// An object of any kind (by any of its names), as the agent stores it.
pub fn object(kind: &str, namespace: &str, name: &str, spec: Value, status: Value) -> Value {
    let info = kinds::find(kind).expect("a kind this build knows");
    json!({
        "apiVersion": info.api_version(),
        "kind": info.kind,
        "metadata": {"name": name, "namespace": namespace, "generation": 1},
        "spec": spec,
        "status": status,
    })
}

fn initial_status(kind: &KindInfo, name: &str) -> Value {
    // TrainingJob -> training-job, as in SageMaker ARNs
    let mut resource_type = String::new();
    for (i, c) in kind.kind.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            resource_type.push('-');
        }
        resource_type.push(c.to_ascii_lowercase());
    }
    let synced = if kind.statuses.field.is_some() { "False" } else { "True" };
    let mut status = json!({
        "ackResourceMetadata": {
            "arn": format!("arn:aws:sagemaker:us-west-2:123456789012:{resource_type}/{name}"),
            "ownerAccountID": "123456789012",
            "region": "us-west-2"
        },
        "conditions": [{"type": ack::CONDITION_SYNCED, "status": synced, "reason": "InProgress",
                        "lastTransitionTime": Utc::now().to_rfc3339()}],
    });
    if let (Some(field), Some(first)) = (kind.statuses.field, kind.statuses.modifying.first()) {
        status[field] = json!(first);
    }
    if let Some(progress) = kind.progress_field {
        status[progress] = json!("Starting");
    }
    status
}

fn invalid(message: &str, source: &str, field: &str, hint: &str) -> Status {
    let mut status = Status::invalid_argument(message);
    let meta = status.metadata_mut();
    meta.insert(wire::SOURCE, wire::ascii(source).parse().expect("ascii"));
    meta.insert(wire::FIELD, field.parse().expect("ascii"));
    meta.insert(wire::HINT, hint.parse().expect("ascii"));
    status
}

fn not_found(kind: &KindInfo, name: &str) -> Status {
    Status::not_found(format!("{}.{} \"{name}\" not found", kind.plural, kind.group))
}

/// The kind a request names, or the agent's answer to an unknown one.
fn kind_of(name: &str) -> Result<&'static KindInfo, Status> {
    kinds::find(name).ok_or_else(|| Status::invalid_argument(format!("unknown kind {name:?}")))
}

fn event(type_: EventType, value: &Value) -> WatchEvent {
    WatchEvent {
        r#type: type_ as i32,
        resource: Some(Resource {
            json: value.to_string(),
        }),
    }
}

fn key_of(value: &Value) -> Key {
    let text = |p: &str| {
        value
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (text("/kind"), text("/metadata/namespace"), text("/metadata/name"))
}

fn reference(kind: &KindInfo, key: &Key) -> ResourceRef {
    ResourceRef {
        kind: kind.kind.into(),
        namespace: key.1.clone(),
        name: key.2.clone(),
        qualified_kind: kind.qualified(),
    }
}

struct Fake(Arc<State>);

impl Fake {
    fn record<T>(&self, method: &'static str, request: &Request<T>, namespace: &str, dry_run: bool) {
        self.record_about(method, request, namespace, dry_run, Vec::new());
    }

    fn record_about<T>(
        &self,
        method: &'static str,
        request: &Request<T>,
        namespace: &str,
        dry_run: bool,
        targets: Vec<String>,
    ) {
        let authorization = request
            .metadata()
            .get(wire::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let metadata = request.metadata();
        let impersonate = metadata
            .get_all(wire::IMPERSONATE_USER)
            .iter()
            .chain(metadata.get_all(wire::IMPERSONATE_GROUP).iter())
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        lock(&self.0.calls).push(Call {
            method,
            namespace: namespace.to_string(),
            dry_run,
            authorization,
            impersonate,
            targets,
        });
    }

    /// Records a call about one resource; its kind and key.
    fn about<T>(
        &self,
        method: &'static str,
        request: &Request<T>,
        reference: &ResourceRef,
    ) -> Result<(&'static KindInfo, Key), Status> {
        let target = format!("{}/{}", reference.kind, reference.name);
        self.record_about(method, request, &reference.namespace, false, vec![target]);
        let kind = kind_of(&reference.kind)?;
        Ok((kind, (kind.kind.to_string(), reference.namespace.clone(), reference.name.clone())))
    }

    /// Stores a resource and tells the watchers.
    fn put(&self, value: Value, type_: EventType) {
        lock(&self.0.resources).insert(key_of(&value), value.clone());
        let _ = self.0.events.send(event(type_, &value));
    }

    fn remove(&self, key: &Key) {
        if let Some(value) = lock(&self.0.resources).remove(key) {
            let _ = self.0.events.send(event(EventType::Deleted, &value));
        }
    }

    fn play(state: Arc<State>, key: Key, steps: Vec<Step>) {
        tokio::spawn(async move {
            let fake = Fake(state);
            for step in steps {
                tokio::time::sleep(Duration::from_millis(30)).await;
                match step {
                    Step::Delete => fake.remove(&key),
                    Step::Status(fields) => {
                        let Some(mut value) = lock(&fake.0.resources).get(&key).cloned() else {
                            return;
                        };
                        if let (Some(status), Some(fields)) =
                            (value["status"].as_object_mut(), fields.as_object())
                        {
                            status.extend(fields.clone());
                        }
                        fake.put(value, EventType::Modified);
                    }
                }
            }
        });
    }
}

#[tonic::async_trait]
impl Agent for Fake {
    async fn apply(&self, request: Request<ApplyRequest>) -> Result<Response<ApplyResponse>, Status> {
        let r = request.get_ref();
        let order = r
            .manifests
            .iter()
            .map(|m| {
                let value: Value = serde_json::from_str(&m.json).unwrap_or_default();
                let (kind, _, name) = key_of(&value);
                format!("{kind}/{name}")
            })
            .collect();
        self.record_about("apply", &request, &r.default_namespace, r.dry_run, order);
        // validate everything before writing anything, as the contract says
        let mut documents = Vec::new();
        for m in &r.manifests {
            let mut value: Value = serde_json::from_str(&m.json)
                .map_err(|e| invalid(&format!("not JSON: {e}"), &m.source, "", "send JSON"))?;
            let text = |p: &str| {
                value
                    .pointer(p)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let Some(kind) = kinds::by_api_version(&text("/apiVersion"), &text("/kind")) else {
                let served: Vec<&str> = kinds::KINDS.iter().map(|k| k.kind).collect();
                return Err(invalid(
                    &format!("kind {} is not served by this agent", text("/kind")),
                    &m.source,
                    "kind",
                    &format!("this agent serves {}", served.join(", ")),
                ));
            };
            if value
                .pointer("/spec/resourceConfig/instanceCount")
                .and_then(Value::as_i64)
                == Some(0)
            {
                return Err(invalid(
                    "must be at least 1",
                    &m.source,
                    "spec.resourceConfig.instanceCount",
                    "set spec.resourceConfig.instanceCount to 1 or more",
                ));
            }
            if text("/metadata/namespace").is_empty() {
                value["metadata"]["namespace"] = json!(r.default_namespace);
            }
            documents.push((kind, value));
        }
        let mut results = Vec::new();
        for (kind, mut value) in documents {
            let key = key_of(&value);
            let existing = lock(&self.0.resources).get(&key).cloned();
            let outcome = match &existing {
                None => ApplyOutcome::Created,
                Some(old) if old["spec"] == value["spec"] => ApplyOutcome::Unchanged,
                Some(_) => ApplyOutcome::Configured,
            };
            if !r.dry_run {
                match existing {
                    None => {
                        value["metadata"]["creationTimestamp"] = json!(Utc::now().to_rfc3339());
                        value["status"] = initial_status(kind, &key.2);
                        self.put(value.clone(), EventType::Added);
                    }
                    Some(mut old) if outcome == ApplyOutcome::Configured => {
                        old["spec"] = value["spec"].clone();
                        value = old.clone();
                        self.put(old, EventType::Modified);
                    }
                    Some(old) => value = old,
                }
            }
            results.push(ApplyResult {
                r#ref: Some(reference(kind, &key)),
                outcome: outcome as i32,
                resource: Some(Resource {
                    json: value.to_string(),
                }),
            });
        }
        Ok(Response::new(ApplyResponse { results }))
    }

    async fn get(&self, request: Request<GetRequest>) -> Result<Response<Resource>, Status> {
        let reference = request.get_ref().r#ref.clone().unwrap_or_default();
        let (kind, key) = self.about("get", &request, &reference)?;
        match lock(&self.0.resources).get(&key) {
            Some(value) => Ok(Response::new(Resource {
                json: value.to_string(),
            })),
            None => Err(not_found(kind, &reference.name)),
        }
    }

    async fn list(&self, request: Request<ListRequest>) -> Result<Response<ListResponse>, Status> {
        let r = request.get_ref().clone();
        self.record_about("list", &request, &r.namespace, false, vec![r.kind.clone()]);
        let kind = kind_of(&r.kind)?;
        match r.namespace.as_str() {
            "forbidden" if !r.all_namespaces => {
                let mut status = Status::permission_denied(format!("user may not list {} in forbidden", kind.plural));
                status.metadata_mut().insert(
                    wire::HINT,
                    "ask for a RoleBinding in forbidden".parse().expect("ascii"),
                );
                return Err(status);
            }
            "broken" if !r.all_namespaces => return Err(Status::internal("store exploded")),
            _ => {}
        }
        let items = lock(&self.0.resources)
            .iter()
            .filter(|((k, namespace, _), _)| k == kind.kind && (r.all_namespaces || *namespace == r.namespace))
            .map(|(_, v)| Resource { json: v.to_string() })
            .collect();
        Ok(Response::new(ListResponse { items }))
    }

    type WatchStream = ReceiverStream<Result<WatchEvent, Status>>;

    async fn watch(&self, request: Request<WatchRequest>) -> Result<Response<Self::WatchStream>, Status> {
        let r = request.get_ref().clone();
        self.record_about("watch", &request, &r.namespace, false, vec![format!("{}/{}", r.kind, r.name)]);
        let kind = kind_of(&r.kind)?;
        let matches = move |value: &Value| {
            let (k, namespace, name) = key_of(value);
            k == kind.kind
                && (r.all_namespaces || namespace == r.namespace)
                && (r.name.is_empty() || name == r.name)
        };
        // subscribe before reading the current state, so no change falls in between
        let mut changes = self.0.events.subscribe();
        let (tx, rx) = mpsc::channel(64);
        for value in lock(&self.0.resources).values().filter(|v| matches(v)) {
            let _ = tx.try_send(Ok(event(EventType::Added, value)));
        }
        tokio::spawn(async move {
            while let Ok(change) = changes.recv().await {
                let value: Value = serde_json::from_str(
                    &change
                        .resource
                        .as_ref()
                        .map(|r| r.json.clone())
                        .unwrap_or_default(),
                )
                .unwrap_or_default();
                if matches(&value) && tx.send(Ok(change)).await.is_err() {
                    break;
                }
            }
        });
        let name = request.get_ref().name.clone();
        if let Some(steps) = lock(&self.0.scripts).remove(&name) {
            let key = (kind.kind.to_string(), request.get_ref().namespace.clone(), name);
            Fake::play(self.0.clone(), key, steps);
        }
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn delete(&self, request: Request<DeleteRequest>) -> Result<Response<DeleteResponse>, Status> {
        let r = request.get_ref().clone();
        let reference = r.r#ref.unwrap_or_default();
        let (kind, key) = self.about("delete", &request, &reference)?;
        let Some(mut value) = lock(&self.0.resources).get(&key).cloned() else {
            return Err(not_found(kind, &reference.name));
        };
        if !is_running(kind, &value) || r.retain {
            self.remove(&key);
            return Ok(Response::new(DeleteResponse {
                resource: Some(Resource {
                    json: value.to_string(),
                }),
                finalizing: false,
            }));
        }
        // a running job is stopped in "SageMaker" first; a finalizer holds the resource meanwhile
        value["metadata"]["deletionTimestamp"] = json!(Utc::now().to_rfc3339());
        self.stop_job(kind, key, value.clone(), vec![Step::Delete]);
        let value = lock(&self.0.resources).get(&key_of(&value)).cloned().unwrap_or(value);
        Ok(Response::new(DeleteResponse {
            resource: Some(Resource {
                json: value.to_string(),
            }),
            finalizing: true,
        }))
    }

    async fn adopt(&self, _: Request<sagemaker_proto::v1::AdoptRequest>) -> Result<Response<sagemaker_proto::v1::AdoptResponse>, Status> {
        // adoption needs AWS: the end-to-end tests cover it against moto
        Err(Status::unimplemented("the fake agent has no AWS to adopt from"))
    }

    async fn stop(&self, request: Request<StopRequest>) -> Result<Response<StopResponse>, Status> {
        let reference = request.get_ref().r#ref.clone().unwrap_or_default();
        let (kind, key) = self.about("stop", &request, &reference)?;
        // as the agent answers: only jobs stop, and the hint says what else to do
        if !kind.is_job() {
            let mut status =
                Status::invalid_argument(format!("a {} is not a job and cannot be stopped", kind.kind));
            let meta = status.metadata_mut();
            let source = format!("{}/{}", kind.qualified(), reference.name);
            meta.insert(wire::SOURCE, wire::ascii(&source).parse().expect("ascii"));
            let hint = format!("`kubectl sagemaker delete {} {}` deletes it (in AWS too)", kind.plural, reference.name);
            meta.insert(wire::HINT, wire::ascii(&hint).parse().expect("ascii"));
            return Err(status);
        }
        let Some(mut value) = lock(&self.0.resources).get(&key).cloned() else {
            return Err(not_found(kind, &reference.name));
        };
        let ended = status_of(kind, &value).is_some_and(|s| kind.is_final(s));
        // the request is recorded on the resource, so a restart cannot lose it
        value["metadata"]["annotations"][ack::ANNOTATION_STOP] = json!("true");
        if is_running(kind, &value) {
            self.stop_job(kind, key.clone(), value, Vec::new());
        } else {
            self.put(value, EventType::Modified);
        }
        let value = lock(&self.0.resources).get(&key).cloned().unwrap_or_default();
        Ok(Response::new(StopResponse {
            resource: Some(Resource {
                json: value.to_string(),
            }),
            stopping: !ended,
        }))
    }

    /// No events (the agent's are tested against its own stores).
    async fn events(&self, request: Request<GetRequest>) -> Result<Response<sagemaker_proto::v1::EventsResponse>, Status> {
        let reference = request.get_ref().r#ref.clone().unwrap_or_default();
        let (kind, key) = self.about("events", &request, &reference)?;
        if !lock(&self.0.resources).contains_key(&key) {
            return Err(not_found(kind, &reference.name));
        }
        Ok(Response::new(sagemaker_proto::v1::EventsResponse::default()))
    }

    /// A tuning job's training jobs, as the agent reads them from AWS.
    async fn children(&self, request: Request<GetRequest>) -> Result<Response<sagemaker_proto::v1::ChildrenResponse>, Status> {
        use sagemaker_proto::v1::{ChildRow, ChildrenResponse};
        let reference = request.get_ref().r#ref.clone().unwrap_or_default();
        let (kind, key) = self.about("children", &request, &reference)?;
        if !lock(&self.0.resources).contains_key(&key) {
            return Err(not_found(kind, &reference.name));
        }
        if kind.kind != "HyperParameterTuningJob" {
            return Ok(Response::new(ChildrenResponse::default()));
        }
        let row = |cells: [&str; 4]| ChildRow { cells: cells.map(String::from).to_vec() };
        Ok(Response::new(ChildrenResponse {
            title: "Training Jobs".into(),
            columns: ["NAME", "STATUS", "OBJECTIVE", "OBJECTIVE-STATUS"].map(String::from).to_vec(),
            rows: vec![row([&format!("{}-001-0a1b2c3d", reference.name), "Completed", "0.71", "Succeeded"]), row([&format!("{}-002-4e5f6a7b", reference.name), "InProgress", "", "Pending"])],
        }))
    }

    /// The agent's own identity works; a mapped account's role is refused.
    async fn check(&self, request: Request<sagemaker_proto::v1::CheckRequest>) -> Result<Response<sagemaker_proto::v1::CheckResponse>, Status> {
        use sagemaker_proto::v1::AwsCheck;
        self.record("check", &request, "", false);
        Ok(Response::new(sagemaker_proto::v1::CheckResponse {
            aws: vec![
                AwsCheck { account: "123456789012".into(), region: "us-west-2".into(), ok: true, identity: "arn:aws:sts::123456789012:assumed-role/agent/x".into(), ..Default::default() },
                AwsCheck {
                    account: "111111111111".into(),
                    region: "us-west-2".into(),
                    role_arn: "arn:aws:iam::111111111111:role/sm".into(),
                    chosen_by: "ack-role-account-map[111111111111]".into(),
                    error: "AssumeRole: AccessDenied: not authorized".into(),
                    hint: "let the agent assume arn:aws:iam::111111111111:role/sm".into(),
                    ..Default::default()
                },
            ],
        }))
    }

    type LogsStream = ReceiverStream<Result<LogsMessage, Status>>;

    /// The lines written with [`FakeAgent::write_logs`] (the last `tail`),
    /// after the source; a following stream ends with them too. Only the
    /// kinds the agent declares logs for write any.
    async fn logs(&self, request: Request<LogsRequest>) -> Result<Response<Self::LogsStream>, Status> {
        let r = request.get_ref().clone();
        let reference = r.r#ref.clone().unwrap_or_default();
        let (kind, key) = self.about("logs", &request, &reference)?;
        if kind.statuses.field.is_none() {
            return Err(Status::invalid_argument(format!("a {} writes no logs", kind.kind)));
        }
        if !lock(&self.0.resources).contains_key(&key) {
            return Err(not_found(kind, &reference.name));
        }
        let mut lines = lock(&self.0.logs).get(&key).cloned().unwrap_or_default();
        lines.retain(|(stream, _, _)| stream.starts_with(&r.stream_prefix));
        if let Some(n) = r.tail {
            lines = lines.split_off(lines.len().saturating_sub(n as usize));
        }
        let (tx, rx) = mpsc::channel(lines.len() + 1);
        let source = LogsSource { log_group: format!("/aws/sagemaker/{}s", kind.kind), stream_prefix: format!("{}/", key.2), region: "us-west-2".into(), account: "123456789012".into(), aws_name: key.2.clone() };
        let _ = tx.try_send(Ok(LogsMessage { item: Some(logs_message::Item::Source(source)) }));
        for (stream, timestamp_ms, message) in lines {
            let _ = tx.try_send(Ok(LogsMessage { item: Some(logs_message::Item::Line(LogLine { stream, timestamp_ms, message })) }));
        }
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn info(&self, request: Request<InfoRequest>) -> Result<Response<InfoResponse>, Status> {
        self.record("info", &request, "", false);
        Ok(Response::new(InfoResponse {
            agent_version: "0.1.0-fake".into(),
            mode: "standalone".into(),
            aws_backend: "sim".into(),
            default_region: "us-west-2".into(),
            account_id: "123456789012".into(),
            kinds: kinds::KINDS.iter().map(|k| format!("{}.{}", k.kind, k.group)).collect(),
            aws_calls: HashMap::new(),
            api_version: sagemaker_proto::API_VERSION.into(),
            mapped_accounts: vec!["111111111111".into()],
        }))
    }
}

fn status_of<'a>(kind: &KindInfo, value: &'a Value) -> Option<&'a str> {
    kind.statuses
        .field
        .and_then(|f| value.get("status")?.get(f))
        .and_then(Value::as_str)
}

/// A job that can still be stopped.
fn is_running(kind: &KindInfo, value: &Value) -> bool {
    status_of(kind, value).is_some_and(|s| kind.statuses.stoppable.contains(&s))
}

impl Fake {
    /// Stops a running job as SageMaker does (Stopping now, Stopped a moment
    /// later), then plays `then`.
    fn stop_job(&self, kind: &KindInfo, key: Key, mut value: Value, then: Vec<Step>) {
        let mut stopped = serde_json::Map::new();
        for field in kind.statuses.field.iter().chain(kind.progress_field.iter()) {
            value["status"][*field] = json!("Stopping");
            stopped.insert((*field).to_string(), json!("Stopped"));
        }
        self.put(value, EventType::Modified);
        let mut steps = vec![Step::Status(Value::Object(stopped))];
        steps.extend(then);
        Fake::play(self.0.clone(), key, steps);
    }
}
