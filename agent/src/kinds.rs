//! The AWS half of each kind's declaration: its operations (each one a value
//! that knows its SDK call and its shapes), its lifecycle, and the few hooks
//! where a kind really behaves differently (ACK's data-plus-hooks model).
//!
//! The engine, the simulator and the CRD generator read only this table: a
//! new kind is a declaration here plus its [`KindInfo`], never new code in
//! them. Spec and status conversions go through the SDK's runtime schemas
//! ([`sagemaker_schema`]); everything is spoken in ACK names, and the AWS
//! member names come from the schemas, never from this file.

use std::time::Duration;

use aws_smithy_schema::serde::{SerdeError, SerializableStruct, ShapeDeserializer};
use futures::future::BoxFuture;
use sagemaker_core::{KindInfo, Resource, kinds};
use sagemaker_schema::{MappingError, Naming};
use serde_json::{Map, Value, json};

use crate::aws::{AwsError, sdk::Clients};

/// An SDK type's generated deserializer (`CreateTrainingJobInput::deserialize`).
pub type Read<T> = fn(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>;

/// Re-names a JSON document from one naming to another by reading it into the
/// SDK type and writing it back: validation and renaming in one pass.
pub fn convert<T: SerializableStruct>(value: &Value, from: Naming, to: Naming, read: Read<T>) -> Result<Value, MappingError> {
    let typed = sagemaker_schema::from_json(value, from, read)?;
    sagemaker_schema::to_json(&typed, to)
}

/// ACK-named JSON as an AWS input; with `validate`, enforcing the service
/// model's constraints on the way (what SageMaker would reject is rejected
/// at apply, naming the field).
fn ack_to_aws<T: SerializableStruct>(value: &Value, validate: bool, read: Read<T>) -> Result<Value, MappingError> {
    let typed = if validate {
        sagemaker_schema::from_json_validated(value, Naming::Ack, read)?
    } else {
        sagemaker_schema::from_json(value, Naming::Ack, read)?
    };
    sagemaker_schema::to_json(&typed, Naming::Aws)
}

fn openapi<T>(read: Read<T>) -> Value {
    sagemaker_schema::openapi_schema(|d| read(d).map(|_| ()))
}

/// The OpenAPI of an input shape, with the service model's constraints.
fn openapi_validated<T>(read: Read<T>) -> Value {
    sagemaker_schema::openapi_schema_validated(|d| read(d).map(|_| ()))
}

/// The top-level AWS member names of a shape.
fn members(schema: &'static aws_smithy_schema::Schema<'static>) -> Vec<&'static str> {
    schema.members().iter().filter_map(|m| m.member_name()).collect()
}

/// One AWS operation: its name, how its input and output map to ACK names,
/// and how it is sent through the SDK client. Built by [`sagemaker_op!`], so
/// dispatch is a function pointer, never a match on the name.
pub struct Op {
    pub name: &'static str,
    /// ACK-named JSON -> the AWS input (validated when asked).
    pub input: fn(&Value, bool) -> Result<Value, MappingError>,
    /// The AWS output -> ACK names.
    pub output: fn(&Value) -> Result<Value, MappingError>,
    /// An AWS input -> ACK names, and whether it satisfies the service
    /// model (what the simulator accepts).
    pub read_input: fn(&Value) -> Result<Value, MappingError>,
    pub check_input: fn(&Value) -> Result<(), MappingError>,
    /// AWS member names of the input.
    pub input_members: fn() -> Vec<&'static str>,
    /// OpenAPI of the input (with constraints) and of the output.
    pub input_schema: fn() -> Value,
    pub output_schema: fn() -> Value,
    /// AWS member names of the output (what the simulator may answer).
    pub output_members: fn() -> Vec<&'static str>,
    /// Sends an AWS-JSON input with the SDK client; AWS-JSON output back.
    pub send: fn(&Clients, Value) -> BoxFuture<'static, Result<Value, AwsError>>,
}

impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A SageMaker operation from its name and the SDK's module for it.
macro_rules! sagemaker_op {
    ($name:ident, $module:ident) => {
        paste::paste! {{
            use aws_sdk_sagemaker::operation::$module::{[<$name Input>] as I, [<$name Output>] as O};
            Op {
                name: stringify!($name),
                input: |v, validate| ack_to_aws(v, validate, I::deserialize),
                output: |v| convert(v, Naming::Aws, Naming::Ack, O::deserialize),
                read_input: |v| convert(v, Naming::Aws, Naming::Ack, I::deserialize),
                check_input: |v| sagemaker_schema::from_json_validated(v, Naming::Aws, I::deserialize).map(|_| ()),
                input_members: || members(I::SCHEMA),
                input_schema: || openapi_validated(I::deserialize),
                output_schema: || openapi(O::deserialize),
                output_members: || members(O::SCHEMA),
                send: |clients, input| {
                    let client = clients.sagemaker.clone();
                    Box::pin(crate::aws::sdk::send(stringify!($name), input, I::deserialize, move |replace| {
                        client.$module().customize().interceptor(replace).send()
                    }))
                },
            }
        }}
    };
}

/// An Application Auto Scaling operation from its name and the SDK's method:
/// its SDK has no runtime schemas, so the shapes come from the service model
/// (`sagemaker_schema::application_autoscaling`) and the body is sent as it is.
macro_rules! autoscaling_op {
    ($name:ident, $module:ident) => {{
        const INPUT: &str = concat!(stringify!($name), "Request");
        const OUTPUT: &str = concat!(stringify!($name), "Response");
        fn model() -> &'static sagemaker_schema::ServiceModel {
            sagemaker_schema::application_autoscaling()
        }
        Op {
            name: stringify!($name),
            input: |v, validate| model().to_json(INPUT, v, Naming::Ack, Naming::Aws, validate),
            output: |v| model().to_json(OUTPUT, v, Naming::Aws, Naming::Ack, false),
            read_input: |v| model().to_json(INPUT, v, Naming::Aws, Naming::Ack, false),
            check_input: |v| model().to_json(INPUT, v, Naming::Aws, Naming::Aws, true).map(|_| ()),
            input_members: || model().member_names(INPUT),
            input_schema: || model().openapi_schema(INPUT, true),
            output_schema: || model().openapi_schema(OUTPUT, false),
            output_members: || model().member_names(OUTPUT),
            send: |clients, input| {
                let client = clients.autoscaling.clone();
                Box::pin(crate::aws::sdk::send_raw(stringify!($name), input, move |raw| {
                    client.$module().customize().interceptor(raw).send()
                }))
            },
        }
    }};
}

