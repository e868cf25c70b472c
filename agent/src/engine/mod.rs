//! The reconcile engine: one generic loop for every kind in the kinds table.
//!
//! Split in three: this module is the queue (which resource to look at,
//! when, and how many at once), [`reconcile`] is the step (what to do for one
//! resource now), [`status`] builds what the step writes. [`observe`] is how
//! the step learns what AWS has.
//!
//! Where we differ from ACK, on purpose: a finished job costs no AWS calls at
//! all (ACK describes it twice every 5 minutes forever); polling is adaptive
//! (fast after a change, backing off to `poll_max` while nothing moves)
//! instead of 2 calls per 30 s; steady long-lived resources are described
//! again on their kind's resync period (an Endpoint every 5 minutes, not
//! ACK's 10 hours), so drift shows; and every call is paced per account by
//! [`Aws`], with what users wait for going first.

mod adopted;
mod selectors;
pub mod observe;
pub mod reconcile;
pub mod status;

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::{SinkExt, StreamExt, channel::mpsc};
use kube::runtime::scheduler::{ScheduleRequest, scheduler};
use sagemaker_core::{Resource, ack};
use tokio::time::Instant;
use tracing::Instrument;

use crate::{
    aws::Aws,
    kinds::{self, AwsKind},
    placement,
    store::{Event, Store},
};
pub use reconcile::{Context, Failure, Next};

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
    /// Resync periods by kind name, overriding the kinds' own.
    pub resync: HashMap<String, Duration>,
    /// `delete` or `retain`, where neither a resource nor its namespace says.
    pub deletion_policy: String,
    /// `--resource-tags`: tags on everything the agent creates.
    pub resource_tags: Vec<(String, String)>,
    /// `--session-tags`: what assumed-role sessions are tagged with.
    pub session_tags: placement::SessionTags,
}

