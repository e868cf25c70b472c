//! The Kubernetes store: ACK-compatible custom resources on a real API server,
//! written with server-side apply (spec, as the user's field manager), the
//! status subresource (as the agent) and resource-version-guarded finalizer
//! patches.

use async_trait::async_trait;
use futures::{StreamExt, stream::BoxStream};
use kube::{
    Api, Client,
    api::{ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams},
    runtime::{WatchStreamExt, watcher},
};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use sagemaker_core::{KindInfo, Resource};
use serde_json::{Value, json};

use super::{APPLY_MANAGER, ApplyOutcome, Event, Result, Store, StoreError, outcome};

/// Field manager for what the agent itself writes.
pub const AGENT_MANAGER: &str = "sagemaker-agent";

pub struct KubeStore {
    client: Client,
    /// Every namespace, kept by a reflector (one watch): their annotations
    /// carry the defaults of the resources in them.
    namespaces: kube::runtime::reflector::Store<Namespace>,
    /// ACK's CARM ConfigMaps in the agent's namespace, by name, kept
    /// current the same way: edits apply without a restart.
    config_maps: std::collections::HashMap<&'static str, kube::runtime::reflector::Store<ConfigMap>>,
    /// kube-runtime's events.k8s.io recorder: it aggregates repeats into a
    /// series (count, last seen) instead of a new Event each time.
    recorder: kube::runtime::events::Recorder,
    /// `--watch-namespace`: the only namespace whose resources it manages.
    only: Option<String>,
}

/// The name events give as their reporting controller.
pub const REPORTER: &str = "sagemaker-agent";

/// ACK's name for the account-to-role ConfigMap (CARM).
pub const ROLE_ACCOUNT_MAP: &str = "ack-role-account-map";
/// ACK's name for the team-to-role ConfigMap (team-level CARM).
pub const ROLE_TEAM_MAP: &str = "ack-role-team-map";
/// The agent's own settings that change while it runs (`log-level`).
pub const AGENT_CONFIG: &str = "sagemaker-agent";

/// Keeps a reflector store current in the background.
fn reflect<K>(api: Api<K>, config: watcher::Config) -> kube::runtime::reflector::Store<K>
where
    K: kube::Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + Sync + 'static,
    K::DynamicType: Default + Eq + std::hash::Hash + Clone,
{
    let (reader, writer) = kube::runtime::reflector::store();
    let stream = kube::runtime::reflector(writer, watcher(api, config)).default_backoff();
    tokio::spawn(async move {
        futures::pin_mut!(stream);
        while let Some(event) = stream.next().await {
            if let Err(e) = event {
                tracing::warn!(error = %e, "watch error");
            }
        }
    });
    reader
}

fn api_resource(kind: &KindInfo) -> ApiResource {
    ApiResource {
        group: kind.group.into(),
        version: kind.version.into(),
        api_version: kind.api_version(),
        kind: kind.kind.into(),
        plural: kind.plural.into(),
    }
}

