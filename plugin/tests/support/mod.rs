//! A fake sagemaker-agent: the generated `Agent` service over an in-memory
//! map, served on 127.0.0.1 so that the real plugin binary can talk to it.
//!
//! It keeps the contract's promises that the plugin relies on (dry runs write
//! nothing, a request applies all manifests or none, errors carry
//! `x-sagemaker-*` metadata, a watch starts with the current state) and
//! records every call so tests can check what the plugin sent.

#![allow(dead_code)] // each test binary uses a different part of it

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use chrono::{TimeDelta, Utc};
use sagemaker_core::{kinds, wire};
use sagemaker_proto::v1::{
    ApplyOutcome, ApplyRequest, ApplyResponse, ApplyResult, DeleteRequest, DeleteResponse, EventType,
    GetRequest, InfoRequest, InfoResponse, ListRequest, ListResponse, Resource, ResourceRef, WatchEvent,
    WatchRequest,
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
}

/// A change the fake makes to a resource once a watch of it starts.
#[derive(Debug, Clone)]
pub enum Step {
    /// Merge these fields into `status`.
    Status(Value),
    /// Remove the resource.
    Delete,
}

type Key = (String, String);

pub struct State {
    resources: Mutex<BTreeMap<Key, Value>>,
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

    /// Stores a TrainingJob created five minutes ago with this status.
    pub fn insert(&self, namespace: &str, name: &str, status: Value) {
        let created = (Utc::now() - TimeDelta::minutes(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut job = training_job(namespace, name);
        job["metadata"]["creationTimestamp"] = json!(created);
        job["status"] = status;
        lock(&self.state.resources).insert((namespace.into(), name.into()), job);
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

    pub fn resource(&self, namespace: &str, name: &str) -> Option<Value> {
        lock(&self.state.resources)
            .get(&(namespace.to_string(), name.to_string()))
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

fn initial_status(name: &str) -> Value {
    json!({
        "ackResourceMetadata": {
            "arn": format!("arn:aws:sagemaker:us-west-2:123456789012:training-job/{name}"),
            "ownerAccountID": "123456789012",
            "region": "us-west-2"
        },
        "conditions": [{"type": "ACK.ResourceSynced", "status": "False", "reason": "InProgress",
                        "lastTransitionTime": Utc::now().to_rfc3339()}],
        "trainingJobStatus": "InProgress",
        "secondaryStatus": "Starting"
    })
}

fn invalid(message: &str, source: &str, field: &str, hint: &str) -> Status {
    let mut status = Status::invalid_argument(message);
    let meta = status.metadata_mut();
    meta.insert(wire::SOURCE, wire::ascii(source).parse().expect("ascii"));
    meta.insert(wire::FIELD, field.parse().expect("ascii"));
    meta.insert(wire::HINT, hint.parse().expect("ascii"));
    status
}

fn not_found(name: &str) -> Status {
    Status::not_found(format!(
        "trainingjobs.sagemaker.services.k8s.aws \"{name}\" not found"
    ))
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
    (text("/metadata/namespace"), text("/metadata/name"))
}

struct Fake(Arc<State>);

impl Fake {
    fn record<T>(&self, method: &'static str, request: &Request<T>, namespace: &str, dry_run: bool) {
        let authorization = request
            .metadata()
            .get(wire::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        lock(&self.0.calls).push(Call {
            method,
            namespace: namespace.to_string(),
            dry_run,
            authorization,
        });
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
        self.record("apply", &request, &r.default_namespace, r.dry_run);
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
            if kinds::by_api_version(&text("/apiVersion"), &text("/kind")).is_none() {
                return Err(invalid(
                    &format!("kind {} is not served by this agent", text("/kind")),
                    &m.source,
                    "kind",
                    "this agent serves TrainingJob",
                ));
            }
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
            documents.push(value);
        }
        let mut results = Vec::new();
        for mut value in documents {
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
                        value["status"] = initial_status(&key.1);
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
                r#ref: Some(ResourceRef {
                    kind: "TrainingJob".into(),
                    namespace: key.0,
                    name: key.1,
                    qualified_kind: "trainingjob.sagemaker.services.k8s.aws".into(),
                }),
                outcome: outcome as i32,
                resource: Some(Resource {
                    json: value.to_string(),
                }),
            });
        }
        Ok(Response::new(ApplyResponse { results }))
    }

    async fn get(&self, request: Request<GetRequest>) -> Result<Response<Resource>, Status> {
        let r = request.get_ref().r#ref.clone().unwrap_or_default();
        self.record("get", &request, &r.namespace, false);
        match lock(&self.0.resources).get(&(r.namespace, r.name.clone())) {
            Some(value) => Ok(Response::new(Resource {
                json: value.to_string(),
            })),
            None => Err(not_found(&r.name)),
        }
    }

    async fn list(&self, request: Request<ListRequest>) -> Result<Response<ListResponse>, Status> {
        let r = request.get_ref().clone();
        self.record("list", &request, &r.namespace, false);
        if kinds::find(&r.kind).is_none() {
            return Err(Status::invalid_argument(format!("unknown kind {}", r.kind)));
        }
        match r.namespace.as_str() {
            "forbidden" if !r.all_namespaces => {
                let mut status = Status::permission_denied("user may not list trainingjobs in forbidden");
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
            .filter(|((namespace, _), _)| r.all_namespaces || *namespace == r.namespace)
            .map(|(_, v)| Resource { json: v.to_string() })
            .collect();
        Ok(Response::new(ListResponse { items }))
    }

    type WatchStream = ReceiverStream<Result<WatchEvent, Status>>;

    async fn watch(&self, request: Request<WatchRequest>) -> Result<Response<Self::WatchStream>, Status> {
        let r = request.get_ref().clone();
        self.record("watch", &request, &r.namespace, false);
        let matches = move |value: &Value| {
            let (namespace, name) = key_of(value);
            (r.all_namespaces || namespace == r.namespace) && (r.name.is_empty() || name == r.name)
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
            Fake::play(self.0.clone(), (request.get_ref().namespace.clone(), name), steps);
        }
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn delete(&self, request: Request<DeleteRequest>) -> Result<Response<DeleteResponse>, Status> {
        let r = request.get_ref().clone();
        let reference = r.r#ref.unwrap_or_default();
        self.record("delete", &request, &reference.namespace, false);
        let key = (reference.namespace, reference.name.clone());
        let Some(mut value) = lock(&self.0.resources).get(&key).cloned() else {
            return Err(not_found(&reference.name));
        };
        let running =
            value.pointer("/status/trainingJobStatus").and_then(Value::as_str) == Some("InProgress");
        if !running || r.retain {
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
        value["status"]["trainingJobStatus"] = json!("Stopping");
        value["status"]["secondaryStatus"] = json!("Stopping");
        self.put(value.clone(), EventType::Modified);
        Fake::play(
            self.0.clone(),
            key,
            vec![
                Step::Status(json!({"trainingJobStatus": "Stopped", "secondaryStatus": "Stopped"})),
                Step::Delete,
            ],
        );
        Ok(Response::new(DeleteResponse {
            resource: Some(Resource {
                json: value.to_string(),
            }),
            finalizing: true,
        }))
    }

    async fn info(&self, request: Request<InfoRequest>) -> Result<Response<InfoResponse>, Status> {
        self.record("info", &request, "", false);
        Ok(Response::new(InfoResponse {
            agent_version: "0.1.0-fake".into(),
            mode: "standalone".into(),
            aws_backend: "sim".into(),
            default_region: "us-west-2".into(),
            account_id: "123456789012".into(),
            kinds: vec!["TrainingJob.sagemaker.services.k8s.aws".into()],
            aws_calls: HashMap::new(),
            api_version: sagemaker_proto::API_VERSION.into(),
        }))
    }
}
