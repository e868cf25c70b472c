//! The gRPC API the plugin talks to. Handlers are thin: look the kind up,
//! validate, call the store, convert; all behaviour lives in `apply`, the
//! store and the engine.

use std::{collections::HashSet, sync::Arc};

use serde_json::Value;

use futures::{StreamExt, stream::BoxStream};
use sagemaker_core::{KindInfo, Resource, kinds, selector::Selector};
use sagemaker_proto::v1::{
    self as pb, ApplyOutcome as PbOutcome, EventType,
    agent_server::{Agent, AgentServer},
};
use tonic::{Request, Response, Status};

use crate::{
    apply::{self, Validated},
    aws::Aws,
    error::Error,
    rbac::{Access, Caller, KubeAuth},
    store::{ApplyOutcome, Event, Store},
};

/// What `Info` reports besides counters.
#[derive(Debug, Clone)]
pub struct AgentInfo {
    pub default_region: String,
    pub account: String,
    /// `--session-tags`, for the sessions adoption reads AWS in.
    pub session_tags: crate::placement::SessionTags,
    /// How long `logs -f` keeps reading after a job ends (its last lines
    /// land late).
    pub logs_settle: std::time::Duration,
}

pub struct AgentService {
    store: Arc<dyn Store>,
    aws: Arc<Aws>,
    info: AgentInfo,
    /// Kubernetes mode: every call authenticated and authorized as its
    /// caller. `None` standalone, where the token file (if any) is checked
    /// in front of every method instead.
    rbac: Option<Arc<KubeAuth>>,
    /// The last `Check` answer and when it was made.
    checked: tokio::sync::Mutex<Option<Checked>>,
}

/// A `Check` answer: when, for which roles, and what it found.
type Checked = (tokio::time::Instant, Vec<String>, Vec<pb::AwsCheck>);

/// How long a `Check` answer is reused.
const CHECK_TTL: std::time::Duration = std::time::Duration::from_secs(60);

impl AgentService {
    /// What applies where a resource says nothing (no deletion policy: the
    /// API only places resources).
    async fn defaults(&self) -> Result<crate::placement::Defaults, Status> {
        let mut d = crate::placement::Defaults::load(&*self.store, &self.info.default_region, &self.info.account, "delete")
            .await
            .map_err(status)?;
        d.session_tags = self.info.session_tags;
        Ok(d)
    }

    pub fn new(store: Arc<dyn Store>, aws: Arc<Aws>, info: AgentInfo, rbac: Option<Arc<KubeAuth>>) -> AgentServer<Self> {
        AgentServer::new(AgentService { store, aws, info, rbac, checked: Default::default() })
            .max_decoding_message_size(sagemaker_core::wire::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(sagemaker_core::wire::MAX_MESSAGE_BYTES)
    }
}

impl AgentService {
    /// Who calls: in Kubernetes mode the user the API server says the
    /// bearer token belongs to (UNAUTHENTICATED otherwise).
    async fn caller<T>(&self, request: &Request<T>) -> Result<Option<Caller>, Status> {
        match &self.rbac {
            Some(rbac) => rbac.authenticate(request).await.map(Some),
            // acting as someone else must never quietly act with the caller's own rights
            None if request.metadata().contains_key(sagemaker_core::wire::IMPERSONATE_USER)
                || request.metadata().contains_key(sagemaker_core::wire::IMPERSONATE_GROUP) =>
            {
                Err(Status::invalid_argument(
                    "this agent has no Kubernetes users to impersonate (standalone): drop --as and --as-group",
                ))
            }
            None => Ok(None),
        }
    }

