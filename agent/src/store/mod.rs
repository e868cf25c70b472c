//! Where desired state lives: Kubernetes custom resources, or an embedded
//! on-disk store for standalone mode. One interface serves the engine and the
//! gRPC API, so neither knows which one it runs on.

pub mod cache;
pub mod embedded;
pub mod journal;
pub mod kube;

pub use journal::{EventNote, RecordedEvent};

use async_trait::async_trait;
use futures::stream::BoxStream;
use sagemaker_core::{KindInfo, Resource};
use serde_json::Value;

/// A change to a stored resource, or a step of a (re)listing: a watch
/// starts with `Relisting`, one `Listed` per resource and `Synced`, and may
/// list again after losing its place (kube-runtime's watcher semantics).
#[derive(Debug, Clone)]
pub enum Event {
    /// Created or changed (including status writes).
    Applied(Resource),
    /// Gone from the store.
    Deleted(Resource),
    /// A full listing begins; what it does not list again is gone.
    Relisting,
    /// A resource of the listing.
    Listed(Resource),
    /// The listing is complete.
    Synced,
}

impl Event {
    /// The resource an event is about (none for listing markers).
    pub fn resource(&self) -> Option<&Resource> {
        match self {
            Event::Applied(r) | Event::Deleted(r) | Event::Listed(r) => Some(r),
            Event::Relisting | Event::Synced => None,
        }
    }
}