/// What an operation does to its kind: the engine asks for a role, the
/// simulator plays it, and neither names an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Create,
    Describe,
    Update,
    Delete,
    Stop,
    ListTags,
    /// Lists what exists (for `adopt --all`).
    List,
    /// Starts a stopped resource again (a notebook instance after an update).
    Start,
    /// Lists the resources a resource made (a tuning job's training jobs).
    Children,
    /// Lists candidates for a resource AWS names itself, whose status was lost.
    Find,
    /// Adds and removes tags (tag edits reach AWS).
    AddTags,
    DeleteTags,
}

/// How an AWS "not found" looks for a kind (it differs per API, §1.4). The
/// message template (with `{arn}`) is also what the simulator answers, so the
/// matcher and the simulation cannot drift apart.
#[derive(Debug, Clone, Copy)]
pub struct NotFound {
    pub code: &'static str,
    /// The message, with `{arn}` where AWS names the resource; a message
    /// matches when it starts with the text before `{arn}`.
    pub message: &'static str,
}

impl NotFound {
    pub fn matches(&self, e: &AwsError) -> bool {
        e.code == self.code && template_matches(self.message, &e.message)
    }
}

/// Whether an AWS message fits a template with `{arn}` or `{name}` holes:
/// it starts with the text before the first hole and ends with the text
/// after the last (quotes around a hole belong to it: AWS quotes names in
/// different ways per API).
fn template_matches(template: &str, message: &str) -> bool {
    let holes = |c: char| c == '"' || c == '\'' || c == '(';
    match (template.find('{'), template.rfind('}')) {
        (Some(start), Some(end)) => {
            let prefix = template[..start].trim_end_matches(holes).trim_end();
            let suffix = template[end + 1..].trim_start_matches(['"', '\'', ')']);
            message.starts_with(prefix) && message.ends_with(suffix)
        }
        _ => message.starts_with(template),
    }
}

/// What a second create of the same name gets: the simulator's answer, and
/// how the engine recognises it (the message up to `{arn}`).
#[derive(Debug, Clone, Copy)]
pub struct AlreadyExists {
    pub code: &'static str,
    pub message: &'static str,
}

impl AlreadyExists {
    pub fn matches(&self, e: &AwsError) -> bool {
        e.code == self.code && template_matches(self.message, &e.message)
    }
}

/// For kinds AWS describes with a list call (Application Auto Scaling's
/// `Describe*` take lists of ids and answer lists): how to ask for one.
#[derive(Debug, Clone, Copy)]
pub struct DescribeList {
    /// The answer's list member (ACK name): `scalableTargets`.
    pub items: &'static str,
    /// The describe input (ACK names) for an identity.
    pub input: fn(&Value) -> Value,
    /// AWS member names of one item, and its OpenAPI (the status's source).
    pub item_members: fn() -> Vec<&'static str>,
    pub item_schema: fn() -> Value,
}

/// How to list what exists of a kind (`adopt --all`): a paged call whose
/// answer's `items` hold at least each resource's identifiers and ARN.
#[derive(Debug)]
pub struct List {
    pub op: Op,
    /// The answer's list member (ACK name): `trainingJobSummaries`.
    pub items: &'static str,
    /// The input (ACK names) asking for every resource.
    pub input: fn() -> Value,
    /// The input member filtering by part of the name, where AWS has one.
    pub name_contains: Option<&'static str>,
    /// Where the list's summaries name an identifier or the ARN otherwise
    /// than describe does: (summary member, describe member), AWS names
    /// (a job definition's `MonitoringJobDefinitionName` is its
    /// `JobDefinitionName`).
    pub renamed: &'static [(&'static str, &'static str)],
}

impl List {
    /// A summary from the list call (ACK names) in the terms of the spec
    /// and of describe.
    pub fn in_spec_terms(&self, item: &Value) -> Value {
        let mut item = item.clone();
        if let Some(o) = item.as_object_mut() {
            for (summary, described) in self.renamed {
                if let Some(v) = o.remove(&sagemaker_schema::ack_name(summary)) {
                    o.insert(sagemaker_schema::ack_name(described), v);
                }
            }
        }
        item
    }
}

/// How a spec edit reaches AWS.
#[derive(Debug)]
pub struct Update {
    pub op: Op,
    /// Spec paths the update input carries (with the identifiers); edits to
    /// any other field are refused at apply.
    pub fields: &'static [&'static str],
    /// The subset of `fields` compared with what AWS reports to decide that
    /// an update is due (a field AWS does not echo is carried, not compared).
    pub compare: &'static [&'static str],
    /// Statuses an update may be sent in; `None`: whenever the resource is
    /// not changing (a training job is updated while it runs).
    pub allowed_in: Option<&'static [&'static str]>,
    /// For kinds updated only while stopped (a notebook instance): the
    /// operation that starts the resource again after the update. The
    /// engine stops it with the kind's stop operation first, and starts
    /// again only what it stopped.
    pub restart: Option<Op>,
    /// Spec fields whose removal AWS takes as a flag rather than an absent
    /// member: (spec path, update member set to `true`), e.g. a notebook's
    /// `lifecycleConfigName` and `disassociateLifecycleConfig`. Without it a
    /// field the user deleted would stay in AWS, silently.
    pub cleared: &'static [(&'static str, &'static str)],
}

/// What a resource made that `describe` lists under it (a tuning job's
/// training jobs), through one list call.
#[derive(Debug)]
pub struct Children {
    pub title: &'static str,
    pub op: Op,
    /// The list input (ACK names) from the parent's identity.
    pub input: fn(&Value) -> Value,
    /// The answer's list member (ACK name).
    pub items: &'static str,
    /// Columns: (header, dotted path in an item).
    pub columns: &'static [(&'static str, &'static str)],
}

/// How to find the AWS resource of a kind AWS names itself (a Domain)
/// when the status that recorded its id was lost: list the candidates,
/// and take the one whose owner tag names this resource.
#[derive(Debug)]
pub struct Find {
    pub op: Op,
    /// The list input (ACK names) for a spec.
    pub input: fn(&Value) -> Value,
    /// The answer's list member and each item's ARN member (ACK names).
    pub items: &'static str,
    pub arn: &'static str,
    /// Whether an item is the spec's namesake.
    pub matches: fn(&Value, &Value) -> bool,
    /// Whether a namesake not created for this resource blocks the create
    /// (a second Domain of one name is a mistake; a second version of a
    /// model package is not).
    pub unique: bool,
}

/// What an update is about to do, for [`Hooks::before_update`].
pub struct UpdateContext<'a> {
    pub resource: &'a Resource,
    /// What AWS reports now, in ACK names.
    pub observed: &'a Value,
    /// The update input about to be sent, in ACK names.
    pub input: &'a Value,
}

