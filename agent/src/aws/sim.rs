//! An in-process stand-in for SageMaker: the embedded default, so the whole
//! product runs on a laptop with no AWS.
//!
//! It is generic: every kind is played from its declaration
//! ([`crate::kinds::SimLifecycle`]). Create keeps what it received, checked
//! through the same schemas and constraints as apply, with the references a
//! kind declares ([`sagemaker_core::kinds::Dependency`]) checked as SageMaker
//! does; Describe echoes it back with the status of the moment; Update,
//! Delete and Stop move the lifecycle along; ARNs, error codes and messages
//! are AWS's. Status is a pure function of the recorded events and the clock
//! (one phase per `step`), so no background task is needed. State is keyed by
//! account and region, as in AWS, and written to disk after every change, so
//! an agent restart loses nothing.

use std::{
    collections::{BTreeMap, HashMap},
    path::PathBuf,
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;
use sagemaker_schema::{MappingError, MappingErrorKind, ack_name};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{
    AwsError, Backend, Call, Target,
    logs::{LogEvent, LogsPage, LogsRequest},
};
use crate::kinds::{self, AwsKind, Role};

mod extras;
pub use extras::*;

/// Environment variable in a job's `environment` that makes the simulated job
/// fail with its value as the failure reason (the same switch the moto
/// extension in the test support honours).
pub const FAIL_REASON_ENV: &str = "SIM_FAIL_REASON";

/// Environment variable in a job's `environment` that makes the create itself
/// fail with a ValidationException carrying its value: a request the service
/// rejects though it passed apply (as a bad role trust policy does).
pub const REJECT_REASON_ENV: &str = "SIM_REJECT_REASON";

/// A tag that makes any simulated resource fail with its value as the
/// reason: on the resource itself, or on one it depends on (an endpoint
/// created or updated with a config carrying it fails, or rolls back).
pub const FAIL_TAG: &str = "sagemaker-simulator/fail-reason";

/// A JSON document kept as its compact text and parsed when used: the
/// simulator holds every resource's create input, which parsed takes several
/// times the memory. Saved as the document itself.
#[derive(Debug, Clone)]
struct Compact(Box<serde_json::value::RawValue>);

impl Compact {
    fn of(v: &Value) -> Compact {
        let raw = serde_json::value::to_raw_value(v).unwrap_or_else(|_| serde_json::value::RawValue::NULL.to_owned());
        Compact(raw)
    }

    fn value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or_default()
    }
}

impl Serialize for Compact {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Compact {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Compact(Box::<serde_json::value::RawValue>::deserialize(d)?))
    }
}

/// One simulated AWS resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    kind: String,
    /// The create input as received (AWS names), with accepted updates merged.
    input: Compact,
    arn: String,
    created: f64,
    /// Why creation fails, decided when it was created.
    #[serde(default)]
    fails: Option<String>,
    #[serde(default)]
    events: Vec<Event>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type")]
enum Event {
    Stop { at: f64 },
    /// `changes` (AWS names) take effect when the update ends well.
    Update { at: f64, changes: Value, fails: Option<String> },
    Delete { at: f64 },
    /// Started again after a stop (a notebook instance).
    Start { at: f64 },
}

/// A change on a resource's timeline: from `.0` on, (status, progress),
/// a failure reason, a new input, whether it is gone.
type Mark = (f64, &'static str, &'static str, Option<String>, Option<Value>, bool);

/// The simulator's saved state.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// `account/region/Kind/id` -> resource.
    #[serde(default)]
    records: BTreeMap<String, Record>,
    /// The layout before records of every kind (training jobs only), read
    /// once and moved into `records`.
    #[serde(default, skip_serializing)]
    training_jobs: BTreeMap<String, LegacyJob>,
}

#[derive(Debug, Deserialize)]
struct LegacyJob {
    input: Value,
    arn: String,
    created: f64,
    stopped_at: Option<f64>,
}

/// A failure to inject, for tests.
#[derive(Debug, Clone)]
struct Injected {
    error: AwsError,
    remaining: usize,
}

pub struct Simulator {
    account: String,
    /// The clock: wall time at `base`, advanced by tokio's clock, so tests
    /// with paused time move simulated resources along in no real time.
    clock: (f64, tokio::time::Instant),
    step: Duration,
    file: Option<PathBuf>,
    state: Mutex<State>,
    injected: Mutex<HashMap<String, Injected>>,
    /// The roles (and ExternalIds) calls came with, for tests.
    #[cfg(test)]
    pub(crate) roles: Mutex<Vec<(Option<String>, Option<String>)>>,
}

/// What a resource looks like at one moment, for describe and for a kind's
/// [`crate::kinds::SimLifecycle::extras`].
pub struct View<'a> {
    /// The create input (AWS names), with the updates that took effect.
    pub input: Value,
    pub arn: &'a str,
    pub created: f64,
    pub status: &'static str,
    pub progress: &'static str,
    pub failure: Option<String>,
    /// (status, progress, start) of every phase passed so far.
    pub transitions: Vec<(&'static str, &'static str, f64)>,
    pub last_change: f64,
    pub gone: bool,
    /// The create inputs (AWS names) of the resources this one depends on.
    pub dependencies: Vec<Value>,
    /// Seconds per simulated phase.
    pub step: f64,
    /// The moment the view shows.
    pub now: f64,
}

/// A line a simulated resource writes to its logs: its stream (after the
/// kind's stream prefix), when (seconds since the epoch) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct SimLog {
    pub stream: String,
    pub at: f64,
    pub message: String,
}

/// Events per simulated FilterLogEvents page (AWS pages by size; a small
/// page here makes callers' paging matter in tests).
const LOG_PAGE: usize = 100;

impl Simulator {
    /// A simulator whose own credentials belong to `account`. With a `data_dir`
    /// its state survives restarts.
    pub fn new(account: impl Into<String>, step: Duration, data_dir: Option<PathBuf>) -> std::io::Result<Self> {
        let file = data_dir.map(|d| d.join("simulator.json"));
        if let Some(f) = &file {
            // a temp file is a write that never finished: the saved state is the last whole one
            let _ = std::fs::remove_file(f.with_extension("json.tmp"));
        }
        let mut state: State = match &file {
            Some(f) if f.exists() => serde_json::from_slice(&std::fs::read(f)?)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?,
            _ => State::default(),
        };
        for (key, job) in std::mem::take(&mut state.training_jobs) {
            let (prefix, name) = key.rsplit_once('/').unwrap_or_default();
            let events = job.stopped_at.map(|at| Event::Stop { at }).into_iter().collect();
            let fails = job.input["Environment"][FAIL_REASON_ENV].as_str().map(str::to_string);
            // the old layout held training jobs only
            let kind = kinds::TRAINING_JOB.info.kind;
            let record = Record { kind: kind.into(), input: Compact::of(&job.input), arn: job.arn, created: job.created, fails, events };
            state.records.insert(format!("{prefix}/{kind}/{name}"), record);
        }
        let clock = (wall_clock(), tokio::time::Instant::now());
        Ok(Simulator {
            account: account.into(),
            clock,
            step,
            file,
            state: Mutex::new(state),
            injected: Mutex::default(),
            #[cfg(test)]
            roles: Mutex::default(),
        })
    }

