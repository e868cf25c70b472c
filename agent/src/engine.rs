//! The reconcile engine: watch-driven, one generic loop for every kind in the
//! kinds table.
//!
//! What a reconcile does (ACK's semantics, `ack-controllers-behavior.md` §1):
//! describe the AWS resource; create it if absent (after adding the finalizer,
//! so a restart between the two can never create it twice); copy its status;
//! poll while it is changing. Deletion stops a running job, waits until it is
//! stopped, then releases the finalizer, unless the deletion policy is retain.
//!
//! Where we differ from ACK, on purpose: a resource in a final state (a
//! completed job) costs no AWS calls at all (ACK describes it twice every
//! 5 minutes forever); polling is adaptive (fast after a change, backing off
//! to `poll_max` while nothing moves) instead of 2 calls per 30 s; and every
//! call is paced per account by [`Aws`].

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::StreamExt;
use sagemaker_core::{Resource, ack};
use serde_json::{Map, Value, json};
use tokio::{sync::mpsc, time::Instant};
use tracing::Instrument;

use crate::{
    aws::{Aws, AwsError, ErrorClass, Target},
    kinds::{self, AwsKind},
    placement,
    store::{Event, Store, StoreError},
};

/// Tunables of the engine.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Region for resources that do not name one.
    pub default_region: String,
    /// The agent's own account.
    pub account: String,
    /// First poll after a change.
    pub poll_min: Duration,
    /// Longest poll interval while a resource is changing.
    pub poll_max: Duration,
    /// Reconciles running at once.
    pub concurrency: usize,
}