/// Why a hook will not let an update go ahead.
#[derive(Debug)]
pub enum Hold {
    /// Needs a spec change (`ACK.Terminal`), with what to change.
    Terminal(String),
    /// Not now: look again later, saying why.
    Wait(String),
}

/// The small places where a kind behaves differently. Each has a do-nothing
/// default ([`NO_HOOKS`]).
#[derive(Debug, Clone, Copy)]
pub struct Hooks {
    /// Adjusts an update's input (ACK names) given what AWS reports: adds
    /// constant members (Endpoint's `retainAllVariantProperties`), drops
    /// what AWS takes only once (existing profiler rules).
    pub update_input: fn(&mut Value, &Value),
    /// Decides whether an update may go ahead now.
    pub before_update: fn(&UpdateContext<'_>) -> Result<(), Hold>,
    /// Annotations to record on the resource after an update was accepted.
    pub after_update: fn(&UpdateContext<'_>) -> Vec<(&'static str, String)>,
    /// Decides whether the AWS resource (as observed, ACK names) may be
    /// stopped or deleted now; a hold makes the deletion wait, saying why
    /// (a monitoring schedule while one of its executions runs).
    pub before_delete: fn(&Value) -> Result<(), Hold>,
    /// Rewrites what AWS reports (ACK names) in the spec's terms before the
    /// two are compared (an inference component's `desiredCopyCount` is the
    /// spec's `copyCount`).
    pub observed_as_spec: fn(&mut Value),
}

pub const NO_HOOKS: Hooks = Hooks {
    update_input: |_, _| {},
    before_update: |_| Ok(()),
    after_update: |_| Vec::new(),
    before_delete: |_| Ok(()),
    observed_as_spec: |_| {},
};

/// The service a kind belongs to: its ARN prefix and tag operations.
#[derive(Debug)]
pub struct Service {
    /// `sagemaker`, as in ARNs.
    pub arn_service: &'static str,
    /// Whether a create or update the service rejects as invalid needs a
    /// spec change (`ACK.Terminal`); Application Auto Scaling rejects
    /// requests for states that pass (an endpoint still being created), so
    /// ACK retries all of its errors.
    pub rejected_is_terminal: bool,
    /// Whether identifiers are resource names with the service's name rule
    /// (SageMaker's `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`), checked at apply.
    pub names_resources: bool,
    /// Lists an AWS resource's tags by ARN (`resourceARN` in, tags out).
    pub list_tags: Op,
    /// The tags of a [`Service::list_tags`] answer, in ACK names.
    pub read_tags: fn(&Value) -> Vec<(String, String)>,
    /// Whether the service's tags are a map (`{key: value}`) rather than a
    /// list of `{key, value}` pairs.
    pub tags_are_a_map: bool,
    /// Adds tags to an ARN (`resourceARN`, `tags` in the service's layout)
    /// and removes keys (`resourceARN`, `tagKeys`): how tag edits reach AWS.
    pub add_tags: Op,
    pub delete_tags: Op,
}

/// How the simulator plays a kind's lifecycle: one phase per simulated step.
#[derive(Debug, Clone, Copy)]
pub struct SimLifecycle {
    /// The ARN, with `{region}`, `{account}`, `{name}` (the identifiers,
    /// lowercased), `{id}` (a stable 32-hex id) and `{field}` for any
    /// identifier field: `arn:aws:sagemaker:{region}:{account}:training-job/{name}`.
    pub arn: &'static str,
    /// (status, progress) while being created, one step each.
    pub creating: &'static [(&'static str, &'static str)],
    /// Where creation ends well, and where it ends when asked to fail.
    pub settled: (&'static str, &'static str),
    pub failed: (&'static str, &'static str),
    /// The status a stopped job passes through before its declared
    /// `stopped` one.
    pub stopping: Option<&'static str>,
    /// While an update is applied; a failed one rolls back through the
    /// second status to `settled`, keeping the old spec, with the reason.
    pub updating: Option<(&'static str, &'static str)>,
    /// Status shown for one step after a delete, before it is gone.
    pub deleting: Option<&'static str>,
    /// Spec paths whose value, when present, makes the simulated resource
    /// fail with it as the reason (besides the generic tag
    /// [`crate::aws::sim::FAIL_TAG`] on it or on a resource it depends on).
    pub fail_paths: &'static [&'static str],
    /// Members only this kind's describe answers (training transitions,
    /// an endpoint's variants), from the simulated state.
    pub extras: fn(&crate::aws::sim::View<'_>) -> Map<String, Value>,
    /// What the resource writes to its log streams (for kinds with
    /// [`AwsKind::logs`]), from the simulated state.
    pub logs: fn(&crate::aws::sim::View<'_>) -> Vec<crate::aws::sim::SimLog>,
    /// For kinds AWS names itself ([`KindInfo::assigned`]): the ARN a create
    /// gets, with `{seq}` (1 + how many of the kind share the spec's label,
    /// a model package's version) and `{new}` (12 fresh characters).
    pub assigned_arn: Option<&'static str>,
    /// The items of a [`Children`] list (AWS names), from the simulated state.
    pub children: fn(&crate::aws::sim::View<'_>) -> Vec<Value>,
}

impl SimLifecycle {
    /// A resource with no lifecycle of its own: it exists, or not.
    pub const fn exists(arn: &'static str) -> SimLifecycle {
        SimLifecycle {
            arn,
            creating: &[],
            settled: ("", ""),
            failed: ("", ""),
            stopping: None,
            updating: None,
            deleting: None,
            fail_paths: &[],
            extras: no_extras,
            logs: no_logs,
            assigned_arn: None,
            children: |_| Vec::new(),
        }
    }
}

fn no_extras(_: &crate::aws::sim::View<'_>) -> Map<String, Value> {
    Map::new()
}

fn no_logs(_: &crate::aws::sim::View<'_>) -> Vec<crate::aws::sim::SimLog> {
    Vec::new()
}

/// Where a kind's CloudWatch logs are, as SageMaker writes them; `{name}`
/// stands for the resource's AWS name. Declaring this is all a kind needs
/// for `kubectl sagemaker logs`.
#[derive(Debug, Clone, Copy)]
pub struct Logs {
    /// The log group: `/aws/sagemaker/TrainingJobs`,
    /// `/aws/sagemaker/Endpoints/{name}`.
    pub group: &'static str,
    /// How the resource's stream names start in the group: `{name}/` (one
    /// stream per instance, `{name}/algo-1-1700000000`), or empty when the
    /// group is the resource's own (an endpoint's `<variant>/<instance>`).
    pub streams: &'static str,
}

impl Logs {
    pub fn group_of(&self, name: &str) -> String {
        self.group.replace("{name}", name)
    }

    pub fn streams_of(&self, name: &str) -> String {
        self.streams.replace("{name}", name)
    }
}

/// Everything the engine needs to manage one kind in AWS.
pub struct AwsKind {
    pub info: &'static KindInfo,
    pub service: &'static Service,
    pub create: Op,
    pub describe: Op,
    /// Set when `describe` is a list call; its answer holds one item or none.
    pub describe_list: Option<DescribeList>,
    pub update: Option<Update>,
    /// Deletes a long-lived resource (then waits until it is gone).
    pub delete: Option<Op>,
    /// Stops a running job (the job record stays in AWS).
    pub stop: Option<Op>,
    /// Lists what exists (`adopt --all`).
    pub list: Option<List>,
    /// The ARN's member in create and describe outputs (ACK name).
    pub arn_field: &'static str,
    /// Describe-output members copied into `status`, as ACK does.
    pub status_fields: &'static [&'static str],
    /// A status field the agent keeps itself where AWS reports no
    /// modification time (ACK's `lastModifiedTime` of the autoscaling kinds):
    /// the creation time at first, then the time of each update it sends.
    pub last_modified: Option<&'static str>,
    pub not_found: NotFound,
    /// What a second create gets; `None` for kinds whose create is an upsert
    /// (RegisterScalableTarget, PutScalingPolicy).
    pub already_exists: Option<AlreadyExists>,
    /// AWS error codes of a create that need a spec change (`ACK.Terminal`).
    pub terminal_codes: &'static [&'static str],
    /// The spec's tag list, where the agent adds its owner tag at create.
    pub tags_field: Option<&'static str>,
    /// How often a resource in a steady state is described again, so drift
    /// (an endpoint deleted or changed outside Kubernetes) shows; `None` for
    /// jobs, whose final state never changes.
    pub resync: Option<Duration>,
    /// Where its logs are, for kinds that write logs.
    pub logs: Option<Logs>,
    /// What `describe` lists under a resource of this kind.
    pub children: Option<Children>,
    /// How a resource AWS names itself is found again ([`KindInfo::assigned`]).
    pub find: Option<Find>,
    /// The create input member making a create idempotent (a client
    /// token): the agent sends the resource's uid, so a create retried
    /// after a lost status answers with the resource it made before.
    pub client_token: Option<&'static str>,
    /// Statuses meaning the resource no longer exists (a deleted App stays
    /// listed as `Deleted`).
    pub gone: &'static [&'static str],
    pub hooks: Hooks,
    pub sim: SimLifecycle,
}

