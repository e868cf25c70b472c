//! The reconcile step: a function of the kind, the resource and the context
//! that makes the AWS calls the resource needs now and returns what to do
//! next. No queue, no clock: the caller schedules [`Next`].
//!
//! What it does (ACK's semantics, `ack-controllers-behavior.md` §1, with the
//! differences the README lists): observe the AWS resource; create it when
//! absent (after its dependencies exist, and after adding the finalizer, so a
//! restart between the two can never create it twice); update it when the
//! spec asks for what AWS does not show; copy its status; look again while it
//! changes, and on the kind's resync period while it is steady. Deletion
//! stops a running job or deletes a long-lived resource, waits until it is
//! stopped or gone, then releases the finalizer, unless the policy is retain.

use std::time::Duration;

use sagemaker_core::{KindInfo, Resource, ack};
use serde_json::{Map, Value, json};

use super::{
    observe::Observe,
    status::{self, Conditions},
};
use crate::{
    aws::{Aws, AwsError, Call, ErrorClass, Priority, Target},
    kinds::{self, AwsKind, Hold, Role, UpdateContext},
    placement,
    store::{EventNote, Store, StoreError},
};

/// What the queue does with the resource after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Nothing until the resource changes.
    Done,
    /// Look again while it changes: the queue adapts the interval to
    /// whether the observed state moved.
    Poll,
    /// Look again after this long (steady long-lived resources).
    After(Duration),
}

/// What went wrong in one step, classified for conditions and requeue.
#[derive(Debug)]
pub enum Failure {
    /// Needs a spec change: `ACK.Terminal`, no requeue.
    Terminal(String),
    /// Retried with backoff: `ACK.Recoverable`.
    Recoverable(String),
    /// Something it needs is not there yet (a Model an EndpointConfig names):
    /// not synced, said so, looked at again.
    Waiting(String),
    /// Lost a race with another writer: just try again.
    Conflict,
    /// Routine work put off while the account's budget serves urgent work:
    /// try again after this long, nothing to report.
    Later(Duration),
}

