//! The embedded store for standalone mode: Kubernetes semantics (resource
//! versions, generations, finalizers, deletion timestamps, watches) over one
//! JSON file per resource, so a restart loses nothing.
//!
//! Writes are crash-safe: a single resource is written to a temp file and
//! renamed over the old one; a multi-document apply is one transaction: every
//! new file is written as a temp file first, then a commit record listing them
//! is renamed into place (the commit point), then the temp files are renamed.
//! At start a commit record is rolled forward, and temp files without one are
//! removed, so an apply is either fully there or not at all. A file that
//! cannot be read is set aside (quarantined) with a warning, never a reason to
//! refuse to start.

use std::{
    collections::{BTreeMap, VecDeque},
    fs::File,
    io::Write as _,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use futures::{StreamExt, stream::BoxStream};
use sagemaker_core::{KindInfo, Resource};
use serde_json::Value;
use tokio::sync::broadcast;

use super::{APPLY_MANAGER, ApplyOutcome, Event, PartialApply, Result, Store, StoreError, outcome};

type Key = (String, String, String);

/// Where a multi-document apply records its commit.
const COMMIT: &str = ".commit.json";
/// The suffix of files not yet committed.
const TMP: &str = ".tmp";

/// Where the standalone account-to-role map comes from.
enum RoleMap {
    Fixed(BTreeMap<String, String>),
    File(PathBuf),
}

impl EmbeddedStore {
    /// Reads a CARM map (as `config_map(name)`) from a YAML or JSON file of
    /// `key: role` entries (ACK's ConfigMap data), on every use.
    pub fn use_config_map_file(&self, name: &str, path: PathBuf) {
        self.config_maps.lock().unwrap_or_else(|p| p.into_inner()).insert(name.into(), RoleMap::File(path));
    }

    /// Sets a CARM map (tests).
    pub fn set_config_map(&self, name: &str, map: BTreeMap<String, String>) {
        self.config_maps.lock().unwrap_or_else(|p| p.into_inner()).insert(name.into(), RoleMap::Fixed(map));
    }

    /// Sets an annotation of a namespace (which standalone exists only as a
    /// name on resources).
    pub fn annotate_namespace(&self, ns: &str, key: &str, value: &str) {
        let mut namespaces = self.namespaces.lock().unwrap_or_else(|p| p.into_inner());
        namespaces.entry(ns.to_string()).or_default().annotations.insert(key.to_string(), value.to_string());
    }

    /// Sets a label of a namespace (tests: IAMRoleSelectors match them).
    pub fn label_namespace(&self, ns: &str, key: &str, value: &str) {
        let mut namespaces = self.namespaces.lock().unwrap_or_else(|p| p.into_inner());
        namespaces.entry(ns.to_string()).or_default().labels.insert(key.to_string(), value.to_string());
    }
}

/// Changes kept for watchers that are behind; one further behind lists again.
const EVENT_BUFFER: usize = 256;

pub struct EmbeddedStore {
    dir: PathBuf,
    inner: Arc<Mutex<Inner>>,
    /// Namespace annotations and labels: standalone there are no Namespace objects, so
    /// they are set here (tests, and the standalone configuration).
    namespaces: Mutex<crate::placement::Namespaces>,
    /// The CARM maps by ConfigMap name: a file (`--role-account-map`, read
    /// on every use so edits apply at once), or set directly (tests).
    config_maps: Mutex<std::collections::HashMap<String, RoleMap>>,
    events: broadcast::Sender<Event>,
    /// Kubernetes Events about the resources, in memory.
    journal: Mutex<super::journal::Journal>,
    /// Tests make writes fail after this many more files, as a full disk would.
    #[cfg(test)]
    fail_after: Mutex<Option<usize>>,
}

struct Inner {
    objects: BTreeMap<Key, Stored>,
    version: u64,
}

/// A resource as the store keeps it in memory: its compact JSON, parsed
/// when read. A parsed document takes several times the memory, and most
/// resources sit unread between reconciles.
struct Stored(Box<str>);

impl Stored {
    fn of(r: &Resource) -> Stored {
        // a Resource always serializes (string keys, finite numbers)
        Stored(serde_json::to_string(r).unwrap_or_default().into_boxed_str())
    }

    fn load(&self) -> Resource {
        // the store wrote it, from a Resource
        serde_json::from_str(&self.0).unwrap_or_default()
    }
}

/// What opening the store found and repaired.
#[derive(Debug, Default)]
pub struct Recovery {
    /// Files that could not be read, renamed to `*.corrupt`, with why.
    pub quarantined: Vec<(PathBuf, String)>,
    /// Leftover temp files of writes that never committed, removed.
    pub removed_temp_files: usize,
    /// Whether an interrupted multi-document apply was completed.
    pub rolled_forward: bool,
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_path_buf(), source }
}

