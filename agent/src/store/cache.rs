//! One shared cache per kind in front of the Kubernetes store: kube-runtime's
//! reflector store, fed by one API-server watch per kind. Reconciles and the
//! gRPC Get, List and Watch read from it, so a plugin `get` or `watch` costs
//! the API server nothing and a thousand watching plugins share one watch.
//! Writes go to the API server; what they change comes back through the
//! watch, as in any kube-runtime controller.
//!
//! The embedded store is not wrapped: it already keeps every resource in
//! memory and broadcasts its changes, so a second copy would only double its
//! memory.

use std::{
    borrow::Cow,
    collections::{HashMap, VecDeque},
    sync::Arc,
};

use async_trait::async_trait;
use futures::{StreamExt, stream::BoxStream};
use kube::runtime::{
    reflector::{self, Lookup},
    watcher,
};
use sagemaker_core::{KindInfo, Resource};
use serde_json::Value;
use tokio::sync::broadcast;

use super::{ApplyOutcome, Event, PartialApply, Result, Store};

/// A resource as the reflector keys it.
#[derive(Debug, Clone)]
pub struct Cached(pub Resource);

/// The reflector's dynamic type: the kind's name (cheap to hash on every
/// lookup), with the rest from the kinds table.
fn info(kind: &str) -> Option<&'static KindInfo> {
    sagemaker_core::kinds::KINDS.iter().copied().find(|k| k.kind == kind)
}

impl Lookup for Cached {
    type DynamicType = &'static str;

    fn kind(dt: &Self::DynamicType) -> Cow<'_, str> {
        (*dt).into()
    }
    fn group(dt: &Self::DynamicType) -> Cow<'_, str> {
        info(dt).map(|k| k.group).unwrap_or_default().into()
    }
    fn version(dt: &Self::DynamicType) -> Cow<'_, str> {
        info(dt).map(|k| k.version).unwrap_or_default().into()
    }
    fn plural(dt: &Self::DynamicType) -> Cow<'_, str> {
        info(dt).map(|k| k.plural).unwrap_or_default().into()
    }
    fn name(&self) -> Option<Cow<'_, str>> {
        Some(self.0.metadata.name.as_str().into())
    }
    fn namespace(&self) -> Option<Cow<'_, str>> {
        Some(self.0.metadata.namespace.as_str().into())
    }
    fn resource_version(&self) -> Option<Cow<'_, str>> {
        self.0.metadata.resource_version.as_deref().map(Cow::from)
    }
    fn uid(&self) -> Option<Cow<'_, str>> {
        self.0.metadata.uid.as_deref().map(Cow::from)
    }
}

/// Waits until a reflector's first listing is in.
///
/// kube-runtime's `Store::wait_until_ready` wakes only one of several tasks
/// waiting at once before that listing: it polls a one-shot channel, which
/// keeps the waker of its last poller only, so the others sleep forever. At
/// startup every reconcile waits on the same few reflectors (namespaces, the
/// role maps, each kind), and an agent restarted with work to do stalled
/// that way. Polling again every 50 ms registers each waiter anew; once the
/// store is ready this returns at once.
pub(crate) async fn until_ready<K>(reader: &reflector::Store<K>) -> std::result::Result<(), reflector::store::WriterDropped>
where
    K: 'static + Clone + Lookup,
    K::DynamicType: Eq + std::hash::Hash + Clone,
{
    let started = tokio::time::Instant::now();
    let mut warned = false;
    loop {
        if let Ok(ready) = tokio::time::timeout(std::time::Duration::from_millis(50), reader.wait_until_ready()).await {
            return ready;
        }
        // a watch that cannot list (a missing CRD, a missing grant) says so
        if !warned && started.elapsed() > std::time::Duration::from_secs(30) {
            warned = true;
            tracing::warn!(kind = std::any::type_name::<K>(), "still waiting for the first listing of a watch after 30 s: check its CRD and the agent's RBAC");
        }
    }
}

struct KindCache {
    reader: reflector::Store<Cached>,
    events: broadcast::Sender<Event>,
}

/// A [`Store`] whose reads come from per-kind reflectors.
pub struct CachedStore {
    inner: Arc<dyn Store>,
    kinds: HashMap<&'static str, KindCache>,
}

/// Changes a slow reader may fall behind by before it misses some (it then
/// reads the cache again on its next reconcile or resync).
const EVENT_BUFFER: usize = 1024;

