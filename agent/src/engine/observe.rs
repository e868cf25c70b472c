//! How the engine learns what AWS has: the seam where per-resource Describe
//! polling can later give way to batched List calls per (account, region,
//! kind) or to SageMaker's EventBridge state-change events, without touching
//! the reconcile step.

use async_trait::async_trait;
use serde_json::Value;

use super::reconcile::{Context, Failure, aws_failure};
use crate::{
    aws::{Priority, Target},
    kinds::{AwsKind, Role},
};

/// What AWS reports about one resource, in ACK names; `None` when it does
/// not exist.
#[async_trait]
pub trait Observe: Send + Sync + 'static {
    async fn observe(
        &self,
        cx: &Context,
        kind: &'static AwsKind,
        target: &Target,
        identity: &Value,
        priority: Priority,
    ) -> Result<Option<Value>, Failure>;
}

/// One Describe call per observation.
pub struct Describe;

#[async_trait]
impl Observe for Describe {
    async fn observe(
        &self,
        cx: &Context,
        kind: &'static AwsKind,
        target: &Target,
        identity: &Value,
        priority: Priority,
    ) -> Result<Option<Value>, Failure> {
        // nothing AWS named yet: nothing to describe
        if !kind.info.identified(identity) {
            return Ok(None);
        }
        match cx.call_aws(kind, Role::Describe, target, &kind.describe_input(identity), priority).await? {
            // a list call answers with the one resource asked for, or none
            Ok(mut answer) => Ok(match &kind.describe_list {
                Some(list) => answer.get_mut(list.items).and_then(Value::as_array_mut).and_then(|items| items.pop()),
                None => Some(answer),
            }
            // what AWS still lists once deleted (a Deleted app) is gone
            .filter(|found| {
                let status = kind.info.statuses.field.and_then(|f| found.get(f)).and_then(Value::as_str);
                !status.is_some_and(|s| kind.gone.contains(&s))
            })),
            Err(e) if kind.not_found.matches(&e) => Ok(None),
            Err(e) => Err(aws_failure(kind, Role::Describe, e)),
        }
    }
}
