//! `train -f FILE...`: start training jobs. The same flow as `apply`, for
//! TrainingJob manifests only, so that a stray Endpoint in a training file is
//! caught before anything is sent.

use sagemaker_core::{kinds::TRAINING_JOB, manifest};
use serde_json::Value;

use super::apply::{Options, apply_documents};
use crate::{
    cli::ApplyArgs,
    connect::Session,
    error::{Error, ExitStatus, Result},
};

pub(super) async fn run(session: &Session, args: ApplyArgs) -> Result<ExitStatus> {
    let documents = manifest::read_paths(&args.files)?;
    for document in &documents {
        let kind = document
            .value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind != TRAINING_JOB.kind {
            let kind = if kind.is_empty() {
                "<none>".to_string()
            } else {
                kind.to_string()
            };
            return Err(Error::NotTrainingJob {
                source_: document.source.to_string(),
                kind,
            });
        }
    }
    apply_documents(session, &documents, &Options::of(&args.apply)).await
}
