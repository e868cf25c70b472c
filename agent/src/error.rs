//! The agent's one error type. API errors carry what the plugin needs to
//! render `error:` / `hint:` and to point at the manifest and field.

use sagemaker_core::wire;
use tonic::{Code, Status, metadata::MetadataValue};

use crate::store::StoreError;

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
    #[error("cannot start the agent: {0}")]
    Startup(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

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
            Error::Invalid { hint, .. } | Error::Refused { hint, .. } => hint.clone(),
            Error::Store(StoreError::MissingCrd(_)) => {
                Some("install the CRDs first: sagemaker-agent crds | kubectl apply -f -".into())
            }
            Error::Store(StoreError::Conflict(_)) => Some("retry the command".into()),
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
            Error::Store(_) | Error::Startup(_) => (Code::Unavailable, &None, &None),
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