    /// Seconds since the epoch, by the simulator's clock.
    fn now(&self) -> f64 {
        self.clock.0 + self.clock.1.elapsed().as_secs_f64()
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

    /// Creates a resource directly, as another tool would (for tests).
    #[cfg(test)]
    pub(crate) fn create_outside(&self, target: &Target, kind: &'static AwsKind, input: Value) -> String {
        let identity = kind.identity(&(kind.create.read_input)(&input).expect("input"));
        let id = kind.info.aws_id(&identity);
        let arn = arn_of(kind, target, &identity);
        let record = Record { kind: kind.info.kind.into(), input: Compact::of(&input), arn: arn.clone(), created: self.now(), fails: None, events: vec![] };
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.records.insert(key(target, kind, &id), record);
        arn
    }

    /// A resource's status now, or `None` when it does not exist (for tests).
    #[cfg(test)]
    pub(crate) fn status_of(&self, target: &Target, kind: &'static AwsKind, id: &str) -> Option<&'static str> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let record = state.records.get(&key(target, kind, id))?;
        let view = self.view(&state, target, kind, record, self.now());
        (!view.gone).then_some(view.status)
    }

    /// The children a resource's kind lists under it (for tests).
    #[cfg(test)]
    pub(crate) fn children_of(&self, target: &Target, kind: &'static AwsKind, id: &str) -> Vec<Value> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(record) = state.records.get(&key(target, kind, id)) else { return Vec::new() };
        (kind.sim.children)(&self.view(&state, target, kind, record, self.now()))
    }

    /// How many resources of a kind exist (for tests).
    #[cfg(test)]
    pub(crate) fn count(&self, target: &Target, kind: &'static AwsKind) -> usize {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let prefix = format!("{}/{}/{}/", target.account, target.region, kind.info.kind);
        state.records.iter().filter(|(k, r)| k.starts_with(&prefix) && !self.view(&state, target, kind, r, self.now()).gone).count()
    }

    /// The tags of the resource with this ARN (for tests).
    #[cfg(test)]
    pub(crate) fn tags_of(&self, target: &Target, arn: &str) -> Vec<(String, String)> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let prefix = format!("{}/{}/", target.account, target.region);
        let Some(r) = state.records.iter().find(|(k, r)| k.starts_with(&prefix) && r.arn == arn).map(|(_, r)| r) else { return Vec::new() };
        let input = r.input.value();
        input["Tags"].as_array().into_iter().flatten().filter_map(|t| Some((t["Key"].as_str()?.to_string(), t["Value"].as_str()?.to_string()))).collect()
    }

    /// Deletes a resource directly, as another tool would (for tests).
    #[cfg(test)]
    pub(crate) fn delete_outside(&self, target: &Target, kind: &'static AwsKind, id: &str) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).records.remove(&key(target, kind, id));
    }

