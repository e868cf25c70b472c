//! IAMRoleSelector status, which ACK leaves empty: which resources each
//! selector gives its role to now (`selectedCount`, the first
//! `selectedResources`), and which it `conflicts` on with other selectors
//! (a resource two selectors match waits, named in both). Recomputed when a
//! selector changes and every few seconds, from the store's cache; the
//! engine itself reads the selectors afresh on every reconcile
//! ([`crate::placement::Defaults::selected_role`]).

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use futures::StreamExt;
use sagemaker_core::{Resource, ack, kinds::IAM_ROLE_SELECTOR};
use serde_json::{Value, json};

use super::{
    reconcile::{Context, error_chain},
    status::condition,
};
use crate::{placement, store::Event};

/// How often selections are recomputed (resources come and go meanwhile).
const REFRESH: Duration = Duration::from_secs(15);

/// How many selected resources a status lists (the count is always whole):
/// a status must stay far below etcd's object size limit.
const LISTED: usize = 100;

pub(crate) async fn run(cx: Arc<Context>) {
    let mut events = cx.store.watch(&IAM_ROLE_SELECTOR);
    let mut every = tokio::time::interval(REFRESH);
    loop {
        tokio::select! {
            event = events.next() => match event {
                Some(Event::Applied(_) | Event::Deleted(_) | Event::Synced) => refresh(&cx).await,
                Some(_) => {}
                None => {
                    tracing::error!("the IAMRoleSelector watch ended");
                    return;
                }
            },
            _ = every.tick() => refresh(&cx).await,
        }
    }
}

/// A resource as a selector's status names it.
fn reference(kind: &sagemaker_core::KindInfo, r: &Resource) -> Value {
    json!({ "group": kind.group, "kind": kind.kind, "namespace": r.metadata.namespace, "name": r.metadata.name })
}

/// Every selector's status from what the store holds now.
pub(crate) async fn statuses(cx: &Context) -> Result<Vec<(Resource, Value)>, super::reconcile::Failure> {
    let defaults = cx.defaults().await?;
    if defaults.role_selectors.is_empty() {
        return Ok(Vec::new());
    }
    let mut selected: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut conflicts: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for kind in crate::kinds::KINDS {
        for r in cx.store.list(kind.info, None).await? {
            let matching = defaults.selectors_for(&r, kind.info);
            for s in &matching {
                let name = s.metadata.name.as_str();
                if matching.len() > 1 {
                    let mut c = reference(kind.info, &r);
                    c["selectors"] = json!(matching.iter().map(|m| &m.metadata.name).collect::<Vec<_>>());
                    conflicts.entry(name).or_default().push(c);
                } else {
                    selected.entry(name).or_default().push(reference(kind.info, &r));
                }
            }
        }
    }
    Ok(defaults
        .role_selectors
        .iter()
        .filter(|s| !s.is_deleting())
        .map(|s| {
            let name = s.metadata.name.as_str();
            let mine = selected.remove(name).unwrap_or_default();
            let clashes = conflicts.remove(name).unwrap_or_default();
            let arn = s.spec.get("arn").and_then(Value::as_str).unwrap_or_default();
            let (ready, message) = if !placement::is_role_arn(arn) {
                ("False", format!("spec.arn {arn:?} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"))
            } else if !clashes.is_empty() {
                ("False", format!(
                    "{} resources are also matched by other selectors and wait until only one matches (see conflicts)",
                    clashes.len()
                ))
            } else {
                ("True", format!("selects {} resources", mine.len()))
            };
            let prev = s.status.get("conditions").cloned().unwrap_or(Value::Null);
            let mut status = json!({
                "selectedCount": mine.len(),
                "conditions": [condition(&prev, ack::CONDITION_READY, ready, None, &message, s.metadata.generation)],
            });
            if !mine.is_empty() {
                status["selectedResources"] = json!(mine.into_iter().take(LISTED).collect::<Vec<_>>());
            }
            if !clashes.is_empty() {
                status["conflicts"] = json!(clashes.into_iter().take(LISTED).collect::<Vec<_>>());
            }
            (s.clone(), status)
        })
        .collect())
}

async fn refresh(cx: &Context) {
    let statuses = match statuses(cx).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot compute IAMRoleSelector selections");
            return;
        }
    };
    for (selector, status) in statuses {
        if status != selector.status
            && let Err(e) = cx.store.write_status(&IAM_ROLE_SELECTOR, &selector, status).await
        {
            tracing::warn!(selector = %selector.metadata.name, error = %error_chain(&e), "cannot write an IAMRoleSelector's status");
        }
    }
}