type Key = (&'static str, String, String);

/// What went wrong in one reconcile, classified for conditions and requeue.
#[derive(Debug)]
enum Failure {
    /// Needs a spec change: `ACK.Terminal`, no requeue.
    Terminal(String),
    /// Retried with backoff: `ACK.Recoverable`.
    Recoverable(String),
    /// Lost a race with another writer: just try again.
    Conflict,
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => Failure::Conflict,
            e => Failure::Recoverable(error_chain(&e)),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// A failed AWS call as a reconcile outcome: a request the service rejects
/// will not succeed on retry (Terminal); anything else is retried with backoff,
/// loudly when only a person can fix it (permissions, quotas).
fn aws_failure(kind: &AwsKind, e: AwsError) -> Failure {
    let msg = format!("{}: {}", e.code, e.message);
    // only a rejected create says the spec is wrong; a describe, a tag
    // lookup or a stop that fails says nothing about the spec
    let judges_spec = e.operation == kind.create_op;
    if judges_spec && kind.terminal_codes.contains(&e.code.as_str()) {
        return Failure::Terminal(msg);
    }
    match e.class() {
        ErrorClass::Rejected if judges_spec => Failure::Terminal(msg),
        ErrorClass::Rejected => Failure::Recoverable(msg),
        ErrorClass::Transient => Failure::Recoverable(msg),
        ErrorClass::AccessDenied => {
            tracing::error!(operation = %e.operation, code = %e.code, "AWS denied the agent's credentials; retrying");
            Failure::Recoverable(format!(
                "{msg} (retrying: the agent's AWS credentials may not call {}; grant it to the agent's role, the resource needs no change)",
                e.operation
            ))
        }
        ErrorClass::Quota => {
            tracing::error!(operation = %e.operation, code = %e.code, "AWS quota exceeded; retrying");
            Failure::Recoverable(format!(
                "{msg} (retrying: request a quota increase in Service Quotas, or wait for capacity to free up)"
            ))
        }
    }
}

/// What about a resource decides whether it needs reconciling: its spec
/// generation, its deletion, and the annotations that say where and how it is
/// managed. Status writes (our own) and unrelated metadata do not count.
fn signature(r: &Resource) -> Signature {
    let annotations =
        ack::RECONCILE_ANNOTATIONS.iter().map(|a| r.annotation(a).map(str::to_string)).collect();
    (r.metadata.generation, r.is_deleting(), annotations)
}

type Signature = (Option<i64>, bool, Vec<Option<String>>);

#[derive(Debug, Default)]
struct KeyState {
    /// What triggered the last reconcile, to ignore our own status writes.
    seen: Option<Signature>,
    /// Last observed AWS status, to adapt the poll interval.
    observed: Option<String>,
    interval: Option<Duration>,
    failures: u32,
}

pub struct Engine {
    store: Arc<dyn Store>,
    aws: Arc<Aws>,
    settings: Settings,
    keys: Mutex<HashMap<Key, KeyState>>,
    queue: Mutex<Queue>,
    tx: mpsc::UnboundedSender<Key>,
}

#[derive(Default)]
struct Queue {
    due: HashMap<Key, Instant>,
    running: HashSet<Key>,
    again: HashSet<Key>,
}

enum Next {
    Done,
    After(Duration),
}

impl Engine {
    /// Starts watching every kind and reconciling; runs until the process ends.
    pub fn start(store: Arc<dyn Store>, aws: Arc<Aws>, settings: Settings) -> Arc<Engine> {
        let (tx, rx) = mpsc::unbounded_channel();
        let engine = Arc::new(Engine {
            store,
            aws,
            settings,
            keys: Mutex::default(),
            queue: Mutex::default(),
            tx,
        });
        for kind in kinds::KINDS {
            let e = engine.clone();
            tokio::spawn(async move { e.watch(kind).await });
        }
        let e = engine.clone();
        tokio::spawn(async move { e.run(rx).await });
        engine
    }

    async fn watch(self: Arc<Self>, kind: &'static AwsKind) {
        let mut events = self.store.watch(kind.info);
        while let Some(event) = events.next().await {
            let r = event.resource();
            let key: Key = (kind.info.kind, r.metadata.namespace.clone(), r.metadata.name.clone());
            match &event {
                Event::Deleted(_) => {
                    self.keys.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
                }
                Event::Applied(r) => {
                    // spec changes, deletion, new resources and the annotations
                    // that matter trigger a reconcile (ACK's
                    // GenerationChangedPredicate, plus annotations); our own
                    // status writes must not
                    let sig = signature(r);
                    let changed = {
                        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
                        let state = keys.entry(key.clone()).or_default();
                        let changed = state.seen.as_ref() != Some(&sig);
                        state.seen = Some(sig);
                        changed
                    };
                    if changed {
                        self.schedule(key, Duration::ZERO);
                    }
                }
            }
        }
        tracing::error!(kind = kind.info.kind, "watch ended");
    }

    fn schedule(self: &Arc<Self>, key: Key, after: Duration) {
        let at = Instant::now() + after;
        {
            let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            if q.due.get(&key).is_some_and(|d| *d <= at) {
                return;
            }
            q.due.insert(key.clone(), at);
        }
        let e = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let fire = {
                let mut q = e.queue.lock().unwrap_or_else(|p| p.into_inner());
                let fire = q.due.get(&key) == Some(&at);
                if fire {
                    q.due.remove(&key);
                }
                fire
            };
            if fire {
                let _ = e.tx.send(key);
            }
        });
    }

    async fn run(self: Arc<Self>, mut rx: mpsc::UnboundedReceiver<Key>) {
        let permits = Arc::new(tokio::sync::Semaphore::new(self.settings.concurrency.max(1)));
        while let Some(key) = rx.recv().await {
            {
                let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
                if !q.running.insert(key.clone()) {
                    // one reconcile per resource at a time; run again after
                    q.again.insert(key);
                    continue;
                }
            }
            let Ok(permit) = permits.clone().acquire_owned().await else { return };
            let e = self.clone();
            tokio::spawn(async move {
                let next = e.reconcile(&key).await;
                drop(permit);
                let again = {
                    let mut q = e.queue.lock().unwrap_or_else(|p| p.into_inner());
                    q.running.remove(&key);
                    q.again.remove(&key)
                };
                if again {
                    e.schedule(key.clone(), Duration::ZERO);
                }
                if let Next::After(d) = next {
                    e.schedule(key, d);
                }
            });
        }
    }

    async fn reconcile(self: &Arc<Self>, key: &Key) -> Next {
        // the span goes with the future, not the thread: a guard held across
        // `.await` would tag other resources' lines with this one's name
        // `resource`, not `name`: JSON logs already use `name` for the span's own name
        let span = tracing::info_span!("reconcile", kind = key.0, namespace = %key.1, resource = %key.2);
        self.reconcile_in_span(key).instrument(span).await
    }

    async fn reconcile_in_span(self: &Arc<Self>, key: &Key) -> Next {
        let Some(kind) = kinds::KINDS.iter().copied().find(|k| k.info.kind == key.0) else { return Next::Done };
        let (ns, name) = (&key.1, &key.2);
        let res = match self.store.get(kind.info, ns, name).await {
            Ok(Some(r)) => r,
            Ok(None) => return Next::Done,
            Err(e) => {
                tracing::warn!(error = %error_chain(&e), "cannot read resource");
                return Next::After(self.backoff(key));
            }
        };
        let result = if res.is_deleting() {
            // nothing blocks a delete for good: retry until AWS lets go
            self.finalize(kind, &res).await.map_err(|f| match f {
                Failure::Terminal(m) => Failure::Recoverable(m),
                f => f,
            })
        } else {
            self.sync(kind, &res).await
        };
        match result {
            Ok(next) => {
                self.state(key, |s| s.failures = 0);
                next
            }
            Err(Failure::Conflict) => Next::After(Duration::from_millis(200)),
            Err(failure) => self.record_failure(kind, key, &res, failure).await,
        }
    }

    fn state<T>(&self, key: &Key, f: impl FnOnce(&mut KeyState) -> T) -> T {
        f(self.keys.lock().unwrap_or_else(|p| p.into_inner()).entry(key.clone()).or_default())
    }

    /// Exponential backoff for errors: 2 s doubling to 5 min.
    fn backoff(&self, key: &Key) -> Duration {
        let n = self.state(key, |s| {
            s.failures += 1;
            s.failures
        });
        Duration::from_secs(2u64.saturating_pow(n.min(9))).min(Duration::from_secs(300))
    }

    /// Next poll of a changing resource: `poll_min` after a change, then
    /// growing by half each time nothing changed, up to `poll_max`.
    fn poll_interval(&self, key: &Key, observed: &str) -> Duration {
        let (min, max) = (self.settings.poll_min, self.settings.poll_max);
        self.state(key, |s| {
            let next = match (&s.observed, s.interval) {
                (Some(prev), Some(i)) if prev == observed => (i + i / 2).min(max),
                _ => min,
            };
            s.observed = Some(observed.to_string());
            s.interval = Some(next);
            next
        })
    }

    /// Where the resource lives: its recorded region, else its annotation,
    /// else the agent's default. A changed annotation never moves a resource.
    fn target(&self, kind: &AwsKind, res: &Resource) -> Result<Target, Failure> {
        if let Some((r, a)) = placement::moved(res, res) {
            return Err(Failure::Terminal(format!(
                "{} already exists in region {r}, but the desired state specifies region {a}; \
                 a resource cannot move between regions: restore the annotation or create a new resource",
                kind.info.kind
            )));
        }
        Ok(self.place(res))
    }

    /// Where the resource lives, without judging its annotations (deleting
    /// must work even when the region annotation was moved).
    fn place(&self, res: &Resource) -> Target {
        let region = placement::region(res, &self.settings.default_region).to_string();
        let account = placement::account(res, &self.settings.account).to_string();
        Target { account, region, role_arn: None }
    }

    async fn describe(&self, kind: &AwsKind, target: &Target, name: &str) -> Result<Option<Value>, Failure> {
        match self.aws.call(target, kind.describe_op, kind.name_input(name)).await {
            Ok(out) => (kind.describe_output)(&out)
                .map(|mut v| {
                    strip_nulls(&mut v);
                    Some(v)
                })
                .map_err(|e| Failure::Recoverable(format!("cannot read {} output: {e}", kind.describe_op))),
            Err(e) if kind.not_found.matches(&e) => Ok(None),
            Err(e) => Err(aws_failure(kind, e)),
        }
    }

    /// Whether the AWS resource `observed` was created for `res`: it carries
    /// the owner tag with `res`'s uid. Without a way to read tags, or a
    /// finalizer (we add it before every create), it cannot have been.
    async fn created_for(&self, kind: &AwsKind, target: &Target, res: &Resource, observed: &Value) -> Result<bool, Failure> {
        let finalizer = ack::finalizer(kind.info.group, kind.info.kind);
        let (Some(op), Some(uid), true) = (kind.list_tags_op, res.metadata.uid.as_deref(), res.metadata.finalizers.contains(&finalizer))
        else {
            return Ok(false);
        };
        let Some(arn) = observed.get(kind.arn_field).and_then(Value::as_str) else { return Ok(false) };
        let out = self.aws.call(target, op, json!({ "ResourceArn": arn })).await.map_err(|e| aws_failure(kind, e))?;
        let tags = out.get("Tags").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        Ok(tags.iter().any(|t| t["Key"] == ack::TAG_OWNER && t["Value"] == uid))
    }

    /// Another resource of the store that owns the AWS name `res` names, as `namespace/name`.
    /// (Fails closed: without the list, nothing may be created or stopped.)
    async fn owner_in_store(&self, kind: &AwsKind, res: &Resource) -> Result<Option<String>, Failure> {
        let all = self.store.list(kind.info, None).await?;
        let (region, account) = (&self.settings.default_region, &self.settings.account);
        Ok(placement::rival(res, &all, kind.info.identifier_field, region, account).map(Resource::key))
    }

    async fn sync(self: &Arc<Self>, kind: &'static AwsKind, res: &Resource) -> Result<Next, Failure> {
        let key: Key = (kind.info.kind, res.metadata.namespace.clone(), res.metadata.name.clone());
        let arn = placement::recorded_arn(res);
        let status = kind.info.status_field.and_then(|f| res.str_at(&format!("status.{f}")));
        // where it lives is checked even for a finished resource: a moved
        // region annotation must be reported, not silently ignored
        let target = self.target(kind, res)?;
        // a finished resource costs nothing: nothing in AWS will change again
        if arn.is_some() && status.is_some_and(|s| kind.info.is_final(s)) && res.condition(ack::CONDITION_TERMINAL).is_none() {
            return Ok(Next::Done);
        }
        let name = res.spec.get(kind.info.identifier_field).and_then(Value::as_str).unwrap_or_default().to_string();
        let finalizer = ack::finalizer(kind.info.group, kind.info.kind);
        let observed = match self.describe(kind, &target, &name).await? {
            Some(observed) if arn.is_some_and(|a| observed.get(kind.arn_field).and_then(Value::as_str) != Some(a)) => {
                return Err(Failure::Terminal(format!(
                    "the {} named {name} is not the one this resource created ({}): it was replaced outside this \
                     resource; delete this resource with --retain and adopt the new one, or choose another {}",
                    kind.info.kind,
                    arn.unwrap_or_default(),
                    kind.info.identifier_field
                )));
            }
            Some(observed) => {
                // with no ARN recorded it is ours only if we created it for
                // this resource (a crash between the create and the status
                // write): never take over another's silently
                if arn.is_none() && !self.created_for(kind, &target, res, &observed).await? {
                    let owner = self.owner_in_store(kind, res).await?;
                    return Err(Failure::Terminal(format!(
                        "Resource already exists: a {} named {name} already exists in account {} region {}{} \
                         and was not created for this resource. Names are permanent in SageMaker: choose another {}",
                        kind.info.kind,
                        target.account,
                        target.region,
                        owner.map(|o| format!(", managed by {o}")).unwrap_or_default(),
                        kind.info.identifier_field
                    )));
                }
                observed
            }
            None if arn.is_some() => {
                return Err(Failure::Recoverable(format!(
                    "{} {name} was created ({}) but AWS does not find it yet",
                    kind.info.kind,
                    arn.unwrap_or_default()
                )));
            }
            None => {
                // one AWS resource, one owner: the store's other claims first
                if let Some(owner) = self.owner_in_store(kind, res).await? {
                    return Err(Failure::Terminal(format!(
                        "{owner} already manages the {} named {name} in account {} region {}: \
                         names are unique per account and region in SageMaker; choose another {}",
                        kind.info.kind, target.account, target.region, kind.info.identifier_field
                    )));
                }
                let res = if res.metadata.finalizers.contains(&finalizer) {
                    res.clone()
                } else {
                    self.store.set_finalizer(kind.info, res, &finalizer, true).await?
                };
                let mut input =
                    (kind.create_input)(&res.spec).map_err(|e| Failure::Terminal(e.under("spec").to_string()))?;
                if let Some(member) = kind.tags_member {
                    add_owner_tags(&mut input, member, &res);
                }
                let out = self.aws.call(&target, kind.create_op, input).await.map_err(|e| aws_failure(kind, e))?;
                let arn = out.get(kind.create_arn_member).and_then(Value::as_str).unwrap_or_default().to_string();
                tracing::info!(%arn, account = %target.account, region = %target.region, "created");
                // read it back once, so status shows where it is right away
                let observed = match self.describe(kind, &target, &name).await {
                    Ok(Some(o)) => o,
                    _ => json!({ kind.arn_field: arn }),
                };
                let next = self.write_observed(kind, &key, &res, &target, &observed).await?;
                return Ok(next);
            }
        };
        self.write_observed(kind, &key, res, &target, &observed).await
    }

    /// Writes what AWS reported into status and decides when to look again.
    async fn write_observed(
        self: &Arc<Self>,
        kind: &AwsKind,
        key: &Key,
        res: &Resource,
        target: &Target,
        observed: &Value,
    ) -> Result<Next, Failure> {
        let aws_status = observed.get(kind.aws_status_field).and_then(Value::as_str);
        let modifying = aws_status.is_none_or(|s| kind.modifying_statuses.contains(&s));
        let synced_msg = match aws_status {
            Some(s) => format!("{} is in {s} status.", kind.info.kind),
            None => format!("{} is being created.", kind.info.kind),
        };
        // a job that ended without success is synced (nothing more to do) but
        // not Ready: `kubectl wait --for=condition=Ready` must not pass on a failure
        let unsuccessful = aws_status.filter(|s| kind.info.is_final(s) && !kind.info.success_statuses.contains(s)).map(|s| {
            let reason = kind.info.failure_field.and_then(|f| observed.get(f)).and_then(Value::as_str);
            match reason {
                Some(r) => (s.to_string(), format!("{} is in {s} status: {r}", kind.info.kind)),
                None => (s.to_string(), format!("{} is in {s} status.", kind.info.kind)),
            }
        });
        let conditions =
            Conditions { synced: (!modifying, synced_msg), terminal: None, recoverable: None, unsuccessful };
        let status = build_status(kind, res, target, Some(observed), conditions);
        if status != res.status {
            self.store.write_status(kind.info, res, status).await?;
        }
        if !modifying {
            return Ok(Next::Done);
        }
        let secondary = observed.get("secondaryStatus").and_then(Value::as_str).unwrap_or_default();
        Ok(Next::After(self.poll_interval(key, &format!("{}/{secondary}", aws_status.unwrap_or_default()))))
    }

    async fn finalize(self: &Arc<Self>, kind: &'static AwsKind, res: &Resource) -> Result<Next, Failure> {
        let key: Key = (kind.info.kind, res.metadata.namespace.clone(), res.metadata.name.clone());
        let finalizer = ack::finalizer(kind.info.group, kind.info.kind);
        if !res.metadata.finalizers.contains(&finalizer) {
            return Ok(Next::Done);
        }
        let release = || async {
            self.store.set_finalizer(kind.info, res, &finalizer, false).await?;
            tracing::info!("finalizer released");
            Ok(Next::Done)
        };
        if res.annotation(ack::ANNOTATION_DELETION_POLICY) == Some(ack::DELETION_POLICY_RETAIN) {
            return release().await;
        }
        let target = self.place(res);
        let name = placement::aws_name(res, kind.info.identifier_field).to_string();
        let Some(observed) = self.describe(kind, &target, &name).await? else {
            return release().await;
        };
        // never stop or delete what this resource does not own: another
        // resource of the store owns the name, or AWS shows another resource
        // than the one recorded, or none was recorded and the tag says so
        if let Some(owner) = self.owner_in_store(kind, res).await? {
            tracing::info!(%owner, "the AWS resource of this name belongs to another resource; leaving it");
            return release().await;
        }
        let mine = match placement::recorded_arn(res) {
            Some(arn) => observed.get(kind.arn_field).and_then(Value::as_str) == Some(arn),
            None => self.created_for(kind, &target, res, &observed).await?,
        };
        if !mine {
            tracing::info!("the AWS resource of this name was not created for this resource; leaving it");
            return release().await;
        }
        let aws_status = observed.get(kind.aws_status_field).and_then(Value::as_str).unwrap_or_default();
        match (aws_status, kind.stop_op) {
            ("InProgress", Some(stop)) => {
                self.aws.call(&target, stop, kind.name_input(&name)).await.map_err(|e| aws_failure(kind, e))?;
                tracing::info!("stop requested");
                let mut observed = observed;
                observed[kind.aws_status_field] = json!("Stopping");
                self.write_observed(kind, &key, res, &target, &observed).await?;
                Ok(Next::After(self.settings.poll_min))
            }
            (s, _) if kind.modifying_statuses.contains(&s) => self.write_observed(kind, &key, res, &target, &observed).await,
            _ => release().await,
        }
    }

    async fn record_failure(self: &Arc<Self>, kind: &AwsKind, key: &Key, res: &Resource, failure: Failure) -> Next {
        let (terminal, recoverable, next) = match failure {
            Failure::Terminal(msg) => (Some(msg), None, Next::Done),
            Failure::Recoverable(msg) => (None, Some(msg), Next::After(self.backoff(key))),
            Failure::Conflict => return Next::After(Duration::from_millis(200)),
        };
        let (synced, msg) = match &terminal {
            Some(_) => (Some(false), "Resource not synced".to_string()),
            None => (None, "Unable to determine if desired resource state matches latest observed state".into()),
        };
        tracing::warn!(terminal = ?terminal, recoverable = ?recoverable, "reconcile failed");
        let conditions = Conditions { synced: (synced.unwrap_or(false), msg), terminal, recoverable, unsuccessful: None };
        let target = self.place(res);
        let mut status = build_status(kind, res, &target, None, conditions);
        if synced.is_none() {
            set_condition_status(&mut status, ack::CONDITION_SYNCED, "Unknown");
        }
        if status != res.status
            && let Err(e) = self.store.write_status(kind.info, res, status).await
        {
            tracing::warn!(error = %error_chain(&e), "cannot write status");
        }
        next
    }
}