impl EmbeddedStore {
    /// Opens (or creates) the store under `dir`: finishes or discards
    /// interrupted writes, quarantines unreadable files, loads the rest.
    pub fn open(dir: &Path) -> Result<(Self, Recovery)> {
        let dir = dir.join("resources");
        std::fs::create_dir_all(&dir).map_err(io_at(&dir))?;
        let mut recovery = Recovery { rolled_forward: roll_forward(&dir)?, ..Default::default() };
        let mut objects = BTreeMap::new();
        let mut version = 0;
        for path in files_under(&dir)? {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.ends_with(TMP) {
                std::fs::remove_file(&path).map_err(io_at(&path))?;
                recovery.removed_temp_files += 1;
                continue;
            }
            if !name.ends_with(".json") || name == COMMIT {
                continue;
            }
            let parsed = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| serde_json::from_slice::<Resource>(&bytes).map_err(|e| e.to_string()));
            let r = match parsed {
                Ok(r) if !r.metadata.name.is_empty() => r,
                Ok(_) => {
                    recovery.quarantined.push((quarantine(&path)?, "it names no resource".into()));
                    continue;
                }
                Err(why) => {
                    recovery.quarantined.push((quarantine(&path)?, why));
                    continue;
                }
            };
            let rv = r.metadata.resource_version.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
            version = version.max(rv);
            objects.insert((r.kind.clone(), r.metadata.namespace.clone(), r.metadata.name.clone()), Stored::of(&r));
        }
        // a watcher that falls further behind lists again (see `watch`)
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let store = EmbeddedStore {
            dir,
            inner: Arc::new(Mutex::new(Inner { objects, version })),
            namespaces: Mutex::default(),
            config_maps: Mutex::default(),
            events,
            journal: Mutex::default(),
            #[cfg(test)]
            fail_after: Mutex::new(None),
        };
        Ok((store, recovery))
    }

    fn path(&self, kind: &KindInfo, ns: &str, name: &str) -> PathBuf {
        self.dir.join(kind.plural).join(ns).join(format!("{name}.json"))
    }

    fn path_of(&self, r: &Resource) -> Result<PathBuf> {
        let kind = sagemaker_core::kinds::by_api_version(&r.api_version, &r.kind)
            .ok_or_else(|| StoreError::Invalid(format!("unknown kind {}", r.kind)))?;
        Ok(self.path(kind, &r.metadata.namespace, &r.metadata.name))
    }

    /// Writes `r` to `path` + `.tmp`, flushed to disk.
    fn write_temp(&self, path: &Path, r: &Resource) -> Result<PathBuf> {
        #[cfg(test)]
        if let Some(n) = self.fail_after.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            if *n == 0 {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    source: std::io::Error::from(std::io::ErrorKind::StorageFull),
                });
            }
            *n -= 1;
        }
        let tmp = temp_path(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_at(parent))?;
        }
        let bytes = serde_json::to_vec_pretty(r).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let written = File::create(&tmp).and_then(|mut f| {
            f.write_all(&bytes)?;
            f.sync_all()
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(StoreError::Io { path: path.to_path_buf(), source: e });
        }
        Ok(tmp)
    }

    fn persist(&self, r: &Resource) -> Result<()> {
        let path = self.path_of(r)?;
        let tmp = self.write_temp(&path, r)?;
        std::fs::rename(&tmp, &path).map_err(io_at(&path))?;
        sync_parent(&path)
    }

    /// Writes several resources all or nothing (see the module docs).
    fn persist_all(&self, resources: &[&Resource]) -> Result<()> {
        if let [one] = resources {
            return self.persist(one);
        }
        // an earlier transaction whose renames failed after its commit is
        // finished first: its record must not be overwritten
        roll_forward(&self.dir)?;
        let mut written: Vec<(PathBuf, PathBuf)> = Vec::new();
        let discard = |written: &[(PathBuf, PathBuf)]| {
            for (tmp, _) in written {
                let _ = std::fs::remove_file(tmp);
            }
        };
        for r in resources {
            let path = match self.path_of(r) {
                Ok(p) => p,
                Err(e) => {
                    discard(&written);
                    return Err(e);
                }
            };
            match self.write_temp(&path, r) {
                Ok(tmp) => written.push((tmp, path)),
                Err(e) => {
                    discard(&written);
                    return Err(e);
                }
            }
        }
        // the temp files' directory entries must be on disk before the commit says they are
        for (_, path) in &written {
            if let Err(e) = sync_parent(path) {
                discard(&written);
                return Err(e);
            }
        }
        let record: Vec<String> = written
            .iter()
            .filter_map(|(_, p)| p.strip_prefix(&self.dir).ok().map(|p| p.display().to_string()))
            .collect();
        let commit = self.dir.join(COMMIT);
        let commit_tmp = temp_path(&commit);
        let committed = File::create(&commit_tmp)
            .and_then(|mut f| {
                f.write_all(&serde_json::to_vec(&record).unwrap_or_default())?;
                f.sync_all()
            })
            .and_then(|()| std::fs::rename(&commit_tmp, &commit))
            .and_then(|()| File::open(&self.dir)?.sync_all());
        if let Err(e) = committed {
            let _ = std::fs::remove_file(&commit_tmp);
            let _ = std::fs::remove_file(&commit);
            discard(&written);
            return Err(StoreError::Io { path: commit, source: e });
        }
        // Committed: the apply has happened, whatever fails from here. A
        // failed rename leaves the record, and the next transaction or the
        // next start finishes the job from it.
        if let Err(e) = roll_forward(&self.dir) {
            tracing::error!(error = %e, "an apply committed but its files are not all in place yet; \
                the agent completes it before the next apply and at its next start");
        }
        Ok(())
    }

    fn remove_file(&self, kind: &KindInfo, r: &Resource) -> Result<()> {
        let path = self.path(kind, &r.metadata.namespace, &r.metadata.name);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io { path, source: e }),
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
        let mut r = inner.objects.get(&key).map(Stored::load).ok_or_else(|| not_found(kind, ns, name))?;
        change(&mut r)?;
        r.metadata.resource_version = Some((inner.version + 1).to_string());
        if r.is_deleting() && r.metadata.finalizers.is_empty() {
            self.remove_file(kind, &r)?;
            inner.version += 1;
            inner.objects.remove(&key);
            let _ = self.events.send(Event::Deleted(r.clone()));
        } else {
            self.persist(&r)?;
            inner.version += 1;
            inner.objects.insert(key, Stored::of(&r));
            let _ = self.events.send(Event::Applied(r.clone()));
        }
        Ok(r)
    }

    /// The resource a manifest makes, what applying it does, and whether
    /// anything needs writing. Labels and annotations this manager applied
    /// before and the manifest no longer has are removed, as server-side
    /// apply does; ownership is kept in `metadata.managedFields`.
    fn applied(existing: Option<Resource>, manifest: &Resource) -> (Resource, ApplyOutcome, bool) {
        let Some(old) = existing else {
            let mut r = manifest.clone();
            r.status = Value::Null;
            r.metadata.uid = Some(uid());
            r.metadata.generation = Some(1);
            r.metadata.creation_timestamp = Some(now());
            r.metadata.finalizers.clear();
            r.metadata.deletion_timestamp = None;
            set_owned(&mut r, manifest);
            return (r, ApplyOutcome::Created, true);
        };
        let mut r = old.clone();
        if r.spec != manifest.spec {
            r.metadata.generation = Some(r.metadata.generation.unwrap_or(1) + 1);
        }
        r.spec = manifest.spec.clone();
        for key in owned(&old, "labels") {
            if !manifest.metadata.labels.contains_key(&key) {
                r.metadata.labels.remove(&key);
            }
        }
        for key in owned(&old, "annotations") {
            if !manifest.metadata.annotations.contains_key(&key) {
                r.metadata.annotations.remove(&key);
            }
        }
        r.metadata.labels.extend(manifest.metadata.labels.clone());
        r.metadata.annotations.extend(manifest.metadata.annotations.clone());
        set_owned(&mut r, manifest);
        let result = outcome(Some(&old), &r);
        let write = result != ApplyOutcome::Unchanged || old.metadata.extra != r.metadata.extra;
        (r, result, write)
    }

    /// Applies manifests as one transaction: all are written, or none.
    fn apply_transaction(
        &self,
        manifests: &[(&'static KindInfo, &Resource)],
        dry_run: bool,
    ) -> Result<Vec<(Resource, ApplyOutcome)>> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut results = Vec::with_capacity(manifests.len());
        let mut version = inner.version;
        for (kind, manifest) in manifests {
            let key = (kind.kind.to_string(), manifest.metadata.namespace.clone(), manifest.metadata.name.clone());
            let (mut r, result, write) = Self::applied(inner.objects.get(&key).map(Stored::load), manifest);
            if write && !dry_run {
                version += 1;
                r.metadata.resource_version = Some(version.to_string());
            }
            results.push((r, result, write));
        }
        if dry_run {
            return Ok(results.into_iter().map(|(r, o, _)| (r, o)).collect());
        }
        let changed: Vec<&Resource> = results.iter().filter(|(_, _, write)| *write).map(|(r, _, _)| r).collect();
        if !changed.is_empty() {
            self.persist_all(&changed)?;
        }
        inner.version = version;
        for r in changed {
            inner.objects.insert((r.kind.clone(), r.metadata.namespace.clone(), r.metadata.name.clone()), Stored::of(r));
            let _ = self.events.send(Event::Applied(r.clone()));
        }
        Ok(results.into_iter().map(|(r, o, _)| (r, o)).collect())
    }
}