    /// The resource at `now`: a pure function of its record and the clock.
    fn view<'a>(&self, state: &State, target: &Target, kind: &AwsKind, r: &'a Record, now: f64) -> View<'a> {
        let life = &kind.sim;
        let step = self.step.as_secs_f64();
        let mut marks: Vec<Mark> = Vec::new();
        for (i, (s, p)) in life.creating.iter().enumerate() {
            marks.push((r.created + step * i as f64, s, p, None, None, false));
        }
        let end = r.created + step * life.creating.len() as f64;
        match &r.fails {
            Some(reason) => marks.push((end, life.failed.0, life.failed.1, Some(reason.clone()), None, false)),
            None => marks.push((end, life.settled.0, life.settled.1, None, None, false)),
        }
        let original = r.input.value();
        let mut input = original.clone();
        for event in &r.events {
            match event {
                Event::Stop { at } => {
                    marks.retain(|m| m.0 <= *at);
                    if let (Some(stopping), Some(stopped)) = (life.stopping, kind.info.statuses.stopped) {
                        marks.push((*at, stopping, stopping, None, None, false));
                        marks.push((at + step, stopped, stopped, None, None, false));
                    }
                }
                Event::Update { at, changes, fails } => {
                    let mut merged = input.clone();
                    merge(&mut merged, changes);
                    // an update ends where it began (a stopped notebook stays stopped)
                    let before = marks.iter().rev().find(|m| m.0 <= *at).map(|m| (m.1, m.2)).unwrap_or(life.settled);
                    match (life.updating, fails) {
                        (Some((updating, rolling_back)), Some(reason)) => {
                            marks.push((*at, updating, "", None, None, false));
                            marks.push((at + step, rolling_back, "", None, None, false));
                            let (s, p) = before;
                            marks.push((at + 2.0 * step, s, p, Some(reason.clone()), None, false));
                        }
                        (Some((updating, _)), None) => {
                            marks.push((*at, updating, "", None, None, false));
                            let (s, p) = before;
                            marks.push((at + step, s, p, None, Some(merged.clone()), false));
                            input = merged;
                        }
                        // applied at once, the status unchanged
                        (None, _) => {
                            let (s, p) = marks.last().map(|m| (m.1, m.2)).unwrap_or(life.settled);
                            marks.push((*at, s, p, None, Some(merged.clone()), false));
                            input = merged;
                        }
                    }
                }
                Event::Start { at } => {
                    marks.retain(|m| m.0 <= *at);
                    for (i, (s, p)) in life.creating.iter().enumerate() {
                        marks.push((at + step * i as f64, s, p, None, None, false));
                    }
                    let (s, p) = life.settled;
                    marks.push((at + step * life.creating.len() as f64, s, p, None, None, false));
                }
                Event::Delete { at } => match life.deleting {
                    Some(deleting) => {
                        marks.push((*at, deleting, "", None, None, false));
                        marks.push((at + step, deleting, "", None, None, true));
                    }
                    None => marks.push((*at, "", "", None, None, true)),
                },
            }
        }
        let mut view = View {
            input: original,
            arn: &r.arn,
            created: r.created,
            status: "",
            progress: "",
            failure: None,
            transitions: Vec::new(),
            last_change: r.created,
            gone: false,
            dependencies: Vec::new(),
            step,
            now,
        };
        let mut failure = None;
        for (at, status, progress, fails, new_input, gone) in marks.into_iter().filter(|m| m.0 <= now) {
            if view.transitions.last().is_none_or(|t| (t.0, t.1) != (status, progress)) {
                view.transitions.push((status, progress, at));
            }
            (view.status, view.progress, view.last_change, view.gone) = (status, progress, at, gone);
            // a failure stays until a later change succeeds
            if fails.is_some() || new_input.is_some() {
                failure = fails;
            }
            if let Some(i) = new_input {
                view.input = i;
            }
        }
        view.failure = failure;
        view.dependencies = self.dependencies(state, target, kind, &view.input).into_iter().map(|d| d.input.value()).collect();
        view
    }

    /// The records of the resources a create input names, per the kind's
    /// declared dependencies; `Err` names the first one missing.
    fn dependencies<'s>(&self, state: &'s State, target: &Target, kind: &AwsKind, input: &Value) -> Vec<&'s Record> {
        self.missing_or_found(state, target, kind, input).into_iter().filter_map(Result::ok).collect()
    }

    fn missing_or_found<'s>(
        &self,
        state: &'s State,
        target: &Target,
        kind: &AwsKind,
        input: &Value,
    ) -> Vec<Result<&'s Record, (&'static AwsKind, Value)>> {
        let Ok(ack) = (kind.create.read_input)(input) else { return Vec::new() };
        let mut out = Vec::new();
        for dep in kind.info.depends_on {
            let Some(dep_kind) = kinds::for_info(dep.kind) else { continue };
            for identity in dep.identities(&ack) {
                let id = dep_kind.info.aws_id(&identity);
                match state.records.get(&key(target, dep_kind, &id)) {
                    Some(r) if !self.deleted(dep_kind, r) => out.push(Ok(r)),
                    _ => out.push(Err((dep_kind, identity))),
                }
            }
        }
        out
    }

    /// A list-describe answer: every resource of the kind whose describe
    /// query (as the kind builds it from an identity) the query asks for.
    fn describe_list(&self, state: &State, target: &Target, kind: &AwsKind, items: &str, query: &Value, now: f64) -> Value {
        let prefix = format!("{}/{}/{}/", target.account, target.region, kind.info.kind);
        let found: Vec<Value> = state
            .records
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, r)| {
                let identity = (kind.create.read_input)(&r.input.value()).map(|ack| kind.identity(&ack)).unwrap_or_default();
                let own = kind.describe_input(&identity);
                own.as_object().is_some_and(|o| o.iter().all(|(k, v)| query.get(k) == Some(v)))
            })
            .map(|(_, r)| self.view(state, target, kind, r, now))
            .filter(|v| !v.gone)
            .map(|v| describe(kind, &v))
            .collect();
        json!({ aws_member(&(kind.describe.output_members)(), items): found })
    }

    /// Every resource of `kind` in the target's account and region (one
    /// page), each as its identifiers and ARN, filtered as the list
    /// call's name filter asks.
    fn list(&self, state: &State, target: &Target, kind: &AwsKind, list: &kinds::List, query: &Value, now: f64) -> Value {
        let prefix = format!("{}/{}/{}/", target.account, target.region, kind.info.kind);
        let contains = list.name_contains.and_then(|f| query.get(f)).and_then(Value::as_str).unwrap_or_default();
        let members = (list.op.output_members)();
        let described = kind.describe_members();
        let wanted: Vec<&str> = kind.info.identifiers.iter().copied().chain([kind.arn_field]).map(|f| aws_member(&described, f)).collect();
        let schema = (list.op.output_schema)();
        let summary = schema.pointer(&format!("/properties/{}/items/properties", list.items)).and_then(Value::as_object).cloned();
        let found: Vec<Value> = state
            .records
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix) && k[prefix.len()..].contains(contains))
            .map(|(_, r)| self.view(state, target, kind, r, now))
            .filter(|v| !v.gone)
            .map(|v| {
                let full = describe(kind, &v);
                // named as the list's summaries name them
                let summary_name = |k: &String| list.renamed.iter().find(|(_, d)| d == k).map_or_else(|| k.clone(), |(s, _)| (*s).to_string());
                Value::Object(
                    full.as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(k, _)| wanted.contains(&k.as_str()))
                        .map(|(k, v)| (summary_name(k), v.clone()))
                        // only what the summary has (a user profile's has no ARN)
                        .filter(|(k, _)| summary.as_ref().is_none_or(|s| s.contains_key(&ack_name(k))))
                        .collect(),
                )
            })
            .collect();
        json!({ aws_member(&members, list.items): found })
    }

    /// Every line written so far to a log group, oldest first: each
    /// resource's lines, from its kind's declaration, under its streams.
    fn log_events(&self, target: &Target, group: &str) -> Result<Vec<LogEvent>, AwsError> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.now();
        let mut found = false;
        let mut events = Vec::new();
        for kind in kinds::KINDS {
            let Some(logs) = kind.logs else { continue };
            let prefix = format!("{}/{}/{}/", target.account, target.region, kind.info.kind);
            for (key, record) in state.records.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)) {
                let name = &key[prefix.len()..];
                if logs.group_of(name) != group {
                    continue;
                }
                found = true;
                // what was written stays written, even after a delete
                let view = self.view(&state, target, kind, record, now);
                let streams = logs.streams_of(name);
                events.extend((kind.sim.logs)(&view).into_iter().filter(|l| l.at <= now).map(|l| LogEvent {
                    stream: format!("{streams}{}", l.stream),
                    timestamp: (l.at * 1000.0) as i64,
                    message: l.message,
                }));
            }
        }
        if !found {
            return Err(AwsError::new("FilterLogEvents", "ResourceNotFoundException", "The specified log group does not exist."));
        }
        events.sort_by_key(|e| e.timestamp);
        Ok(events)
    }

    fn read_logs(&self, target: &Target, request: &LogsRequest) -> Result<LogsPage, AwsError> {
        let op = request.operation();
        let missing = |mut e: AwsError| {
            e.operation = op.into();
            e
        };
        match request {
            LogsRequest::Filter { group, stream_prefix, start_ms, next_token } => {
                let skip: usize = next_token.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0);
                let matching: Vec<LogEvent> = self
                    .log_events(target, group)
                    .map_err(missing)?
                    .into_iter()
                    .filter(|e| e.stream.starts_with(stream_prefix.as_str()) && e.timestamp >= *start_ms)
                    .collect();
                let next = (matching.len() > skip + LOG_PAGE).then(|| (skip + LOG_PAGE).to_string());
                Ok(LogsPage { events: matching.into_iter().skip(skip).take(LOG_PAGE).collect(), streams: Vec::new(), next_token: next })
            }
            LogsRequest::Streams { group, prefix, .. } => {
                let mut streams: Vec<String> =
                    self.log_events(target, group).map_err(missing)?.into_iter().map(|e| e.stream).filter(|s| s.starts_with(prefix.as_str())).collect();
                streams.sort();
                streams.dedup();
                Ok(LogsPage { events: Vec::new(), streams, next_token: None })
            }
            LogsRequest::Last { group, stream, limit } => {
                let events: Vec<LogEvent> = self.log_events(target, group).map_err(missing)?.into_iter().filter(|e| &e.stream == stream).collect();
                let skip = events.len().saturating_sub((*limit).max(0) as usize);
                Ok(LogsPage { events: events.into_iter().skip(skip).collect(), streams: Vec::new(), next_token: None })
            }
        }
    }

    /// Whether a record was deleted (and its deleting phase is over).
    fn deleted(&self, kind: &AwsKind, r: &Record) -> bool {
        r.events.iter().any(|e| match e {
            Event::Delete { at } => kind.sim.deleting.is_none() || *at + self.step.as_secs_f64() <= self.now(),
            _ => false,
        })
    }

    /// The ARN a create with the same client token made before, if any.
    fn made_with_token(&self, state: &State, target: &Target, kind: &AwsKind, input: &Value) -> Option<String> {
        let member = aws_member(&(kind.create.input_members)(), kind.client_token?);
        let token = input.get(member).and_then(Value::as_str)?;
        let prefix = format!("{}/{}/{}/", target.account, target.region, kind.info.kind);
        // (what was deleted since is not made again by a retry)
        state
            .records
            .iter()
            .filter(|(k, r)| k.starts_with(&prefix) && !self.view(state, target, kind, r, self.now()).gone)
            .find(|(_, r)| r.input.value().get(member).and_then(Value::as_str) == Some(token))
            .map(|(_, r)| r.arn.clone())
    }

    /// A [`kinds::Find`] answer: every resource of the kind (of the label
    /// the query names, if it names one), each with its identifiers, label
    /// and ARN.
    fn find(&self, state: &State, target: &Target, kind: &AwsKind, op: &kinds::Op, query: &Value, now: f64) -> Value {
        let prefix = format!("{}/{}/{}/", target.account, target.region, kind.info.kind);
        let label = kind.info.assigned.map(|a| a.label).unwrap_or_default();
        let items = kind.find.as_ref().map(|f| f.items).unwrap_or_default();
        let described = kind.describe_members();
        let wanted: Vec<&str> =
            kind.info.identifiers.iter().copied().chain([kind.arn_field, label]).map(|f| aws_member(&described, f)).collect();
        let found: Vec<Value> = state
            .records
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .map(|(_, r)| self.view(state, target, kind, r, now))
            .filter(|v| !v.gone)
            .map(|v| describe(kind, &v))
            .filter(|d| query.get(label).is_none_or(|want| d.get(aws_member(&described, label)) == Some(want)))
            .map(|d| Value::Object(d.as_object().into_iter().flatten().filter(|(k, _)| wanted.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()))
            .collect();
        json!({ aws_member(&(op.output_members)(), items): found })
    }

    fn play(&self, target: &Target, call: Call, input: &Value) -> Result<Value, AwsError> {
        let kind = call.kind;
        let op = call.op.name;
        let err = |code: &str, msg: String| AwsError::new(op, code, msg);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.now();
        if call.role == Role::ListTags {
            return list_tags(&state, target, kind, op, input);
        }
        let ack = (call.op.read_input)(input).map_err(|e| err("ValidationException", validation_message(&e)))?;
        if let (Role::Describe, Some(list)) = (call.role, &kind.describe_list) {
            return Ok(self.describe_list(&state, target, kind, list.items, &ack, now));
        }
        if let (Role::List, Some(list)) = (call.role, &kind.list) {
            return Ok(self.list(&state, target, kind, list, &ack, now));
        }
        if call.role == Role::Find {
            return Ok(self.find(&state, target, kind, call.op, &ack, now));
        }
        let mut identity = kind.identity(&ack);
        // a create of a kind AWS names itself: the name is chosen now
        let assigned = match (call.role, kind.info.assigned, kind.sim.assigned_arn) {
            (Role::Create, Some(a), Some(template)) if identity.get(a.field).is_none() => {
                let label = ack.get(a.label).and_then(Value::as_str).unwrap_or_default();
                let prefix = format!("{}/{}/{}/", target.account, target.region, kind.info.kind);
                // the next number after the highest (a deleted version's stays taken)
                let member = aws_member(&(kind.create.input_members)(), a.label);
                let seq = state
                    .records
                    .iter()
                    .filter(|(k, r)| k.starts_with(&prefix) && r.input.value().get(member).and_then(Value::as_str) == Some(label))
                    .filter_map(|(_, r)| r.arn.rsplit('/').next().and_then(|n| n.parse::<u64>().ok()))
                    .max()
                    .unwrap_or(0)
                    + 1;
                let fresh = stable_id(&format!("{prefix}{label}/{seq}/{now}"))[..12].to_string();
                let mut arn = template.replace("{region}", &target.region).replace("{account}", &target.account).replace("{seq}", &seq.to_string()).replace("{new}", &fresh);
                arn = arn.replace(&format!("{{{}}}", a.label), &label.to_ascii_lowercase());
                let id = a.id_in(&arn).to_string();
                identity[a.field] = json!(id);
                Some(arn)
            }
            _ => None,
        };
        // an operation naming the resource by its ARN (UpdateModelPackage)
        if !kind.info.identifiers.iter().any(|f| identity.get(*f).is_some())
            && let Some(by_arn) = ack.get(kind.arn_field).and_then(Value::as_str)
            && let Some(record) = state.records.values().find(|r| r.kind == kind.info.kind && r.arn == by_arn)
            && let Ok(recorded) = (kind.create.read_input)(&record.input.value())
        {
            identity = kind.identity(&recorded);
            if let Some(a) = kind.info.assigned.filter(|a| identity.get(a.field).is_none()) {
                let id = a.id_in(by_arn);
                identity[a.field] = json!(id);
            }
        }
        let id = kind.info.aws_id(&identity);
        let key = key(target, kind, &id);
        let arn = assigned.clone().unwrap_or_else(|| arn_of(kind, target, &identity));
        let found = state.records.get(&key).filter(|r| !self.view(&state, target, kind, r, now).gone);
        let not_found = || err(kind.not_found.code, fill(kind.not_found.message, &arn, &id));
        match call.role {
            Role::Create => {
                (call.op.check_input)(input).map_err(|e| err("ValidationException", validation_message(&e)))?;
                check_required(kind, input).map_err(|m| err("ValidationException", m))?;
                // an idempotent create answers with what the same token made before
                if let Some(made) = self.made_with_token(&state, target, kind, input) {
                    return Ok(arn_answer(&(kind.create.output_members)(), kind.arn_field, &made));
                }
                match (found, &kind.already_exists) {
                    (Some(r), Some(exists)) => return Err(err(exists.code, fill(exists.message, &r.arn, &id))),
                    // an upsert: what it sends replaces what was there
                    (Some(r), None) => {
                        let arn = r.arn.clone();
                        let changes = input.clone();
                        state.records.get_mut(&key).ok_or_else(not_found)?.events.push(Event::Update { at: now, changes, fails: None });
                        self.save(&state)?;
                        return Ok(arn_answer(&(kind.create.output_members)(), kind.arn_field, &arn));
                    }
                    (None, _) => {}
                }
                for dep in self.missing_or_found(&state, target, kind, input) {
                    if let Err((dep_kind, dep_identity)) = dep {
                        let dep_arn = arn_of(dep_kind, target, &dep_identity);
                        return Err(err(dep_kind.not_found.code, fill(dep_kind.not_found.message, &dep_arn, &dep_kind.info.aws_id(&dep_identity))));
                    }
                }
                if let Some(reason) = marker(&ack, kind.tags_field, &[REJECT_PATH], REJECT_TAG) {
                    return Err(err("ValidationException", reason));
                }
                let deps = self.dependencies(&state, target, kind, input);
                let fails = fail_reason(kind, &ack, &deps);
                let record = Record { kind: kind.info.kind.into(), input: Compact::of(input), arn: arn.clone(), created: now, fails, events: vec![] };
                state.records.insert(key, record);
                self.save(&state)?;
                Ok(arn_answer(&(kind.create.output_members)(), kind.arn_field, &arn))
            }
            Role::Describe => {
                let r = found.ok_or_else(not_found)?;
                Ok(describe(kind, &self.view(&state, target, kind, r, now)))
            }
            Role::Stop => {
                let r = found.ok_or_else(not_found)?;
                let status = self.view(&state, target, kind, r, now).status;
                if !kind.info.statuses.stoppable.contains(&status) {
                    return Err(err(
                        "ValidationException",
                        format!("The request was rejected because the {} is in status {status}.", noun(kind)),
                    ));
                }
                state.records.get_mut(&key).ok_or_else(not_found)?.events.push(Event::Stop { at: now });
                self.save(&state)?;
                Ok(json!({}))
            }
            Role::Update => {
                let r = found.ok_or_else(not_found)?;
                let view = self.view(&state, target, kind, r, now);
                let busy = kind.info.statuses.modifying.contains(&view.status) && kind.sim.updating.is_some();
                if busy || kind.info.is_final(view.status) {
                    let state = if busy { "in-progress" } else { "failed" };
                    return Err(err("ValidationException", format!("Cannot update {state} {} \"{}\".", noun(kind), r.arn)));
                }
                // what the update changes: the create-input members it carries
                let members = (kind.create.input_members)();
                let mut changes: Map<String, Value> =
                    input.as_object().into_iter().flatten().filter(|(k, _)| members.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
                // a removal flag removes its member (null: removed by `merge`)
                let update_members = (call.op.input_members)();
                for (path, flag) in kind.update.as_ref().map(|u| u.cleared).unwrap_or_default() {
                    if input.get(aws_member(&update_members, flag)) == Some(&Value::Bool(true)) {
                        changes.insert(aws_member(&members, path).to_string(), Value::Null);
                    }
                }
                let mut merged = view.input.clone();
                merge(&mut merged, &Value::Object(changes.clone()));
                let found_deps = self.missing_or_found(&state, target, kind, &merged);
                for dep in &found_deps {
                    if let Err((dep_kind, dep_identity)) = dep {
                        let dep_arn = arn_of(dep_kind, target, dep_identity);
                        return Err(err(dep_kind.not_found.code, fill(dep_kind.not_found.message, &dep_arn, &dep_kind.info.aws_id(dep_identity))));
                    }
                }
                let deps: Vec<&Record> = found_deps.into_iter().filter_map(Result::ok).collect();
                let merged_ack = (kind.create.read_input)(&merged).unwrap_or_default();
                let fails = fail_reason(kind, &merged_ack, &deps);
                state.records.get_mut(&key).ok_or_else(not_found)?.events.push(Event::Update {
                    at: now,
                    changes: Value::Object(changes),
                    fails,
                });
                self.save(&state)?;
                Ok(arn_answer(&(call.op.output_members)(), kind.arn_field, &arn))
            }
            Role::Delete => {
                let r = found.ok_or_else(not_found)?;
                let status = self.view(&state, target, kind, r, now).status;
                // SageMaker words a refused delete as an update
                if kind.info.statuses.modifying.contains(&status) {
                    return Err(err(
                        "ValidationException",
                        format!("Cannot update in-progress {} \"{}\".", noun(kind), r.arn),
                    ));
                }
                if kind.sim.deleting.is_some() {
                    state.records.get_mut(&key).ok_or_else(not_found)?.events.push(Event::Delete { at: now });
                } else {
                    state.records.remove(&key);
                }
                cascade(&mut state, target, kind, &id);
                self.save(&state)?;
                Ok(json!({}))
            }
            Role::Start => {
                let r = found.ok_or_else(not_found)?;
                let status = self.view(&state, target, kind, r, now).status;
                if Some(status) != kind.info.statuses.stopped {
                    return Err(err("ValidationException", format!("Unable to start {} \"{}\": it is {status}.", noun(kind), r.arn)));
                }
                state.records.get_mut(&key).ok_or_else(not_found)?.events.push(Event::Start { at: now });
                self.save(&state)?;
                Ok(json!({}))
            }
            Role::Children => {
                let r = found.ok_or_else(not_found)?;
                let items = (kind.sim.children)(&self.view(&state, target, kind, r, now));
                let list = kind.children.as_ref().map(|c| c.items).unwrap_or_default();
                Ok(json!({ aws_member(&(call.op.output_members)(), list): items }))
            }
            Role::AddTags | Role::DeleteTags => {
                let arn = input.as_object().and_then(|o| o.values().find_map(Value::as_str)).unwrap_or_default().to_string();
                let prefix = format!("{}/{}/", target.account, target.region);
                let member = kind.tags_field.map(|f| aws_member(&(kind.create.input_members)(), f)).unwrap_or("Tags");
                let record = state
                    .records
                    .iter_mut()
                    .find(|(k, r)| k.starts_with(&prefix) && r.arn == arn)
                    .map(|(_, r)| r)
                    .ok_or_else(|| err("ValidationException", format!("Could not find resource {arn}")))?;
                let mut whole = record.input.value();
                let gone: Vec<&str> = input.get("TagKeys").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
                match (whole.get(member).cloned(), input.get("Tags")) {
                    // a map (Application Auto Scaling)
                    (have, added) if kind.service.tags_are_a_map => {
                        let mut tags = have.and_then(|h| h.as_object().cloned()).unwrap_or_default();
                        if let Some(Value::Object(added)) = added {
                            tags.extend(added.clone());
                        }
                        tags.retain(|k, _| !gone.contains(&k.as_str()));
                        whole[member] = Value::Object(tags);
                    }
                    (have, added) => {
                        let mut tags: Vec<Value> = have.and_then(|h| h.as_array().cloned()).unwrap_or_default();
                        let key_of = |t: &Value| t.get("Key").and_then(Value::as_str).map(str::to_string);
                        for t in added.and_then(Value::as_array).into_iter().flatten() {
                            tags.retain(|h| key_of(h) != key_of(t));
                            tags.push(t.clone());
                        }
                        tags.retain(|t| key_of(t).is_none_or(|k| !gone.contains(&k.as_str())));
                        whole[member] = json!(tags);
                    }
                }
                record.input = Compact::of(&whole);
                self.save(&state)?;
                Ok(json!({}))
            }
            Role::ListTags | Role::List | Role::Find => unreachable!("answered above"),
        }
    }
}

#[async_trait]
impl Backend for Simulator {
    async fn call(&self, target: &Target, call: Call, input: Value) -> Result<Value, AwsError> {
        #[cfg(test)]
        self.roles.lock().unwrap_or_else(|p| p.into_inner()).push((target.role_arn.clone(), target.external_id.clone()));
        if let Some(error) = self.take_injected(call.op.name) {
            return Err(error);
        }
        self.play(target, call, &input)
    }

    async fn caller_account(&self) -> Result<String, AwsError> {
        Ok(self.account.clone())
    }

    async fn identity(&self, target: &Target) -> Result<String, AwsError> {
        if let Some(error) = self.take_injected("GetCallerIdentity") {
            return Err(error);
        }
        Ok(match &target.role_arn {
            Some(arn) => {
                let (account, name) = (arn.split(':').nth(4).unwrap_or_default(), arn.rsplit('/').next().unwrap_or_default());
                format!("arn:aws:sts::{account}:assumed-role/{name}/sagemaker-agent")
            }
            None => format!("arn:aws:iam::{}:user/sagemaker-simulator", self.account),
        })
    }

    async fn logs(&self, target: &Target, request: &LogsRequest) -> Result<LogsPage, AwsError> {
        if let Some(error) = self.take_injected(request.operation()) {
            return Err(error);
        }
        self.read_logs(target, request)
    }

    fn name(&self) -> &'static str {
        "sim"
    }
}