impl Failure {
    /// Its metric label.
    pub fn label(&self) -> &'static str {
        match self {
            Failure::Terminal(_) => "terminal",
            Failure::Recoverable(_) => "recoverable",
            Failure::Waiting(_) => "waiting",
            Failure::Conflict => "conflict",
            Failure::Later(_) => "deferred",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Terminal(m) | Failure::Recoverable(m) | Failure::Waiting(m) => f.write_str(m),
            Failure::Conflict => f.write_str("the resource was changed meanwhile; try again"),
            Failure::Later(_) => f.write_str("the account's AWS call budget is spent for now; try again shortly"),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => Failure::Conflict,
            e => Failure::Recoverable(error_chain(&e)),
        }
    }
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// A failed AWS call as a step outcome: a create or update the service
/// rejects will not succeed on retry (Terminal); anything else is retried
/// with backoff, loudly when only a person can fix it (permissions, quotas).
pub(crate) fn aws_failure(kind: &AwsKind, role: Role, e: AwsError) -> Failure {
    if let Some(wait) = e.deferred {
        return Failure::Later(wait);
    }
    let msg = format!("{}: {}", e.code, e.message);
    // only a rejected create or update says the spec is wrong; a describe,
    // a tag lookup or a stop that fails says nothing about the spec
    let judges_spec = matches!(role, Role::Create | Role::Update) && kind.service.rejected_is_terminal;
    if judges_spec && kind.terminal_codes.contains(&e.code.as_str()) {
        return Failure::Terminal(msg);
    }
    match e.class() {
        ErrorClass::Rejected if judges_spec => Failure::Terminal(msg),
        ErrorClass::Rejected | ErrorClass::Transient => Failure::Recoverable(msg),
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

/// Whether an AWS resource found with no ARN recorded was created for a
/// resource, by its owner tag (which names the owner's uid otherwise).
enum Ownership {
    Ours,
    NotOurs(Option<String>),
}

/// What a step works with.
pub struct Context {
    pub store: std::sync::Arc<dyn Store>,
    pub aws: std::sync::Arc<Aws>,
    pub observe: std::sync::Arc<dyn Observe>,
    /// Region for resources that do not name one (nor their namespace).
    pub default_region: String,
    /// The agent's own account.
    pub account: String,
    /// `delete` or `retain`, where neither resource nor namespace says.
    pub deletion_policy: String,
    /// Resync periods by kind name, overriding the kinds' own.
    pub resync: std::collections::HashMap<String, Duration>,
    /// `--resource-tags`, placeholders unfilled.
    pub resource_tags: Vec<(String, String)>,
    /// `--session-tags`.
    pub session_tags: placement::SessionTags,
    /// The generation each resource's last update was sent for.
    pub updates_sent: std::sync::Mutex<std::collections::HashMap<(&'static str, String), i64>>,
}

impl Context {
    /// How often a steady resource of `kind` is described again.
    fn resync(&self, kind: &AwsKind) -> Option<Duration> {
        self.resync.get(kind.info.kind).copied().or(kind.resync)
    }

    /// Calls `role` of `kind` with an ACK-named input; the output in ACK names.
    pub(crate) async fn call(
        &self,
        kind: &'static AwsKind,
        role: Role,
        target: &Target,
        input: &Value,
        priority: Priority,
    ) -> Result<Value, Failure> {
        self.call_aws(kind, role, target, input, priority).await?.map_err(|e| aws_failure(kind, role, e))
    }

    /// [`Context::call`], with AWS's error as it came (for callers that
    /// read particular errors); the outer error is one of ours.
    pub(crate) async fn call_aws(
        &self,
        kind: &'static AwsKind,
        role: Role,
        target: &Target,
        input: &Value,
        priority: Priority,
    ) -> Result<Result<Value, AwsError>, Failure> {
        let Some(call) = Call::of(kind, role) else {
            return Err(Failure::Recoverable(format!("{} has no {role:?} operation", kind.info.kind)));
        };
        let validate = matches!(role, Role::Create | Role::Update);
        let aws_input = (call.op.input)(input, validate).map_err(|e| Failure::Terminal(e.under("spec").to_string()))?;
        let out = match self.aws.call_with(target, call, aws_input, priority).await {
            Ok(out) => out,
            Err(e) => return Ok(Err(e)),
        };
        (call.op.output)(&out)
            .map(|mut v| {
                status::strip_nulls(&mut v);
                Ok(v)
            })
            .map_err(|e| Failure::Recoverable(format!("cannot read the {} answer: {e}", call.op.name)))
    }

    /// What applies where a resource says nothing: its namespace's
    /// annotations, then the agent's settings.
    pub(crate) async fn defaults(&self) -> Result<placement::Defaults, Failure> {
        let mut d = placement::Defaults::load(&*self.store, &self.default_region, &self.account, &self.deletion_policy).await?;
        d.session_tags = self.session_tags;
        Ok(d)
    }

    /// Where the resource lives: its recorded region, else its annotation,
    /// else its namespace's default, else the agent's. A changed annotation
    /// never moves a resource.
    fn target(&self, kind: &AwsKind, res: &Resource, defaults: &placement::Defaults) -> Result<Target, Failure> {
        if let Some(m) = placement::moved(res, res) {
            return Err(Failure::Terminal(format!(
                "{} already exists in {what} {}, but the desired state specifies {what} {}; \
                 a resource cannot move between {what}s: restore the annotation or create a new resource",
                kind.info.kind,
                m.from,
                m.to,
                what = m.what
            )));
        }
        self.place(kind, res, defaults)
    }

    /// Where the resource lives, without judging its annotations (deleting
    /// must work even when the region annotation was moved).
    pub(crate) fn place(&self, kind: &AwsKind, res: &Resource, defaults: &placement::Defaults) -> Result<Target, Failure> {
        defaults.target(res, kind.info).map_err(|e| match e {
            placement::NoRole::NotAllowed { .. } => Failure::Terminal(e.to_string()),
            // not mapped (yet): wait, never the agent's own account instead
            e => Failure::Waiting(e.to_string()),
        })
    }

    async fn observe(&self, kind: &'static AwsKind, target: &Target, identity: &Value, priority: Priority) -> Result<Option<Value>, Failure> {
        self.observe.observe(self, kind, target, identity, priority).await
    }

    /// Whether the AWS resource `observed` was created for `res`: it carries
    /// the owner tag with `res`'s uid. Without a finalizer (we add it before
    /// every create) it cannot have been. `Err(Some(uid))`-like detail: the
    /// owner tag's value, when it names another resource.
    async fn created_for(&self, kind: &'static AwsKind, target: &Target, res: &Resource, observed: &Value) -> Result<Ownership, Failure> {
        let finalizer = ack::finalizer(kind.info.group, kind.info.kind);
        let (Some(uid), true) = (res.metadata.uid.as_deref(), res.metadata.finalizers.contains(&finalizer)) else {
            return Ok(Ownership::NotOurs(None));
        };
        // a kind AWS keeps no tags for: the finalizer (added before every
        // create) is the only proof there is, as in ACK
        if kind.tags_field.is_none() {
            return Ok(Ownership::Ours);
        }
        let Some(arn) = observed.get(kind.arn_field).and_then(Value::as_str) else { return Ok(Ownership::NotOurs(None)) };
        let out = self.call(kind, Role::ListTags, target, &json!({ "resourceARN": arn }), Priority::Urgent).await?;
        let owner = (kind.service.read_tags)(&out).into_iter().find(|(k, _)| k == ack::TAG_OWNER).map(|(_, v)| v);
        Ok(match owner {
            Some(o) if o == uid => Ownership::Ours,
            other => Ownership::NotOurs(other),
        })
    }

    /// The store's resource with this uid, as `namespace/name`.
    async fn resource_with_uid(&self, kind: &AwsKind, uid: &str) -> Result<Option<String>, Failure> {
        let all = self.store.list(kind.info, None).await?;
        Ok(all.iter().find(|r| r.metadata.uid.as_deref() == Some(uid)).map(Resource::key))
    }

    /// Another resource of the store that owns the AWS resource `res` names,
    /// as `namespace/name`. (Fails closed: without the list, nothing may be
    /// created or stopped.)
    async fn owner_in_store(&self, kind: &AwsKind, res: &Resource, defaults: &placement::Defaults) -> Result<Option<String>, Failure> {
        let all = self.store.list(kind.info, None).await?;
        Ok(placement::rival(res, &all, kind.info, defaults).map(Resource::key))
    }

    async fn write(&self, kind: &AwsKind, res: &Resource, target: &Target, observed: Option<&Value>, c: &Conditions) -> Result<(), Failure> {
        let status = status::build(kind, res, target, observed, c);
        if status != res.status {
            let transition = status::transition(kind, &res.status, &status);
            self.store.write_status(kind.info, res, status).await?;
            if let Some(note) = transition {
                self.note(kind, res, note).await;
            }
        }
        Ok(())
    }

    /// Records a Kubernetes Event about `res`. An event is a courtesy: not
    /// recording one never fails the step.
    pub(crate) async fn note(&self, kind: &AwsKind, res: &Resource, note: EventNote) {
        match self.store.record(kind.info, res, &note).await {
            Ok(()) => self.aws.metrics().event_recorded(),
            Err(e) => tracing::debug!(error = %error_chain(&e), reason = %note.reason, "cannot record an event"),
        }
    }
}

/// The identifiers of the AWS resource `res` manages: its spec's, and, while
/// it has not adopted anything yet, those its `adoption-fields` annotation
/// gives (ACK's annotation adoption). Every identifier must be given, and
/// the two must agree.
fn adoption_identity(kind: &AwsKind, res: &Resource) -> Result<Value, String> {
    let mut identity = kind.identity(&res.spec);
    let adopting = res.annotation(ack::ANNOTATION_ADOPTION_POLICY).is_some() && placement::recorded_arn(res).is_none();
    let Some(fields) = res.annotation(ack::ANNOTATION_ADOPTION_FIELDS).filter(|_| adopting) else {
        return Ok(identity);
    };
    let given: Map<String, Value> = serde_json::from_str(fields).map_err(|e| {
        format!("{} is not a JSON object of {}: {e}", ack::ANNOTATION_ADOPTION_FIELDS, kind.info.identifier_names())
    })?;
    for field in kind.info.identifiers {
        match (given.get(*field), identity.get(*field)) {
            (Some(a), Some(b)) if a != b => {
                return Err(format!("{} gives {field} {a}, but spec.{field} is {b}: make them agree", ack::ANNOTATION_ADOPTION_FIELDS));
            }
            (Some(v), _) => {
                identity[*field] = v.clone();
            }
            (None, Some(_)) => {}
            (None, None) => return Err(format!("required field missing: {field} (in spec or {})", ack::ANNOTATION_ADOPTION_FIELDS)),
        }
    }
    if let Some(unknown) = given.keys().find(|k| !kind.info.identifiers.contains(&k.as_str())) {
        return Err(format!(
            "{} names {unknown}, which is not an identifier of a {}: use {}",
            ack::ANNOTATION_ADOPTION_FIELDS,
            kind.info.kind,
            kind.info.identifier_names()
        ));
    }
    Ok(identity)
}

/// One step for a resource that is not being deleted.
pub async fn sync(cx: &Context, kind: &'static AwsKind, res: &Resource) -> Result<Next, Failure> {
    // where it lives is checked even for a finished resource: a moved region
    // annotation must be reported, not silently ignored
    let defaults = cx.defaults().await?;
    let target = cx.target(kind, res, &defaults)?;
    // which role (and which mapping chose it) acts for the resource, for
    // `describe`: written when it changes
    let annotated;
    let res = match &target.chosen_role {
        Some(role) if res.annotation(ack::ANNOTATION_ROLE) != Some(role.as_str()) => {
            annotated = kind.effective(&cx.store.annotate(kind.info, &res.metadata.namespace, &res.metadata.name, ack::ANNOTATION_ROLE, role).await?);
            &annotated
        }
        _ => res,
    };
    let arn = placement::recorded_arn(res);
    let status = kind.info.status_path().and_then(|p| res.str_at(&p).map(str::to_string));
    // synced for the current spec (a wait or a failure leaves Synced False)
    let spec_seen = status::synced_generation(res) == res.metadata.generation
        && res.condition(ack::CONDITION_SYNCED).is_some_and(|c| c["status"] == "True");
    // a finished resource costs nothing: nothing in AWS changes again, and
    // the spec it was synced for is the current one
    if arn.is_some()
        && status.as_deref().is_some_and(|s| kind.info.is_final(s))
        && spec_seen
        && res.condition(ack::CONDITION_TERMINAL).is_none()
    {
        return Ok(Next::Done);
    }
    let identity = adoption_identity(kind, res).map_err(Failure::Terminal)?;
    let id = kind.info.aws_id(&identity);
    if res.annotation(ack::ANNOTATION_READ_ONLY) == Some("true") {
        return observe_only(cx, kind, res, &target, &identity).await;
    }
    // a resource nobody has seen in AWS yet is what its user waits for
    let priority = if arn.is_none() { Priority::Urgent } else { Priority::Routine };
    // never created (the finalizer goes on before every create) and AWS
    // refuses a second resource of the name: create without looking first,
    // one call instead of two; a name already taken fails the create
    let finalizer = ack::finalizer(kind.info.group, kind.info.kind);
    let adoption = res.annotation(ack::ANNOTATION_ADOPTION_POLICY);
    let fresh = arn.is_none()
        && !res.metadata.finalizers.contains(&finalizer)
        && kind.already_exists.is_some()
        && adoption.is_none();
    // created before, perhaps, and AWS named it: found again before
    // anything else (a stop, a create) is decided
    let earlier = res.metadata.finalizers.contains(&finalizer);
    if earlier
        && !kind.info.identified(&identity)
        && let Some(next) = find_made(cx, kind, res, &target).await?
    {
        return Ok(next);
    }
    let looked = if fresh { None } else { cx.observe(kind, &target, &identity, priority).await? };
    let observed = match looked {
        Some(observed) if arn.is_some_and(|a| observed.get(kind.arn_field).and_then(Value::as_str) != Some(a)) => {
            return Err(Failure::Terminal(format!(
                "the {} {id} is not the one this resource created ({}): it was replaced outside this \
                 resource; delete this resource with --retain and adopt the new one, or choose another {}",
                kind.info.kind,
                arn.unwrap_or_default(),
                kind.info.identifier_names()
            )));
        }
        Some(observed) => {
            // with no ARN recorded it is ours only if we created it for this
            // resource (a crash between the create and the status write):
            // never take over another's silently
            let ownership = match (arn, adoption) {
                (Some(_), _) => Ownership::Ours,
                // adopted on purpose: taken over, and managed from now on
                (None, Some(policy @ ("adopt" | "adopt-or-create"))) => {
                    // as ACK: `adopt` takes the spec AWS holds (the
                    // manifest may name no more than the identifiers);
                    // `adopt-or-create` keeps the spec, and the next step
                    // sends what differs to AWS
                    // the stored spec, not the one with defaults filled in
                    let mut manifest = cx.store.get(kind.info, &res.metadata.namespace, &res.metadata.name).await?.unwrap_or_else(|| res.clone());
                    if policy == "adopt" {
                        manifest.spec = crate::adopt::spec_from(kind, &observed, &identity);
                    }
                    manifest.metadata.annotations.insert(ack::ANNOTATION_ADOPTED.into(), "true".into());
                    let (res, _) = cx.store.apply(kind.info, &manifest, false).await?;
                    let res = cx.store.set_finalizer(kind.info, &res, &finalizer, true).await?;
                    tracing::info!(policy, "adopted");
                    let reading = status::read(kind, &observed);
                    cx.write(kind, &res, &target, Some(&observed), &reading.conditions).await?;
                    return Ok(settle(cx, kind, &reading));
                }
                (None, _) => cx.created_for(kind, &target, res, &observed).await?,
            };
            if let Ownership::NotOurs(tagged) = ownership {
                // the owner its tag names, else the store's claim
                let owner = match tagged {
                    Some(uid) => cx.resource_with_uid(kind, &uid).await?,
                    None => None,
                };
                let owner = match owner {
                    Some(o) => Some(o),
                    None => cx.owner_in_store(kind, res, &defaults).await?,
                };
                return Err(Failure::Terminal(format!(
                    "Resource already exists: a {} named {id} already exists in account {} region {}{} \
                     and was not created for this resource. Names are unique per account and region: choose another {}",
                    kind.info.kind,
                    target.account,
                    target.region,
                    owner.map(|o| format!(", managed by {o}")).unwrap_or_default(),
                    kind.info.identifier_names()
                )));
            }
            observed
        }
        None if arn.is_some() && kind.info.is_job() => {
            return Err(Failure::Recoverable(format!(
                "{} {id} was created ({}) but AWS does not find it",
                kind.info.kind,
                arn.unwrap_or_default()
            )));
        }
        None if arn.is_none() && adoption == Some("adopt") => {
            return Err(Failure::Terminal(format!(
                "adopted resource not found: there is no {} {id} in account {} region {}; nothing was created \
                 (services.k8s.aws/adoption-policy: adopt-or-create would create it)",
                kind.info.kind, target.account, target.region
            )));
        }
        None if arn.is_none() && res.annotation(ack::ANNOTATION_STOP) == Some("true") => {
            // asked to stop before it started: never start it
            let c = Conditions {
                synced: Some(true),
                synced_message: format!("{} was stopped before it was created; nothing was started.", kind.info.kind),
                ..Default::default()
            };
            cx.write(kind, res, &target, None, &c).await?;
            return Ok(Next::Done);
        }
        None => {
            if let Some(arn) = arn {
                // drift: deleted outside Kubernetes; the declared state wins
                tracing::warn!(%arn, "deleted in AWS outside this resource; creating it again");
            }
            return create(cx, kind, res, &target, &defaults).await;
        }
    };
    let mut reading = status::read(kind, &observed);
    // asked to stop (`kubectl sagemaker stop`): the resource stays
    if res.annotation(ack::ANNOTATION_STOP) == Some("true")
        && kind.stop.is_some()
        && reading.status.is_some_and(|s| kind.info.statuses.stoppable.contains(&s))
    {
        cx.call(kind, Role::Stop, &target, &identity, Priority::Urgent).await?;
        tracing::info!("stop requested");
        cx.note(kind, res, EventNote::normal("Stop", "StopRequested", format!("asked SageMaker to stop the {}", kind.info.kind))).await;
        let observed = cx.observe(kind, &target, &identity, Priority::Urgent).await?.unwrap_or(observed);
        let reading = status::read(kind, &observed);
        cx.write(kind, res, &target, Some(&observed), &reading.conditions).await?;
        return Ok(Next::Poll);
    }
    // tag edits go on their own, whatever the update does
    sync_tags(cx, kind, res, &target, &observed).await?;
    match update(cx, kind, res, &target, &identity, &observed, &reading).await? {
        Updated::NotDue => {}
        Updated::Sent => return Ok(Next::Poll),
        // held back by the kind's rules: say why, with what AWS shows
        Updated::Held(Hold::Terminal(m)) => {
            reading.conditions.synced = Some(false);
            reading.conditions.synced_message = "Resource not synced".into();
            reading.conditions.terminal = Some(m);
            cx.write(kind, res, &target, Some(&observed), &reading.conditions).await?;
            return Ok(cx.resync(kind).map(Next::After).unwrap_or(Next::Done));
        }
        Updated::Held(Hold::Wait(m)) => {
            reading.conditions.synced = Some(false);
            reading.conditions.synced_message = m;
            cx.write(kind, res, &target, Some(&observed), &reading.conditions).await?;
            return Ok(Next::Poll);
        }
    }
    cx.write(kind, res, &target, Some(&observed), &reading.conditions).await?;
    Ok(settle(cx, kind, &reading))
}

/// What [`update`] did.
enum Updated {
    NotDue,
    Sent,
    Held(Hold),
}

/// A read-only resource (`services.k8s.aws/read-only: "true"`): its status
/// shows the AWS resource, which is never created, updated or deleted.
async fn observe_only(cx: &Context, kind: &'static AwsKind, res: &Resource, target: &Target, identity: &Value) -> Result<Next, Failure> {
    let Some(observed) = cx.observe(kind, target, identity, Priority::Routine).await? else {
        return Err(Failure::Waiting(format!(
            "ReadOnlyResourceNotFound: no {} {} in account {} region {}; a read-only resource only observes",
            kind.info.kind,
            kind.info.aws_id(&res.spec),
            target.account,
            target.region
        )));
    };
    let reading = status::read(kind, &observed);
    cx.write(kind, res, target, Some(&observed), &reading.conditions).await?;
    Ok(match settle(cx, kind, &reading) {
        // a finished job still may not be ours to stop: nothing to do
        Next::Done if !kind.info.is_job() => Next::After(cx.resync(kind).unwrap_or(Duration::from_secs(600))),
        next => next,
    })
}

/// When to look again after an observation.
fn settle(cx: &Context, kind: &AwsKind, reading: &status::Reading<'_>) -> Next {
    if reading.modifying {
        return Next::Poll;
    }
    if reading.status.is_some_and(|s| kind.info.is_final(s)) {
        return Next::Done;
    }
    match cx.resync(kind) {
        Some(d) => Next::After(d),
        None => Next::Done,
    }
}

/// Creates the AWS resource, once its dependencies exist.
async fn create(
    cx: &Context,
    kind: &'static AwsKind,
    res: &Resource,
    target: &Target,
    defaults: &placement::Defaults,
) -> Result<Next, Failure> {
    let id = kind.info.aws_id(&res.spec);
    let taken = |owner: String| {
        Failure::Terminal(format!(
            "{owner} already manages the {} named {id} in account {} region {}: \
             names are unique per account and region; choose another {}",
            kind.info.kind,
            target.account,
            target.region,
            kind.info.identifier_names()
        ))
    };
    // one AWS resource, one owner: where AWS's create is an upsert, the
    // store's other claims are checked first (elsewhere AWS refuses the
    // second create, and that is checked below)
    if kind.already_exists.is_none()
        && let Some(owner) = cx.owner_in_store(kind, res, defaults).await?
    {
        return Err(taken(owner));
    }
    wait_for_dependencies(cx, kind, res, target).await?;
    let finalizer = ack::finalizer(kind.info.group, kind.info.kind);
    // a resource AWS names itself is looked for first, so a lost status
    // never makes a second one: one created before (the finalizer goes on
    // first) was looked for in `sync`; here, where a namesake would be a
    // mistake (a Domain applied again in a rebuilt cluster)
    let earlier = res.metadata.finalizers.contains(&finalizer);
    if !earlier
        && !kind.info.identified(&res.spec)
        && kind.find.as_ref().is_some_and(|f| f.unique)
        && let Some(found) = find_made(cx, kind, res, target).await?
    {
        return Ok(found);
    }
    let res = if earlier {
        res.clone()
    } else {
        kind.effective(&cx.store.set_finalizer(kind.info, res, &finalizer, true).await?)
    };
    let mut input = kind.create_spec(&res.spec);
    // an idempotent create: a retry after a lost status answers with the
    // resource the first made
    // (a create after the recorded one was deleted outside is a new one)
    let recreate = placement::recorded_arn(&res).is_some();
    if let (Some(token), Some(uid), Some(o), false) = (kind.client_token, res.metadata.uid.as_deref(), input.as_object_mut(), recreate) {
        o.entry(token).or_insert_with(|| json!(uid));
    }
    if let Some(field) = kind.tags_field {
        let extra = resource_tags(&cx.resource_tags, kind.info, &res);
        add_owner_tags(&mut input, field, kind.service.tags_are_a_map, &res, &extra);
    }
    let out = match cx.call_aws(kind, Role::Create, target, &input, Priority::Urgent).await? {
        Ok(out) => out,
        Err(e) if kind.already_exists.is_some_and(|x| x.matches(&e)) => {
            // the SDK may have retried a create whose first attempt went
            // through: what the tag says decides
            if let Some(observed) = cx.observe(kind, target, &kind.identity(&res.spec), Priority::Urgent).await?
                && matches!(cx.created_for(kind, target, &res, &observed).await?, Ownership::Ours)
            {
                let reading = status::read(kind, &observed);
                cx.write(kind, &res, target, Some(&observed), &reading.conditions).await?;
                return Ok(settle(cx, kind, &reading));
            }
            return Err(match cx.owner_in_store(kind, &res, defaults).await? {
                Some(owner) => taken(owner),
                None => Failure::Terminal(format!(
                    "Resource already exists: a {} named {id} already exists in account {} region {} and was not \
                     created for this resource. Names are unique per account and region: choose another {}",
                    kind.info.kind,
                    target.account,
                    target.region,
                    kind.info.identifier_names()
                )),
            });
        }
        Err(e) => return Err(aws_failure(kind, Role::Create, e)),
    };
    let arn = out.get(kind.arn_field).and_then(Value::as_str).unwrap_or_default().to_string();
    tracing::info!(%arn, account = %target.account, region = %target.region, "created");
    let place = format!("in account {}, region {}", target.account, target.region);
    cx.note(kind, &res, EventNote::normal("Create", "Created", format!("created {} {id} {place}", kind.info.kind))).await;
    record_stated(cx, kind, &res).await?;
    // the tags went with the create: later edits are what differs from them
    if let Some(field) = kind.tags_field {
        let value = serde_json::to_string(&spec_tags(&res.spec, field)).unwrap_or_default();
        cx.store.annotate(kind.info, &res.metadata.namespace, &res.metadata.name, kinds::ANNOTATION_SYNCED_TAGS, &value).await?;
    }
    // the ARN now, the status at the next look (routine polling: creates
    // of other resources go first)
    let observed = json!({ kind.arn_field: arn });
    let mut reading = status::read(kind, &observed);
    if kind.info.statuses.field.is_some() || !kind.status_fields.is_empty() {
        reading.modifying = true;
        reading.conditions.synced = Some(false);
        reading.conditions.synced_message = format!("{} is being created.", kind.info.kind);
    }
    cx.write(kind, &res, target, Some(&observed), &reading.conditions).await?;
    Ok(settle(cx, kind, &reading))
}

/// Finds the AWS resource an earlier create made for `res`, when AWS named
/// it and the status that recorded the name was lost: among the kind's
/// candidates, the one whose owner tag names `res` (as AWS describes it).
/// A namesake made for another resource is refused where names must be
/// told apart (a Domain).
async fn find_own(cx: &Context, kind: &'static AwsKind, res: &Resource, target: &Target, refuse_namesake: bool) -> Result<Option<Value>, Failure> {
    let Some(find) = &kind.find else { return Ok(None) };
    let out = cx.call(kind, Role::Find, target, &(find.input)(&res.spec), Priority::Urgent).await?;
    let candidates: Vec<&Value> = out.get(find.items).and_then(Value::as_array).into_iter().flatten().filter(|i| (find.matches)(i, &res.spec)).collect();
    let mut others = Vec::new();
    for item in candidates {
        let Some(arn) = item.get(find.arn).and_then(Value::as_str) else { continue };
        let mut recorded = res.clone();
        recorded.status = json!({ "ackResourceMetadata": { "arn": arn } });
        let identity = kind.identity(&kind.info.effective_spec(&recorded));
        let Some(observed) = cx.observe(kind, target, &identity, Priority::Urgent).await? else { continue };
        if matches!(cx.created_for(kind, target, res, &observed).await?, Ownership::Ours) {
            return Ok(Some(observed));
        }
        others.push(kind.info.aws_id(&identity));
    }
    match others.first() {
        Some(other) if find.unique && refuse_namesake => Err(Failure::Terminal(format!(
            "a {kind} named {label} already exists in account {} region {} ({other}) and was not created for this resource: \
             adopt it (annotations {}: adopt and {}: {{\"{field}\": \"{other}\"}}) or choose another {label_field}",
            target.account,
            target.region,
            ack::ANNOTATION_ADOPTION_POLICY,
            ack::ANNOTATION_ADOPTION_FIELDS,
            kind = kind.info.kind,
            label = kind.info.aws_id(&res.spec),
            field = kind.info.identifiers.first().copied().unwrap_or_default(),
            label_field = kind.info.assigned.map(|a| a.label).unwrap_or_default(),
        ))),
        _ => Ok(None),
    }
}

/// [`find_own`], recording what it found in status and saying so.
async fn find_made(cx: &Context, kind: &'static AwsKind, res: &Resource, target: &Target) -> Result<Option<Next>, Failure> {
    let Some(observed) = find_own(cx, kind, res, target, true).await? else { return Ok(None) };
    let arn = observed.get(kind.arn_field).and_then(Value::as_str).unwrap_or_default();
    tracing::info!(%arn, "found the resource created for this one before its status was lost");
    let message = format!("found {} {arn}, created for this resource before its status was lost; not creating another", kind.info.kind);
    cx.note(kind, res, EventNote::normal("Create", "Found", message)).await;
    // recorded, not yet compared with the spec (an edit made while the
    // status was lost is sent by the next step): never Synced for it here
    let mut conditions = status::read(kind, &observed).conditions;
    conditions.synced = Some(false);
    conditions.synced_message = format!("{} found again; comparing it with the spec", kind.info.kind);
    cx.write(kind, res, target, Some(&observed), &conditions).await?;
    Ok(Some(Next::Poll))
}

/// The spec's tags as `key=value` pairs, in either of AWS's layouts.
fn spec_tags(spec: &Value, field: &str) -> Vec<(String, String)> {
    match spec.get(field) {
        Some(Value::Array(list)) => list.iter().filter_map(|t| Some((t.get("key")?.as_str()?.to_string(), t.get("value")?.as_str()?.to_string()))).collect(),
        Some(Value::Object(map)) => map.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect(),
        _ => Vec::new(),
    }
}

/// Brings the AWS resource's tags to the spec's after a tag edit: what ACK
/// never did (community#1731). The spec's tags last brought to AWS are
/// recorded in [`kinds::ANNOTATION_SYNCED_TAGS`] (set at create): an edit
/// is what differs from them, whatever else the step did, and only a tag
/// the spec itself dropped is removed (never one AWS, another tool or an
/// adoption brought, nor the agent's own).
async fn sync_tags(cx: &Context, kind: &'static AwsKind, res: &Resource, target: &Target, observed: &Value) -> Result<(), Failure> {
    let Some(field) = kind.tags_field else { return Ok(()) };
    let wanted = spec_tags(&res.spec, field);
    let recorded = res.annotation(kinds::ANNOTATION_SYNCED_TAGS);
    let synced: Vec<(String, String)> = recorded.and_then(|a| serde_json::from_str(a).ok()).unwrap_or_default();
    // nothing recorded (created before tags were synced, or adopted): the
    // first look records what AWS has
    let Some(arn) = observed.get(kind.arn_field).and_then(Value::as_str) else { return Ok(()) };
    if recorded.is_some() && wanted == synced {
        return Ok(());
    }
    let current = (kind.service.read_tags)(&cx.call(kind, Role::ListTags, target, &json!({ "resourceARN": arn }), Priority::Routine).await?);
    let add: Vec<&(String, String)> = wanted.iter().filter(|w| !current.contains(w)).collect();
    let remove: Vec<&str> = synced
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !wanted.iter().any(|(w, _)| w == k) && current.iter().any(|(c, _)| c == k) && *k != ack::TAG_OWNER)
        .collect();
    if !add.is_empty() {
        let tags = if kind.service.tags_are_a_map {
            Value::Object(add.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
        } else {
            json!(add.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>())
        };
        cx.call(kind, Role::AddTags, target, &json!({ "resourceARN": arn, "tags": tags }), Priority::Routine).await?;
    }
    if !remove.is_empty() {
        cx.call(kind, Role::DeleteTags, target, &json!({ "resourceARN": arn, "tagKeys": remove }), Priority::Routine).await?;
    }
    if !add.is_empty() || !remove.is_empty() {
        let keys: Vec<&str> = add.iter().map(|(k, _)| k.as_str()).chain(remove.iter().copied()).collect();
        tracing::info!(?keys, "tags updated");
        cx.note(kind, res, EventNote::normal("Update", "TagsUpdated", format!("tags {} brought to the spec's", keys.join(", ")))).await;
    }
    let value = serde_json::to_string(&wanted).unwrap_or_default();
    cx.store.annotate(kind.info, &res.metadata.namespace, &res.metadata.name, kinds::ANNOTATION_SYNCED_TAGS, &value).await?;
    Ok(())
}

/// Waits (says so, looks again later) until what the spec names exists in
/// AWS: a Model an EndpointConfig serves, the config an Endpoint points at.
async fn wait_for_dependencies(cx: &Context, kind: &AwsKind, res: &Resource, target: &Target) -> Result<(), Failure> {
    for dep in kind.info.depends_on {
        let Some(dep_kind) = kinds::for_info(dep.kind) else { continue };
        for dep_identity in dep.identities(&res.spec) {
            if cx.observe(dep_kind, target, &dep_identity, Priority::Urgent).await?.is_none() {
                return Err(Failure::Waiting(format!(
                    "waiting for {} {} to exist in account {} region {}",
                    dep.kind.kind,
                    dep.kind.aws_id(&dep_identity),
                    target.account,
                    target.region
                )));
            }
        }
    }
    Ok(())
}

fn stated_value(v: Option<&Value>) -> bool {
    v.is_some_and(|v| !v.is_null() && v != &json!([]) && v != &json!(""))
}

/// The removable fields (`Update::cleared`) the spec states, as recorded in
/// [`kinds::ANNOTATION_STATED`].
fn stated(kind: &AwsKind, spec: &Value) -> String {
    let cleared = kind.update.as_ref().map(|u| u.cleared).unwrap_or_default();
    cleared.iter().filter(|(path, _)| stated_value(kinds_path(spec, path))).map(|(path, _)| *path).collect::<Vec<_>>().join(",")
}

/// Records which removable fields the spec stated when it reached AWS (at
/// create, after each update): only those can later be removed by leaving
/// them out. What AWS has that no spec ever stated (an adopted notebook's
/// lifecycle configuration, one attached in the console) is never removed.
async fn record_stated(cx: &Context, kind: &AwsKind, res: &Resource) -> Result<(), Failure> {
    if kind.update.as_ref().is_none_or(|u| u.cleared.is_empty()) {
        return Ok(());
    }
    let value = stated(kind, &res.spec);
    if res.annotation(kinds::ANNOTATION_STATED) != Some(value.as_str()) {
        cx.store.annotate(kind.info, &res.metadata.namespace, &res.metadata.name, kinds::ANNOTATION_STATED, &value).await?;
    }
    Ok(())
}

/// The update's removal flags, with the paths they clear: fields the spec
/// stated before (see [`record_stated`]), no longer states, and AWS still
/// reports (a notebook's lifecycle configuration the user deleted).
fn removed(update: &kinds::Update, res: &Resource, seen: &Value) -> Vec<(&'static str, &'static str)> {
    let before: Vec<&str> = res.annotation(kinds::ANNOTATION_STATED).unwrap_or_default().split(',').collect();
    update
        .cleared
        .iter()
        .filter(|(path, _)| before.contains(path) && !stated_value(kinds_path(&res.spec, path)) && stated_value(kinds_path(seen, path)))
        .copied()
        .collect()
}

/// Sends the kind's update when the spec asks for what AWS does not show,
/// in a status that allows it.
async fn update(
    cx: &Context,
    kind: &'static AwsKind,
    res: &Resource,
    target: &Target,
    identity: &Value,
    observed: &Value,
    reading: &status::Reading<'_>,
) -> Result<Updated, Failure> {
    let Some(update) = &kind.update else { return Ok(Updated::NotDue) };
    // what AWS reports, in the spec's terms
    let mut seen = observed.clone();
    (kind.hooks.observed_as_spec)(&mut seen);
    let removals = removed(update, res, &seen);
    let due = update.compare.iter().any(|path| {
        let desired = kinds_path(&res.spec, path);
        desired.is_some_and(|d| status::differs(d, kinds_path(&seen, path)))
    }) || !removals.is_empty();
    // updated only while stopped: stop it first, start it again after
    if update.restart.is_some() {
        let status = reading.status.unwrap_or_default();
        let stopped = kind.info.statuses.stopped == Some(status);
        // an update already sent for this generation is not due again (AWS
        // may report a field in its own form): the resource is started
        let sent = cx.updates_sent.lock().unwrap_or_else(|p| p.into_inner()).get(&(kind.info.kind, res.key())) == res.metadata.generation.as_ref();
        let due = due && !sent;
        let user_stopped = res.annotation(ack::ANNOTATION_STOP) == Some("true");
        let (verb, role, restart) = if due && kind.info.statuses.stoppable.contains(&status) {
            ("stop it for the update", Role::Stop, "true")
        } else if !due && stopped && !user_stopped && res.annotation(kinds::ANNOTATION_RESTART) == Some("true") {
            ("start it again after the update", Role::Start, "false")
        } else {
            ("", Role::Describe, "")
        };
        if !verb.is_empty() {
            if let Err(Hold::Terminal(m) | Hold::Wait(m)) = (kind.hooks.before_delete)(observed) {
                return Ok(Updated::Held(Hold::Wait(m)));
            }
            // recorded first: a stop whose record was lost would never be undone
            if role == Role::Stop {
                cx.store.annotate(kind.info, &res.metadata.namespace, &res.metadata.name, kinds::ANNOTATION_RESTART, restart).await?;
            }
            cx.call(kind, role, target, identity, Priority::Urgent).await?;
            if role == Role::Start {
                cx.store.annotate(kind.info, &res.metadata.namespace, &res.metadata.name, kinds::ANNOTATION_RESTART, restart).await?;
            }
            tracing::info!("{verb}");
            cx.note(kind, res, EventNote::normal("Update", if role == Role::Stop { "StoppedForUpdate" } else { "Restarted" }, format!("asked SageMaker to {verb}"))).await;
            return Ok(Updated::Sent);
        }
    }
    let allowed = match update.allowed_in {
        Some(statuses) => reading.status.is_some_and(|s| statuses.contains(&s)),
        None => !reading.modifying,
    };
    if !due || !allowed {
        return Ok(Updated::NotDue);
    }
    // what changed, and what travels with any change (a deployment config)
    let mut input = identity.clone();
    for path in update.fields {
        // a removed field goes as its flag alone (an empty list too)
        if removals.iter().any(|(p, _)| p == path) {
            continue;
        }
        let Some(v) = kinds_path(&res.spec, path) else { continue };
        let compared = update.compare.contains(path);
        if !compared || status::differs(v, kinds_path(&seen, path)) {
            set_path(&mut input, path, v.clone());
        }
    }
    for (_, flag) in &removals {
        set_path(&mut input, flag, Value::Bool(true));
    }
    (kind.hooks.update_input)(&mut input, observed);
    let update_cx = UpdateContext { resource: res, observed, input: &input };
    if let Err(hold) = (kind.hooks.before_update)(&update_cx) {
        return Ok(Updated::Held(hold));
    }
    // sent once per generation: AWS may report a field in another form than
    // the spec states it (a default role, a normalised value), and that must
    // not turn into an update on every look
    let key = res.key();
    let generation = res.metadata.generation.unwrap_or_default();
    if cx.updates_sent.lock().unwrap_or_else(|p| p.into_inner()).get(&(kind.info.kind, key.clone())) == Some(&generation) {
        tracing::warn!("AWS still reports the spec's updatable fields differently after the update; not sending it again");
        return Ok(Updated::NotDue);
    }
    wait_for_dependencies(cx, kind, res, target).await?;
    match cx.call(kind, Role::Update, target, &input, Priority::Urgent).await {
        Ok(_) => {}
        // refused while stopped for it: started again as it was, the
        // refusal shown (never left stopped waiting for a spec change)
        Err(Failure::Terminal(m)) if update.restart.is_some() && res.annotation(kinds::ANNOTATION_RESTART) == Some("true") => {
            cx.call(kind, Role::Start, target, identity, Priority::Urgent).await?;
            cx.store.annotate(kind.info, &res.metadata.namespace, &res.metadata.name, kinds::ANNOTATION_RESTART, "false").await?;
            tracing::info!("update refused: started it again as it was");
            return Err(Failure::Terminal(format!("{m} (started again as it was)")));
        }
        Err(f) => return Err(f),
    }
    cx.updates_sent.lock().unwrap_or_else(|p| p.into_inner()).insert((kind.info.kind, key), generation);
    tracing::info!("update requested");
    let fields: Vec<&str> = input.as_object().map(|o| o.keys().map(String::as_str).filter(|k| !kind.info.identifiers.contains(k)).collect()).unwrap_or_default();
    cx.note(kind, res, EventNote::normal("Update", "UpdateRequested", format!("sent generation {generation}'s {}", fields.join(", ")))).await;
    for (key, value) in (kind.hooks.after_update)(&update_cx) {
        cx.store.annotate(kind.info, &res.metadata.namespace, &res.metadata.name, key, &value).await?;
    }
    record_stated(cx, kind, res).await?;
    // read it back so status shows the update under way (and on the
    // current resource version: the annotation write bumped it)
    let res = cx.store.get(kind.info, &res.metadata.namespace, &res.metadata.name).await?.unwrap_or_else(|| res.clone());
    let observed = cx.observe(kind, target, identity, Priority::Urgent).await?.unwrap_or_else(|| observed.clone());
    let mut conditions = status::read(kind, &observed).conditions;
    conditions.synced = Some(false);
    conditions.synced_message = format!("{} update requested.", kind.info.kind);
    // the agent's own modification time, where AWS keeps none
    let mut stamped = res.clone();
    if let (Some(field), Some(status)) = (kind.last_modified, stamped.status.as_object_mut()) {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        status.insert(field.to_string(), json!(now));
    }
    let status = status::build(kind, &stamped, target, Some(&observed), &conditions);
    cx.store.write_status(kind.info, &res, status).await?;
    Ok(Updated::Sent)
}

/// The value at a dotted path (no lists: update paths name fields).
fn kinds_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |at, part| at.get(part)).filter(|v| !v.is_null())
}

fn set_path(v: &mut Value, path: &str, value: Value) {
    let mut at = v;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        if !at.get(*part).is_some_and(Value::is_object) {
            at[*part] = json!({});
        }
        at = &mut at[*part];
    }
    at[parts[parts.len() - 1]] = value;
}