/// The label or annotation keys ([`APPLY_MANAGER`]'s) applied last, from
/// `metadata.managedFields` in the API server's FieldsV1 form.
fn owned(r: &Resource, field: &str) -> Vec<String> {
    let entries = r.metadata.extra.get("managedFields").and_then(Value::as_array);
    entries
        .into_iter()
        .flatten()
        .filter(|e| e["manager"] == APPLY_MANAGER)
        .filter_map(|e| e["fieldsV1"]["f:metadata"][format!("f:{field}")].as_object())
        .flat_map(|keys| keys.keys().filter_map(|k| k.strip_prefix("f:")).map(str::to_string))
        .collect()
}

/// Records which labels and annotations the manifest applied.
fn set_owned(r: &mut Resource, manifest: &Resource) {
    let keys = |m: &std::collections::BTreeMap<String, String>| -> serde_json::Map<String, Value> {
        m.keys().map(|k| (format!("f:{k}"), serde_json::json!({}))).collect()
    };
    let entry = serde_json::json!({
        "manager": APPLY_MANAGER,
        "operation": "Apply",
        "apiVersion": manifest.api_version,
        "fieldsType": "FieldsV1",
        "fieldsV1": {
            "f:metadata": { "f:labels": keys(&manifest.metadata.labels), "f:annotations": keys(&manifest.metadata.annotations) },
            "f:spec": {},
        },
    });
    r.metadata.extra.insert("managedFields".into(), Value::Array(vec![entry]));
}

