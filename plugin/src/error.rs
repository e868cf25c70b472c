//! Everything that can go wrong, how it is shown, and what exit status it gives.
//!
//! Errors are shown the way uv shows them: `error: <what failed>`, one
//! `  Caused by: <source>` line per source, then `hint: <fix>`. The hint is
//! the part users act on, so every variant that the user can fix has one.

use std::{fmt::Write as _, process::ExitCode};

use sagemaker_core::{kinds, manifest::ManifestError, wire};
use tonic::{Code, Status};

/// How the process ends (uv's `ExitStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ExitStatus {
    /// 0: it worked (or stdout was closed early, as with `| head`).
    #[default]
    Success,
    /// 1: the operation failed: bad input, a refused edit, a missing
    /// resource, a job that did not succeed, a full disk on the agent.
    Failure,
    /// 2: usage or connection: a wrong argument, no agent configured or
    /// answering, a credential that would go out in clear text; and the
    /// unexpected (an internal error in the agent).
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("no agent to talk to")]
    NoAgent,
    #[error("invalid agent URL {url:?}")]
    AgentUrl {
        url: String,
        #[source]
        source: tonic::transport::Error,
    },
    #[error("the agent URL {url:?} must start with http:// or https://")]
    AgentScheme { url: String },
    #[error("no sagemaker-agent answered at {url}")]
    NoAnswer {
        url: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("refusing to send your credentials to {url} in clear text")]
    PlaintextCredential { url: String },
    #[error("cannot read the agent CA certificate {path}")]
    AgentCa {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the kubeconfig {path}")]
    Kubeconfig {
        path: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("context {0:?} is not in the kubeconfig")]
    UnknownContext(String),
    #[error("cannot use context {context:?} of the kubeconfig")]
    Context {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot get the credentials of user {user:?} of context {context:?}")]
    Credentials {
        context: String,
        user: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot look for the sagemaker-agent Service in namespace {namespace} of context {context}")]
    Discovery {
        context: String,
        namespace: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("context {context} has no sagemaker-agent: there is no Service sagemaker-agent in namespace {namespace}")]
    NoAgentService { context: String, namespace: String },
    #[error("the Service sagemaker-agent in namespace {namespace} of context {context} cannot be used: {reason}")]
    BadAgentService { context: String, namespace: String, reason: String },
    #[error("no ready sagemaker-agent pod in namespace {namespace} of context {context}")]
    NoReadyPod { context: String, namespace: String, selector: String },
    #[error("cannot port-forward to the sagemaker-agent in namespace {namespace} of context {context}")]
    PortForward {
        context: String,
        namespace: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("the token of kubeconfig user {user:?} cannot be sent as a gRPC header")]
    BadToken { user: String },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{what} is {} as JSON; at most {} can be applied", megabytes(*bytes), megabytes(*limit))]
    TooLarge { what: String, bytes: usize, limit: usize },
    /// A document of another kind given to a command for one kind (`train`).
    #[error("{source_} is of kind {kind}, not {}", expected.kind)]
    WrongKind { source_: String, kind: String, expected: &'static kinds::KindInfo, command: &'static str },
    #[error("unknown kind {0:?}")]
    UnknownKind(String),
    /// `stop` of a kind that runs until deleted.
    #[error("{plural} are not jobs and cannot be stopped")]
    NotAJob { plural: &'static str, names: Vec<String> },
    /// The command line is wrong in a way clap cannot see.
    #[error("{0}")]
    Usage(String),
    #[error("cannot print with the template: {0}")]
    Template(String),
    /// The agent answered a call with an error status.
    #[error("{action}")]
    Agent {
        action: String,
        #[source]
        source: Box<AgentError>,
    },
    #[error("{what} ended with status {status}")]
    JobFailed {
        what: String,
        status: String,
        #[source]
        reason: Option<Reason>,
    },
    #[error("{what} cannot make progress (ACK.Terminal)")]
    Terminal {
        what: String,
        #[source]
        message: Reason,
    },
    #[error("{what} was deleted while waiting for it")]
    Deleted { what: String },
    #[error("timed out after {after} waiting for {what}")]
    Timeout { what: String, after: String },
    #[error("the agent ended the watch of {what}")]
    WatchEnded { what: String },
    #[error("the agent sent a resource that cannot be read")]
    BadResource(#[source] serde_json::Error),
    #[error("cannot write the output")]
    Output(#[from] std::io::Error),
    #[error("{action}")]
    Kube {
        action: String,
        #[source]
        source: kube::Error,
    },
    #[error("{count} resources still hold the agent's finalizer: without the agent, deleting them would never finish ({listed})")]
    WouldOrphan { count: usize, listed: String },
}

/// A plain sentence used as the source of an error (a failure reason, a
/// condition message), so that it renders as a `Caused by:` line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Reason(pub String);

/// An error status from the agent, with the details it sent as metadata.
#[derive(Debug)]
pub(crate) struct AgentError {
    pub code: Code,
    pub message: String,
    pub hint: Option<String>,
    /// The manifest document it is about (`training.yaml (document 2, line 30)`).
    pub source_: Option<String>,
    /// The field it is about (`spec.resourceConfig.instanceCount`).
    pub field: Option<String>,
}

impl AgentError {
    pub(crate) fn from_status(status: &Status) -> Self {
        let meta = |key: &str| {
            status
                .metadata()
                .get(key)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        AgentError {
            code: status.code(),
            message: status.message().to_string(),
            hint: meta(wire::HINT),
            source_: meta(wire::SOURCE),
            field: meta(wire::FIELD),
        }
    }
}

impl std::fmt::Display for AgentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut message = if self.message.is_empty() {
            self.code.description()
        } else {
            &self.message
        };
        // the error line already names the document; do not say it twice
        if let Some(rest) = self.source_.as_deref().and_then(|s| message.strip_prefix(s)) {
            message = rest.trim_start_matches([':', ' ']);
        }
        // name the field unless the message does (with or without `spec.`)
        let named =
            |field: &str| message.contains(field) || message.contains(field.trim_start_matches("spec."));
        match &self.field {
            Some(field) if !named(field) => write!(f, "{field}: {message}"),
            _ => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for AgentError {}

impl Error {
    /// Wraps an error status from the agent; `action` says what was being done
    /// ("cannot get trainingjob.sagemaker.services.k8s.aws/x").
    pub(crate) fn agent(action: impl Into<String>, status: &Status) -> Self {
        Error::Agent {
            action: action.into(),
            source: Box::new(AgentError::from_status(status)),
        }
    }

    /// Sets the hint of an agent error that came without one.
    pub(crate) fn or_hint(mut self, hint: impl Into<String>) -> Self {
        if let Error::Agent { source, .. } = &mut self
            && source.hint.is_none()
        {
            source.hint = Some(hint.into());
        }
        self
    }

    /// What the user can do about it.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            Error::NoAgent => Some(
                "use a kubeconfig context whose cluster runs the agent, or pass --agent URL (or set \
                 KUBECTL_SAGEMAKER_AGENT) to the address of a running sagemaker-agent"
                    .into(),
            ),
            Error::Context { context, .. } => {
                Some(format!("`kubectl config view --minify --context {context}` shows what the context holds"))
            }
            Error::Credentials { context, .. } => Some(format!(
                "`kubectl --context {context} auth whoami` logs in the same way: make it work there first \
                 (for EKS, `aws sts get-caller-identity` checks the AWS side)"
            )),
            Error::Discovery { context, namespace, .. } => Some(format!(
                "check `kubectl --context {context} -n {namespace} get service sagemaker-agent`; or pass --agent URL"
            )),
            Error::NoAgentService { context, .. } => Some(format!(
                "install the agent in that cluster (`kubectl sagemaker install --context {context} --apply`); pass \
                 --agent-namespace if it runs in another namespace, or --agent URL"
            )),
            Error::BadAgentService { .. } => Some(format!(
                "publish the agent's URL in the Service's annotation {}, or fix the Service's selector and ports",
                crate::discover::URL_ANNOTATION
            )),
            Error::NoReadyPod { context, namespace, selector } => Some(format!(
                "`kubectl --context {context} -n {namespace} get pods -l {selector}` shows the agent's pods; \
                 `kubectl --context {context} -n {namespace} describe deployment sagemaker-agent` says why none is ready"
            )),
            Error::PortForward { context, namespace, .. } => Some(format!(
                "port-forwarding needs `create` on pods/portforward in namespace {namespace}: \
                 `kubectl --context {context} auth can-i create pods/portforward -n {namespace}` checks it"
            )),
            Error::AgentUrl { .. } => Some("give the agent as a URL like http://HOST:PORT".into()),
            Error::AgentScheme { .. } => Some("give the agent as http://HOST:PORT or https://HOST:PORT".into()),
            Error::NoAnswer { .. } => Some(
                "check that the agent is running and listening there, e.g. `sagemaker-agent --standalone`; \
                 use https:// for an agent started with --tls-cert, http:// otherwise"
                    .into(),
            ),
            Error::PlaintextCredential { .. } => Some(
                "use an https:// URL (start the agent with --tls-cert/--tls-key; pass --agent-ca FILE unless its \
                 certificate is from a public CA), or reach the agent over loopback"
                    .into(),
            ),
            Error::AgentCa { .. } => Some("pass a PEM file with --agent-ca".into()),
            Error::Kubeconfig { .. } => Some("fix the file, or pass another one with --kubeconfig".into()),
            Error::UnknownContext(_) => {
                Some("`kubectl config get-contexts` lists the contexts of your kubeconfig".into())
            }
            Error::BadToken { .. } => Some("tokens must be printable ASCII; check the kubeconfig user".into()),
            Error::Manifest(e) => e.hint(),
            Error::TooLarge { .. } => Some(
                "Kubernetes stores objects of at most 1.5 MB: keep data in S3 and refer to it from the manifest; \
                 apply many documents in smaller groups"
                    .into(),
            ),
            Error::WrongKind { expected, command, .. } => Some(format!(
                "`kubectl sagemaker {command}` takes {} manifests only; use `kubectl sagemaker apply -f` for other kinds",
                expected.kind
            )),
            Error::UnknownKind(_) => Some(format!("known kinds: {}", known_kinds())),
            Error::NotAJob { plural, names } => {
                let jobs: Vec<&str> = kinds::KINDS.iter().filter(|k| k.is_job()).map(|k| k.plural).collect();
                let them = if names.len() == 1 { "it" } else { "them" };
                Some(format!(
                    "`kubectl sagemaker delete {plural} {}` deletes {them} (in AWS too); `stop` takes {}",
                    names.join(" "),
                    jobs.join(", ")
                ))
            }
            Error::Usage(_) => Some("see `kubectl sagemaker --help`".into()),
            Error::Template(_) => None,
            Error::Agent { source, .. } => source.hint.clone().or_else(|| code_hint(source.code)),
            Error::JobFailed { reason, .. } => {
                reason.as_ref().and_then(|r| failure_hint(&r.0)).map(str::to_string)
            }
            Error::Terminal { message, .. } => Some(
                failure_hint(&message.0)
                    .unwrap_or("fix the spec and apply it again, or delete the resource and create it anew")
                    .to_string(),
            ),
            Error::Deleted { .. } => None,
            Error::Timeout { .. } => Some(
                "it may still finish: raise --timeout, or follow it with `kubectl sagemaker watch`".into(),
            ),
            Error::WatchEnded { .. } => {
                Some("run the command again; the agent may have restarted".into())
            }
            Error::BadResource(_) => Some("the agent and the plugin may be of different versions; compare `kubectl sagemaker version`".into()),
            Error::Output(_) => None,
            Error::Kube { source: kube::Error::Api(status), .. } if status.code == 403 => {
                Some("your kubeconfig user may not do this: installing needs cluster-admin-like rights (CRDs, ClusterRoles)".into())
            }
            Error::Kube { .. } => Some("`kubectl cluster-info` checks that the cluster answers".into()),
            Error::WouldOrphan { .. } => Some(
                "delete them first (`kubectl sagemaker delete KIND NAME -n NS` stops or deletes each in AWS; add \
                 --retain to leave the AWS resource), then uninstall"
                    .into(),
            ),
        }
    }

    /// The exit status this error gives.
    pub(crate) fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Agent { source, .. } => match source.code {
                Code::InvalidArgument
                | Code::FailedPrecondition
                | Code::AlreadyExists
                | Code::NotFound
                | Code::PermissionDenied
                | Code::Unauthenticated
                | Code::ResourceExhausted
                | Code::Aborted => ExitStatus::Failure,
                _ => ExitStatus::Error,
            },
            Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Success,
            // 2: the agent could not be reached or used at all
            Error::NoAgent
            | Error::Context { .. }
            | Error::Credentials { .. }
            | Error::Discovery { .. }
            | Error::NoAgentService { .. }
            | Error::BadAgentService { .. }
            | Error::NoReadyPod { .. }
            | Error::PortForward { .. }
            | Error::Usage(_)
            | Error::NotAJob { .. }
            | Error::AgentUrl { .. }
            | Error::AgentScheme { .. }
            | Error::NoAnswer { .. }
            | Error::PlaintextCredential { .. }
            | Error::AgentCa { .. }
            | Error::WatchEnded { .. }
            | Error::BadResource(_)
            | Error::Output(_) => ExitStatus::Error,
            _ => ExitStatus::Failure,
        }
    }

    /// Whether stdout was closed under us (`kubectl sagemaker get tj | head -1`):
    /// that is a success, and there is nowhere to say anything anyway.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// `10.0 MB`, for size messages.
fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

/// Renders an error for stderr: `error:`, `  Caused by:` lines, `hint:`.
pub(crate) fn render(err: &Error) -> String {
    let mut out = format!("error: {err}\n");
    let mut source = std::error::Error::source(err);
    let mut previous = String::new();
    while let Some(cause) = source {
        // layered transports repeat themselves ("tcp connect error" twice)
        let text = cause.to_string();
        if text != previous {
            let _ = writeln!(out, "  Caused by: {text}");
        }
        previous = text;
        source = cause.source();
    }
    if let Some(hint) = err.hint() {
        let _ = writeln!(out, "hint: {hint}");
    }
    out
}

/// Renders an error of one of several clusters: `error: context NAME: ...`.
pub(crate) fn render_in(context: Option<&str>, err: &Error) -> String {
    let text = render(err);
    match context {
        Some(context) => text.replacen("error: ", &format!("error: context {context}: "), 1),
        None => text,
    }
}

fn code_hint(code: Code) -> Option<String> {
    let hint = match code {
        Code::Unauthenticated => {
            "the agent did not accept your credentials; check the user of your kubeconfig context"
        }
        Code::PermissionDenied => "ask a cluster admin for access to this kind in this namespace",
        Code::Unavailable => "check that the agent is running, e.g. `sagemaker-agent --standalone`",
        Code::DeadlineExceeded => {
            "the agent did not answer in time; raise --request-timeout or check the agent"
        }
        Code::Unimplemented => "the agent is of another version; compare `kubectl sagemaker version`",
        _ => return None,
    };
    Some(hint.to_string())
}

/// `trainingjobs (tj)`, one entry per kind this build knows.
pub(crate) fn known_kinds() -> String {
    kinds::KINDS
        .iter()
        .map(|k| match k.short_names {
            [] => k.plural.to_string(),
            short => format!("{} ({})", k.plural, short.join(", ")),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The likely fix for a SageMaker failure reason, for the reasons users hit
/// most (ACK leaves users to decode these themselves).
pub(crate) fn failure_hint(reason: &str) -> Option<&'static str> {
    let r = reason.to_ascii_lowercase();
    let any = |needles: &[&str]| needles.iter().any(|n| r.contains(n));
    if any(&["accessdenied", "access denied", "not authorized", "unauthorized"]) {
        Some(
            "check the execution role (spec.roleARN): its permissions, and a trust policy that lets sagemaker.amazonaws.com assume it",
        )
    } else if any(&["resourcelimitexceeded", "quota", "limit exceeded"]) {
        Some("request a SageMaker quota increase for this instance type, or use another instance type")
    } else if any(&["insufficientcapacity", "capacity"]) {
        Some("SageMaker has no capacity for this instance type in the region now: retry later, or use another instance type or region")
    } else if any(&["resourceinuse", "already exists", "must be unique"]) {
        Some("the name is taken in this account and region (job names can never be reused): choose another name")
    } else if any(&["cannotstartcontainer", "image", "ecr"]) {
        Some(
            "check the training image URI (spec.algorithmSpecification.trainingImage) and that it is for the job's region",
        )
    } else if any(&["nosuchkey", "not found in s3", "s3"]) {
        Some(
            "check the s3URI of each input channel (spec.inputDataConfig) and that the execution role can read it",
        )
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_with(code: Code, message: &str, meta: &[(&'static str, &str)]) -> Status {
        let mut status = Status::new(code, message);
        for (k, v) in meta {
            status.metadata_mut().insert(*k, v.parse().expect("ascii"));
        }
        status
    }

    #[test]
    fn an_agent_error_renders_its_action_cause_and_hint() {
        let status = status_with(
            Code::InvalidArgument,
            "must be at least 1",
            &[
                (wire::HINT, "set instanceCount to 1 or more"),
                (wire::FIELD, "spec.resourceConfig.instanceCount"),
                (wire::SOURCE, "bad.yaml (document 2, line 3)"),
            ],
        );
        let err = Error::agent(
            "cannot apply bad.yaml (document 2, line 3); nothing was applied",
            &status,
        );
        assert_eq!(
            render(&err),
            "error: cannot apply bad.yaml (document 2, line 3); nothing was applied\n\
             \x20 Caused by: spec.resourceConfig.instanceCount: must be at least 1\n\
             hint: set instanceCount to 1 or more\n"
        );
        assert_eq!(err.exit_status(), ExitStatus::Failure);
    }

    #[test]
    fn an_agent_message_that_repeats_the_document_and_field_is_not_repeated() {
        let status = status_with(
            Code::InvalidArgument,
            "two.yaml (document 2, line 56): spec.field \"resourceConfig.instanceCont\": unknown field",
            &[
                (wire::SOURCE, "two.yaml (document 2, line 56)"),
                (wire::FIELD, "spec.resourceConfig.instanceCont"),
            ],
        );
        let err = Error::agent(
            "cannot apply two.yaml (document 2, line 56); nothing was applied",
            &status,
        );
        assert!(
            render(&err)
                .contains("\n  Caused by: spec.field \"resourceConfig.instanceCont\": unknown field\n"),
            "{}",
            render(&err)
        );
    }

    #[test]
    fn every_source_in_the_chain_gets_a_caused_by_line() {
        let err = Error::JobFailed {
            what: "trainingjob.sagemaker.services.k8s.aws/x".into(),
            status: "Failed".into(),
            reason: Some(Reason("ClientError: AccessDenied for s3://b/k".into())),
        };
        let text = render(&err);
        assert!(
            text.starts_with("error: trainingjob.sagemaker.services.k8s.aws/x ended with status Failed\n")
        );
        assert!(text.contains("\n  Caused by: ClientError: AccessDenied for s3://b/k\n"));
        assert!(text.contains("hint: check the execution role"), "{text}");
    }

    #[test]
    fn unexpected_agent_errors_exit_2_and_user_errors_exit_1() {
        for (code, status) in [
            (Code::InvalidArgument, ExitStatus::Failure),
            (Code::FailedPrecondition, ExitStatus::Failure),
            (Code::AlreadyExists, ExitStatus::Failure),
            (Code::NotFound, ExitStatus::Failure),
            (Code::PermissionDenied, ExitStatus::Failure),
            (Code::Unauthenticated, ExitStatus::Failure),
            (Code::Internal, ExitStatus::Error),
            (Code::Unavailable, ExitStatus::Error),
            (Code::Unknown, ExitStatus::Error),
        ] {
            let err = Error::agent("cannot list", &Status::new(code, "x"));
            assert_eq!(err.exit_status(), status, "{code:?}");
        }
    }

    #[test]
    fn a_cause_repeated_by_a_wrapping_layer_is_shown_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("tcp connect error")]
        struct Outer(#[source] Inner);
        #[derive(Debug, thiserror::Error)]
        #[error("tcp connect error")]
        struct Inner(#[source] std::io::Error);
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let err = Error::Kubeconfig {
            path: "x".into(),
            source: Box::new(Outer(Inner(io))),
        };
        assert_eq!(
            render(&err),
            "error: cannot read the kubeconfig x\n\
             \x20 Caused by: tcp connect error\n\
             \x20 Caused by: Connection refused\n\
             hint: fix the file, or pass another one with --kubeconfig\n"
        );
    }

    #[test]
    fn a_broken_pipe_is_a_success() {
        let err = Error::Output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(err.is_broken_pipe());
        assert_eq!(err.exit_status(), ExitStatus::Success);
    }

    #[test]
    fn a_hint_from_the_agent_wins_over_the_fallback() {
        let with = Error::agent(
            "x",
            &status_with(Code::NotFound, "gone", &[(wire::HINT, "agent says")]),
        )
        .or_hint("fallback");
        assert_eq!(with.hint().as_deref(), Some("agent says"));
        let without = Error::agent("x", &Status::new(Code::NotFound, "gone")).or_hint("fallback");
        assert_eq!(without.hint().as_deref(), Some("fallback"));
    }

    #[test]
    fn an_unknown_kind_hint_lists_the_known_kinds_with_their_short_names() {
        let hint = Error::UnknownKind("pods".into()).hint().expect("hint");
        // in the order of the kinds table, which grows
        assert!(
            hint.starts_with("known kinds: trainingjobs (tj), hyperparametertuningjobs (hpo, hptj), transformjobs (tfj)"),
            "{hint}"
        );
        assert!(kinds::KINDS.iter().all(|k| hint.contains(k.plural)), "{hint}");
    }

    #[test]
    fn common_failure_reasons_get_a_hint_and_others_none() {
        let cases = [
            ("ClientError: AccessDenied", "execution role"),
            (
                "User: arn:aws:sts::1:assumed-role/x is not authorized to perform: s3:GetObject",
                "execution role",
            ),
            ("ResourceLimitExceeded: The account-level service limit", "quota"),
            (
                "CannotStartContainerError. Please ensure the model container",
                "training image",
            ),
            ("ClientError: Data download failed: NoSuchKey", "s3URI"),
            ("ClientError: train channel not found in S3", "s3URI"),
        ];
        for (reason, expected) in cases {
            let hint = failure_hint(reason).unwrap_or_default();
            assert!(hint.contains(expected), "{reason} -> {hint}");
        }
        assert_eq!(failure_hint("AlgorithmError: division by zero"), None);
    }
}