    /// Whether the caller may `verb` resources of `kind` in `namespace`
    /// (`None`: every namespace), as the API server decides it.
    async fn allow(&self, caller: &Option<Caller>, verb: &'static str, kind: &KindInfo, namespace: Option<&str>) -> Result<(), Status> {
        match (&self.rbac, caller) {
            (Some(rbac), Some(caller)) => rbac.authorize(caller, Access::to(verb, kind, namespace)).await,
            (Some(_), None) => Err(Status::unauthenticated("no caller")),
            (None, _) => Ok(()),
        }
    }
}

impl AgentService {
    /// Runs a handler, counting the call by method and outcome (a stream
    /// counts once, as it opens).
    async fn metered<T>(&self, method: &'static str, handler: impl Future<Output = Result<T, Status>>) -> Result<T, Status> {
        let result = handler.await;
        self.aws.metrics().grpc(method, result.as_ref().map_or_else(Status::code, |_| tonic::Code::Ok));
        result
    }
}

/// The caller's name for the log of what they changed: `alice`, or
/// `alice (impersonated by bob)`.
fn who(caller: &Option<Caller>) -> String {
    match caller {
        Some(Caller { user, impersonated_by: Some(by), .. }) => format!("{user} (impersonated by {by})"),
        Some(caller) => caller.user.clone(),
        None => "-".into(),
    }
}

type WatchStream = BoxStream<'static, Result<pb::WatchEvent, Status>>;
type LogsStream = BoxStream<'static, Result<pb::LogsMessage, Status>>;

fn kind(name: &str) -> Result<&'static KindInfo, Status> {
    kinds::find(name).ok_or_else(|| {
        let known: Vec<_> = kinds::KINDS.iter().map(|k| k.plural).collect();
        Error::Invalid {
            source_: None,
            field: None,
            message: format!("unknown kind {name:?}"),
            hint: Some(format!("known kinds: {}", known.join(", "))),
        }
        .to_status()
    })
}

/// A request's label selector (empty selects everything).
fn selector(text: &str) -> Result<Selector, Status> {
    Selector::parse(text).map_err(|e| {
        Error::Invalid {
            source_: None,
            field: Some("labelSelector".into()),
            message: e.to_string(),
            hint: Some("selectors look like team=ml,stage!=dev,env in (prod,staging),!legacy".into()),
        }
        .to_status()
    })
}

fn to_pb(r: &Resource) -> pb::Resource {
    pb::Resource { json: r.to_json().to_string() }
}

fn reference(kind: &KindInfo, r: &Resource) -> pb::ResourceRef {
    pb::ResourceRef {
        kind: kind.kind.into(),
        namespace: r.metadata.namespace.clone(),
        name: r.metadata.name.clone(),
        qualified_kind: kind.qualified(),
    }
}

fn status(e: impl Into<Error>) -> Status {
    e.into().to_status()
}

#[tonic::async_trait]
impl Agent for AgentService {
    async fn apply(&self, request: Request<pb::ApplyRequest>) -> Result<Response<pb::ApplyResponse>, Status> {
        self.metered("Apply", async {
            let caller = self.caller(&request).await?;
            self.apply_as(&caller, request.into_inner()).await
        })
        .await
    }

    async fn get(&self, request: Request<pb::GetRequest>) -> Result<Response<pb::Resource>, Status> {
        self.metered("Get", async {
            let caller = self.caller(&request).await?;
            self.get_as(&caller, request.into_inner()).await
        })
        .await
    }

    async fn list(&self, request: Request<pb::ListRequest>) -> Result<Response<pb::ListResponse>, Status> {
        self.metered("List", async {
            let caller = self.caller(&request).await?;
            self.list_as(&caller, request.into_inner()).await
        })
        .await
    }

    type WatchStream = WatchStream;

    async fn watch(&self, request: Request<pb::WatchRequest>) -> Result<Response<Self::WatchStream>, Status> {
        self.metered("Watch", async {
            let caller = self.caller(&request).await?;
            self.watch_as(&caller, request.into_inner()).await
        })
        .await
    }

    async fn delete(&self, request: Request<pb::DeleteRequest>) -> Result<Response<pb::DeleteResponse>, Status> {
        self.metered("Delete", async {
            let caller = self.caller(&request).await?;
            self.delete_as(&caller, request.into_inner()).await
        })
        .await
    }

    async fn stop(&self, request: Request<pb::StopRequest>) -> Result<Response<pb::StopResponse>, Status> {
        self.metered("Stop", async {
            let caller = self.caller(&request).await?;
            self.stop_as(&caller, request.into_inner()).await
        })
        .await
    }

    async fn adopt(&self, request: Request<pb::AdoptRequest>) -> Result<Response<pb::AdoptResponse>, Status> {
        self.metered("Adopt", async {
            let caller = self.caller(&request).await?;
            self.adopt_as(&caller, request.into_inner()).await
        })
        .await
    }

    type LogsStream = LogsStream;