/// One step for a resource being deleted: nothing blocks a delete for good,
/// so a Terminal reason is retried like any other.
pub async fn finalize(cx: &Context, kind: &'static AwsKind, res: &Resource) -> Result<Next, Failure> {
    let finalizer = ack::finalizer(kind.info.group, kind.info.kind);
    if !res.metadata.finalizers.contains(&finalizer) {
        return Ok(Next::Done);
    }
    let release = || async {
        cx.store.set_finalizer(kind.info, res, &finalizer, false).await?;
        tracing::info!("finalizer released");
        Ok(Next::Done)
    };
    let defaults = cx.defaults().await?;
    // retained (by the resource, its namespace or the agent), or only
    // observed: AWS is left as it is
    if defaults.retains(res, kind.info) || res.annotation(ack::ANNOTATION_READ_ONLY) == Some("true") {
        return release().await;
    }
    let target = cx.place(kind, res, &defaults)?;
    let mut identity = kind.identity(&res.spec);
    let mut observed = cx.observe(kind, &target, &identity, Priority::Urgent).await?;
    // AWS named it and the status that recorded the name was lost: found
    // again by its owner tag, so that it is not left behind
    if !kind.info.identified(&identity)
        // (a namesake made for another resource is not this one's to delete)
        && let Some(found) = find_own(cx, kind, res, &target, false).await?
    {
        let mut recorded = res.clone();
        recorded.status = json!({ "ackResourceMetadata": { "arn": found.get(kind.arn_field).cloned().unwrap_or_default() } });
        identity = kind.identity(&kind.info.effective_spec(&recorded));
        observed = Some(found);
    }
    let Some(observed) = observed else {
        return release().await;
    };
    // never stop or delete what this resource does not own: another
    // resource of the store owns the name, or AWS shows another resource
    // than the one recorded, or none was recorded and the tag says so
    if let Some(owner) = cx.owner_in_store(kind, res, &defaults).await? {
        tracing::info!(%owner, "the AWS resource of this name belongs to another resource; leaving it");
        return release().await;
    }
    let mine = match placement::recorded_arn(res) {
        Some(arn) => observed.get(kind.arn_field).and_then(Value::as_str) == Some(arn),
        None => matches!(cx.created_for(kind, &target, res, &observed).await?, Ownership::Ours),
    };
    if !mine {
        tracing::info!("the AWS resource of this name was not created for this resource; leaving it");
        return release().await;
    }
    let mut reading = status::read(kind, &observed);
    if let Err(Hold::Wait(why) | Hold::Terminal(why)) = (kind.hooks.before_delete)(&observed) {
        // nothing blocks a delete for good: it waits, saying why
        reading.conditions.synced = Some(false);
        reading.conditions.synced_message = why;
        cx.write(kind, res, &target, Some(&observed), &reading.conditions).await?;
        return Ok(Next::Poll);
    }
    let statuses = &kind.info.statuses;
    let status = reading.status.unwrap_or_default();
    let (role, verb) = if kind.stop.is_some() && statuses.stoppable.contains(&status) {
        (Role::Stop, "stop")
    } else if reading.modifying {
        // deleting (or stopping) already, or changing: wait (AWS refuses
        // to delete a resource in the middle of a change)
        cx.write(kind, res, &target, Some(&observed), &reading.conditions).await?;
        return Ok(Next::Poll);
    } else if kind.delete.is_some() {
        (Role::Delete, "delete")
    } else {
        // a finished job: its record stays in AWS, as in ACK
        return release().await;
    };
    cx.call(kind, role, &target, &identity, Priority::Urgent).await?;
    tracing::info!("{verb} requested");
    let (action, reason) = if role == Role::Stop { ("Stop", "StopRequested") } else { ("Delete", "DeleteRequested") };
    cx.note(kind, res, EventNote::normal(action, reason, format!("the resource is being deleted: asked SageMaker to {verb} it"))).await;
    match cx.observe(kind, &target, &identity, Priority::Urgent).await? {
        None => release().await,
        Some(observed) => {
            let reading = status::read(kind, &observed);
            cx.write(kind, res, &target, Some(&observed), &reading.conditions).await?;
            Ok(Next::Poll)
        }
    }
}

