//! The embedded store for standalone mode: Kubernetes semantics (resource
//! versions, generations, finalizers, deletion timestamps, watches) over one
//! JSON file per resource, written atomically, so a restart loses nothing.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::Mutex,
};

use async_trait::async_trait;
use futures::{StreamExt, stream::BoxStream};
use sagemaker_core::{KindInfo, Resource};
use serde_json::Value;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use super::{ApplyOutcome, Event, Result, Store, StoreError, outcome};

type Key = (String, String, String);

pub struct EmbeddedStore {
    dir: PathBuf,
    inner: Mutex<Inner>,
    events: broadcast::Sender<Event>,
}

struct Inner {
    objects: BTreeMap<Key, Resource>,
    version: u64,
}

impl EmbeddedStore {
    /// Opens (or creates) the store under `dir`, loading every saved resource.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        let dir = dir.join("resources");
        std::fs::create_dir_all(&dir)?;
        let mut objects = BTreeMap::new();
        let mut version = 0;
        for plural in std::fs::read_dir(&dir)? {
            for ns in std::fs::read_dir(plural?.path())? {
                for file in std::fs::read_dir(ns?.path())? {
                    let path = file?.path();
                    if path.extension().and_then(|e| e.to_str()) != Some("json") {
                        continue;
                    }
                    let r: Resource = serde_json::from_slice(&std::fs::read(&path)?)
                        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))?;
                    let rv = r.metadata.resource_version.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
                    version = version.max(rv);
                    objects.insert((r.kind.clone(), r.metadata.namespace.clone(), r.metadata.name.clone()), r);
                }
            }
        }
        let (events, _) = broadcast::channel(1024);
        Ok(EmbeddedStore { dir, inner: Mutex::new(Inner { objects, version }), events })
    }

    fn path(&self, kind: &KindInfo, ns: &str, name: &str) -> PathBuf {
        self.dir.join(kind.plural).join(ns).join(format!("{name}.json"))
    }

    fn persist(&self, kind: &KindInfo, r: &Resource) -> Result<()> {
        let path = self.path(kind, &r.metadata.namespace, &r.metadata.name);
        let io = StoreError::Io;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let tmp = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(r).map_err(|e| io(e.into()))?;
        std::fs::write(&tmp, bytes).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    fn remove_file(&self, kind: &KindInfo, r: &Resource) -> Result<()> {
        match std::fs::remove_file(self.path(kind, &r.metadata.namespace, &r.metadata.name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io(e)),
            _ => Ok(()),
        }
    }

    /// Applies `change` to a stored resource under the lock, bumps its
    /// version, saves it, and tells watchers. Removes it when it is deleting
    /// and has no finalizers left, as the API server does.
    fn update(
        &self,
        kind: &'static KindInfo,
        ns: &str,
        name: &str,
        change: impl FnOnce(&mut Resource) -> Result<()>,
    ) -> Result<Resource> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let key = (kind.kind.to_string(), ns.to_string(), name.to_string());
        let mut r = inner.objects.get(&key).cloned().ok_or_else(|| not_found(kind, ns, name))?;
        change(&mut r)?;
        inner.version += 1;
        r.metadata.resource_version = Some(inner.version.to_string());
        if r.is_deleting() && r.metadata.finalizers.is_empty() {
            self.remove_file(kind, &r)?;
            inner.objects.remove(&key);
            let _ = self.events.send(Event::Deleted(r.clone()));
        } else {
            self.persist(kind, &r)?;
            inner.objects.insert(key, r.clone());
            let _ = self.events.send(Event::Applied(r.clone()));
        }
        Ok(r)
    }
}

fn not_found(kind: &KindInfo, ns: &str, name: &str) -> StoreError {
    StoreError::NotFound { kind: kind.kind.into(), namespace: ns.into(), name: name.into() }
}