impl CachedStore {
    /// Starts one watch per kind on `inner` and serves reads from what they bring.
    pub fn start(inner: Arc<dyn Store>, kinds: &[&'static KindInfo]) -> Arc<CachedStore> {
        let mut caches = HashMap::new();
        for &kind in kinds {
            let mut writer = reflector::store::Writer::<Cached>::new(kind.kind);
            let reader = writer.as_reader();
            let (events, _) = broadcast::channel(EVENT_BUFFER);
            let tx = events.clone();
            let mut stream = inner.watch(kind);
            tokio::spawn(async move {
                while let Some(event) = stream.next().await {
                    let change = match &event {
                        Event::Applied(r) => watcher::Event::Apply(Cached(r.clone())),
                        Event::Deleted(r) => watcher::Event::Delete(Cached(r.clone())),
                        Event::Relisting => watcher::Event::Init,
                        Event::Listed(r) => watcher::Event::InitApply(Cached(r.clone())),
                        Event::Synced => watcher::Event::InitDone,
                    };
                    writer.apply_watcher_event(&change);
                    // nobody listening is fine
                    let _ = tx.send(event);
                }
                tracing::error!(kind = kind.kind, "the watch feeding the cache ended");
            });
            caches.insert(kind.kind, KindCache { reader, events });
        }
        Arc::new(CachedStore { inner, kinds: caches })
    }

    async fn ready(&self, kind: &KindInfo) -> Option<&KindCache> {
        let cache = self.kinds.get(kind.kind)?;
        until_ready(&cache.reader).await.ok()?;
        Some(cache)
    }
}

#[async_trait]
impl Store for CachedStore {
    async fn get(&self, kind: &'static KindInfo, namespace: &str, name: &str) -> Result<Option<Resource>> {
        let Some(cache) = self.ready(kind).await else { return self.inner.get(kind, namespace, name).await };
        let key = reflector::ObjectRef::<Cached>::new_with(name, kind.kind).within(namespace);
        Ok(cache.reader.get(&key).map(|c| c.0.clone()))
    }

    async fn list(&self, kind: &'static KindInfo, namespace: Option<&str>) -> Result<Vec<Resource>> {
        let Some(cache) = self.ready(kind).await else { return self.inner.list(kind, namespace).await };
        let mut items: Vec<Resource> = cache
            .reader
            .state()
            .into_iter()
            .filter(|c| namespace.is_none_or(|ns| c.0.metadata.namespace == ns))
            .map(|c| c.0.clone())
            .collect();
        items.sort_by(|a, b| (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name)));
        Ok(items)
    }

    async fn apply(&self, kind: &'static KindInfo, manifest: &Resource, dry_run: bool) -> Result<(Resource, ApplyOutcome)> {
        self.inner.apply(kind, manifest, dry_run).await
    }