fn to_resource(o: DynamicObject) -> Result<Resource> {
    let v = serde_json::to_value(o).map_err(|e| StoreError::Invalid(e.to_string()))?;
    serde_json::from_value(v).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn kube_err(e: kube::Error, what: &str) -> StoreError {
    match &e {
        kube::Error::Api(r) if r.code == 409 => StoreError::Conflict(what.to_string()),
        kube::Error::Api(r) if r.code == 422 || r.code == 400 => StoreError::Invalid(r.message.clone()),
        kube::Error::Api(r) if r.code == 404 && r.message.contains("namespaces") => {
            StoreError::Invalid(r.message.clone())
        }
        _ => StoreError::Kube(e),
    }
}

impl KubeStore {
    /// Connects and checks that every kind's CRD is installed, so a missing
    /// CRD is one clear error at start rather than a stream of failures.
    pub async fn connect(client: Client, kinds: &[&'static KindInfo], agent_namespace: &str) -> Result<Self> {
        for kind in kinds {
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &api_resource(kind));
            match api.list(&ListParams::default().limit(1)).await {
                Ok(_) => {}
                Err(kube::Error::Api(r)) if r.code == 404 => {
                    return Err(StoreError::MissingCrd(format!("{}.{}", kind.plural, kind.group)));
                }
                Err(e) => return Err(StoreError::Kube(e)),
            }
        }
        let namespaces = reflect(Api::<Namespace>::all(client.clone()), watcher::Config::default());
        let config_maps = [ROLE_ACCOUNT_MAP, ROLE_TEAM_MAP, AGENT_CONFIG]
            .into_iter()
            .map(|name| {
                let api = Api::<ConfigMap>::namespaced(client.clone(), agent_namespace);
                (name, reflect(api, watcher::Config::default().fields(&format!("metadata.name={name}"))))
            })
            .collect();
        // several replicas: each says which one it is (the pod's name)
        let instance = std::env::var("POD_NAME").or_else(|_| std::env::var("HOSTNAME")).ok();
        let recorder = kube::runtime::events::Recorder::new(client.clone(), kube::runtime::events::Reporter { controller: REPORTER.into(), instance });
        Ok(KubeStore { client, namespaces, config_maps, recorder, only: None })
    }

    /// Manages the resources of `namespace` only (ACK's `--watch-namespace`):
    /// lists and watches stay in it, and applies elsewhere are refused.
    pub fn watching(mut self, namespace: Option<String>) -> Self {
        self.only = namespace;
        self
    }

    fn api(&self, kind: &KindInfo, ns: Option<&str>) -> Api<DynamicObject> {
        let ar = api_resource(kind);
        match ns.or(self.only.as_deref()) {
            Some(ns) if !kind.cluster_scoped => Api::namespaced_with(self.client.clone(), ns, &ar),
            _ => Api::all_with(self.client.clone(), &ar),
        }
    }
}

#[async_trait]
impl Store for KubeStore {
    async fn get(&self, kind: &'static KindInfo, ns: &str, name: &str) -> Result<Option<Resource>> {
        let o = self.api(kind, Some(ns)).get_opt(name).await.map_err(|e| kube_err(e, name))?;
        o.map(to_resource).transpose()
    }

    async fn list(&self, kind: &'static KindInfo, ns: Option<&str>) -> Result<Vec<Resource>> {
        let list = self.api(kind, ns).list(&ListParams::default()).await.map_err(|e| kube_err(e, kind.plural))?;
        list.items.into_iter().map(to_resource).collect()
    }

    async fn apply(&self, kind: &'static KindInfo, manifest: &Resource, dry_run: bool) -> Result<(Resource, ApplyOutcome)> {
        let ns = &manifest.metadata.namespace;
        if let Some(only) = self.only.as_deref().filter(|only| !kind.cluster_scoped && only != ns) {
            return Err(StoreError::Invalid(format!(
                "this agent manages namespace {only} only (--watch-namespace): {} {ns}/{} is in another one",
                kind.kind, manifest.metadata.name
            )));
        }
        let name = &manifest.metadata.name;
        let api = self.api(kind, Some(ns));
        let existing = api.get_opt(name).await.map_err(|e| kube_err(e, name))?.map(to_resource).transpose()?;
        // always sent, even when nothing seems to change: the API server drops
        // labels and annotations this manager applied before and the
        // manifest no longer has (server-side apply field ownership)
        // only what the user owns: never status, never server-managed metadata
        let mut metadata = json!({ "name": name });
        if !kind.cluster_scoped {
            metadata["namespace"] = json!(ns);
        }
        if !manifest.metadata.labels.is_empty() {
            metadata["labels"] = json!(manifest.metadata.labels);
        }
        if !manifest.metadata.annotations.is_empty() {
            metadata["annotations"] = json!(manifest.metadata.annotations);
        }
        let body = json!({
            "apiVersion": kind.api_version(),
            "kind": kind.kind,
            "metadata": metadata,
            "spec": manifest.spec,
        });
        let mut params = PatchParams::apply(APPLY_MANAGER).force();
        params.dry_run = dry_run;
        let o = to_resource(api.patch(name, &params, &Patch::Apply(&body)).await.map_err(|e| kube_err(e, name))?)?;
        let result = outcome(existing.as_ref(), &o);
        Ok((o, result))
    }

    async fn write_status(&self, kind: &'static KindInfo, resource: &Resource, status: Value) -> Result<Resource> {
        let mut status = status;
        // a merge patch keeps keys it does not mention: null out the ones we dropped
        if let (Some(old), Some(new)) = (resource.status.as_object(), status.as_object_mut()) {
            for key in old.keys() {
                if !new.contains_key(key) {
                    new.insert(key.clone(), Value::Null);
                }
            }
        }
        let api = self.api(kind, Some(&resource.metadata.namespace));
        let params = PatchParams { field_manager: Some(AGENT_MANAGER.into()), ..Default::default() };
        let body = json!({ "status": status });
        let o = api.patch_status(&resource.metadata.name, &params, &Patch::Merge(&body)).await.map_err(|e| {
            tracing::debug!(%body, "status patch refused");
            kube_err(e, &resource.key())
        })?;
        to_resource(o)
    }

    async fn set_finalizer(&self, kind: &'static KindInfo, resource: &Resource, finalizer: &str, present: bool) -> Result<Resource> {
        let mut finalizers: Vec<String> =
            resource.metadata.finalizers.iter().filter(|f| *f != finalizer).cloned().collect();
        if present {
            finalizers.push(finalizer.to_string());
        }
        // the resource version makes this fail with 409 instead of dropping
        // a finalizer someone else added meanwhile
        let patch = json!({ "metadata": {
            "finalizers": finalizers,
            "resourceVersion": resource.metadata.resource_version,
        }});
        let api = self.api(kind, Some(&resource.metadata.namespace));
        let params = PatchParams { field_manager: Some(AGENT_MANAGER.into()), ..Default::default() };
        let o = api
            .patch(&resource.metadata.name, &params, &Patch::Merge(patch))
            .await
            .map_err(|e| kube_err(e, &resource.key()))?;
        to_resource(o)
    }

    async fn annotate(&self, kind: &'static KindInfo, ns: &str, name: &str, key: &str, value: &str) -> Result<Resource> {
        let api = self.api(kind, Some(ns));
        let params = PatchParams { field_manager: Some(AGENT_MANAGER.into()), ..Default::default() };
        let patch = json!({ "metadata": { "annotations": { key: value } } });
        let o = api.patch(name, &params, &Patch::Merge(patch)).await.map_err(|e| kube_err(e, name))?;
        to_resource(o)
    }

    async fn delete(&self, kind: &'static KindInfo, ns: &str, name: &str) -> Result<Option<Resource>> {
        let api = self.api(kind, Some(ns));
        // without finalizers the API server deletes at once and answers with
        // a Status, not the object: read it first, to say what was deleted
        let before = match api.get_opt(name).await {
            Ok(Some(o)) => o,
            Ok(None) => return Ok(None),
            Err(e) => return Err(kube_err(e, name)),
        };
        match api.delete(name, &DeleteParams::default()).await {
            Ok(either) => match either {
                either::Either::Left(o) => Ok(Some(to_resource(o)?)),
                either::Either::Right(_) => Ok(Some(to_resource(before)?)),
            },
            Err(kube::Error::Api(r)) if r.code == 404 => Ok(None),
            Err(e) => Err(kube_err(e, name)),
        }
    }

    fn watch(&self, kind: &'static KindInfo) -> BoxStream<'static, Event> {
        let api = self.api(kind, None);
        watcher(api, watcher::Config::default())
            // back off on errors instead of re-listing in a tight loop
            .default_backoff()
            .filter_map(|e| async move {
                match e {
                    Ok(watcher::Event::Apply(o)) => to_resource(o).ok().map(Event::Applied),
                    Ok(watcher::Event::Delete(o)) => to_resource(o).ok().map(Event::Deleted),
                    Ok(watcher::Event::Init) => Some(Event::Relisting),
                    Ok(watcher::Event::InitApply(o)) => to_resource(o).ok().map(Event::Listed),
                    Ok(watcher::Event::InitDone) => Some(Event::Synced),
                    Err(e) => {
                        tracing::warn!(error = %e, "watch error");
                        None
                    }
                }
            })
            .boxed()
    }

    async fn namespaces(&self) -> Result<crate::placement::Namespaces> {
        // the first listing, then what the watch keeps current
        let _ = super::cache::until_ready(&self.namespaces).await;
        Ok(self
            .namespaces
            .state()
            .iter()
            .filter_map(|n| {
                let meta = crate::placement::NamespaceMeta {
                    annotations: n.metadata.annotations.clone().unwrap_or_default().into_iter().collect(),
                    labels: n.metadata.labels.clone().unwrap_or_default().into_iter().collect(),
                };
                Some((n.metadata.name.clone()?, meta))
            })
            .collect())
    }

    async fn config_map(&self, name: &str) -> Result<std::collections::BTreeMap<String, String>> {
        let Some(reader) = self.config_maps.get(name) else { return Ok(Default::default()) };
        let _ = super::cache::until_ready(reader).await;
        Ok(reader.state().first().and_then(|c| c.data.clone()).unwrap_or_default().into_iter().collect())
    }

    async fn record(&self, kind: &'static KindInfo, resource: &Resource, note: &super::EventNote) -> Result<()> {
        use kube::runtime::events::{Event as KubeEvent, EventType};
        let reference = k8s_openapi::api::core::v1::ObjectReference {
            api_version: Some(kind.api_version()),
            kind: Some(kind.kind.into()),
            name: Some(resource.metadata.name.clone()),
            namespace: (!kind.cluster_scoped).then(|| resource.metadata.namespace.clone()),
            uid: resource.metadata.uid.clone(),
            ..Default::default()
        };
        let event = KubeEvent {
            type_: if note.warning { EventType::Warning } else { EventType::Normal },
            reason: note.reason.clone(),
            // the API server refuses a note over 1 kB
            note: Some(note.message.chars().take(1000).collect()),
            action: note.action.clone(),
            secondary: None,
        };
        self.recorder.publish(&event, &reference).await.map_err(|e| kube_err(e, "event"))
    }

    async fn events(&self, kind: &'static KindInfo, resource: &Resource) -> Result<Vec<super::RecordedEvent>> {
        use k8s_openapi::api::events::v1::Event as KubeEvent;
        let Some(uid) = &resource.metadata.uid else { return Ok(Vec::new()) };
        let ns = if kind.cluster_scoped { "default" } else { resource.metadata.namespace.as_str() };
        let api = Api::<KubeEvent>::namespaced(self.client.clone(), ns);
        let listed = api.list(&ListParams::default().fields(&format!("regarding.uid={uid}"))).await.map_err(|e| kube_err(e, "events"))?;
        let time = |t: Option<Value>| t.and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let mut events: Vec<super::RecordedEvent> = listed
            .items
            .into_iter()
            .map(|e| {
                let first = time(e.event_time.as_ref().and_then(|t| serde_json::to_value(t).ok()));
                let last = e.series.as_ref().and_then(|s| serde_json::to_value(&s.last_observed_time).ok());
                super::RecordedEvent {
                    note: super::EventNote {
                        warning: e.type_.as_deref() == Some("Warning"),
                        reason: e.reason.unwrap_or_default(),
                        action: e.action.unwrap_or_default(),
                        message: e.note.unwrap_or_default(),
                    },
                    count: e.series.as_ref().map_or(1, |s| s.count.max(1) as u32),
                    last: last.map_or_else(|| first.clone(), |l| time(Some(l))),
                    first,
                    reporter: e.reporting_instance.or(e.reporting_controller).unwrap_or_default(),
                }
            })
            .collect();
        events.sort_by(|a, b| a.last.cmp(&b.last));
        Ok(events)
    }

    fn mode(&self) -> &'static str {
        "kubernetes"
    }
}