fn check_version(r: &Resource, expected: &Resource) -> Result<()> {
    if r.metadata.resource_version != expected.metadata.resource_version {
        return Err(StoreError::Conflict(r.key()));
    }
    Ok(())
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn get(&self, kind: &'static KindInfo, ns: &str, name: &str) -> Result<Option<Resource>> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        Ok(inner.objects.get(&(kind.kind.to_string(), ns.to_string(), name.to_string())).cloned())
    }

    async fn list(&self, kind: &'static KindInfo, ns: Option<&str>) -> Result<Vec<Resource>> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        Ok(inner
            .objects
            .iter()
            .filter(|((k, n, _), _)| k == kind.kind && ns.is_none_or(|ns| ns == n))
            .map(|(_, r)| r.clone())
            .collect())
    }

    async fn apply(&self, kind: &'static KindInfo, manifest: &Resource, dry_run: bool) -> Result<(Resource, ApplyOutcome)> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let key = (kind.kind.to_string(), manifest.metadata.namespace.clone(), manifest.metadata.name.clone());
        let existing = inner.objects.get(&key).cloned();
        let result = outcome(existing.as_ref(), manifest);
        let mut r = match existing {
            Some(mut r) => {
                if result == ApplyOutcome::Unchanged {
                    return Ok((r, result));
                }
                if r.spec != manifest.spec {
                    r.metadata.generation = Some(r.metadata.generation.unwrap_or(1) + 1);
                }
                r.spec = manifest.spec.clone();
                r.metadata.labels.extend(manifest.metadata.labels.clone());
                r.metadata.annotations.extend(manifest.metadata.annotations.clone());
                r
            }
            None => {
                let mut r = manifest.clone();
                r.status = Value::Null;
                r.metadata.uid = Some(uid());
                r.metadata.generation = Some(1);
                r.metadata.creation_timestamp = Some(now());
                r.metadata.finalizers.clear();
                r.metadata.deletion_timestamp = None;
                r
            }
        };
        if dry_run {
            return Ok((r, result));
        }
        inner.version += 1;
        r.metadata.resource_version = Some(inner.version.to_string());
        self.persist(kind, &r)?;
        inner.objects.insert(key, r.clone());
        let _ = self.events.send(Event::Applied(r.clone()));
        Ok((r, result))
    }

    async fn write_status(&self, kind: &'static KindInfo, resource: &Resource, status: Value) -> Result<Resource> {
        let (ns, name) = (&resource.metadata.namespace, &resource.metadata.name);
        self.update(kind, ns, name, |r| {
            r.status = status;
            Ok(())
        })
    }

    async fn set_finalizer(&self, kind: &'static KindInfo, resource: &Resource, finalizer: &str, present: bool) -> Result<Resource> {
        let (ns, name) = (&resource.metadata.namespace, &resource.metadata.name);
        self.update(kind, ns, name, |r| {
            check_version(r, resource)?;
            r.metadata.finalizers.retain(|f| f != finalizer);
            if present {
                r.metadata.finalizers.push(finalizer.to_string());
            }
            Ok(())
        })
    }

    async fn annotate(&self, kind: &'static KindInfo, ns: &str, name: &str, key: &str, value: &str) -> Result<Resource> {
        self.update(kind, ns, name, |r| {
            r.metadata.annotations.insert(key.to_string(), value.to_string());
            Ok(())
        })
    }

    async fn delete(&self, kind: &'static KindInfo, ns: &str, name: &str) -> Result<Option<Resource>> {
        match self.update(kind, ns, name, |r| {
            if r.metadata.deletion_timestamp.is_none() {
                r.metadata.deletion_timestamp = Some(now());
            }
            Ok(())
        }) {
            Ok(r) => Ok(Some(r)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn watch(&self, kind: &'static KindInfo) -> BoxStream<'static, Event> {
        // subscribe before listing, so no change falls between the two
        let rx = self.events.subscribe();
        let initial: Vec<Event> = {
            let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            inner.objects.iter().filter(|((k, _, _), _)| k == kind.kind).map(|(_, r)| Event::Applied(r.clone())).collect()
        };
        let changes = BroadcastStream::new(rx).filter_map(move |e| async move {
            // a lagging watcher misses events; resources are re-read on each
            // reconcile and resynced, so dropping is safe here
            e.ok().filter(|e| e.resource().kind == kind.kind)
        });
        futures::stream::iter(initial).chain(changes).boxed()
    }

    fn mode(&self) -> &'static str {
        "standalone"
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn uid() -> String {
    let b: [u8; 16] = rand::random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagemaker_core::kinds::TRAINING_JOB;
    use serde_json::json;

    fn manifest(name: &str, spec: Value) -> Resource {
        let mut r = Resource {
            api_version: TRAINING_JOB.api_version(),
            kind: "TrainingJob".into(),
            spec,
            ..Default::default()
        };
        r.metadata.name = name.into();
        r.metadata.namespace = "default".into();
        r
    }

    #[tokio::test]
    async fn resources_finalizers_and_status_survive_reopening_the_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open");
        let (r, outcome) = store.apply(&TRAINING_JOB, &manifest("a", json!({"x": 1})), false).await.expect("apply");
        assert_eq!(outcome, ApplyOutcome::Created);
        let r = store.set_finalizer(&TRAINING_JOB, &r, "f", true).await.expect("finalizer");
        store.write_status(&TRAINING_JOB, &r, json!({"s": "InProgress"})).await.expect("status");
        drop(store);
        let store = EmbeddedStore::open(dir.path()).expect("reopen");
        let r = store.get(&TRAINING_JOB, "default", "a").await.expect("get").expect("present");
        assert_eq!(r.metadata.finalizers, ["f"]);
        assert_eq!(r.status, json!({"s": "InProgress"}));
        let (_, again) = store.apply(&TRAINING_JOB, &manifest("a", json!({"x": 1})), false).await.expect("apply");
        assert_eq!(again, ApplyOutcome::Unchanged);
    }

    #[tokio::test]
    async fn a_resource_with_a_finalizer_is_only_marked_deleting_until_the_finalizer_goes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open");
        let (r, _) = store.apply(&TRAINING_JOB, &manifest("a", json!({})), false).await.expect("apply");
        let r = store.set_finalizer(&TRAINING_JOB, &r, "f", true).await.expect("finalizer");
        let deleting = store.delete(&TRAINING_JOB, "default", "a").await.expect("delete").expect("was there");
        assert!(deleting.is_deleting());
        store.set_finalizer(&TRAINING_JOB, &deleting, "f", false).await.expect("release");
        assert!(store.get(&TRAINING_JOB, "default", "a").await.expect("get").is_none());
        // a stale resource version is refused rather than overwriting
        let (r2, _) = store.apply(&TRAINING_JOB, &manifest("b", json!({})), false).await.expect("apply");
        store.annotate(&TRAINING_JOB, "default", "b", "k", "v").await.expect("annotate");
        let stale = store.set_finalizer(&TRAINING_JOB, &r2, "f", true).await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))));
        let _ = r;
    }

    #[tokio::test]
    async fn a_dry_run_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open");
        let (_, outcome) = store.apply(&TRAINING_JOB, &manifest("a", json!({})), true).await.expect("apply");
        assert_eq!(outcome, ApplyOutcome::Created);
        assert!(store.get(&TRAINING_JOB, "default", "a").await.expect("get").is_none());
    }
}
