//! `train -f`, `tune -f`, `transform -f`, `process -f`: start jobs of one
//! kind. The same flow as `apply`, for that kind's manifests only, so that a
//! stray Endpoint in a training file is caught before anything is sent.

use sagemaker_core::{KindInfo, manifest};
use serde_json::Value;

use super::apply::{Options, apply_documents};
use crate::{
    cli::ApplyArgs,
    connect::Session,
    error::{Error, ExitStatus, Result},
};

/// Applies `args`' manifests, all of kind `expected` (`command` names the
/// command for the hint).
pub(super) async fn run(session: &Session, args: ApplyArgs, expected: &'static KindInfo, command: &'static str) -> Result<ExitStatus> {
    let documents = manifest::read_paths(&args.files)?;
    for document in &documents {
        let kind = document.value.get("kind").and_then(Value::as_str).unwrap_or_default();
        if kind != expected.kind {
            let kind = if kind.is_empty() { "<none>".to_string() } else { kind.to_string() };
            return Err(Error::WrongKind { source_: document.source.to_string(), kind, expected, command });
        }
    }
    apply_documents(session, &documents, &Options::of(&args.apply)).await
}