fn temp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(TMP);
    PathBuf::from(s)
}

/// Every file below `dir` (kind/namespace/name.json), plus files at its top.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(io_at(&d))? {
            let path = entry.map_err(io_at(&d))?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Finishes a multi-document apply whose commit record was written: each
/// listed temp file is renamed into place. A record that cannot be read is
/// an error, never "no commit": guessing would drop or half-apply a commit.
fn roll_forward(dir: &Path) -> Result<bool> {
    let commit = dir.join(COMMIT);
    let bytes = match std::fs::read(&commit) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(StoreError::Io { path: commit, source: e }),
    };
    let paths: Vec<String> = serde_json::from_slice(&bytes).map_err(|e| StoreError::Io {
        path: commit.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, format!("the commit record is damaged: {e}")),
    })?;
    for p in paths {
        let path = dir.join(p);
        let tmp = temp_path(&path);
        match std::fs::rename(&tmp, &path) {
            Ok(()) => sync_parent(&path)?,
            // renamed already, before a crash or a failure
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && path.exists() => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(file = %path.display(), "a committed file is missing; its resource is not loaded");
            }
            Err(e) => return Err(StoreError::Io { path, source: e }),
        }
    }
    std::fs::remove_file(&commit).map_err(io_at(&commit))?;
    Ok(true)
}