type Key = (&'static str, String, String);

/// Requests waiting to be scheduled; beyond this, scheduling waits (the
/// scheduler itself holds one entry per resource, however often asked).
const QUEUE_BOUND: usize = 1024;

/// What about a resource decides whether it needs reconciling: its spec
/// generation, its deletion, and the annotations that say where and how it is
/// managed. Status writes (our own) and unrelated metadata do not count.
fn signature(r: &Resource) -> Signature {
    let annotations =
        ack::RECONCILE_ANNOTATIONS.iter().map(|a| r.annotation(a).map(str::to_string)).collect();
    (r.metadata.generation, r.is_deleting(), annotations)
}

type Signature = (Option<i64>, bool, Vec<Option<String>>);

/// What the queue remembers per resource: small, and no task of its own.
#[derive(Debug, Default)]
struct KeyState {
    /// What triggered the last reconcile, to ignore our own status writes.
    seen: Option<Signature>,
    /// Last observed status, to adapt the poll interval.
    observed: Option<String>,
    interval: Option<Duration>,
    failures: u32,
}

pub struct Engine {
    cx: Arc<Context>,
    settings: Settings,
    keys: Mutex<HashMap<Key, KeyState>>,
    /// Resources being reconciled right now.
    running: Mutex<HashSet<Key>>,
    /// Resources with a reconcile scheduled, for the queue-depth metric.
    scheduled: Mutex<HashSet<Key>>,
    tx: mpsc::Sender<ScheduleRequest<Key>>,
}

impl Engine {
    /// Starts watching every kind and reconciling; runs until the process ends.
    pub fn start(store: Arc<dyn Store>, aws: Arc<Aws>, settings: Settings) -> Arc<Engine> {
        let (tx, rx) = mpsc::channel(QUEUE_BOUND);
        let cx = Context {
            store,
            aws,
            observe: Arc::new(observe::Describe),
            default_region: settings.default_region.clone(),
            account: settings.account.clone(),
            deletion_policy: settings.deletion_policy.clone(),
            resource_tags: settings.resource_tags.clone(),
            session_tags: settings.session_tags,
            resync: settings.resync.clone(),
            updates_sent: Mutex::default(),
        };
        let cx = Arc::new(cx);
        tokio::spawn(adopted::run(cx.clone()));
        tokio::spawn(selectors::run(cx.clone()));
        let engine = Arc::new(Engine { cx, settings, keys: Mutex::default(), running: Mutex::default(), scheduled: Mutex::default(), tx });
        for kind in kinds::KINDS {
            let e = engine.clone();
            tokio::spawn(async move { e.watch(kind).await });
        }
        let e = engine.clone();
        tokio::spawn(async move { e.run(rx).await });
        engine
    }

    async fn watch(self: Arc<Self>, kind: &'static AwsKind) {
        let mut events = self.cx.store.watch(kind.info);
        while let Some(event) = events.next().await {
            let Some(r) = event.resource() else { continue };
            let key: Key = (kind.info.kind, r.metadata.namespace.clone(), r.metadata.name.clone());
            match &event {
                Event::Deleted(_) => {
                    self.keys.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
                }
                Event::Relisting | Event::Synced => {}
                Event::Applied(r) | Event::Listed(r) => {
                    // spec changes, deletion, new resources and the annotations
                    // that matter trigger a reconcile (ACK's
                    // GenerationChangedPredicate, plus annotations); our own
                    // status writes must not
                    let sig = signature(r);
                    let changed = self.state(&key, |state| {
                        let changed = state.seen.as_ref() != Some(&sig);
                        state.seen = Some(sig);
                        changed
                    });
                    if changed {
                        self.schedule(key, Duration::ZERO).await;
                    }
                }
            }
        }
        tracing::error!(kind = kind.info.kind, "watch ended");
    }

    /// Asks for a reconcile after `after`; an earlier request for the same
    /// resource wins (kube-runtime's scheduler keeps one entry per key).
    async fn schedule(&self, key: Key, after: Duration) {
        self.queued(|s| {
            s.insert(key.clone());
        });
        let request = ScheduleRequest { message: key, run_at: Instant::now() + after };
        if self.tx.clone().send(request).await.is_err() {
            tracing::error!("the reconcile queue is gone");
        }
    }

    /// Runs what is due, at most `concurrency` at once and one per resource
    /// at a time. What cannot run yet stays in the scheduler (deduplicated,
    /// kube-runtime's `hold_unless`), which keeps draining its input, so the
    /// watches feeding it never wait on a busy engine.
    async fn run(self: Arc<Self>, rx: mpsc::Receiver<ScheduleRequest<Key>>) {
        let permits = Arc::new(tokio::sync::Semaphore::new(self.settings.concurrency.max(1)));
        let finished = Arc::new(tokio::sync::Notify::new());
        let mut scheduler = std::pin::pin!(scheduler(rx));
        loop {
            let key = {
                let can_run = |key: &Key| {
                    permits.available_permits() > 0
                        && !self.running.lock().unwrap_or_else(|p| p.into_inner()).contains(key)
                };
                let mut held = scheduler.as_mut().hold_unless(can_run);
                tokio::select! {
                    key = held.next() => key,
                    // a reconcile ended: what was held may run now
                    () = finished.notified() => continue,
                }
            };
            let Some(key) = key else { return };
            let Ok(permit) = permits.clone().try_acquire_owned() else { continue };
            self.queued(|s| {
                s.remove(&key);
            });
            self.running.lock().unwrap_or_else(|p| p.into_inner()).insert(key.clone());
            let (e, finished) = (self.clone(), finished.clone());
            let running = crate::metrics::Up::new(&self.cx.aws.metrics().running);
            tokio::spawn(async move {
                let next = e.reconcile(&key).await;
                drop(running);
                drop(permit);
                e.running.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
                finished.notify_one();
                if let Some(d) = next {
                    e.schedule(key, d).await;
                }
            });
        }
    }

    async fn reconcile(&self, key: &Key) -> Option<Duration> {
        // the span goes with the future, not the thread: a guard held across
        // `.await` would tag other resources' lines with this one's name
        // `resource`, not `name`: JSON logs already use `name` for the span's own name
        let span = tracing::info_span!("reconcile", kind = key.0, namespace = %key.1, resource = %key.2);
        self.reconcile_in_span(key).instrument(span).await
    }

    async fn reconcile_in_span(&self, key: &Key) -> Option<Duration> {
        let kind = kinds::KINDS.iter().copied().find(|k| k.info.kind == key.0)?;
        let (ns, name) = (&key.1, &key.2);
        let res = match self.cx.store.get(kind.info, ns, name).await {
            Ok(Some(r)) => r,
            Ok(None) => return None,
            Err(e) => {
                self.cx.aws.metrics().reconciled(kind.info.kind, "store_error");
                tracing::warn!(error = %reconcile::error_chain(&e), "cannot read resource");
                return Some(self.backoff(key));
            }
        };
        // a job's defaulted name, an identifier AWS assigned
        let res = kind.effective(&res);
        let result = if res.is_deleting() {
            // nothing blocks a delete for good: retry until AWS lets go
            reconcile::finalize(&self.cx, kind, &res).await.map_err(|f| match f {
                Failure::Terminal(m) => Failure::Recoverable(m),
                f => f,
            })
        } else {
            reconcile::sync(&self.cx, kind, &res).await
        };
        let outcome = match &result {
            Ok(Next::Done) => "done",
            Ok(Next::Poll) => "poll",
            Ok(Next::After(_)) => "resync",
            Err(f) => f.label(),
        };
        self.cx.aws.metrics().reconciled(kind.info.kind, outcome);
        match result {
            Ok(next) => {
                self.state(key, |s| s.failures = 0);
                match next {
                    Next::Done => None,
                    Next::After(d) => Some(d),
                    Next::Poll => {
                        let now = self.cx.store.get(kind.info, ns, name).await.ok().flatten();
                        Some(self.poll_interval(key, &progress(kind, now.as_ref().unwrap_or(&res))))
                    }
                }
            }
            Err(Failure::Conflict) => Some(Duration::from_millis(200)),
            // backing off like a poll that sees no change: deferred work
            // must not churn while urgent work has the budget
            Err(Failure::Later(wait)) => Some(wait.max(self.poll_interval(key, "deferred"))),
            Err(failure) => self.record_failure(kind, key, &res, failure).await,
        }
    }

    /// Changes the set of scheduled resources, keeping its gauge.
    fn queued(&self, f: impl FnOnce(&mut HashSet<Key>)) {
        let mut scheduled = self.scheduled.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut scheduled);
        self.cx.aws.metrics().queue_depth.set(scheduled.len() as i64);
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

    async fn record_failure(&self, kind: &AwsKind, key: &Key, res: &Resource, failure: Failure) -> Option<Duration> {
        let mut c = status::Conditions::default();
        let next = match failure {
            Failure::Terminal(msg) => {
                c.synced = Some(false);
                c.synced_message = "Resource not synced".into();
                c.terminal = Some(msg);
                None
            }
            Failure::Recoverable(msg) => {
                c.synced_message = "Unable to determine if desired resource state matches latest observed state".into();
                c.recoverable = Some(msg);
                Some(self.backoff(key))
            }
            Failure::Waiting(msg) => {
                c.synced = Some(false);
                c.synced_message = msg.clone();
                Some(self.poll_interval(key, &msg))
            }
            Failure::Conflict => return Some(Duration::from_millis(200)),
            Failure::Later(wait) => return Some(wait.max(self.poll_interval(key, "deferred"))),
        };
        tracing::warn!(terminal = ?c.terminal, recoverable = ?c.recoverable, waiting = ?(c.terminal.is_none() && c.recoverable.is_none()).then_some(&c.synced_message), "reconcile did not finish");
        self.cx.note(kind, res, failure_note(&c)).await;
        let defaults = match self.cx.defaults().await {
            Ok(d) => d,
            Err(_) => placement::Defaults { region: self.cx.default_region.clone(), account: self.cx.account.clone(), ..Default::default() },
        };
        // the role too where it can be placed, so the status keeps saying
        // which selector chose it (ACK.IAMRoleSelected) across failures
        let target = self.cx.place(kind, res, &defaults).unwrap_or_else(|_| defaults.locate(res, kind.info));
        let status = status::build(kind, res, &target, None, &c);
        if status != res.status
            && let Err(e) = self.cx.store.write_status(kind.info, res, status).await
        {
            tracing::warn!(error = %reconcile::error_chain(&e), "cannot write status");
        }
        next
    }
}

/// The event a step that did not finish is worth: a Warning named by the
/// AWS error code where the message starts with one (so each kind of
/// trouble is one aggregated event), else by the condition it set.
fn failure_note(c: &status::Conditions) -> crate::store::EventNote {
    let code = |m: &str, fallback: &str| {
        m.split_once(": ")
            .map(|(code, _)| code)
            .filter(|code| !code.is_empty() && code.chars().all(|ch| ch.is_ascii_alphanumeric()) && code.starts_with(|ch: char| ch.is_ascii_uppercase()))
            .unwrap_or(fallback)
            .to_string()
    };
    match (&c.terminal, &c.recoverable) {
        (Some(m), _) => crate::store::EventNote::warning("Reconcile", &code(m, "Terminal"), m.clone()),
        (None, Some(m)) => crate::store::EventNote::warning("Reconcile", &code(m, "Retrying"), m.clone()),
        (None, None) => crate::store::EventNote::normal("Reconcile", "Waiting", c.synced_message.clone()),
    }
}

/// What moved, for the poll interval: the status and the finer progress.
fn progress(kind: &AwsKind, res: &Resource) -> String {
    let at = |f: Option<&str>| f.and_then(|f| res.status.get(f)).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    format!("{}/{}", at(kind.info.statuses.field), at(kind.info.progress_field))
}

#[cfg(test)]
mod tests;