    async fn apply_all(
        &self,
        manifests: &[(&'static KindInfo, &Resource)],
    ) -> std::result::Result<Vec<(Resource, ApplyOutcome)>, PartialApply> {
        self.inner.apply_all(manifests).await
    }

    async fn write_status(&self, kind: &'static KindInfo, resource: &Resource, status: Value) -> Result<Resource> {
        self.inner.write_status(kind, resource, status).await
    }

    async fn set_finalizer(&self, kind: &'static KindInfo, resource: &Resource, finalizer: &str, present: bool) -> Result<Resource> {
        self.inner.set_finalizer(kind, resource, finalizer, present).await
    }

    async fn annotate(&self, kind: &'static KindInfo, namespace: &str, name: &str, key: &str, value: &str) -> Result<Resource> {
        self.inner.annotate(kind, namespace, name, key, value).await
    }

    async fn delete(&self, kind: &'static KindInfo, namespace: &str, name: &str) -> Result<Option<Resource>> {
        self.inner.delete(kind, namespace, name).await
    }

    /// The cache's current resources, then its changes: no new API-server
    /// watch, however many callers watch.
    fn watch(&self, kind: &'static KindInfo) -> BoxStream<'static, Event> {
        let Some(cache) = self.kinds.get(kind.kind) else { return self.inner.watch(kind) };
        // subscribe before reading the cache, so no change falls between
        let rx = cache.events.subscribe();
        let reader = cache.reader.clone();
        // the cache's current resources; again whenever this watcher falls
        // further behind than the buffer, so it never misses a resource
        let listing = move || {
            let reader = reader.clone();
            async move {
                let _ = until_ready(&reader).await;
                let listed = reader.state().into_iter().map(|c| Event::Listed(c.0.clone()));
                std::iter::once(Event::Relisting).chain(listed).chain(std::iter::once(Event::Synced)).collect::<VecDeque<_>>()
            }
        };
        futures::stream::unfold((rx, None::<VecDeque<Event>>, listing), |(mut rx, pending, listing)| async move {
            let mut pending = match pending {
                Some(p) => p,
                None => listing().await,
            };
            loop {
                if let Some(e) = pending.pop_front() {
                    return Some((e, (rx, Some(pending), listing)));
                }
                match rx.recv().await {
                    Ok(e) => return Some((e, (rx, Some(pending), listing))),
                    Err(broadcast::error::RecvError::Lagged(_)) => pending = listing().await,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .boxed()
    }

    fn mode(&self) -> &'static str {
        self.inner.mode()
    }

    async fn namespaces(&self) -> Result<crate::placement::Namespaces> {
        self.inner.namespaces().await
    }

    async fn config_map(&self, name: &str) -> Result<std::collections::BTreeMap<String, String>> {
        self.inner.config_map(name).await
    }

    async fn record(&self, kind: &'static KindInfo, resource: &Resource, note: &super::EventNote) -> Result<()> {
        self.inner.record(kind, resource, note).await
    }

    async fn events(&self, kind: &'static KindInfo, resource: &Resource) -> Result<Vec<super::RecordedEvent>> {
        self.inner.events(kind, resource).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use sagemaker_core::kinds::TRAINING_JOB;
    use serde_json::json;

    use super::*;
    use crate::store::{Instrumented, embedded::EmbeddedStore};

    fn job(name: &str) -> Resource {
        serde_json::from_value(json!({
            "apiVersion": TRAINING_JOB.api_version(), "kind": "TrainingJob",
            "metadata": { "name": name, "namespace": "default" },
            "spec": { "trainingJobName": name },
        }))
        .expect("job")
    }

    #[tokio::test]
    async fn every_task_waiting_for_a_reflectors_first_listing_goes_on_when_it_arrives() {
        let mut writer = reflector::store::Writer::<Cached>::new(TRAINING_JOB.kind);
        let reader = writer.as_reader();
        let waiting: Vec<_> = (0..8)
            .map(|_| {
                let reader = reader.clone();
                tokio::spawn(async move { until_ready(&reader).await })
            })
            .collect();
        // all of them waiting before the listing, as reconciles at startup
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        writer.apply_watcher_event(&watcher::Event::Init);
        writer.apply_watcher_event(&watcher::Event::InitDone);
        for w in waiting {
            let ready = tokio::time::timeout(std::time::Duration::from_secs(5), w).await;
            assert!(matches!(ready, Ok(Ok(Ok(())))), "a waiter never woke: {ready:?}");
        }
    }

    #[tokio::test]
    async fn many_watchers_and_readers_share_one_watch_per_kind_and_see_every_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let inner = Arc::new(Instrumented::new(EmbeddedStore::open(dir.path()).expect("store").0));
        inner.apply(&TRAINING_JOB, &job("before"), false).await.expect("apply");
        let cached = CachedStore::start(inner.clone(), &[&TRAINING_JOB]);
        let mut watchers: Vec<_> = (0..50).map(|_| cached.watch(&TRAINING_JOB)).collect();
        assert_eq!(cached.list(&TRAINING_JOB, Some("default")).await.expect("list").len(), 1);
        cached.apply(&TRAINING_JOB, &job("after"), false).await.expect("apply");
        for w in &mut watchers {
            let mut names = Vec::new();
            while let Some(e) = w.next().await {
                if let Some(r) = e.resource() {
                    names.push(r.metadata.name.clone());
                }
                // the snapshot (in no particular order) and then the change,
                // or a snapshot taken after the change: either way both
                if names.contains(&"after".to_string()) && names.contains(&"before".to_string()) {
                    break;
                }
            }
        }
        assert!(cached.get(&TRAINING_JOB, "default", "after").await.expect("get").is_some());
        assert_eq!(inner.watches.load(Ordering::SeqCst), 1, "one watch, however many watchers");
        cached.delete(&TRAINING_JOB, "default", "before").await.expect("delete");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while cached.get(&TRAINING_JOB, "default", "before").await.expect("get").is_some() {
            assert!(std::time::Instant::now() < deadline, "the deletion never reached the cache");
            tokio::task::yield_now().await;
        }
    }
}