    async fn logs(&self, request: Request<pb::LogsRequest>) -> Result<Response<Self::LogsStream>, Status> {
        self.metered("Logs", async {
            let caller = self.caller(&request).await?;
            self.logs_as(&caller, request.into_inner()).await
        })
        .await
    }

    async fn events(&self, request: Request<pb::GetRequest>) -> Result<Response<pb::EventsResponse>, Status> {
        self.metered("Events", async {
            let caller = self.caller(&request).await?;
            self.events_as(&caller, request.into_inner()).await
        })
        .await
    }

    async fn children(&self, request: Request<pb::GetRequest>) -> Result<Response<pb::ChildrenResponse>, Status> {
        self.metered("Children", async {
            let caller = self.caller(&request).await?;
            self.children_as(&caller, request.into_inner()).await
        })
        .await
    }

    async fn check(&self, request: Request<pb::CheckRequest>) -> Result<Response<pb::CheckResponse>, Status> {
        self.metered("Check", async {
            // for whoever may use the agent in a namespace
            let caller = self.caller(&request).await?;
            let ns = if request.get_ref().namespace.is_empty() { "default" } else { request.get_ref().namespace.as_str() };
            // any kind will do: whoever may list some kind there uses the agent there
            let mut refused = None;
            for k in kinds::KINDS {
                match self.allow(&caller, "list", k, Some(ns)).await {
                    Ok(()) => {
                        refused = None;
                        break;
                    }
                    Err(e) => refused = Some(e),
                }
            }
            if let Some(e) = refused {
                return Err(e);
            }
            let defaults = self.defaults().await?;
            // one check at a time, and its answer kept a while (for the same roles)
            let roles: Vec<String> = defaults.roles().iter().map(|r| format!("{} {:?}", r.arn, r.external_id)).collect();
            let mut checked = self.checked.lock().await;
            if let Some((at, same, aws)) = checked.as_ref()
                && at.elapsed() < CHECK_TTL
                && *same == roles
            {
                return Ok(Response::new(pb::CheckResponse { aws: aws.clone() }));
            }
            let own = crate::aws::Target { account: self.info.account.clone(), region: self.info.default_region.clone(), ..Default::default() };
            let mut targets = vec![(own, String::new())];
            for role in defaults.roles() {
                let target = crate::aws::Target {
                    account: crate::placement::Defaults::account_of_role(&role.arn).to_string(),
                    region: self.info.default_region.clone(),
                    role_arn: Some(role.arn.clone()),
                    external_id: role.external_id.clone(),
                    ..Default::default()
                };
                targets.push((target, role.chosen_by.clone()));
            }
            let checks = targets.into_iter().map(|(target, chosen_by)| async move {
                let result = self.aws.identity(&target).await;
                let (ok, identity, error, hint) = match result {
                    Ok(arn) => (true, arn, String::new(), String::new()),
                    Err(e) => {
                        let hint = match (&target.role_arn, e.class()) {
                            (Some(role), crate::aws::ErrorClass::AccessDenied) => format!(
                                "let the agent assume {role}: its trust policy must allow the agent's own role (sts:AssumeRole{})",
                                if target.external_id.is_some() { ", with the ExternalId the map gives" } else { "" }
                            ),
                            (None, crate::aws::ErrorClass::AccessDenied) => "give the agent AWS credentials: IRSA (`kubectl sagemaker install --role-arn ARN --apply`) or EKS Pod Identity".into(),
                            _ => String::new(),
                        };
                        (false, String::new(), e.to_string(), hint)
                    }
                };
                pb::AwsCheck {
                    account: target.account.clone(),
                    region: target.region.clone(),
                    role_arn: target.role_arn.clone().unwrap_or_default(),
                    chosen_by,
                    ok,
                    identity,
                    error,
                    hint,
                }
            });
            let aws = futures::future::join_all(checks).await;
            *checked = Some((tokio::time::Instant::now(), roles, aws.clone()));
            Ok(Response::new(pb::CheckResponse { aws }))
        })
        .await
    }

    async fn info(&self, request: Request<pb::InfoRequest>) -> Result<Response<pb::InfoResponse>, Status> {
        self.metered("Info", async {
            self.caller(&request).await?;
            let mut info = self.info_now()?;
            // best effort: the accounts are a courtesy, and Info must answer even when the store cannot
            if let Ok(defaults) = self.defaults().await {
                info.get_mut().mapped_accounts = defaults.mapped_accounts();
            }
            Ok(info)
        })
        .await
    }
}