/// ACK's default `--resource-tags`.
pub const DEFAULT_RESOURCE_TAGS: &str =
    "services.k8s.aws/controller-version=%CONTROLLER_SERVICE%-%CONTROLLER_VERSION%,services.k8s.aws/namespace=%K8S_NAMESPACE%";

/// `--resource-tags` (`key=value,...`) with ACK's placeholders filled in for
/// `res`; tags whose value comes out empty are left out, as in ACK.
pub fn resource_tags(templates: &[(String, String)], kind: &KindInfo, res: &Resource) -> Vec<(String, String)> {
    let fill = |t: &str| {
        t.replace("%CONTROLLER_SERVICE%", kind.group.split('.').next().unwrap_or_default())
            .replace("%CONTROLLER_VERSION%", env!("CARGO_PKG_VERSION"))
            .replace("%K8S_NAMESPACE%", &res.metadata.namespace)
            .replace("%K8S_RESOURCE_NAME%", &res.metadata.name)
            .replace("%K8S_RESOURCE_KIND%", kind.kind)
            .replace("%MANAGED_BY%", "sagemaker-agent")
    };
    templates.iter().map(|(k, v)| (fill(k), fill(v))).filter(|(_, v)| !v.is_empty()).collect()
}

/// Parses `--resource-tags`: `key=value` pairs separated by commas.
pub fn parse_resource_tags(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("{pair:?} is not key=value"))
        })
        .collect()
}

