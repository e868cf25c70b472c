//! The agent's one error type. API errors carry what the plugin needs to
//! render `error:` / `hint:` and to point at the manifest and field.

use sagemaker_core::wire;
use tonic::{Code, Status, metadata::MetadataValue};

use crate::store::{StoreError, embedded::LockError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: nothing was written.
    #[error("{message}")]
    Invalid { source_: Option<String>, field: Option<String>, message: String, hint: Option<String> },
    /// A valid manifest that cannot be applied in the resource's current state.
    #[error("{message}")]
    Refused { source_: Option<String>, field: Option<String>, message: String, hint: Option<String> },
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A multi-document apply stopped part way (stores without transactions).
    #[error(transparent)]
    PartialApply(Box<PartialApplyError>),
    #[error("cannot start the agent: {0}")]
    Startup(String),
    #[error("refusing to listen on {listen} without authentication over TLS: in standalone mode anyone who reaches that address could act with the agent's AWS credentials")]
    Unprotected { listen: std::net::SocketAddr },
    #[error(transparent)]
    Lock(#[from] LockError),
    /// An AWS call made for the caller (not by the engine) failed.
    #[error("{what}")]
    Aws {
        what: String,
        #[source]
        source: Box<crate::aws::AwsError>,
        hint: Option<String>,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which documents of an apply were written before a later one failed.
#[derive(Debug, thiserror::Error)]
#[error("only {applied} of {total} documents were applied ({written}); {failed} and the rest were not")]
pub struct PartialApplyError {
    pub applied: usize,
    pub total: usize,
    /// The sources of the documents that were written.
    pub written: String,
    pub failed: String,
    #[source]
    pub source: StoreError,
}

impl Error {
    pub fn invalid(source: &str, field: Option<&str>, message: impl Into<String>, hint: Option<String>) -> Self {
        Error::Invalid {
            source_: Some(source.to_string()),
            field: field.map(str::to_string),
            message: message.into(),
            hint,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Invalid { hint, .. } | Error::Refused { hint, .. } | Error::Aws { hint, .. } => hint.clone(),
            Error::Store(StoreError::MissingCrd(_)) => {
                Some("install the CRDs first: sagemaker-agent crds | kubectl apply -f -".into())
            }
            Error::Store(StoreError::Conflict(_)) => Some("retry the command".into()),
            Error::Store(StoreError::Io { source, .. }) => io_hint(source),
            Error::PartialApply(p) => Some(format!(
                "{}apply the same files again: the documents already applied show as unchanged",
                match &p.source {
                    StoreError::Io { source, .. } => io_hint(source).map(|h| format!("{h}; then ")).unwrap_or_default(),
                    _ => "fix the cause, then ".to_string(),
                }
            )),
            Error::Unprotected { .. } => Some(
                "listen on 127.0.0.1 (the default), or require callers to authenticate: --token-file FILE with \
                 --tls-cert/--tls-key (so the token never crosses the network in clear), or --tls-client-ca CA"
                    .into(),
            ),
            Error::Lock(LockError::Held { .. }) => Some(
                "stop the other agent, or give this one its own --data-dir; the plugin can use the agent already running".into(),
            ),
            _ => None,
        }
    }

    /// The gRPC status the plugin receives.
    pub fn to_status(&self) -> Status {
        let (code, source, field) = match self {
            Error::Invalid { source_, field, .. } => (Code::InvalidArgument, source_, field),
            Error::Refused { source_, field, .. } => (Code::FailedPrecondition, source_, field),
            Error::NotFound(_) => (Code::NotFound, &None, &None),
            Error::Store(StoreError::MissingCrd(_)) => (Code::FailedPrecondition, &None, &None),
            Error::Store(StoreError::Invalid(_)) => (Code::InvalidArgument, &None, &None),
            Error::Store(StoreError::Conflict(_)) => (Code::Aborted, &None, &None),
            Error::Store(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::StorageFull => {
                (Code::ResourceExhausted, &None, &None)
            }
            Error::Store(StoreError::Io { .. }) | Error::PartialApply(_) => (Code::Internal, &None, &None),
            Error::Store(_) | Error::Startup(_) | Error::Lock(_) | Error::Unprotected { .. } => {
                (Code::Unavailable, &None, &None)
            }
            Error::Aws { source, .. } => match source.class() {
                crate::aws::ErrorClass::Transient => (Code::Unavailable, &None, &None),
                crate::aws::ErrorClass::AccessDenied | crate::aws::ErrorClass::Quota => (Code::FailedPrecondition, &None, &None),
                crate::aws::ErrorClass::Rejected => (Code::Internal, &None, &None),
            },
        };
        let hint = self.hint();
        let mut message = self.to_string();
        let mut source_err: Option<&dyn std::error::Error> = std::error::Error::source(self);
        while let Some(e) = source_err {
            message.push_str(": ");
            message.push_str(&e.to_string());
            source_err = e.source();
        }
        let mut status = Status::new(code, message);
        let md = status.metadata_mut();
        for (key, value) in [(wire::SOURCE, source.clone()), (wire::FIELD, field.clone()), (wire::HINT, hint)] {
            if let Some(v) = value
                && let Ok(v) = MetadataValue::try_from(wire::ascii(&v))
            {
                md.insert(key, v);
            }
        }
        status
    }
}

/// The fix for a failed write of the agent's own files, by cause.
fn io_hint(e: &std::io::Error) -> Option<String> {
    match e.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => Some(
            "the disk holding the agent's --data-dir is full: free some space, then apply again (nothing was written)".into(),
        ),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => Some(
            "the agent may not write its --data-dir: check that directory's owner and permissions (nothing was written)".into(),
        ),
        _ => None,
    }
}