impl AwsKind {
    /// The operation playing `role`, if the kind has one.
    pub fn op(&self, role: Role) -> Option<&Op> {
        match role {
            Role::Create => Some(&self.create),
            Role::Describe => Some(&self.describe),
            Role::Update => self.update.as_ref().map(|u| &u.op),
            Role::Delete => self.delete.as_ref(),
            Role::Stop => self.stop.as_ref(),
            Role::ListTags => Some(&self.service.list_tags),
            Role::List => self.list.as_ref().map(|l| &l.op),
            Role::Start => self.update.as_ref().and_then(|u| u.restart.as_ref()),
            Role::Children => self.children.as_ref().map(|c| &c.op),
            Role::Find => self.find.as_ref().map(|f| &f.op),
            Role::AddTags => self.tags_field.map(|_| &self.service.add_tags),
            Role::DeleteTags => self.tags_field.map(|_| &self.service.delete_tags),
        }
    }

    /// The resource as the engine acts on it: its spec with the defaults
    /// [`KindInfo::effective_spec`] fills in.
    pub fn effective(&self, res: &Resource) -> Resource {
        Resource { spec: self.info.effective_spec(res), ..res.clone() }
    }

    /// The identifiers of a spec, as the input of describe, delete and stop.
    pub fn identity(&self, spec: &Value) -> Value {
        let mut out = Map::new();
        for f in self.info.identifiers {
            if let Some(v) = spec.get(*f) {
                out.insert((*f).to_string(), v.clone());
            }
        }
        Value::Object(out)
    }

    /// Spec fields that may change after creation (top-level names, for apply).
    pub fn updatable_fields(&self) -> Vec<&'static str> {
        self.update.iter().flat_map(|u| u.fields.iter().map(|f| f.split(['.', '[']).next().unwrap_or(f))).collect()
    }

    /// OpenAPI of the spec: the create input, plus the fields only the
    /// update takes (ACK's ModelPackage `approvalDescription`).
    pub fn spec_schema(&self) -> Value {
        let mut schema = (self.create.input_schema)();
        if let Some(update) = &self.update {
            let update_schema = (update.op.input_schema)();
            for field in self.update_only_fields() {
                if let (Some(props), Some(s)) = (schema.get_mut("properties").and_then(Value::as_object_mut), update_schema.pointer(&format!("/properties/{field}"))) {
                    props.insert(field.to_string(), s.clone());
                }
            }
        }
        schema
    }

    /// Top-level spec fields the update takes and the create does not: set
    /// by an update right after the create.
    pub fn update_only_fields(&self) -> Vec<&'static str> {
        let create = self.create_members();
        self.updatable_fields().into_iter().filter(|f| !create.iter().any(|c| c == f)).collect()
    }

    /// The create input's members, in ACK names.
    pub fn create_members(&self) -> Vec<String> {
        (self.create.input_members)().into_iter().map(sagemaker_schema::ack_name).collect()
    }

    /// The spec as a create input (ACK names): without the fields only an
    /// update takes, and without an identifier AWS assigned.
    pub fn create_spec(&self, spec: &Value) -> Value {
        let mut spec = spec.clone();
        if let Some(o) = spec.as_object_mut() {
            for f in self.update_only_fields() {
                o.remove(f);
            }
            if let Some(a) = self.info.assigned {
                let create = self.create_members();
                let assigned_by_aws = o.get(a.field).and_then(Value::as_str).is_some_and(|v| v.starts_with("arn:"));
                if !create.iter().any(|c| c == a.field) || assigned_by_aws {
                    o.remove(a.field);
                }
            }
        }
        spec
    }

    /// OpenAPI of what describe reports about one resource.
    pub fn describe_schema(&self) -> Value {
        match &self.describe_list {
            Some(list) => (list.item_schema)(),
            None => (self.describe.output_schema)(),
        }
    }

    /// AWS member names of what describe reports about one resource.
    pub fn describe_members(&self) -> Vec<&'static str> {
        match &self.describe_list {
            Some(list) => (list.item_members)(),
            None => (self.describe.output_members)(),
        }
    }

    /// The describe input for an identity (ACK names).
    pub fn describe_input(&self, identity: &Value) -> Value {
        match &self.describe_list {
            Some(list) => (list.input)(identity),
            None => identity.clone(),
        }
    }
}