/// What an apply did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    Created,
    Configured,
    Unchanged,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{kind} {namespace}/{name} not found")]
    NotFound { kind: String, namespace: String, name: String },
    #[error("{0} was changed by someone else meanwhile; retrying")]
    Conflict(String),
    #[error("the Kubernetes API refused the request: {0}")]
    Invalid(String),
    #[error("the CustomResourceDefinition for {0} is not installed")]
    MissingCrd(String),
    #[error("Kubernetes API error")]
    Kube(#[source] ::kube::Error),
    #[error("the embedded store cannot use {}", path.display())]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A multi-document apply that stopped at a failure: the first `applied`
/// manifests were written, the rest were not.
#[derive(Debug)]
pub struct PartialApply {
    pub applied: usize,
    pub error: StoreError,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn get(&self, kind: &'static KindInfo, namespace: &str, name: &str) -> Result<Option<Resource>>;
    /// `namespace: None` lists every namespace.
    async fn list(&self, kind: &'static KindInfo, namespace: Option<&str>) -> Result<Vec<Resource>>;
    /// Server-side apply of a manifest's metadata (labels, annotations) and
    /// spec, as the user's field manager. With `dry_run` nothing is written.
    async fn apply(&self, kind: &'static KindInfo, manifest: &Resource, dry_run: bool)
    -> Result<(Resource, ApplyOutcome)>;
    /// Applies several manifests, in order. A store that can write them in
    /// one transaction does (nothing is written on failure); otherwise the
    /// failure says how many were written before it.
    async fn apply_all(
        &self,
        manifests: &[(&'static KindInfo, &Resource)],
    ) -> std::result::Result<Vec<(Resource, ApplyOutcome)>, PartialApply> {
        let mut results = Vec::with_capacity(manifests.len());
        for (kind, manifest) in manifests {
            match self.apply(kind, manifest, false).await {
                Ok(r) => results.push(r),
                Err(error) => return Err(PartialApply { applied: results.len(), error }),
            }
        }
        Ok(results)
    }
    /// Replaces the status.
    async fn write_status(&self, kind: &'static KindInfo, resource: &Resource, status: Value) -> Result<Resource>;
    /// Adds or removes a finalizer, guarded by the resource version so that a
    /// concurrent change is never overwritten.
    async fn set_finalizer(&self, kind: &'static KindInfo, resource: &Resource, finalizer: &str, present: bool)
    -> Result<Resource>;
    /// Sets one annotation.
    async fn annotate(&self, kind: &'static KindInfo, namespace: &str, name: &str, key: &str, value: &str)
    -> Result<Resource>;
    /// Requests deletion; with finalizers present the resource stays, marked deleting.
    async fn delete(&self, kind: &'static KindInfo, namespace: &str, name: &str) -> Result<Option<Resource>>;
    /// Every change to resources of `kind`, starting with the current ones.
    fn watch(&self, kind: &'static KindInfo) -> BoxStream<'static, Event>;
    /// `kubernetes` or `standalone`.
    fn mode(&self) -> &'static str;
    /// The annotations (the defaults of the resources in them: region,
    /// account, deletion policy) and labels (for IAMRoleSelectors) of the
    /// namespaces that have any.
    async fn namespaces(&self) -> Result<crate::placement::Namespaces> {
        Ok(Default::default())
    }
    /// The data of one of the agent's ConfigMaps in its namespace (ACK's
    /// `ack-role-account-map`, `ack-role-team-map`), or standalone a file, as
    /// it is now (empty when there is none).
    async fn config_map(&self, name: &str) -> Result<std::collections::BTreeMap<String, String>> {
        let _ = name;
        Ok(Default::default())
    }
    /// Records a Kubernetes Event about a resource (aggregated by reason).
    async fn record(&self, kind: &'static KindInfo, resource: &Resource, note: &EventNote) -> Result<()>;
    /// The events about a resource, oldest first.
    async fn events(&self, kind: &'static KindInfo, resource: &Resource) -> Result<Vec<RecordedEvent>>;
}

/// Field manager for what users apply through the plugin (as kubectl's is `kubectl`).
pub const APPLY_MANAGER: &str = "kubectl-sagemaker";

/// What an apply did, judged by what the user owns: spec, labels, annotations
/// of the stored object before (`existing`) and after (`result`).
pub fn outcome(existing: Option<&Resource>, result: &Resource) -> ApplyOutcome {
    match existing {
        None => ApplyOutcome::Created,
        Some(e)
            if e.spec == result.spec
                && e.metadata.labels == result.metadata.labels
                && e.metadata.annotations == result.metadata.annotations =>
        {
            ApplyOutcome::Unchanged
        }
        Some(_) => ApplyOutcome::Configured,
    }
}

/// The embedded store, instrumented for tests: it keeps the trait's
/// `apply_all` (no transactions, as the Kubernetes store), fails writes from
/// the `fail_apply_at`-th on, and counts the watches opened on it.
#[cfg(test)]
pub(crate) struct Instrumented {
    inner: embedded::EmbeddedStore,
    pub fail_apply_at: std::sync::atomic::AtomicUsize,
    applied: std::sync::atomic::AtomicUsize,
    pub watches: std::sync::atomic::AtomicUsize,
}

#[cfg(test)]
impl Instrumented {
    pub fn new(inner: embedded::EmbeddedStore) -> Self {
        Instrumented { inner, fail_apply_at: usize::MAX.into(), applied: 0.into(), watches: 0.into() }
    }
}

#[cfg(test)]
#[async_trait]
impl Store for Instrumented {
    async fn get(&self, k: &'static KindInfo, ns: &str, n: &str) -> Result<Option<Resource>> {
        self.inner.get(k, ns, n).await
    }
    async fn list(&self, k: &'static KindInfo, ns: Option<&str>) -> Result<Vec<Resource>> {
        self.inner.list(k, ns).await
    }
    async fn apply(&self, k: &'static KindInfo, m: &Resource, dry_run: bool) -> Result<(Resource, ApplyOutcome)> {
        use std::sync::atomic::Ordering::SeqCst;
        if self.applied.fetch_add(1, SeqCst) >= self.fail_apply_at.load(SeqCst) {
            return Err(StoreError::Invalid("admission webhook denied the request".into()));
        }
        self.inner.apply(k, m, dry_run).await
    }
    async fn write_status(&self, k: &'static KindInfo, r: &Resource, s: Value) -> Result<Resource> {
        self.inner.write_status(k, r, s).await
    }
    async fn set_finalizer(&self, k: &'static KindInfo, r: &Resource, f: &str, p: bool) -> Result<Resource> {
        self.inner.set_finalizer(k, r, f, p).await
    }
    async fn annotate(&self, k: &'static KindInfo, ns: &str, n: &str, key: &str, v: &str) -> Result<Resource> {
        self.inner.annotate(k, ns, n, key, v).await
    }
    async fn delete(&self, k: &'static KindInfo, ns: &str, n: &str) -> Result<Option<Resource>> {
        self.inner.delete(k, ns, n).await
    }
    fn watch(&self, k: &'static KindInfo) -> BoxStream<'static, Event> {
        self.watches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.watch(k)
    }
    async fn namespaces(&self) -> Result<crate::placement::Namespaces> {
        self.inner.namespaces().await
    }
    async fn config_map(&self, name: &str) -> Result<std::collections::BTreeMap<String, String>> {
        self.inner.config_map(name).await
    }
    async fn record(&self, k: &'static KindInfo, r: &Resource, note: &EventNote) -> Result<()> {
        self.inner.record(k, r, note).await
    }
    async fn events(&self, k: &'static KindInfo, r: &Resource) -> Result<Vec<RecordedEvent>> {
        self.inner.events(k, r).await
    }
    fn mode(&self) -> &'static str {
        "test"
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use sagemaker_core::kinds::TRAINING_JOB;

    use super::*;
    use crate::{
        error::{Error, PartialApplyError},
        store::embedded::EmbeddedStore,
    };

    #[tokio::test]
    async fn a_store_without_transactions_reports_exactly_which_documents_were_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Instrumented::new(EmbeddedStore::open(dir.path()).expect("open").0);
        store.fail_apply_at.store(2, Ordering::SeqCst);
        let manifests: Vec<Resource> = (0..4)
            .map(|i| {
                let mut r = Resource { api_version: TRAINING_JOB.api_version(), kind: "TrainingJob".into(), ..Default::default() };
                r.metadata.name = format!("job-{i}");
                r.metadata.namespace = "default".into();
                r
            })
            .collect();
        let items: Vec<_> = manifests.iter().map(|m| (&TRAINING_JOB, m)).collect();
        let partial = store.apply_all(&items).await.expect_err("the third write fails");
        assert_eq!(partial.applied, 2);
        let stored: Vec<String> = store.list(&TRAINING_JOB, None).await.expect("list").into_iter().map(|r| r.metadata.name).collect();
        assert_eq!(stored, ["job-0", "job-1"]);

        // what the user reads: which were applied, which failed, what to do
        let err = Error::PartialApply(Box::new(PartialApplyError {
            applied: 2,
            total: 4,
            written: "a.yaml (document 1), a.yaml (document 2)".into(),
            failed: "a.yaml (document 3)".into(),
            source: partial.error,
        }));
        assert_eq!(
            err.to_string(),
            "only 2 of 4 documents were applied (a.yaml (document 1), a.yaml (document 2)); a.yaml (document 3) and the rest were not"
        );
        assert!(err.hint().unwrap_or_default().contains("apply the same files again"), "{:?}", err.hint());
        assert!(err.to_status().message().contains("admission webhook denied the request"));
    }
}