/// Adds the agent's tags to a spec's tags, in either of AWS's layouts (a
/// list of key/value pairs, or a map): the owner tag (always the agent's),
/// and the `--resource-tags` (ACK's default: controller version and
/// namespace) where the spec has no tag of that key (the user's win, as in
/// ACK).
pub(crate) fn add_owner_tags(spec: &mut Value, field: &str, as_map: bool, res: &Resource, extra: &[(String, String)]) {
    let Some(obj) = spec.as_object_mut() else { return };
    let owner = res.metadata.uid.as_ref().map(|uid| (ack::TAG_OWNER.to_string(), uid.clone()));
    match obj.entry(field).or_insert_with(|| if as_map { json!({}) } else { json!([]) }) {
        Value::Array(tags) => {
            tags.retain(|t| t["key"] != ack::TAG_OWNER);
            let defaults: Vec<_> = extra.iter().filter(|(k, _)| !tags.iter().any(|t| t["key"] == k.as_str())).cloned().collect();
            tags.extend(owner.into_iter().chain(defaults).map(|(k, v)| json!({ "key": k, "value": v })));
        }
        Value::Object(tags) => {
            for (k, v) in extra {
                tags.entry(k.clone()).or_insert_with(|| json!(v));
            }
            tags.extend(owner.into_iter().map(|(k, v)| (k, json!(v))));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adopting(spec: Value, fields: &str) -> Resource {
        let mut r = Resource { spec, ..Default::default() };
        r.metadata.annotations.insert(ack::ANNOTATION_ADOPTION_POLICY.into(), "adopt".into());
        r.metadata.annotations.insert(ack::ANNOTATION_ADOPTION_FIELDS.into(), fields.into());
        r
    }

    #[test]
    fn adoption_fields_fill_the_identity_and_disagreement_unknown_keys_or_bad_json_are_named() {
        let model = &crate::kinds::MODEL;
        let id = adoption_identity(model, &adopting(json!({}), r#"{"modelName": "m"}"#)).expect("given");
        assert_eq!(id, json!({ "modelName": "m" }));
        let clash = adoption_identity(model, &adopting(json!({ "modelName": "other" }), r#"{"modelName": "m"}"#)).expect_err("clash");
        assert!(clash.contains("gives modelName \"m\", but spec.modelName is \"other\""), "{clash}");
        let unknown = adoption_identity(model, &adopting(json!({ "modelName": "m" }), r#"{"arn": "x"}"#)).expect_err("unknown");
        assert!(unknown.contains("names arn, which is not an identifier of a Model: use modelName"), "{unknown}");
        let bad = adoption_identity(model, &adopting(json!({}), "modelName=m")).expect_err("not JSON");
        assert!(bad.starts_with("services.k8s.aws/adoption-fields is not a JSON object of modelName"), "{bad}");
        // once adopted (an ARN recorded), the annotation no longer decides
        let mut done = adopting(json!({ "modelName": "m" }), "not even JSON");
        done.status = json!({ "ackResourceMetadata": { "arn": "arn:aws:sagemaker:us-east-1:1:model/m" } });
        assert_eq!(adoption_identity(model, &done), Ok(json!({ "modelName": "m" })));
    }
}