/// Adds the owner tag (and ACK's namespace tag) to a create input's tags.
fn add_owner_tags(input: &mut Value, member: &str, res: &Resource) {
    let Some(obj) = input.as_object_mut() else { return };
    let tags = obj.entry(member).or_insert_with(|| json!([]));
    let Some(tags) = tags.as_array_mut() else { return };
    tags.retain(|t| t["Key"] != ack::TAG_OWNER && t["Key"] != ack::TAG_NAMESPACE);
    if let Some(uid) = &res.metadata.uid {
        tags.push(json!({ "Key": ack::TAG_OWNER, "Value": uid }));
    }
    tags.push(json!({ "Key": ack::TAG_NAMESPACE, "Value": res.metadata.namespace }));
}

struct Conditions {
    synced: (bool, String),
    terminal: Option<String>,
    recoverable: Option<String>,
    /// A final status that is not a success: (status, message) for Ready.
    unsuccessful: Option<(String, String)>,
}

/// The full status: ACK's metadata and conditions plus the kind's status
/// fields from what AWS reported (or, without a fresh observation, as before).
fn build_status(kind: &AwsKind, res: &Resource, target: &Target, observed: Option<&Value>, c: Conditions) -> Value {
    let prev = res.status.as_object().cloned().unwrap_or_default();
    let mut status = Map::new();
    let arn = observed
        .and_then(|o| o.get(kind.arn_field))
        .or_else(|| res.value_at("status.ackResourceMetadata.arn"))
        .cloned();
    if arn.is_some() || prev.contains_key("ackResourceMetadata") {
        let mut meta = json!({ "ownerAccountID": target.account, "region": target.region });
        if let Some(arn) = arn {
            meta["arn"] = arn;
        }
        status.insert("ackResourceMetadata".into(), meta);
    }
    let prev_conditions = prev.get("conditions").cloned().unwrap_or(Value::Null);
    let mut conditions = Vec::new();
    let mut cond = |type_: &str, state: &str, reason: Option<&str>, message: &str| {
        conditions.push(condition(&prev_conditions, type_, state, reason, message));
    };
    if let Some(t) = &c.terminal {
        cond(ack::CONDITION_TERMINAL, "True", None, t);
    }
    if let Some(r) = &c.recoverable {
        cond(ack::CONDITION_RECOVERABLE, "True", None, r);
    }
    let synced = if c.synced.0 { "True" } else { "False" };
    cond(ack::CONDITION_SYNCED, synced, None, &c.synced.1);
    // Ready: Terminal, else Recoverable, else (unlike ACK, which copies
    // ResourceSynced) False for a job that ended without success, else a
    // copy of ResourceSynced
    match (&c.terminal, &c.recoverable, &c.unsuccessful) {
        (Some(m), _, _) | (None, Some(m), _) => cond(ack::CONDITION_READY, "False", None, m),
        (None, None, Some((status, m))) => cond(ack::CONDITION_READY, "False", Some(status), m),
        _ => cond(ack::CONDITION_READY, synced, None, &c.synced.1),
    }
    status.insert("conditions".into(), Value::Array(conditions));
    for field in kind.status_fields {
        let value = match observed {
            Some(o) => o.get(*field),
            None => prev.get(*field),
        };
        if let Some(v) = value {
            status.insert((*field).to_string(), v.clone());
        }
    }
    Value::Object(status)
}

