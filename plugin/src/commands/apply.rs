//! `apply -f FILE|DIR...`: create or update resources of any kind. `train`,
//! `deploy` and `autoscale` share this flow: they only choose the documents.

use std::time::Duration;

use sagemaker_core::{KindInfo, kinds, manifest, wire};
use sagemaker_proto::v1::{ApplyOutcome, ApplyRequest, ApplyResult, Manifest};

use super::watch::{self, Target, Until};
use crate::{
    cli::{ApplyArgs, ApplyFlags},
    connect::{Agent, Session},
    error::{AgentError, Error, ExitStatus, Result},
    output::outln,
};

pub(super) async fn run(session: &Session, args: ApplyArgs) -> Result<ExitStatus> {
    let documents = manifest::read_paths(&args.files)?;
    apply_documents(session, &documents, &Options::of(&args.apply)).await
}

/// What to do with the documents once they are checked.
#[derive(Debug, Clone, Copy)]
pub(super) struct Options {
    /// Stop after the check.
    pub dry_run: bool,
    /// Then follow the applied resources until their status is final.
    pub wait: bool,
    pub timeout: Option<Duration>,
    /// While waiting, print what the resources write.
    pub logs: bool,
    /// Which of the applied resources `wait` follows, by kind.
    pub follow: fn(&KindInfo) -> bool,
}

impl Options {
    /// As the flags say, following everything applied.
    pub(super) fn of(flags: &ApplyFlags) -> Self {
        Options {
            dry_run: flags.dry_run,
            wait: flags.wait,
            timeout: flags.timeout,
            logs: flags.logs,
            follow: |_| true,
        }
    }
}

/// Applies the documents, in the order given, printing a line for each the
/// way kubectl does, then follows them if asked.
pub(super) async fn apply_documents(
    session: &Session,
    documents: &[manifest::Document],
    options: &Options,
) -> Result<ExitStatus> {
    let agent = session.connect().await?;
    apply_on(&agent, session, documents, options).await
}

/// [`apply_documents`] on an agent already connected.
pub(super) async fn apply_on(
    agent: &Agent,
    session: &Session,
    documents: &[manifest::Document],
    options: &Options,
) -> Result<ExitStatus> {
    let results = send(agent, &session.namespace, documents, options.dry_run).await?;
    let suffix = if options.dry_run { " (dry run)" } else { "" };
    for result in &results {
        outln(format!("{}{suffix}", result_line(result)))?;
    }
    if options.dry_run || !options.wait {
        return Ok(ExitStatus::Success);
    }
    let targets: Vec<Target> = results
        .iter()
        .filter_map(|r| r.r#ref.as_ref())
        .filter_map(|r| {
            let kind = kinds::find(&r.kind).or_else(|| kinds::find(&r.qualified_kind))?;
            let namespace = if r.namespace.is_empty() {
                session.namespace.clone()
            } else {
                r.namespace.clone()
            };
            Some(Target {
                kind,
                namespace,
                name: r.name.clone(),
            })
        })
        .filter(|t| (options.follow)(t.kind))
        .collect();
    let wait = watch::wait_all(agent, &targets, options.timeout, Until::Final);
    if options.logs {
        super::logs::during(agent, &targets, wait).await
    } else {
        wait.await
    }
}

/// Sends the documents twice: first as a dry run for all of them, then (unless
/// `dry_run`) for real in one request, so that one bad document anywhere
/// leaves nothing half applied.
pub(super) async fn send(
    agent: &Agent,
    namespace: &str,
    documents: &[manifest::Document],
    dry_run: bool,
) -> Result<Vec<ApplyResult>> {
    let manifests: Vec<Manifest> = documents
        .iter()
        .map(|d| Manifest {
            source: d.source.to_string(),
            json: d.value.to_string(),
        })
        .collect();
    // what Kubernetes cannot store is refused here, naming the document,
    // rather than by the transport with a bare "message length too large"
    if let Some(big) = manifests.iter().find(|m| m.json.len() > wire::MAX_OBJECT_BYTES) {
        return Err(Error::TooLarge {
            what: big.source.clone(),
            bytes: big.json.len(),
            limit: wire::MAX_OBJECT_BYTES,
        });
    }
    let total: usize = manifests.iter().map(|m| m.json.len() + m.source.len()).sum();
    if total > wire::MAX_MESSAGE_BYTES {
        return Err(Error::TooLarge {
            what: format!("the {} documents together", manifests.len()),
            bytes: total,
            limit: wire::MAX_MESSAGE_BYTES,
        });
    }
    let request = |dry_run| ApplyRequest {
        manifests: manifests.clone(),
        dry_run,
        default_namespace: namespace.to_string(),
    };

    let checked = agent.apply(request(true)).await.map_err(|status| {
        let mut source = AgentError::from_status(&status);
        // the agent names the document and the field; point at the field's line
        if let (Some(named), Some(field)) = (&source.source_, &source.field)
            && let Some(document) = documents.iter().find(|d| d.source.to_string() == *named)
        {
            source.source_ = Some(document.source_of(field).to_string());
        }
        let what = source.source_.clone().unwrap_or_else(|| "the manifests".into());
        Error::Agent {
            action: format!("cannot apply {what}; nothing was applied"),
            source: Box::new(source),
        }
    })?;
    if dry_run {
        return Ok(checked.results);
    }
    let applied = agent
        .apply(request(false))
        .await
        .map_err(|status| Error::agent("cannot apply the manifests", &status))?;
    Ok(applied.results)
}

/// `trainingjob.sagemaker.services.k8s.aws/NAME created`, as kubectl prints it.
fn result_line(result: &ApplyResult) -> String {
    let (qualified, name) = match &result.r#ref {
        Some(r) => {
            let qualified = if r.qualified_kind.is_empty() {
                kinds::find(&r.kind)
                    .map(|k| k.qualified())
                    .unwrap_or_else(|| r.kind.to_ascii_lowercase())
            } else {
                r.qualified_kind.clone()
            };
            (qualified, r.name.as_str())
        }
        None => ("resource".to_string(), ""),
    };
    let outcome = match ApplyOutcome::try_from(result.outcome) {
        Ok(ApplyOutcome::Created) => "created",
        Ok(ApplyOutcome::Unchanged) => "unchanged",
        _ => "configured",
    };
    format!("{qualified}/{name} {outcome}")
}