impl std::fmt::Debug for AwsKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsKind").field("kind", &self.info.kind).finish_non_exhaustive()
    }
}

pub static SAGEMAKER: Service = Service {
    arn_service: "sagemaker",
    rejected_is_terminal: true,
    names_resources: true,
    tags_are_a_map: false,
    list_tags: sagemaker_op!(ListTags, list_tags),
    add_tags: sagemaker_op!(AddTags, add_tags),
    delete_tags: sagemaker_op!(DeleteTags, delete_tags),
    read_tags: |out| {
        let tags = out.get("tags").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        tags.iter()
            .filter_map(|t| Some((t.get("key")?.as_str()?.to_string(), t.get("value")?.as_str()?.to_string())))
            .collect()
    },
};

/// How often a steady long-lived resource is described again (ACK: 10 h).
const STEADY: Option<Duration> = Some(Duration::from_secs(600));

/// ACK's terminal codes for SageMaker jobs (`generator.yaml`).
const JOB_TERMINAL_CODES: &[&str] = &[
    "ResourceNotFound",
    "ResourceInUse",
    "InvalidParameterCombination",
    "InvalidParameterValue",
    "MissingParameter",
];

/// ACK's terminal codes for the hosting kinds.
const HOSTING_TERMINAL_CODES: &[&str] = &["InvalidParameterCombination", "InvalidParameterValue", "MissingParameter"];

pub static TRAINING_JOB: AwsKind = AwsKind {
    info: &kinds::TRAINING_JOB,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateTrainingJob, create_training_job),
    describe: sagemaker_op!(DescribeTrainingJob, describe_training_job),
    describe_list: None,
    // the only edits SageMaker accepts after creation (§2.1)
    update: Some(Update {
        op: sagemaker_op!(UpdateTrainingJob, update_training_job),
        fields: &["resourceConfig.keepAlivePeriodInSeconds", "profilerConfig", "profilerRuleConfigurations"],
        compare: &["resourceConfig.keepAlivePeriodInSeconds", "profilerConfig", "profilerRuleConfigurations"],
        allowed_in: Some(&["InProgress", "Completed"]),
        restart: None,
        cleared: &[],
    }),
    delete: None,
    stop: Some(sagemaker_op!(StopTrainingJob, stop_training_job)),
    list: Some(List { op: sagemaker_op!(ListTrainingJobs, list_training_jobs), items: "trainingJobSummaries", input: || json!({}), name_contains: Some("nameContains"), renamed: &[] }),
    arn_field: "trainingJobARN",
    status_fields: &[
        "trainingJobStatus",
        "secondaryStatus",
        "failureReason",
        "modelArtifacts",
        "debugRuleEvaluationStatuses",
        "profilerRuleEvaluationStatuses",
        "profilingStatus",
        "warmPoolStatus",
        "creationTime",
        "lastModifiedTime",
    ],
    last_modified: None,
    not_found: NotFound { code: "ValidationException", message: "Requested resource not found." },
    already_exists: Some(AlreadyExists {
        code: "ResourceInUse",
        message: "Training job names must be unique within an AWS account and region, and a training job with this name already exists ({arn})",
    }),
    terminal_codes: JOB_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: None,
    logs: Some(Logs { group: "/aws/sagemaker/TrainingJobs", streams: "{name}/" }),
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: Hooks { before_update: training_job_update_guard, update_input: only_new_profiler_rules, ..NO_HOOKS },
    sim: SimLifecycle {
        arn: "arn:aws:sagemaker:{region}:{account}:training-job/{name}",
        creating: &[
            ("InProgress", "Starting"),
            ("InProgress", "LaunchingMLInstances"),
            ("InProgress", "Downloading"),
            ("InProgress", "Training"),
            ("InProgress", "Uploading"),
        ],
        settled: ("Completed", "Completed"),
        failed: ("Failed", "Failed"),
        stopping: Some("Stopping"),
        updating: None,
        deleting: None,
        fail_paths: &["environment.SIM_FAIL_REASON"],
        extras: crate::aws::sim::training_job_extras,
        logs: crate::aws::sim::training_job_logs,
        ..SimLifecycle::exists("")
    },
};

/// UpdateTrainingJob adds profiler rules; the ones the job has stay out.
fn only_new_profiler_rules(input: &mut Value, observed: &Value) {
    let existing: Vec<&Value> = observed
        .get("profilerRuleConfigurations")
        .and_then(Value::as_array)
        .map(|rules| rules.iter().filter_map(|r| r.get("ruleConfigurationName")).collect())
        .unwrap_or_default();
    if let Some(rules) = input.get_mut("profilerRuleConfigurations").and_then(Value::as_array_mut) {
        rules.retain(|r| r.get("ruleConfigurationName").is_none_or(|n| !existing.contains(&n)));
        if rules.is_empty() {
            input.as_object_mut().map(|o| o.remove("profilerRuleConfigurations"));
        }
    }
}

/// UpdateTrainingJob's rules (ACK §2.1): warm pool and profiler are updated
/// one at a time, the profiler only while the job runs.
fn training_job_update_guard(cx: &UpdateContext<'_>) -> Result<(), Hold> {
    // the input carries only what changed
    let warm_pool = cx.input.pointer("/resourceConfig/keepAlivePeriodInSeconds").is_some();
    let profiler = ["profilerConfig", "profilerRuleConfigurations"].iter().any(|f| cx.input.get(*f).is_some());
    let status = cx.observed.get("trainingJobStatus").and_then(Value::as_str).unwrap_or_default();
    if warm_pool && profiler {
        return Err(Hold::Terminal(
            "cannot update the warm pool and the profiler at the same time: change one, apply, then the other".into(),
        ));
    }
    if profiler && status != "InProgress" {
        return Err(Hold::Terminal(format!(
            "the profiler can only be updated while the training job is InProgress; it is {status}"
        )));
    }
    if warm_pool {
        if cx.observed.pointer("/resourceConfig/keepAlivePeriodInSeconds").is_none() {
            return Err(Hold::Terminal(
                "this training job has no warm pool: a warm pool can only be configured at creation (resourceConfig.keepAlivePeriodInSeconds)".into(),
            ));
        }
        let pool = cx.observed.pointer("/warmPoolStatus/status").and_then(Value::as_str);
        match (status, pool) {
            ("InProgress", _) | ("Completed", Some("Available" | "InUse")) => {}
            ("Completed", None) => return Err(Hold::Wait("waiting for the warm pool to become available".into())),
            (s, p) => {
                return Err(Hold::Terminal(format!(
                    "the warm pool can no longer be updated (job {s}, warm pool {})",
                    p.unwrap_or("absent")
                )));
            }
        }
    }
    Ok(())
}