/// An AWS message from a declared template: `{arn}` and `{name}` filled in.
fn fill(template: &str, arn: &str, name: &str) -> String {
    template.replace("{arn}", arn).replace("{name}", name)
}

/// `Environment.SIM_REJECT_REASON` in ACK names, and its tag twin.
const REJECT_PATH: &str = "environment.SIM_REJECT_REASON";
const REJECT_TAG: &str = "sagemaker-simulator/reject-reason";

fn key(target: &Target, kind: &AwsKind, id: &str) -> String {
    format!("{}/{}/{}/{id}", target.account, target.region, kind.info.kind)
}

/// The ARN the kind's template gives an identity in `target`.
fn arn_of(kind: &AwsKind, target: &Target, identity: &Value) -> String {
    let id = kind.info.aws_id(identity);
    let mut arn = kind
        .sim
        .arn
        .replace("{region}", &target.region)
        .replace("{account}", &target.account)
        .replace("{name}", &id.to_ascii_lowercase().replace(' ', "/"))
        .replace("{id}", &stable_id(&format!("{}/{}/{}/{id}", target.account, target.region, kind.info.kind)));
    for field in kind.info.identifiers {
        let value = identity.get(*field).and_then(Value::as_str).unwrap_or_default();
        arn = arn.replace(&format!("{{{field}}}"), value);
    }
    arn
}