/// Flushes a file's directory entry (a rename is durable only then).
fn sync_parent(path: &Path) -> Result<()> {
    let Some(dir) = path.parent() else { return Ok(()) };
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_at(dir))
}

/// Sets an unreadable file aside as `NAME.corrupt` (numbered if taken).
fn quarantine(path: &Path) -> Result<PathBuf> {
    let mut target = path.with_extension("json.corrupt");
    let mut n = 1;
    while target.exists() {
        target = path.with_extension(format!("json.corrupt.{n}"));
        n += 1;
    }
    std::fs::rename(path, &target).map_err(io_at(path))?;
    Ok(target)
}

/// An exclusive claim on a data directory, held for the life of the agent:
/// two agents on one directory would each see part of the resources and
/// overwrite each other's simulator state.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

/// Why the data directory could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another sagemaker-agent (PID {pid}) is using the data dir {dir}")]
    Held { dir: PathBuf, pid: String },
    #[error("cannot lock the data dir {dir}")]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl DataDirLock {
    /// Takes the lock (`DIR/agent.lock`, holding our PID), or says who holds it.
    pub fn acquire(dir: &Path) -> std::result::Result<Self, LockError> {
        let io = |source| LockError::Io { dir: dir.to_path_buf(), source };
        let path = dir.join("agent.lock");
        let mut file =
            std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let pid = std::fs::read_to_string(&path).unwrap_or_default().trim().to_string();
                let pid = if pid.is_empty() { "unknown".to_string() } else { pid };
                return Err(LockError::Held { dir: dir.to_path_buf(), pid });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(DataDirLock { _file: file })
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
        Ok(inner.objects.get(&(kind.kind.to_string(), ns.to_string(), name.to_string())).map(Stored::load))
    }

    async fn list(&self, kind: &'static KindInfo, ns: Option<&str>) -> Result<Vec<Resource>> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        Ok(inner
            .objects
            .iter()
            .filter(|((k, n, _), _)| k == kind.kind && ns.is_none_or(|ns| ns == n))
            .map(|(_, r)| r.load())
            .collect())
    }

    async fn apply(&self, kind: &'static KindInfo, manifest: &Resource, dry_run: bool) -> Result<(Resource, ApplyOutcome)> {
        let mut results = self.apply_transaction(&[(kind, manifest)], dry_run)?;
        results.pop().ok_or_else(|| StoreError::Invalid("nothing was applied".into()))
    }

    async fn apply_all(
        &self,
        manifests: &[(&'static KindInfo, &Resource)],
    ) -> std::result::Result<Vec<(Resource, ApplyOutcome)>, PartialApply> {
        // one transaction: on failure nothing was written
        self.apply_transaction(manifests, false).map_err(|error| PartialApply { applied: 0, error })
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
        let inner = self.inner.clone();
        let listing = move || -> VecDeque<Event> {
            let inner = inner.lock().unwrap_or_else(|p| p.into_inner());
            let listed = inner.objects.iter().filter(|((k, _, _), _)| k == kind.kind).map(|(_, r)| Event::Listed(r.load()));
            std::iter::once(Event::Relisting).chain(listed).chain(std::iter::once(Event::Synced)).collect()
        };
        let pending = listing();
        // a watcher that fell behind by more than the buffer lists again,
        // as kube-runtime's watcher does after losing its place: it never
        // silently misses a resource
        futures::stream::unfold((rx, pending, listing), move |(mut rx, mut pending, listing)| async move {
            loop {
                if let Some(e) = pending.pop_front() {
                    return Some((e, (rx, pending, listing)));
                }
                match rx.recv().await {
                    Ok(e) if e.resource().is_some_and(|r| r.kind == kind.kind) => return Some((e, (rx, pending, listing))),
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::debug!(missed, kind = kind.kind, "watch fell behind; listing again");
                        pending = listing();
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .boxed()
    }

    fn mode(&self) -> &'static str {
        "standalone"
    }

    async fn namespaces(&self) -> Result<crate::placement::Namespaces> {
        Ok(self.namespaces.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    async fn record(&self, kind: &'static KindInfo, resource: &Resource, note: &super::EventNote) -> Result<()> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let subject = super::journal::subject(kind.kind, resource);
        self.journal.lock().unwrap_or_else(|p| p.into_inner()).record(subject, note, &now);
        Ok(())
    }

    async fn events(&self, kind: &'static KindInfo, resource: &Resource) -> Result<Vec<super::RecordedEvent>> {
        let subject = super::journal::subject(kind.kind, resource);
        Ok(self.journal.lock().unwrap_or_else(|p| p.into_inner()).events(&subject))
    }

    async fn config_map(&self, name: &str) -> Result<BTreeMap<String, String>> {
        let path = match self.config_maps.lock().unwrap_or_else(|p| p.into_inner()).get(name) {
            None => return Ok(BTreeMap::new()),
            Some(RoleMap::Fixed(map)) => return Ok(map.clone()),
            Some(RoleMap::File(path)) => path.clone(),
        };
        let io = |source| StoreError::Io { path: path.clone(), source };
        let text = std::fs::read_to_string(&path).map_err(io)?;
        let map: BTreeMap<String, serde_yaml::Value> = serde_yaml::from_str(&text)
            .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        // a value is a role ARN, or an object with roleARN and externalID
        Ok(map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_yaml::Value::String(s) => s,
                    other => serde_json::to_string(&other).unwrap_or_default(),
                };
                (k, text)
            })
            .collect())
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
    async fn a_watcher_that_falls_behind_lists_again_and_misses_no_resource() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open").0;
        let mut watch = store.watch(&TRAINING_JOB);
        // more changes than the buffer holds, while nobody reads
        let n = EVENT_BUFFER + 50;
        for i in 0..n {
            store.apply(&TRAINING_JOB, &manifest(&format!("j{i}"), json!({})), false).await.expect("apply");
        }
        let mut seen = std::collections::HashSet::new();
        while seen.len() < n {
            let event = tokio::time::timeout(std::time::Duration::from_secs(5), watch.next())
                .await
                .unwrap_or_else(|_| panic!("only {} of {n} resources were seen", seen.len()))
                .expect("event");
            if let Some(r) = event.resource() {
                seen.insert(r.metadata.name.clone());
            }
        }
    }

    #[tokio::test]
    async fn resources_finalizers_and_status_survive_reopening_the_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open").0;
        let (r, outcome) = store.apply(&TRAINING_JOB, &manifest("a", json!({"x": 1})), false).await.expect("apply");
        assert_eq!(outcome, ApplyOutcome::Created);
        let r = store.set_finalizer(&TRAINING_JOB, &r, "f", true).await.expect("finalizer");
        store.write_status(&TRAINING_JOB, &r, json!({"s": "InProgress"})).await.expect("status");
        drop(store);
        let store = EmbeddedStore::open(dir.path()).expect("reopen").0;
        let r = store.get(&TRAINING_JOB, "default", "a").await.expect("get").expect("present");
        assert_eq!(r.metadata.finalizers, ["f"]);
        assert_eq!(r.status, json!({"s": "InProgress"}));
        let (_, again) = store.apply(&TRAINING_JOB, &manifest("a", json!({"x": 1})), false).await.expect("apply");
        assert_eq!(again, ApplyOutcome::Unchanged);
    }

    #[tokio::test]
    async fn a_resource_with_a_finalizer_is_only_marked_deleting_until_the_finalizer_goes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open").0;
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

    fn files(dir: &Path) -> Vec<String> {
        files_under(dir).expect("list").iter().map(|p| p.strip_prefix(dir).expect("under").display().to_string()).collect()
    }

    #[tokio::test]
    async fn a_multi_document_apply_that_hits_a_full_disk_writes_nothing_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open").0;
        let manifests: Vec<Resource> = (0..30).map(|i| manifest(&format!("job-{i}"), json!({"i": i}))).collect();
        let items: Vec<_> = manifests.iter().map(|m| (&TRAINING_JOB, m)).collect();
        // the disk fills up after 9 files
        *store.fail_after.lock().expect("lock") = Some(9);
        let err = store.apply_all(&items).await.expect_err("disk full");
        assert_eq!(err.applied, 0, "one transaction: nothing counts as applied");
        assert!(matches!(&err.error, StoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull));
        assert!(store.list(&TRAINING_JOB, None).await.expect("list").is_empty());
        assert_eq!(files(dir.path()), Vec::<String>::new(), "no file of the failed apply is left");
        // with space again the same apply goes through whole
        *store.fail_after.lock().expect("lock") = None;
        store.apply_all(&items).await.expect("applies");
        drop(store);
        let store = EmbeddedStore::open(dir.path()).expect("reopen").0;
        assert_eq!(store.list(&TRAINING_JOB, None).await.expect("list").len(), 30);
    }

    #[tokio::test]
    async fn an_apply_interrupted_after_its_commit_is_completed_at_start_and_one_before_it_is_discarded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open").0;
        let (a, b) = (manifest("a", json!({})), manifest("b", json!({})));
        store.apply_all(&[(&TRAINING_JOB, &a), (&TRAINING_JOB, &b)]).await.expect("apply");
        let res = dir.path().join("resources");
        let a_path = res.join("trainingjobs/default/a.json");
        let b_path = res.join("trainingjobs/default/b.json");
        // a crash after the commit record, before the renames
        std::fs::rename(&a_path, temp_path(&a_path)).expect("unrename a");
        std::fs::write(res.join(COMMIT), r#"["trainingjobs/default/a.json"]"#).expect("commit record");
        // and a temp file of a write that never committed
        std::fs::write(temp_path(&b_path), b"{half").expect("half-written temp");
        let (store, recovery) = EmbeddedStore::open(dir.path()).expect("reopen");
        assert!(recovery.rolled_forward);
        assert_eq!(recovery.removed_temp_files, 1);
        assert_eq!(store.list(&TRAINING_JOB, None).await.expect("list").len(), 2);
        assert_eq!(files(&res), ["trainingjobs/default/a.json", "trainingjobs/default/b.json"]);
    }

    #[tokio::test]
    async fn a_commit_left_unfinished_is_completed_before_the_next_apply_writes_its_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open").0;
        let (a, b, c, d) = (manifest("a", json!({})), manifest("b", json!({})), manifest("c", json!({})), manifest("d", json!({})));
        store.apply_all(&[(&TRAINING_JOB, &a), (&TRAINING_JOB, &b)]).await.expect("apply");
        // as if a rename after the commit had failed: the record and a temp file remain
        let res = dir.path().join("resources");
        let a_path = res.join("trainingjobs/default/a.json");
        std::fs::rename(&a_path, temp_path(&a_path)).expect("unrename");
        std::fs::write(res.join(COMMIT), r#"["trainingjobs/default/a.json"]"#).expect("record");
        store.apply_all(&[(&TRAINING_JOB, &c), (&TRAINING_JOB, &d)]).await.expect("next apply");
        assert!(a_path.exists(), "the earlier commit was finished, not overwritten");
        assert!(!res.join(COMMIT).exists());
        drop(store);
        let store = EmbeddedStore::open(dir.path()).expect("reopen").0;
        assert_eq!(store.list(&TRAINING_JOB, None).await.expect("list").len(), 4);
    }

    #[test]
    fn a_damaged_commit_record_stops_the_start_instead_of_dropping_the_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let res = dir.path().join("resources");
        std::fs::create_dir_all(&res).expect("dir");
        std::fs::write(res.join(COMMIT), b"[\"trainingjobs/def").expect("record");
        let err = EmbeddedStore::open(dir.path()).err().expect("refused");
        assert!(err.to_string().contains(COMMIT), "{err}");
        assert!(res.join(COMMIT).exists(), "the record is kept for a person to look at");
    }

    #[tokio::test]
    async fn a_corrupt_resource_file_is_quarantined_and_the_rest_are_served() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open").0;
        store.apply(&TRAINING_JOB, &manifest("good", json!({})), false).await.expect("apply");
        store.apply(&TRAINING_JOB, &manifest("bad", json!({})), false).await.expect("apply");
        drop(store);
        let bad = dir.path().join("resources/trainingjobs/default/bad.json");
        std::fs::write(&bad, b"{\"apiVersion\": \"sagemaker.services.k8s.aws/v1al").expect("truncate");
        let (store, recovery) = EmbeddedStore::open(dir.path()).expect("starts despite the bad file");
        assert_eq!(recovery.quarantined.len(), 1);
        assert_eq!(recovery.quarantined[0].0, bad.with_extension("json.corrupt"));
        assert!(bad.with_extension("json.corrupt").exists() && !bad.exists());
        let names: Vec<_> = store.list(&TRAINING_JOB, None).await.expect("list").into_iter().map(|r| r.metadata.name).collect();
        assert_eq!(names, ["good"]);
    }

    #[test]
    fn a_second_agent_on_a_locked_data_dir_is_refused_naming_the_pid_holding_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let held = DataDirLock::acquire(dir.path()).expect("first");
        let err = DataDirLock::acquire(dir.path()).expect_err("second");
        assert!(
            matches!(&err, LockError::Held { pid, .. } if *pid == std::process::id().to_string()),
            "{err:?}"
        );
        drop(held);
        DataDirLock::acquire(dir.path()).expect("free again once the first is gone");
    }

    #[tokio::test]
    async fn a_label_dropped_from_the_manifest_is_removed_and_one_set_by_others_is_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open").0;
        let mut m = manifest("a", json!({}));
        m.metadata.labels.insert("team".into(), "ml".into());
        m.metadata.labels.insert("stage".into(), "dev".into());
        store.apply(&TRAINING_JOB, &m, false).await.expect("apply");
        // someone else (kubectl label) adds one the manifest never had
        store.update(&TRAINING_JOB, "default", "a", |r| {
            r.metadata.labels.insert("owner".into(), "ops".into());
            Ok(())
        }).expect("label");
        m.metadata.labels.remove("stage");
        let (r, outcome) = store.apply(&TRAINING_JOB, &m, false).await.expect("re-apply");
        assert_eq!(outcome, ApplyOutcome::Configured);
        let labels: Vec<_> = r.metadata.labels.keys().map(String::as_str).collect();
        assert_eq!(labels, ["owner", "team"]);
        let (_, again) = store.apply(&TRAINING_JOB, &m, false).await.expect("again");
        assert_eq!(again, ApplyOutcome::Unchanged);
    }

    #[tokio::test]
    async fn a_dry_run_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("open").0;
        let (_, outcome) = store.apply(&TRAINING_JOB, &manifest("a", json!({})), true).await.expect("apply");
        assert_eq!(outcome, ApplyOutcome::Created);
        assert!(store.get(&TRAINING_JOB, "default", "a").await.expect("get").is_none());
    }
}