pub static MODEL: AwsKind = AwsKind {
    info: &kinds::MODEL,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateModel, create_model),
    describe: sagemaker_op!(DescribeModel, describe_model),
    describe_list: None,
    update: None,
    delete: Some(sagemaker_op!(DeleteModel, delete_model)),
    stop: None,
    list: Some(List { op: sagemaker_op!(ListModels, list_models), items: "models", input: || json!({}), name_contains: Some("nameContains"), renamed: &[] }),
    arn_field: "modelARN",
    status_fields: &[],
    last_modified: None,
    not_found: NotFound { code: "ValidationException", message: "Could not find model \"{arn}\"." },
    already_exists: Some(AlreadyExists {
        code: "ValidationException",
        message: "Cannot create already existing model \"{arn}\".",
    }),
    terminal_codes: HOSTING_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: SimLifecycle::exists("arn:aws:sagemaker:{region}:{account}:model/{name}"),
};

pub static ENDPOINT_CONFIG: AwsKind = AwsKind {
    info: &kinds::ENDPOINT_CONFIG,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateEndpointConfig, create_endpoint_config),
    describe: sagemaker_op!(DescribeEndpointConfig, describe_endpoint_config),
    describe_list: None,
    update: None,
    delete: Some(sagemaker_op!(DeleteEndpointConfig, delete_endpoint_config)),
    stop: None,
    list: Some(List { op: sagemaker_op!(ListEndpointConfigs, list_endpoint_configs), items: "endpointConfigs", input: || json!({}), name_contains: Some("nameContains"), renamed: &[] }),
    arn_field: "endpointConfigARN",
    status_fields: &[],
    last_modified: None,
    not_found: NotFound { code: "ValidationException", message: "Could not find endpoint configuration \"{arn}\"." },
    already_exists: Some(AlreadyExists {
        code: "ValidationException",
        message: "Cannot create already existing endpoint configuration \"{arn}\".",
    }),
    terminal_codes: HOSTING_TERMINAL_CODES,
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: SimLifecycle::exists("arn:aws:sagemaker:{region}:{account}:endpoint-config/{name}"),
};

/// The spec's tags the agent last brought to AWS (JSON pairs): a tag edit is
/// what differs from them, and only tags the spec dropped are removed.
pub const ANNOTATION_SYNCED_TAGS: &str = "sagemaker.services.k8s.aws/synced-tags";

/// The removable fields (`Update::cleared`) the spec stated when it last
/// reached AWS, comma-separated: only those are removed when left out.
pub const ANNOTATION_STATED: &str = "sagemaker.services.k8s.aws/stated-fields";

/// Records that the engine stopped a resource to update it (a notebook
/// instance), so that it starts again what it stopped, and nothing else.
pub const ANNOTATION_RESTART: &str = "sagemaker.services.k8s.aws/restart-after-update";

/// ACK's annotation recording the config an update last tried, so a failed
/// update is never retried with the same config (§2.7).
pub const LAST_ENDPOINT_CONFIG_FOR_UPDATE: &str = "sagemaker.services.k8s.aws/last-endpoint-config-for-update";