/// A condition, keeping its transition time when nothing about it changed.
fn condition(prev: &Value, type_: &str, state: &str, reason: Option<&str>, message: &str) -> Value {
    let old = prev.as_array().and_then(|a| a.iter().find(|c| c["type"] == type_));
    let unchanged = old.is_some_and(|o| o["status"] == state && o["message"] == message);
    let time = match old {
        Some(o) if unchanged => o["lastTransitionTime"].clone(),
        _ => json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    };
    let mut c = json!({ "type": type_, "status": state, "message": message, "lastTransitionTime": time });
    if let Some(reason) = reason {
        c["reason"] = json!(reason);
    }
    c
}

fn set_condition_status(status: &mut Value, type_: &str, state: &str) {
    if let Some(conds) = status.get_mut("conditions").and_then(Value::as_array_mut) {
        for c in conds.iter_mut().filter(|c| c["type"] == type_) {
            c["status"] = json!(state);
        }
    }
}

/// Drops what says "absent" at every level: nulls and empty strings (moto
/// answers `S3ModelArtifacts: ""` for a running job). The API server's
/// structural schemas reject a null where a string belongs, and the 1.20 API
/// server used in the tests turns an empty string in a status merge patch
/// into a null, either of which would fail the whole status write.
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null() && x.as_str() != Some(""));
            m.values_mut().for_each(strip_nulls);
            // an object left empty said nothing either
            m.retain(|_, x| !x.as_object().is_some_and(Map::is_empty));
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        aws::sim::{FAIL_REASON_ENV, Simulator},
        store::embedded::EmbeddedStore,
    };
    use sagemaker_core::kinds::TRAINING_JOB;

    /// An engine over the embedded store and a fast simulator.
    struct Rig {
        store: Arc<EmbeddedStore>,
        sim: Arc<Simulator>,
        aws: Option<Arc<Aws>>,
        _dir: tempfile::TempDir,
    }

    fn rig() -> Rig {
        rig_with_step(Duration::from_millis(20)).started()
    }

    /// The store and simulator, before the engine starts (as after a crash).
    fn rig_with_step(step: Duration) -> Rig {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(EmbeddedStore::open(dir.path()).expect("store").0);
        let sim = Arc::new(Simulator::new("111111111111", step, None).expect("sim"));
        Rig { store, sim, aws: None, _dir: dir }
    }

    fn here() -> Target {
        Target { account: "111111111111".into(), region: "us-east-1".into(), role_arn: None }
    }

    fn job(name: &str, env: Value) -> Resource {
        serde_json::from_value(json!({
            "apiVersion": TRAINING_JOB.api_version(), "kind": "TrainingJob",
            "metadata": { "name": name, "namespace": "default" },
            "spec": {
                "trainingJobName": name,
                "roleARN": "arn:aws:iam::111111111111:role/sm",
                "algorithmSpecification": { "trainingImage": "img", "trainingInputMode": "File" },
                "outputDataConfig": { "s3OutputPath": "s3://b/out" },
                "resourceConfig": { "instanceType": "ml.m5.large", "instanceCount": 1, "volumeSizeInGB": 5 },
                "stoppingCondition": { "maxRuntimeInSeconds": 3600 },
                "environment": env,
            }
        }))
        .expect("job")
    }

    impl Rig {
        fn started(mut self) -> Rig {
            let aws = Arc::new(Aws::new(self.sim.clone(), 1000.0));
            let settings = Settings {
                default_region: "us-east-1".into(),
                account: "111111111111".into(),
                poll_min: Duration::from_millis(10),
                poll_max: Duration::from_millis(50),
                concurrency: 4,
            };
            Engine::start(self.store.clone(), aws.clone(), settings);
            self.aws = Some(aws);
            self
        }

        fn calls(&self, op: &str) -> u64 {
            self.aws.as_ref().and_then(|a| a.calls().get(op).copied()).unwrap_or(0)
        }

        /// Applies a job in `ns` managing the AWS name `aws_name`.
        async fn apply_in(&self, ns: &str, name: &str, aws_name: &str) -> Resource {
            let mut r = job(name, json!({}));
            r.metadata.namespace = ns.into();
            r.spec["trainingJobName"] = json!(aws_name);
            self.store.apply(&TRAINING_JOB, &r, false).await.expect("apply").0
        }

        /// Waits (up to 10 s of real time, a bound and not a measurement)
        /// until the stored resource satisfies `pred`.
        async fn until(&self, name: &str, what: &str, pred: impl Fn(&Resource) -> bool) -> Resource {
            self.until_in("default", name, what, pred).await
        }

        async fn until_in(&self, ns: &str, name: &str, what: &str, pred: impl Fn(&Resource) -> bool) -> Resource {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                if let Some(r) = self.store.get(&TRAINING_JOB, ns, name).await.expect("get")
                    && pred(&r)
                {
                    return r;
                }
                assert!(std::time::Instant::now() < deadline, "{name} never became {what}");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }

    fn condition_status<'a>(r: &'a Resource, type_: &str) -> Option<&'a str> {
        r.condition(type_).and_then(|c| c["status"].as_str())
    }

    #[tokio::test]
    async fn a_request_aws_rejects_as_invalid_turns_terminal_at_once_instead_of_retrying_forever() {
        let rig = rig();
        let invalid = AwsError::new(
            "CreateTrainingJob",
            "ValidationException",
            "1 validation error detected: Value 'not-an-arn' at 'roleArn' failed to satisfy constraint",
        );
        rig.sim.inject("CreateTrainingJob", invalid, 1);
        rig.store.apply(&TRAINING_JOB, &job("bad-role", json!({})), false).await.expect("apply");
        let r = rig.until("bad-role", "terminal", |r| condition_status(r, ack::CONDITION_TERMINAL) == Some("True")).await;
        let message = r.condition(ack::CONDITION_TERMINAL).and_then(|c| c["message"].as_str()).unwrap_or_default();
        assert!(message.contains("ValidationException") && message.contains("roleArn"), "{message}");
        assert_eq!(condition_status(&r, ack::CONDITION_READY), Some("False"));
    }

    #[tokio::test]
    async fn throttling_is_retried_and_the_job_still_gets_created() {
        let rig = rig();
        rig.sim.inject("CreateTrainingJob", AwsError::new("CreateTrainingJob", "ThrottlingException", "Rate exceeded"), 1);
        rig.store.apply(&TRAINING_JOB, &job("throttled", json!({})), false).await.expect("apply");
        let r = rig
            .until("throttled", "recoverable", |r| condition_status(r, ack::CONDITION_RECOVERABLE) == Some("True"))
            .await;
        assert_eq!(condition_status(&r, ack::CONDITION_TERMINAL), None);
        // the error backoff starts at 2 s
        let r = tokio::time::timeout(Duration::from_secs(10), rig.until("throttled", "created", |r| r.str_at("status.ackResourceMetadata.arn").is_some()))
            .await
            .expect("created after the backoff");
        assert_eq!(condition_status(&r, ack::CONDITION_RECOVERABLE), None);
    }

    #[tokio::test]
    async fn a_failed_job_is_synced_but_not_ready_and_says_why() {
        let rig = rig();
        rig.store
            .apply(&TRAINING_JOB, &job("fails", json!({ FAIL_REASON_ENV: "AlgorithmError: boom" })), false)
            .await
            .expect("apply");
        rig.until("fails", "failed", |r| r.str_at("status.trainingJobStatus") == Some("Failed")).await;
        let r = rig.until("fails", "ready=false", |r| condition_status(r, ack::CONDITION_READY).is_some()).await;
        assert_eq!(condition_status(&r, ack::CONDITION_SYNCED), Some("True"));
        let ready = r.condition(ack::CONDITION_READY).expect("ready");
        assert_eq!(ready["status"], "False");
        assert_eq!(ready["reason"], "Failed");
        assert!(ready["message"].as_str().unwrap_or_default().contains("AlgorithmError: boom"), "{ready}");
    }

    fn terminal_message(r: &Resource) -> String {
        r.condition(ack::CONDITION_TERMINAL).and_then(|c| c["message"].as_str()).unwrap_or_default().to_string()
    }

    #[tokio::test]
    async fn two_resources_naming_one_aws_job_create_it_once_and_only_one_owns_it() {
        let rig = rig_with_step(Duration::from_secs(60));
        rig.apply_in("team-a", "first", "shared").await;
        rig.apply_in("team-b", "second", "shared").await;
        let rig = rig.started();
        // whichever wins, exactly one records the job and the other names it as the owner
        let settled = |r: &Resource| {
            placement::recorded_arn(r).is_some() || condition_status(r, ack::CONDITION_TERMINAL) == Some("True")
        };
        let first = rig.until_in("team-a", "first", "settled", settled).await;
        let second = rig.until_in("team-b", "second", "settled", settled).await;
        let (owner, loser) = match (placement::recorded_arn(&first), placement::recorded_arn(&second)) {
            (Some(_), None) => (first, second),
            (None, Some(_)) => (second, first),
            other => panic!("exactly one may own the job: {other:?}"),
        };
        // the older owns it; within one second (timestamps' granularity) the smaller uid
        assert!(placement::owns_before(&owner, &loser) || owner.metadata.creation_timestamp == loser.metadata.creation_timestamp);
        // before the owner created it, or after: either way the owner is named
        let message = terminal_message(&loser);
        let before = format!("{} already manages the TrainingJob named shared", owner.key());
        let after = format!("managed by {} and was not created for this resource", owner.key());
        assert!(message.contains(&before) || message.contains(&after), "{message}");
        assert_eq!(rig.calls("CreateTrainingJob"), 1);
    }

    #[tokio::test]
    async fn after_a_restart_the_loser_of_a_name_race_never_takes_over_or_stops_the_winners_job() {
        // what a crash left: the loser added its finalizer, then lost the
        // create to the winner (ResourceInUse) and recorded no ARN
        let rig = rig_with_step(Duration::from_secs(60));
        let winner = rig.apply_in("team-a", "winner", "shared").await;
        let loser = rig.apply_in("team-b", "loser", "shared").await;
        let finalizer = ack::finalizer(TRAINING_JOB.group, TRAINING_JOB.kind);
        rig.store.set_finalizer(&TRAINING_JOB, &loser, &finalizer, true).await.expect("finalizer");
        let mut input = (kinds::TRAINING_JOB.create_input)(&winner.spec).expect("input");
        add_owner_tags(&mut input, "Tags", &winner);
        rig.sim.create_outside(&here(), input);
        // the winner's status write was lost too: it is recognised by its tag
        let winner = rig.store.get(&TRAINING_JOB, "team-a", "winner").await.expect("get").expect("winner");
        rig.store.set_finalizer(&TRAINING_JOB, &winner, &finalizer, true).await.expect("finalizer");

        let rig = rig.started();
        rig.until_in("team-a", "winner", "adopted", |r| r.str_at("status.ackResourceMetadata.arn").is_some()).await;
        let loser = rig.until_in("team-b", "loser", "terminal", |r| condition_status(r, ack::CONDITION_TERMINAL) == Some("True")).await;
        assert!(loser.str_at("status.ackResourceMetadata.arn").is_none(), "the loser took the winner's ARN");
        assert!(terminal_message(&loser).contains("was not created for this resource"), "{}", terminal_message(&loser));
        assert!(terminal_message(&loser).contains("managed by team-a/winner"), "{}", terminal_message(&loser));
        assert_eq!(rig.calls("CreateTrainingJob"), 0);

        rig.store.delete(&TRAINING_JOB, "team-b", "loser").await.expect("delete");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while rig.store.get(&TRAINING_JOB, "team-b", "loser").await.expect("get").is_some() {
            assert!(std::time::Instant::now() < deadline, "the loser's finalizer was never released");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(rig.calls("StopTrainingJob"), 0);
        assert_eq!(rig.sim.status_of(&here(), "shared"), Some("InProgress"), "the winner's job must keep running");
    }

    #[tokio::test]
    async fn a_job_of_the_same_name_created_outside_the_agent_is_never_adopted() {
        let rig = rig_with_step(Duration::from_secs(60));
        let r = rig.apply_in("default", "mine", "theirs").await;
        let finalizer = ack::finalizer(TRAINING_JOB.group, TRAINING_JOB.kind);
        rig.store.set_finalizer(&TRAINING_JOB, &r, &finalizer, true).await.expect("finalizer");
        let input = (kinds::TRAINING_JOB.create_input)(&r.spec).expect("input");
        rig.sim.create_outside(&here(), input);
        let rig = rig.started();
        let r = rig.until("mine", "terminal", |r| condition_status(r, ack::CONDITION_TERMINAL) == Some("True")).await;
        assert!(r.str_at("status.ackResourceMetadata.arn").is_none());
        assert_eq!(rig.calls("ListTags"), 1, "ownership is checked once, by tags");
    }

    #[tokio::test]
    async fn a_job_aws_shows_differently_than_recorded_turns_terminal_and_is_not_stopped_on_delete() {
        let rig = rig_with_step(Duration::from_secs(60));
        let r = rig.apply_in("default", "replaced", "replaced").await;
        let finalizer = ack::finalizer(TRAINING_JOB.group, TRAINING_JOB.kind);
        let r = rig.store.set_finalizer(&TRAINING_JOB, &r, &finalizer, true).await.expect("finalizer");
        // what was recorded is not what AWS now has under that name
        let recorded = json!({"ackResourceMetadata": {
            "arn": "arn:aws:sagemaker:us-east-1:111111111111:training-job/an-earlier-one",
            "region": "us-east-1", "ownerAccountID": "111111111111"}});
        rig.store.write_status(&TRAINING_JOB, &r, recorded).await.expect("status");
        let input = (kinds::TRAINING_JOB.create_input)(&r.spec).expect("input");
        rig.sim.create_outside(&here(), input);
        let rig = rig.started();
        let r = rig.until("replaced", "terminal", |r| condition_status(r, ack::CONDITION_TERMINAL) == Some("True")).await;
        assert!(terminal_message(&r).contains("was replaced outside this resource"), "{}", terminal_message(&r));
        rig.store.delete(&TRAINING_JOB, "default", "replaced").await.expect("delete");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while rig.store.get(&TRAINING_JOB, "default", "replaced").await.expect("get").is_some() {
            assert!(std::time::Instant::now() < deadline, "the finalizer was never released");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(rig.calls("StopTrainingJob"), 0);
        assert_eq!(rig.sim.status_of(&here(), "replaced"), Some("InProgress"));
    }

    #[tokio::test]
    async fn a_describe_aws_rejects_is_retried_not_terminal() {
        let rig = rig();
        let odd = AwsError::new("DescribeTrainingJob", "ValidationException", "something odd");
        rig.sim.inject("DescribeTrainingJob", odd, 1);
        rig.store.apply(&TRAINING_JOB, &job("odd", json!({})), false).await.expect("apply");
        let r = rig.until("odd", "recoverable", |r| condition_status(r, ack::CONDITION_RECOVERABLE) == Some("True")).await;
        assert_eq!(condition_status(&r, ack::CONDITION_TERMINAL), None);
    }

    #[tokio::test]
    async fn a_completed_job_is_ready() {
        let rig = rig();
        rig.store.apply(&TRAINING_JOB, &job("works", json!({})), false).await.expect("apply");
        let r = rig.until("works", "completed", |r| r.str_at("status.trainingJobStatus") == Some("Completed")).await;
        assert_eq!(condition_status(&r, ack::CONDITION_READY), Some("True"));
    }

    #[tokio::test]
    async fn a_region_annotation_moved_away_turns_terminal_and_restoring_it_recovers_without_a_restart() {
        let rig = rig();
        rig.store.apply(&TRAINING_JOB, &job("pinned", json!({})), false).await.expect("apply");
        rig.until("pinned", "created", |r| r.str_at("status.ackResourceMetadata.region") == Some("us-east-1")).await;
        rig.store.annotate(&TRAINING_JOB, "default", "pinned", ack::ANNOTATION_REGION, "eu-west-1").await.expect("annotate");
        let r = rig.until("pinned", "terminal", |r| condition_status(r, ack::CONDITION_TERMINAL) == Some("True")).await;
        assert_eq!(r.str_at("status.ackResourceMetadata.region"), Some("us-east-1"));
        rig.store.annotate(&TRAINING_JOB, "default", "pinned", ack::ANNOTATION_REGION, "us-east-1").await.expect("restore");
        rig.until("pinned", "recovered", |r| r.condition(ack::CONDITION_TERMINAL).is_none()).await;
    }

    #[test]
    fn nulls_empty_strings_and_objects_left_empty_are_dropped_from_aws_answers() {
        let mut v = json!({ "a": null, "modelArtifacts": { "s3ModelArtifacts": "" }, "b": [ { "c": null, "d": 1 } ], "e": "x" });
        strip_nulls(&mut v);
        assert_eq!(v, json!({ "b": [ { "d": 1 } ], "e": "x" }));
    }
}