/// The handlers, for an authenticated caller (each checks what it touches).
impl AgentService {
    /// A question about one stored resource, asked anew each time (false
    /// while the store does not answer).
    fn judge(
        &self,
        k: &'static KindInfo,
        ns: &str,
        name: &str,
        test: impl Fn(Option<&Resource>) -> bool + Copy + Send + Sync + 'static,
    ) -> crate::logs::Ended {
        let (store, ns, name) = (self.store.clone(), ns.to_string(), name.to_string());
        Arc::new(move || {
            let (store, ns, name) = (store.clone(), ns.clone(), name.clone());
            Box::pin(async move { store.get(k, &ns, &name).await.is_ok_and(|r| test(r.as_ref())) })
        })
    }

    /// One stored resource, or NOT_FOUND naming it.
    async fn resource(&self, k: &'static KindInfo, ns: &str, name: &str) -> Result<Resource, Status> {
        match self.store.get(k, ns, name).await.map_err(status)? {
            Some(res) => Ok(res),
            None => Err(status(Error::NotFound(format!("{} \"{name}\" not found in namespace {ns}", k.qualified())))),
        }
    }

    async fn apply_as(&self, caller: &Option<Caller>, req: pb::ApplyRequest) -> Result<Response<pb::ApplyResponse>, Status> {
        let namespace = if req.default_namespace.is_empty() { "default" } else { &req.default_namespace };
        // validate everything first: a request applies all manifests or none
        let mut validated: Vec<Validated> = Vec::new();
        let defaults = self.defaults().await?;
        let mut claims: std::collections::HashMap<&str, Vec<Resource>> = std::collections::HashMap::new();
        for m in &req.manifests {
            let v = apply::validate(&m.source, &m.json, namespace).map_err(status)?;
            if let Some(dup) = validated.iter().find(|o| o.kind.info == v.kind.info && o.resource.key() == v.resource.key()) {
                return Err(status(Error::invalid(
                    &v.source,
                    Some("metadata.name"),
                    format!("{} and {} both define {} {}", dup.source, v.source, v.kind.info.kind, v.resource.key()),
                    None,
                )));
            }
            let existing =
                self.store.get(v.kind.info, &v.resource.metadata.namespace, &v.resource.metadata.name).await.map_err(status)?;
            let verb = if existing.is_some() { "patch" } else { "create" };
            self.allow(caller, verb, v.kind.info, Some(&v.resource.metadata.namespace)).await?;
            if let Some(existing) = existing {
                apply::check_update(&v, &existing).map_err(status)?;
            }
            // one AWS resource, one owner: in the store, or earlier in this request
            if !claims.contains_key(v.kind.info.kind) {
                claims.insert(v.kind.info.kind, self.store.list(v.kind.info, None).await.map_err(status)?);
            }
            let others = claims.get_mut(v.kind.info.kind).expect("listed above");
            apply::check_unique(&v, others, &defaults).map_err(status)?;
            others.push(v.resource.clone());
            validated.push(v);
        }
        // then a server-side dry run of each (the API server checks the CRD
        // schema too); a dry-run request stops there and reports it
        let mut outcomes = Vec::new();
        for v in &validated {
            let dry = self.store.apply(v.kind.info, &v.resource, true).await.map_err(|e| {
                let mut s = status(e);
                if let Ok(src) = sagemaker_core::wire::ascii(&v.source).parse() {
                    s.metadata_mut().insert(sagemaker_core::wire::SOURCE, src);
                }
                s
            })?;
            outcomes.push(dry);
        }
        if !req.dry_run {
            for v in &validated {
                tracing::info!(user = %who(caller), resource = %v.resource.key(), kind = v.kind.info.kind, "apply");
            }
            let manifests: Vec<_> = validated.iter().map(|v| (v.kind.info, &v.resource)).collect();
            outcomes = self.store.apply_all(&manifests).await.map_err(|p| {
                let failed = validated.get(p.applied).map(|v| v.source.clone()).unwrap_or_default();
                if p.applied == 0 {
                    let mut s = status(p.error);
                    if let Ok(src) = sagemaker_core::wire::ascii(&failed).parse() {
                        s.metadata_mut().insert(sagemaker_core::wire::SOURCE, src);
                    }
                    return s;
                }
                let written: Vec<&str> = validated[..p.applied].iter().map(|v| v.source.as_str()).collect();
                status(Error::PartialApply(Box::new(crate::error::PartialApplyError {
                    applied: p.applied,
                    total: validated.len(),
                    written: written.join(", "),
                    failed,
                    source: p.error,
                })))
            })?;
        }
        let results = validated
            .iter()
            .zip(outcomes)
            .map(|(v, (stored, outcome))| {
                let outcome = match outcome {
                    ApplyOutcome::Created => PbOutcome::Created,
                    ApplyOutcome::Configured => PbOutcome::Configured,
                    ApplyOutcome::Unchanged => PbOutcome::Unchanged,
                };
                pb::ApplyResult {
                    r#ref: Some(reference(v.kind.info, &stored)),
                    outcome: outcome as i32,
                    resource: Some(to_pb(&stored)),
                }
            })
            .collect();
        Ok(Response::new(pb::ApplyResponse { results }))
    }