pub static ENDPOINT: AwsKind = AwsKind {
    info: &kinds::ENDPOINT,
    service: &SAGEMAKER,
    create: sagemaker_op!(CreateEndpoint, create_endpoint),
    describe: sagemaker_op!(DescribeEndpoint, describe_endpoint),
    describe_list: None,
    // a deployment config says how the next update rolls out: it is carried
    // with a config change, and AWS does not echo it back to compare
    update: Some(Update {
        op: sagemaker_op!(UpdateEndpoint, update_endpoint),
        fields: &["endpointConfigName", "deploymentConfig"],
        compare: &["endpointConfigName"],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(sagemaker_op!(DeleteEndpoint, delete_endpoint)),
    stop: None,
    list: Some(List { op: sagemaker_op!(ListEndpoints, list_endpoints), items: "endpoints", input: || json!({}), name_contains: Some("nameContains"), renamed: &[] }),
    arn_field: "endpointARN",
    status_fields: &[
        "endpointStatus",
        "failureReason",
        "creationTime",
        "lastModifiedTime",
        "productionVariants",
        "pendingDeploymentSummary",
    ],
    last_modified: None,
    not_found: NotFound { code: "ValidationException", message: "Could not find endpoint \"{arn}\"." },
    already_exists: Some(AlreadyExists {
        code: "ValidationException",
        message: "Cannot create already existing endpoint \"{arn}\".",
    }),
    terminal_codes: HOSTING_TERMINAL_CODES,
    tags_field: Some("tags"),
    // minutes, not ACK's 30 s (calls) or 10 h (drift unseen)
    resync: Some(Duration::from_secs(300)),
    logs: Some(Logs { group: "/aws/sagemaker/Endpoints/{name}", streams: "" }),
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: Hooks {
        // autoscaled capacity survives a config change
        update_input: |input, _| input["retainAllVariantProperties"] = json!(true),
        before_update: endpoint_update_guard,
        after_update: |cx| {
            let config = cx.input.get("endpointConfigName").and_then(Value::as_str).unwrap_or_default();
            vec![(LAST_ENDPOINT_CONFIG_FOR_UPDATE, config.to_string())]
        },
        ..NO_HOOKS
    },
    sim: SimLifecycle {
        arn: "arn:aws:sagemaker:{region}:{account}:endpoint/{name}",
        creating: &[("Creating", "")],
        settled: ("InService", ""),
        failed: ("Failed", ""),
        stopping: None,
        updating: Some(("Updating", "RollingBack")),
        deleting: Some("Deleting"),
        fail_paths: &[],
        extras: crate::aws::sim::endpoint_extras,
        logs: crate::aws::sim::endpoint_logs,
        ..SimLifecycle::exists("")
    },
};

/// ACK's failed-update guard (§2.7): SageMaker rolls a failed update back to
/// InService with a FailureReason; the same config is never tried again
/// (a new config name always is), and a Failed endpoint cannot be updated.
fn endpoint_update_guard(cx: &UpdateContext<'_>) -> Result<(), Hold> {
    let text = |v: &Value, f: &str| v.get(f).and_then(Value::as_str).map(str::to_string);
    let status = text(cx.observed, "endpointStatus").unwrap_or_default();
    let current = text(cx.observed, "endpointConfigName").unwrap_or_default();
    let desired = text(cx.input, "endpointConfigName").unwrap_or_default();
    let failure = text(cx.observed, "failureReason");
    if status == "Failed" {
        return Err(Hold::Terminal(format!(
            "unable to update endpoint: it is Failed ({}); delete it and create it again",
            failure.unwrap_or_default()
        )));
    }
    let tried = cx.resource.annotation(LAST_ENDPOINT_CONFIG_FOR_UPDATE) == Some(desired.as_str());
    if let Some(reason) = failure
        && tried
        && current != desired
        && !reason.starts_with("Request to service failed")
    {
        return Err(Hold::Terminal(format!(
            "the update to endpoint config {desired} failed and was rolled back ({reason}); the endpoint still serves \
             {current}: fix the cause and point endpointConfigName at a new config, or back at {current}"
        )));
    }
    Ok(())
}

pub static APPLICATION_AUTOSCALING: Service = Service {
    arn_service: "application-autoscaling",
    rejected_is_terminal: false,
    names_resources: false,
    tags_are_a_map: true,
    list_tags: autoscaling_op!(ListTagsForResource, list_tags_for_resource),
    add_tags: autoscaling_op!(TagResource, tag_resource),
    delete_tags: autoscaling_op!(UntagResource, untag_resource),
    read_tags: |out| {
        let tags = out.get("tags").and_then(Value::as_object);
        tags.into_iter().flatten().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect()
    },
};

/// The three fields that name a scalable target, as a describe input.
fn scalable_target_query(id: &Value) -> Value {
    json!({ "serviceNamespace": id["serviceNamespace"], "resourceIDs": [id["resourceID"]], "scalableDimension": id["scalableDimension"] })
}

pub static SCALABLE_TARGET: AwsKind = AwsKind {
    info: &kinds::SCALABLE_TARGET,
    service: &APPLICATION_AUTOSCALING,
    create: autoscaling_op!(RegisterScalableTarget, register_scalable_target),
    describe: autoscaling_op!(DescribeScalableTargets, describe_scalable_targets),
    describe_list: Some(DescribeList {
        items: "scalableTargets",
        input: scalable_target_query,
        item_members: || sagemaker_schema::application_autoscaling().member_names("ScalableTarget"),
        item_schema: || sagemaker_schema::application_autoscaling().openapi_schema("ScalableTarget", false),
    }),
    // registering again is how AWS updates a target (§3.1)
    update: Some(Update {
        op: autoscaling_op!(RegisterScalableTarget, register_scalable_target),
        fields: &["minCapacity", "maxCapacity", "suspendedState", "roleARN"],
        // AWS reports its service-linked role whatever role was given
        compare: &["minCapacity", "maxCapacity", "suspendedState"],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(autoscaling_op!(DeregisterScalableTarget, deregister_scalable_target)),
    stop: None,
    // every target (policy) of SageMaker's; the prefix is matched here
    list: Some(List { op: autoscaling_op!(DescribeScalableTargets, describe_scalable_targets), items: "scalableTargets", input: || json!({ "serviceNamespace": "sagemaker" }), name_contains: None, renamed: &[] }),
    arn_field: "scalableTargetARN",
    status_fields: &["creationTime"],
    last_modified: Some("lastModifiedTime"),
    not_found: NotFound { code: "ObjectNotFoundException", message: "No scalable target found for {arn}" },
    already_exists: None,
    // ACK: every Application Auto Scaling error is Recoverable
    terminal_codes: &[],
    tags_field: Some("tags"),
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: SimLifecycle::exists("arn:aws:application-autoscaling:{region}:{account}:scalable-target/{id}"),
};

pub static SCALING_POLICY: AwsKind = AwsKind {
    info: &kinds::SCALING_POLICY,
    service: &APPLICATION_AUTOSCALING,
    create: autoscaling_op!(PutScalingPolicy, put_scaling_policy),
    describe: autoscaling_op!(DescribeScalingPolicies, describe_scaling_policies),
    describe_list: Some(DescribeList {
        items: "scalingPolicies",
        input: |id| {
            let mut query = scalable_target_query(id);
            query["policyNames"] = json!([id["policyName"]]);
            query["resourceID"] = id["resourceID"].clone();
            query.as_object_mut().map(|o| o.remove("resourceIDs"));
            query
        },
        item_members: || sagemaker_schema::application_autoscaling().member_names("ScalingPolicy"),
        item_schema: || sagemaker_schema::application_autoscaling().openapi_schema("ScalingPolicy", false),
    }),
    // putting it again is how AWS updates a policy (§3.2)
    update: Some(Update {
        op: autoscaling_op!(PutScalingPolicy, put_scaling_policy),
        fields: &[
            "policyType",
            "targetTrackingScalingPolicyConfiguration",
            "stepScalingPolicyConfiguration",
            "predictiveScalingPolicyConfiguration",
        ],
        compare: &[
            "policyType",
            "targetTrackingScalingPolicyConfiguration",
            "stepScalingPolicyConfiguration",
            "predictiveScalingPolicyConfiguration",
        ],
        allowed_in: None,
        restart: None,
        cleared: &[],
    }),
    delete: Some(autoscaling_op!(DeleteScalingPolicy, delete_scaling_policy)),
    stop: None,
    // every target (policy) of SageMaker's; the prefix is matched here
    list: Some(List { op: autoscaling_op!(DescribeScalingPolicies, describe_scaling_policies), items: "scalingPolicies", input: || json!({ "serviceNamespace": "sagemaker" }), name_contains: None, renamed: &[] }),
    arn_field: "policyARN",
    status_fields: &["alarms", "creationTime"],
    last_modified: Some("lastModifiedTime"),
    not_found: NotFound { code: "ObjectNotFoundException", message: "No scaling policy found for {arn}" },
    already_exists: None,
    terminal_codes: &[],
    tags_field: None,
    resync: STEADY,
    logs: None,
    children: None,
    find: None,
    client_token: None,
    gone: &[],
    hooks: NO_HOOKS,
    sim: SimLifecycle {
        extras: crate::aws::sim::scaling_policy_extras,
        ..SimLifecycle::exists(
            "arn:aws:autoscaling:{region}:{account}:scalingPolicy:{id}:resource/{serviceNamespace}/{resourceID}:policyName/{policyName}",
        )
    },
};

mod inference;
mod jobs;
mod monitoring;
mod notebooks;
mod pipelines;
mod registry;
mod studio;

pub use inference::*;
pub use jobs::*;
pub use monitoring::*;
pub use notebooks::*;
pub use pipelines::*;
pub use registry::*;
pub use studio::*;

/// Every kind the agent manages, in the order of [`sagemaker_core::kinds::KINDS`].
pub static KINDS: &[&AwsKind] = &[
    &TRAINING_JOB,
    &HYPER_PARAMETER_TUNING_JOB,
    &TRANSFORM_JOB,
    &PROCESSING_JOB,
    &LABELING_JOB,
    &MODEL,
    &ENDPOINT_CONFIG,
    &ENDPOINT,
    &INFERENCE_COMPONENT,
    &DATA_QUALITY_JOB_DEFINITION,
    &MODEL_BIAS_JOB_DEFINITION,
    &MODEL_EXPLAINABILITY_JOB_DEFINITION,
    &MODEL_QUALITY_JOB_DEFINITION,
    &MONITORING_SCHEDULE,
    &MODEL_PACKAGE_GROUP,
    &MODEL_PACKAGE,
    &FEATURE_GROUP,
    &PIPELINE,
    &PIPELINE_EXECUTION,
    &PROJECT,
    &DOMAIN,
    &USER_PROFILE,
    &SPACE,
    &APP,
    &NOTEBOOK_INSTANCE_LIFECYCLE_CONFIG,
    &NOTEBOOK_INSTANCE,
    &SCALABLE_TARGET,
    &SCALING_POLICY,
];

/// The AWS table entry for a kind.
pub fn for_info(info: &KindInfo) -> Option<&'static AwsKind> {
    KINDS.iter().copied().find(|k| k.info == info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_kind_has_its_aws_half_and_every_dependency_is_served() {
        for info in sagemaker_core::kinds::KINDS {
            assert!(for_info(info).is_some(), "{} has no AWS declaration", info.kind);
            for dep in info.depends_on {
                assert!(for_info(dep.kind).is_some(), "{} depends on unserved {}", info.kind, dep.kind.kind);
            }
        }
    }

    #[test]
    fn every_declared_field_exists_in_the_shapes_it_names() {
        for kind in KINDS {
            let spec = kind.spec_schema();
            let describe = kind.describe_schema();
            let has = |schema: &Value, path: &str| {
                let mut at = schema;
                for part in path.split('.') {
                    let part = part.trim_end_matches("[]");
                    at = match at.pointer(&format!("/properties/{part}")) {
                        Some(p) => p.get("items").unwrap_or(p),
                        None => return false,
                    };
                }
                true
            };
            for f in kind.info.identifiers.iter().chain(kind.info.required_fields) {
                // what AWS assigns is in what it describes
                let assigned = kind.info.assigned.is_some_and(|a| a.field == *f);
                assert!(has(if assigned { &describe } else { &spec }, f), "{}: spec has no {f}", kind.info.kind);
            }
            if let Some(a) = kind.info.assigned {
                assert!(has(&spec, a.label), "{}: spec has no {}", kind.info.kind, a.label);
            }
            if let Some(token) = kind.client_token {
                assert!(has(&spec, token), "{}: spec has no {token}", kind.info.kind);
            }
            for f in kind.status_fields.iter().chain([&kind.arn_field]).chain(kind.info.statuses.field.iter()) {
                assert!(has(&describe, f), "{}: describe output has no {f}", kind.info.kind);
            }
            if let Some(u) = &kind.update {
                for f in u.fields {
                    assert!(has(&spec, f), "{}: update field {f} is not in the spec", kind.info.kind);
                }
                // what describe reports, as the kind's hook puts it in the spec's terms
                let mut seen = sample(&describe, 6);
                (kind.hooks.observed_as_spec)(&mut seen);
                for f in u.compare {
                    let found = f.split('.').try_fold(&seen, |at, part| at.get(part)).is_some();
                    assert!(u.fields.contains(f) && found, "{}: compared field {f}", kind.info.kind);
                }
                // a removal flag is a member of the update's own input
                let update_members: Vec<String> = (u.op.input_members)().into_iter().map(sagemaker_schema::ack_name).collect();
                let create_members = kind.create_members();
                for (path, flag) in u.cleared {
                    assert!(u.compare.contains(path), "{}: cleared field {path} is not compared", kind.info.kind);
                    // the simulator removes it as a top-level create member
                    assert!(create_members.iter().any(|m| m == path), "{}: cleared field {path} is no create member", kind.info.kind);
                    assert!(update_members.iter().any(|m| m == flag), "{}: update input has no {flag}", kind.info.kind);
                }
            }
            // what adopt --all reads of a summary: each identifier, by the
            // summary's own name where it has another
            if let Some(list) = &kind.list {
                let out = (list.op.output_schema)();
                let item = out.pointer(&format!("/properties/{}/items", list.items)).unwrap_or_else(|| panic!("{}: list has no {}", kind.info.kind, list.items));
                let renamed = |f: &str| list.renamed.iter().find(|(_, d)| sagemaker_schema::ack_name(d) == f).map(|(s, _)| sagemaker_schema::ack_name(s));
                for f in kind.info.identifiers {
                    let member = renamed(f).unwrap_or_else(|| (*f).to_string());
                    assert!(has(item, &member), "{}: list summary has no {member}", kind.info.kind);
                }
                for (summary, described) in list.renamed {
                    assert!(has(item, &sagemaker_schema::ack_name(summary)), "{}: list summary has no {summary}", kind.info.kind);
                    assert!(has(&describe, &sagemaker_schema::ack_name(described)), "{}: describe has no {described}", kind.info.kind);
                }
            }
            for dep in kind.info.depends_on {
                for (_, path) in dep.fields {
                    assert!(has(&spec, path), "{}: dependency path {path}", kind.info.kind);
                }
            }
        }
    }

    /// A value with every property of an OpenAPI schema, `depth` deep.
    fn sample(schema: &Value, depth: usize) -> Value {
        match (schema.get("properties").and_then(Value::as_object), depth) {
            (Some(props), 1..) => Value::Object(props.iter().map(|(k, v)| (k.clone(), sample(v, depth - 1))).collect()),
            _ => json!("x"),
        }
    }

    #[test]
    fn a_not_found_matches_the_message_it_declares_and_no_other() {
        let nf = MODEL.not_found;
        let e = |code: &str, m: &str| AwsError::new("DescribeModel", code, m);
        assert!(nf.matches(&e("ValidationException", "Could not find model \"arn:aws:sagemaker:us-east-1:1:model/m\".")));
        assert!(!nf.matches(&e("ValidationException", "Could not find endpoint \"x\".")));
        assert!(TRAINING_JOB.not_found.matches(&e("ValidationException", "Requested resource not found.")));
    }
}