/// 32 hex digits derived from `text` (FNV-1a, twice): the same resource
/// gets the same id after a restart, as its ARN must.
fn stable_id(text: &str) -> String {
    let fnv = |seed: u64| text.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
    format!("{:016x}{:016x}", fnv(0xcbf29ce484222325), fnv(0x84222325cbf29ce4))
}

/// `training job` for messages, from the ARN's resource type.
fn noun(kind: &AwsKind) -> String {
    let resource = kind.sim.arn.splitn(6, ':').nth(5).unwrap_or_default();
    resource.split(['/', ':']).next().unwrap_or_default().replace('-', " ")
}

/// The AWS member among `members` whose ACK name is `ack`.
fn aws_member(members: &[&'static str], ack: &str) -> &'static str {
    members.iter().copied().find(|m| ack_name(m) == ack).unwrap_or_default()
}

/// Removes what AWS deletes along with a deleted resource (a target's
/// scaling policies), per the kinds' declared cascading dependencies.
fn cascade(state: &mut State, target: &Target, deleted: &AwsKind, id: &str) {
    for kind in kinds::KINDS {
        for dep in kind.info.depends_on.iter().filter(|d| d.cascade && d.kind == deleted.info) {
            let prefix = format!("{}/{}/{}/", target.account, target.region, kind.info.kind);
            state.records.retain(|k, r| {
                let goes = k.starts_with(&prefix)
                    && (kind.create.read_input)(&r.input.value())
                        .map(|ack| dep.identities(&ack).iter().any(|i| deleted.info.aws_id(i) == id))
                        .unwrap_or(false);
                !goes
            });
        }
    }
}

/// An answer carrying the ARN, when the output has a member for it.
fn arn_answer(members: &[&'static str], arn_field: &str, arn: &str) -> Value {
    match aws_member(members, arn_field) {
        "" => json!({}),
        m => json!({ m: arn }),
    }
}

/// Every string at a dotted path of an ACK-named document.
fn strings_at(v: &Value, path: &str) -> Vec<String> {
    sagemaker_core::kinds::values_at(v, path).into_iter().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

/// A reason planted in an ACK-named input: at one of `paths`, or as `tag`.
fn marker(ack: &Value, tags_field: Option<&str>, paths: &[&str], tag: &str) -> Option<String> {
    for p in paths {
        // `list[KEY]`: the value of the item of `list` named KEY (parameters)
        if let Some((list, key)) = p.strip_suffix(']').and_then(|p| p.split_once('[')) {
            let items = sagemaker_core::kinds::values_at(ack, &format!("{list}[]"));
            if let Some(v) = items.iter().find(|i| i.get("name").and_then(Value::as_str) == Some(key)).and_then(|i| i.get("value")?.as_str()) {
                return Some(v.to_string());
            }
            continue;
        }
        if let Some(v) = strings_at(ack, p).into_iter().next() {
            return Some(v);
        }
    }
    let tags = ack.get(tags_field?)?;
    tag_value(tags, tag)
}

/// A tag's value in either of AWS's tag layouts (a list of key/value, or a map).
fn tag_value(tags: &Value, tag: &str) -> Option<String> {
    match tags {
        Value::Array(list) => list.iter().find(|t| t["key"] == tag || t["Key"] == tag).and_then(|t| {
            t.get("value").or_else(|| t.get("Value")).and_then(Value::as_str).map(str::to_string)
        }),
        Value::Object(map) => map.get(tag).and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// Why a resource created (or updated) from `ack` fails: its own marker, or
/// the fail tag on a resource it depends on.
fn fail_reason(kind: &AwsKind, ack: &Value, deps: &[&Record]) -> Option<String> {
    marker(ack, kind.tags_field, kind.sim.fail_paths, FAIL_TAG).or_else(|| {
        deps.iter().find_map(|d| {
            let input = d.input.value();
            tag_value(input.get("Tags")?, FAIL_TAG)
        })
    })
}

/// Required members, as SageMaker reports a missing one.
fn check_required(kind: &AwsKind, input: &Value) -> Result<(), String> {
    for field in kind.info.required_fields {
        let present = input.as_object().is_some_and(|o| o.keys().any(|k| ack_name(k) == *field));
        if !present {
            return Err(format!(
                "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
            ));
        }
    }
    Ok(())
}

/// Deep-merges `changes` into `into` (objects by key, anything else replaced).
fn merge(into: &mut Value, changes: &Value) {
    match (into, changes) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    a.remove(k);
                } else {
                    merge(a.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

fn list_tags(state: &State, target: &Target, kind: &AwsKind, op: &str, input: &Value) -> Result<Value, AwsError> {
    let arn = input.as_object().and_then(|o| o.values().find_map(Value::as_str)).unwrap_or_default();
    let prefix = format!("{}/{}/", target.account, target.region);
    let record = state
        .records
        .iter()
        .find(|(k, r)| k.starts_with(&prefix) && r.arn == arn)
        .map(|(_, r)| r)
        .ok_or_else(|| AwsError::new(op, "ValidationException", format!("Could not find resource {arn}")))?;
    let member = kind.tags_field.map(|f| aws_member(&(kind.create.input_members)(), f)).unwrap_or("Tags");
    Ok(json!({ member: record.input.value().get(member).cloned().unwrap_or(json!([])) }))
}

/// The describe answer: the create input echoed (only what the describe
/// output has), the ARN, the lifecycle members and the kind's extras.
fn describe(kind: &AwsKind, view: &View<'_>) -> Value {
    let members = kind.describe_members();
    let mut out: Map<String, Value> = view
        .input
        .as_object()
        .map(|o| o.iter().filter(|(k, _)| members.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let mut set = |ack: &str, v: Value| {
        let m = aws_member(&members, ack);
        if !m.is_empty() {
            out.insert(m.to_string(), v);
        }
    };
    set(kind.arn_field, json!(view.arn));
    // an identifier AWS assigned is part of what it describes (a Domain's id)
    if let Some(a) = kind.info.assigned {
        let id = a.id_in(view.arn);
        set(a.field, json!(id));
    }
    if let Some(f) = kind.info.statuses.field {
        set(f, json!(view.status));
    }
    if let Some(f) = kind.info.progress_field {
        set(f, json!(view.progress));
    }
    if let (Some(f), Some(reason)) = (kind.info.failure_field, &view.failure) {
        set(f, json!(reason));
    }
    set("creationTime", json!(view.created));
    set("lastModifiedTime", json!(view.last_change));
    out.extend((kind.sim.extras)(view));
    Value::Object(out)
}

fn wall_clock() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::{ENDPOINT, ENDPOINT_CONFIG, MODEL, TRAINING_JOB};

    fn here() -> Target {
        Target { account: "1".into(), region: "us-east-1".into(), ..Default::default() }
    }

    async fn call(sim: &Simulator, t: &Target, kind: &'static AwsKind, role: Role, input: Value) -> Result<Value, AwsError> {
        sim.call(t, Call::of(kind, role).expect("role"), input).await
    }

    fn training(name: &str, env: Value) -> Value {
        json!({
            "TrainingJobName": name, "RoleArn": "arn:aws:iam::111111111111:role/r",
            "AlgorithmSpecification": { "TrainingImage": "img", "TrainingInputMode": "File" },
            "OutputDataConfig": { "S3OutputPath": "s3://b/out/" },
            "ResourceConfig": { "InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5 },
            "StoppingCondition": { "MaxRuntimeInSeconds": 60 },
            "Environment": env,
        })
    }

    fn sim(step_ms: u64) -> Simulator {
        Simulator::new("1", Duration::from_millis(step_ms), None).expect("sim")
    }

    async fn describe_status(sim: &Simulator, kind: &'static AwsKind, id: Value) -> (String, Value) {
        let out = call(sim, &here(), kind, Role::Describe, id).await.expect("describe");
        let field = aws_member(&kind.describe_members(), kind.info.statuses.field.unwrap_or_default());
        (out[field].as_str().unwrap_or_default().to_string(), out)
    }

    #[tokio::test(start_paused = true)]
    async fn a_training_job_writes_each_instances_lines_under_its_own_stream_as_its_phases_pass() {
        let sim = sim(1000);
        let logs = |prefix: &str| LogsRequest::Filter {
            group: "/aws/sagemaker/TrainingJobs".into(),
            stream_prefix: prefix.into(),
            start_ms: 0,
            next_token: None,
        };
        let missing = sim.logs(&here(), &logs("j/")).await.expect_err("no group before any job");
        assert_eq!(missing.code, "ResourceNotFoundException");
        let mut input = training("j", json!({}));
        input["ResourceConfig"]["InstanceCount"] = json!(2);
        call(&sim, &here(), &TRAINING_JOB, Role::Create, input).await.expect("create");
        call(&sim, &here(), &TRAINING_JOB, Role::Create, training("other", json!({}))).await.expect("create");
        // starting and launching instances: nothing printed yet
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(sim.logs(&here(), &logs("j/")).await.expect("filter").events.is_empty());
        tokio::time::sleep(Duration::from_secs(10)).await;
        let page = sim.logs(&here(), &logs("j/")).await.expect("filter");
        let streams: std::collections::BTreeSet<_> = page.events.iter().map(|e| e.stream.as_str()).collect();
        assert_eq!(streams.len(), 2, "{streams:?}");
        assert!(streams.iter().all(|s| s.starts_with("j/algo-")), "{streams:?}");
        assert!(page.events.windows(2).all(|w| w[0].timestamp <= w[1].timestamp), "oldest first");
        let last = page.events.last().expect("lines");
        assert!(last.message.ends_with("Reporting training SUCCESS"), "{last:?}");
        let listed = sim.logs(&here(), &LogsRequest::Streams { group: "/aws/sagemaker/TrainingJobs".into(), prefix: "j/".into(), next_token: None }).await;
        assert_eq!(listed.expect("streams").streams.len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_training_job_passes_through_each_secondary_status_then_completes() {
        let sim = sim(30);
        call(&sim, &here(), &TRAINING_JOB, Role::Create, training("j", json!({}))).await.expect("create");
        let mut seen = Vec::new();
        for _ in 0..40 {
            let (_, out) = describe_status(&sim, &TRAINING_JOB, json!({"TrainingJobName": "j"})).await;
            let s = out["SecondaryStatus"].as_str().unwrap_or_default().to_string();
            if seen.last() != Some(&s) {
                seen.push(s.clone());
            }
            if s == "Completed" {
                assert_eq!(out["ModelArtifacts"]["S3ModelArtifacts"], "s3://b/out/j/output/model.tar.gz");
                assert!(out.get("Tags").is_none(), "DescribeTrainingJob does not return tags");
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(seen, ["Starting", "LaunchingMLInstances", "Downloading", "Training", "Uploading", "Completed"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stopped_job_goes_through_stopping_to_stopped_and_a_finished_one_cannot_be_stopped() {
        let sim = sim(40);
        call(&sim, &here(), &TRAINING_JOB, Role::Create, training("j", json!({}))).await.expect("create");
        call(&sim, &here(), &TRAINING_JOB, Role::Stop, json!({"TrainingJobName": "j"})).await.expect("stop");
        assert_eq!(sim.status_of(&here(), &TRAINING_JOB, "j"), Some("Stopping"));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(sim.status_of(&here(), &TRAINING_JOB, "j"), Some("Stopped"));
        let e = call(&sim, &here(), &TRAINING_JOB, Role::Stop, json!({"TrainingJobName": "j"})).await.expect_err("stopped");
        assert_eq!(e.message, "The request was rejected because the training job is in status Stopped.");
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_asked_to_fail_ends_failed_with_its_reason() {
        let sim = sim(1);
        call(&sim, &here(), &TRAINING_JOB, Role::Create, training("j", json!({ FAIL_REASON_ENV: "AlgorithmError: boom" })))
            .await
            .expect("create");
        tokio::time::sleep(Duration::from_millis(10)).await;
        let (status, out) = describe_status(&sim, &TRAINING_JOB, json!({"TrainingJobName": "j"})).await;
        assert_eq!(status, "Failed");
        assert_eq!(out["FailureReason"], "AlgorithmError: boom");
    }

    #[tokio::test]
    async fn accounts_are_isolated_and_duplicate_names_are_rejected() {
        let sim = sim(1000);
        let b = Target { account: "2".into(), ..here() };
        call(&sim, &here(), &TRAINING_JOB, Role::Create, training("j", json!({}))).await.expect("created");
        let dup = call(&sim, &here(), &TRAINING_JOB, Role::Create, training("j", json!({}))).await.expect_err("dup");
        assert_eq!(dup.code, "ResourceInUse");
        let missing = call(&sim, &b, &TRAINING_JOB, Role::Describe, json!({"TrainingJobName": "j"})).await;
        assert_eq!(missing.expect_err("other account").message, "Requested resource not found.");
    }

    #[tokio::test]
    async fn the_simulator_rejects_what_sagemaker_rejects_with_sagemakers_message() {
        let sim = sim(1000);
        let mut input = training("j", json!({}));
        input["ResourceConfig"]["InstanceCount"] = json!(-1);
        let e = call(&sim, &here(), &TRAINING_JOB, Role::Create, input).await.expect_err("negative count");
        assert_eq!(e.code, "ValidationException");
        assert_eq!(
            e.message,
            "1 validation error detected: Value '-1' at 'resourceConfig.instanceCount' failed to satisfy constraint: \
             Member must have value greater than or equal to 0"
        );
        let mut input = training("j", json!({}));
        input.as_object_mut().expect("object").remove("RoleArn");
        let e = call(&sim, &here(), &TRAINING_JOB, Role::Create, input).await.expect_err("no role");
        assert!(e.message.contains("Value null at 'roleARN'"), "{}", e.message);
        call(&sim, &here(), &TRAINING_JOB, Role::Create, training("j", json!({}))).await.expect("valid");
    }

    #[tokio::test]
    async fn state_survives_a_restart_and_the_old_layout_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sim = Simulator::new("1", Duration::from_secs(60), Some(dir.path().into())).expect("sim");
        call(&sim, &here(), &TRAINING_JOB, Role::Create, training("j", json!({}))).await.expect("created");
        drop(sim);
        let sim = Simulator::new("1", Duration::from_secs(60), Some(dir.path().into())).expect("sim");
        assert_eq!(sim.status_of(&here(), &TRAINING_JOB, "j"), Some("InProgress"));

        let old = json!({ "training_jobs": { "1/us-east-1/old": {
            "input": training("old", json!({})), "arn": "arn:aws:sagemaker:us-east-1:1:training-job/old",
            "created": wall_clock(), "stopped_at": null } } });
        std::fs::write(dir.path().join("simulator.json"), old.to_string()).expect("write");
        let sim = Simulator::new("1", Duration::from_secs(60), Some(dir.path().into())).expect("sim");
        assert_eq!(sim.status_of(&here(), &TRAINING_JOB, "old"), Some("InProgress"));
    }

    fn model(name: &str) -> Value {
        json!({ "ModelName": name, "ExecutionRoleArn": "arn:aws:iam::111111111111:role/r", "PrimaryContainer": { "Image": "img" } })
    }

    fn config(name: &str, model: &str, tags: Value) -> Value {
        json!({ "EndpointConfigName": name, "Tags": tags, "ProductionVariants": [{
            "VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": 2, "InstanceType": "ml.m5.large" }] })
    }

    #[tokio::test]
    async fn references_are_checked_at_create_with_sagemakers_words() {
        let sim = sim(1000);
        let e = call(&sim, &here(), &ENDPOINT_CONFIG, Role::Create, config("c", "m", json!([]))).await.expect_err("no model");
        assert_eq!(e.message, "Could not find model \"arn:aws:sagemaker:us-east-1:1:model/m\".");
        call(&sim, &here(), &MODEL, Role::Create, model("m")).await.expect("model");
        let dup = call(&sim, &here(), &MODEL, Role::Create, model("m")).await.expect_err("dup");
        assert_eq!(dup.message, "Cannot create already existing model \"arn:aws:sagemaker:us-east-1:1:model/m\".");
        call(&sim, &here(), &ENDPOINT_CONFIG, Role::Create, config("c", "m", json!([]))).await.expect("config");
        let e = call(&sim, &here(), &ENDPOINT, Role::Create, json!({"EndpointName": "e", "EndpointConfigName": "nope"}))
            .await
            .expect_err("no config");
        assert!(e.message.starts_with("Could not find endpoint configuration"), "{}", e.message);
        assert!(ENDPOINT_CONFIG.not_found.matches(&e));
    }

    #[tokio::test(start_paused = true)]
    async fn an_endpoint_comes_into_service_updates_rolls_back_a_failed_update_and_is_deleted() {
        let sim = sim(40);
        let t = here();
        call(&sim, &t, &MODEL, Role::Create, model("m")).await.expect("model");
        call(&sim, &t, &ENDPOINT_CONFIG, Role::Create, config("c1", "m", json!([]))).await.expect("c1");
        let bad = json!([{ "Key": FAIL_TAG, "Value": "the model failed its ping health check" }]);
        call(&sim, &t, &ENDPOINT_CONFIG, Role::Create, config("bad", "m", bad)).await.expect("bad");
        call(&sim, &t, &ENDPOINT_CONFIG, Role::Create, config("c2", "m", json!([]))).await.expect("c2");
        call(&sim, &t, &ENDPOINT, Role::Create, json!({"EndpointName": "e", "EndpointConfigName": "c1"})).await.expect("ep");
        let id = json!({"EndpointName": "e"});
        assert_eq!(describe_status(&sim, &ENDPOINT, id.clone()).await.0, "Creating");
        let update = |c: &str| json!({"EndpointName": "e", "EndpointConfigName": c, "RetainAllVariantProperties": true});
        let busy = call(&sim, &t, &ENDPOINT, Role::Update, update("c2")).await.expect_err("creating");
        assert!(busy.message.starts_with("Cannot update in-progress endpoint"), "{}", busy.message);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (status, out) = describe_status(&sim, &ENDPOINT, id.clone()).await;
        assert_eq!(status, "InService");
        assert_eq!(out["ProductionVariants"][0]["CurrentInstanceCount"], 2);

        call(&sim, &t, &ENDPOINT, Role::Update, update("bad")).await.expect("update");
        assert_eq!(describe_status(&sim, &ENDPOINT, id.clone()).await.0, "Updating");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(describe_status(&sim, &ENDPOINT, id.clone()).await.0, "RollingBack");
        tokio::time::sleep(Duration::from_millis(45)).await;
        let (status, out) = describe_status(&sim, &ENDPOINT, id.clone()).await;
        assert_eq!((status.as_str(), &out["EndpointConfigName"]), ("InService", &json!("c1")));
        assert_eq!(out["FailureReason"], "the model failed its ping health check");

        call(&sim, &t, &ENDPOINT, Role::Update, update("c2")).await.expect("update");
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (status, out) = describe_status(&sim, &ENDPOINT, id.clone()).await;
        assert_eq!((status.as_str(), &out["EndpointConfigName"]), ("InService", &json!("c2")));
        assert!(out.get("FailureReason").is_none(), "{out}");

        call(&sim, &t, &ENDPOINT, Role::Delete, id.clone()).await.expect("delete");
        assert_eq!(describe_status(&sim, &ENDPOINT, id.clone()).await.0, "Deleting");
        tokio::time::sleep(Duration::from_millis(50)).await;
        let gone = call(&sim, &t, &ENDPOINT, Role::Describe, id).await.expect_err("gone");
        assert!(ENDPOINT.not_found.matches(&gone), "{gone}");
    }
}