    async fn get_as(&self, caller: &Option<Caller>, req: pb::GetRequest) -> Result<Response<pb::Resource>, Status> {
        let r = req.r#ref.unwrap_or_default();
        let k = kind(&r.kind)?;
        let ns = if r.namespace.is_empty() { "default" } else { &r.namespace };
        self.allow(caller, "get", k, Some(ns)).await?;
        Ok(Response::new(to_pb(&self.resource(k, ns, &r.name).await?)))
    }

    async fn list_as(&self, caller: &Option<Caller>, r: pb::ListRequest) -> Result<Response<pb::ListResponse>, Status> {
        let k = kind(&r.kind)?;
        let ns = if r.all_namespaces { None } else { Some(if r.namespace.is_empty() { "default" } else { r.namespace.as_str() }) };
        self.allow(caller, "list", k, ns).await?;
        let selector = selector(&r.label_selector)?;
        let items = self.store.list(k, ns).await.map_err(status)?;
        let items = items.iter().filter(|i| selector.matches(&i.metadata.labels)).map(to_pb).collect();
        Ok(Response::new(pb::ListResponse { items }))
    }

    async fn watch_as(&self, caller: &Option<Caller>, r: pb::WatchRequest) -> Result<Response<WatchStream>, Status> {
        let k = kind(&r.kind)?;
        let ns = if r.namespace.is_empty() { "default".to_string() } else { r.namespace };
        self.allow(caller, "watch", k, (!r.all_namespaces).then_some(ns.as_str())).await?;
        let (all, name) = (r.all_namespaces, r.name);
        let selector = selector(&r.label_selector)?;
        let mut seen = HashSet::new();
        let stream = self
            .store
            .watch(k)
            .filter_map(move |e| {
                let Some(r) = e.resource() else { return std::future::ready(None) };
                let m = &r.metadata;
                let deleted = matches!(e, Event::Deleted(_));
                // a deletion is passed on even if labels changed on the way out
                let wanted = (all || m.namespace == ns)
                    && (name.is_empty() || m.name == name)
                    && (deleted || selector.matches(&m.labels));
                if !wanted {
                    return std::future::ready(None);
                }
                let key = r.key();
                let type_ = if deleted {
                    seen.remove(&key);
                    EventType::Deleted
                } else if seen.insert(key) {
                    EventType::Added
                } else {
                    EventType::Modified
                };
                std::future::ready(Some(Ok(pb::WatchEvent { r#type: type_ as i32, resource: Some(to_pb(r)) })))
            })
            .boxed();
        Ok(Response::new(stream))
    }

    async fn delete_as(&self, caller: &Option<Caller>, req: pb::DeleteRequest) -> Result<Response<pb::DeleteResponse>, Status> {
        let r = req.r#ref.unwrap_or_default();
        let k = kind(&r.kind)?;
        let ns = if r.namespace.is_empty() { "default" } else { &r.namespace };
        self.allow(caller, "delete", k, Some(ns)).await?;
        if req.retain {
            // the annotation it sets on the way out is a change too
            self.allow(caller, "patch", k, Some(ns)).await?;
        }
        tracing::info!(user = %who(caller), resource = %format!("{ns}/{}", r.name), kind = k.kind, retain = req.retain, "delete");
        let not_found = || status(Error::NotFound(format!("{} \"{}\" not found in namespace {ns}", k.qualified(), r.name)));
        if req.retain {
            use sagemaker_core::ack::{ANNOTATION_DELETION_POLICY, DELETION_POLICY_RETAIN};
            match self.store.annotate(k, ns, &r.name, ANNOTATION_DELETION_POLICY, DELETION_POLICY_RETAIN).await {
                Ok(_) => {}
                Err(crate::store::StoreError::NotFound { .. }) => return Err(not_found()),
                Err(e) => return Err(status(e)),
            }
        }
        let Some(res) = self.store.delete(k, ns, &r.name).await.map_err(status)? else { return Err(not_found()) };
        let finalizing = !res.metadata.finalizers.is_empty();
        Ok(Response::new(pb::DeleteResponse { resource: Some(to_pb(&res)), finalizing }))
    }

    async fn stop_as(&self, caller: &Option<Caller>, req: pb::StopRequest) -> Result<Response<pb::StopResponse>, Status> {
        let r = req.r#ref.unwrap_or_default();
        let k = kind(&r.kind)?;
        let ns = if r.namespace.is_empty() { "default" } else { &r.namespace };
        self.allow(caller, "patch", k, Some(ns)).await?;
        tracing::info!(user = %who(caller), resource = %format!("{ns}/{}", r.name), kind = k.kind, "stop");
        if !k.is_job() {
            return Err(status(Error::invalid(
                &format!("{}/{}", k.qualified(), r.name),
                None,
                format!("a {} is not a job and cannot be stopped", k.kind),
                Some(format!("`kubectl sagemaker delete {} {}` deletes it (in AWS too)", k.plural, r.name)),
            )));
        }
        let not_found = || status(Error::NotFound(format!("{} \"{}\" not found in namespace {ns}", k.qualified(), r.name)));
        let Some(current) = self.store.get(k, ns, &r.name).await.map_err(status)? else { return Err(not_found()) };
        let ended = k.has_ended(&current);
        let res = match self.store.annotate(k, ns, &r.name, sagemaker_core::ack::ANNOTATION_STOP, "true").await {
            Ok(res) => res,
            Err(crate::store::StoreError::NotFound { .. }) => return Err(not_found()),
            Err(e) => return Err(status(e)),
        };
        Ok(Response::new(pb::StopResponse { resource: Some(to_pb(&res)), stopping: !ended }))
    }

    async fn adopt_as(&self, caller: &Option<Caller>, req: pb::AdoptRequest) -> Result<Response<pb::AdoptResponse>, Status> {
        let k = kind(&req.kind)?;
        let namespace = if req.namespace.is_empty() { "default" } else { &req.namespace };
        // what it makes is checked by apply below; reading AWS for someone
        // who may not create the resource would leak what AWS holds
        self.allow(caller, "create", k, Some(namespace)).await?;
        let defaults = self.defaults().await?;
        let adoption = crate::adopt::Request {
            kind: k,
            aws_name: &req.aws_name,
            name: &req.name,
            namespace,
            region: &req.region,
            account: &req.account,
        };
        let (manifests, skipped) = if req.all {
            let tags: Vec<(String, String)> = req
                .tags
                .iter()
                .map(|t| t.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                .collect::<Option<_>>()
                .ok_or_else(|| Status::invalid_argument("tags are key=value"))?;
            let filter = crate::adopt::Filter { prefix: &req.prefix, tags: &tags };
            crate::adopt::manifests_all(self.store.clone(), self.aws.clone(), defaults, &adoption, &filter).await.map_err(status)?
        } else {
            (vec![crate::adopt::manifest(self.store.clone(), self.aws.clone(), defaults, &adoption).await.map_err(status)?], Vec::new())
        };
        if manifests.is_empty() {
            return Ok(Response::new(pb::AdoptResponse { resource: None, resources: Vec::new(), skipped }));
        }
        // through apply's own checks, all in one (one transaction where the
        // store has them); a dry run writes nothing
        let applied = self
            .apply_as(caller, pb::ApplyRequest {
                manifests: manifests
                    .iter()
                    .map(|m| pb::Manifest { source: format!("adopt {} {}", k.singular, crate::placement::aws_id(m, k)), json: m.to_json().to_string() })
                    .collect(),
                dry_run: req.dry_run,
                default_namespace: namespace.into(),
            })
            .await?
            .into_inner();
        // a dry run returns the manifests themselves, clean to commit to Git
        let resources: Vec<pb::Resource> = if req.dry_run {
            manifests.iter().map(to_pb).collect()
        } else {
            applied.results.into_iter().zip(&manifests).map(|(r, m)| r.resource.unwrap_or_else(|| to_pb(m))).collect()
        };
        Ok(Response::new(pb::AdoptResponse { resource: resources.first().cloned(), resources, skipped }))
    }

    /// The resource a request names, once its caller may read it: what it
    /// made and what was noted about it are part of reading it.
    async fn readable(&self, caller: &Option<Caller>, req: pb::GetRequest) -> Result<(&'static KindInfo, Resource), Status> {
        let r = req.r#ref.unwrap_or_default();
        let k = kind(&r.kind)?;
        let ns = if r.namespace.is_empty() { "default" } else { &r.namespace };
        self.allow(caller, "get", k, Some(ns)).await?;
        Ok((k, self.resource(k, ns, &r.name).await?))
    }

    async fn events_as(&self, caller: &Option<Caller>, req: pb::GetRequest) -> Result<Response<pb::EventsResponse>, Status> {
        let (k, res) = self.readable(caller, req).await?;
        let events = self
            .store
            .events(k, &res)
            .await
            .map_err(status)?
            .into_iter()
            .map(|e| pb::RecordedEvent {
                r#type: if e.note.warning { "Warning" } else { "Normal" }.into(),
                reason: e.note.reason,
                message: e.note.message,
                count: e.count,
                first_time: e.first,
                last_time: e.last,
                action: e.note.action,
                reporter: e.reporter,
            })
            .collect();
        Ok(Response::new(pb::EventsResponse { events }))
    }

    /// The table a kind declares of what its resource made ([`crate::kinds::Children`]),
    /// read from AWS where the resource lives, as the resource's reader may.
    async fn children_as(&self, caller: &Option<Caller>, req: pb::GetRequest) -> Result<Response<pb::ChildrenResponse>, Status> {
        let (k, res) = self.readable(caller, req).await?;
        let Some((aws_kind, children)) = crate::kinds::for_info(k).and_then(|a| a.children.as_ref().map(|c| (a, c))) else {
            return Ok(Response::new(pb::ChildrenResponse::default()));
        };
        // nothing made in AWS yet, nothing made by it
        if crate::placement::recorded_arn(&res).is_none() {
            return Ok(Response::new(pb::ChildrenResponse::default()));
        }
        let defaults = self.defaults().await?;
        let target = defaults.target(&res, k).map_err(|e| {
            status(Error::Refused { source_: None, field: None, message: format!("cannot list what {} made: {e}", res.key()), hint: None })
        })?;
        let identity = aws_kind.identity(&k.effective_spec(&res));
        let what = format!("cannot list the {} of {} {}", children.title.to_ascii_lowercase(), k.singular, res.key());
        let aws_error = |e: crate::aws::AwsError| status(Error::Aws { what: what.clone(), source: Box::new(e), hint: None });
        let call = crate::aws::Call::of(aws_kind, crate::kinds::Role::Children).ok_or_else(|| Status::internal("no children operation"))?;
        let input = (call.op.input)(&(children.input)(&identity), false).map_err(|e| Status::internal(e.to_string()))?;
        let out = self.aws.call_with(&target, call, input, crate::aws::Priority::Urgent).await.map_err(aws_error)?;
        let out = (call.op.output)(&out).map_err(|e| Status::internal(e.to_string()))?;
        let cell = |item: &Value, path: &str| match path.split('.').try_fold(item, |at, p| at.get(p)) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(v) => v.to_string(),
        };
        let rows = out
            .get(children.items)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|item| pb::ChildRow { cells: children.columns.iter().map(|(_, path)| cell(item, path)).collect() })
            .collect();
        Ok(Response::new(pb::ChildrenResponse {
            title: children.title.into(),
            columns: children.columns.iter().map(|(name, _)| (*name).into()).collect(),
            rows,
        }))
    }

    async fn logs_as(&self, caller: &Option<Caller>, req: pb::LogsRequest) -> Result<Response<LogsStream>, Status> {
        let r = req.r#ref.unwrap_or_default();
        let k = kind(&r.kind)?;
        let ns = if r.namespace.is_empty() { "default" } else { &r.namespace };
        // what a resource printed is part of reading it
        self.allow(caller, "get", k, Some(ns)).await?;
        let writers = || crate::kinds::KINDS.iter().filter(|k| k.logs.is_some()).map(|k| k.info.plural).collect::<Vec<_>>().join(", ");
        let Some((aws_kind, declared)) = crate::kinds::for_info(k).and_then(|a| a.logs.map(|l| (a, l))) else {
            return Err(status(Error::invalid(
                &format!("{}/{}", k.plural, r.name),
                None,
                format!("a {} writes no logs", k.kind),
                Some(format!("these write logs: {}", writers())),
            )));
        };
        let res = self.resource(k, ns, &r.name).await?;
        let defaults = self.defaults().await?;
        let target = defaults.target(&res, aws_kind.info).map_err(|e| {
            status(Error::Refused { source_: None, field: None, message: format!("cannot read the logs of {}: {e}", res.key()), hint: None })
        })?;
        let aws_name = crate::placement::aws_id(&res, k);
        // the resource's logs start when it does (AWS's creation time where
        // recorded, which an adopted resource predates), less a margin for clocks
        let created = res
            .str_at("status.creationTime")
            .or(res.metadata.creation_timestamp.as_deref())
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map_or(0, |t| t.timestamp_millis());
        let from_ms = (created - 10 * 60 * 1000).max(0);
        let source = crate::logs::Source { target, group: declared.group_of(&aws_name), streams: declared.streams_of(&aws_name), from_ms };
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis() as i64;
        let query = crate::logs::Query {
            since_ms: (req.since_seconds > 0).then(|| now_ms - (req.since_seconds as i64).saturating_mul(1000)),
            tail: req.tail.map(|t| t as usize),
            stream: req.stream_prefix,
            follow: req.follow,
            settle: self.info.logs_settle,
        };
        // ended: finished, or gone; owned: it has made or adopted its AWS
        // resource (a store that does not answer says neither, for now)
        let ended = self.judge(k, ns, &r.name, |r| r.is_none_or(|r| k.has_ended(r)));
        let owned = self.judge(k, ns, &r.name, |r| r.is_some_and(|r| crate::placement::recorded_arn(r).is_some()));
        let header = pb::LogsMessage {
            item: Some(pb::logs_message::Item::Source(pb::LogsSource {
                log_group: source.group.clone(),
                stream_prefix: source.streams.clone(),
                region: source.target.region.clone(),
                account: source.target.account.clone(),
                aws_name,
            })),
        };
        let what = format!(
            "cannot read the logs of {} {} (CloudWatch Logs group {} in account {}, region {})",
            k.singular, res.key(), source.group, source.target.account, source.target.region
        );
        let permissions = format!(
            "the agent's role needs logs:FilterLogEvents, logs:DescribeLogStreams and logs:GetLogEvents on arn:aws:logs:{}:{}:log-group:/aws/sagemaker/*",
            source.target.region, source.target.account
        );
        let lines = crate::logs::read(self.aws.clone(), source, query, ended, owned).map(move |line| match line {
            Ok(l) => Ok(pb::LogsMessage {
                item: Some(pb::logs_message::Item::Line(pb::LogLine { stream: l.stream, timestamp_ms: l.timestamp, message: l.message })),
            }),
            Err(e) => {
                let hint = (e.class() == crate::aws::ErrorClass::AccessDenied).then(|| permissions.clone());
                Err(status(Error::Aws { what: what.clone(), source: Box::new(e), hint }))
            }
        });
        Ok(Response::new(futures::stream::once(std::future::ready(Ok(header))).chain(lines).boxed()))
    }

    fn info_now(&self) -> Result<Response<pb::InfoResponse>, Status> {
        Ok(Response::new(pb::InfoResponse {
            agent_version: env!("CARGO_PKG_VERSION").into(),
            mode: self.store.mode().into(),
            aws_backend: self.aws.backend_name().into(),
            default_region: self.info.default_region.clone(),
            account_id: self.info.account.clone(),
            kinds: kinds::KINDS.iter().map(|k| format!("{}.{}", k.kind, k.group)).collect(),
            aws_calls: self.aws.calls().into_iter().collect(),
            api_version: sagemaker_proto::API_VERSION.into(),
            mapped_accounts: Vec::new(),
        }))
    }
}
