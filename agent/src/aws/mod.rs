//! The AWS side: one interface, two backends (the real SDK and the in-process
//! simulator), and the accounting every call goes through.
//!
//! Backends speak the AWS JSON wire shapes (`{"TrainingJobName": ...}`) keyed
//! by operation name. That keeps the simulator a faithful, generic stand-in for
//! SageMaker's API and keeps per-kind knowledge in the kinds table; the typed
//! SDK values are built from those shapes through the SDK's own schemas.

pub mod logs;
pub mod sdk;
pub mod sim;

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use tokio::time::Instant;
use serde_json::Value;

use crate::kinds::{AwsKind, Op, Role};

/// Where a call goes: the account and region a resource lives in.
///
/// `role_arn` is the seam for cross-account management (CARM): backends
/// cache clients per target, so an assumed role gets its own clients.
/// An assumed-role session as `--session-tags` asks for it: its name (what
/// CloudTrail shows as `assumed-role/ROLE/NAME`) and its tags (IAM's
/// `aws:PrincipalTag/...`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Session {
    pub name: String,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub account: String,
    pub region: String,
    pub role_arn: Option<String>,
    /// The ExternalId the role's trust policy asks for, if any.
    pub external_id: Option<String>,
    /// Another AWS endpoint than the agent's (a namespace's
    /// `services.k8s.aws/endpoint-url`).
    pub endpoint_url: Option<String>,
    /// The assumed-role session's name and tags (`--session-tags`), when
    /// the agent asks for sessions per namespace or resource.
    pub session: Option<Session>,
    /// The role and what chose it, for `describe` (not part of the call).
    pub chosen_role: Option<String>,
    /// ACK's `ACK.IAMRoleSelected` message, when an IAMRoleSelector chose
    /// the role (not part of the call).
    pub role_selected: Option<String>,
}

/// An error from an AWS API, reduced to what reconciling needs.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation}: {code}: {message}")]
pub struct AwsError {
    pub operation: String,
    /// AWS error code (`ValidationException`, `ResourceInUse`, ...), or a
    /// synthetic one for failures without a response (`DispatchFailure`).
    pub code: String,
    pub message: String,
    /// Throttling, 5xx and network failures: retry later, it is not the spec's fault.
    pub transient: bool,
    /// The HTTP status of the answer, when there was one.
    pub http_status: Option<u16>,
    /// Set when the call was not made: routine work deferred because the
    /// account's budget is spent, to be tried again after this long.
    pub deferred: Option<Duration>,
}

impl AwsError {
    pub fn new(operation: &str, code: &str, message: impl Into<String>) -> Self {
        let transient = is_transient_code(code);
        AwsError { operation: operation.into(), code: code.into(), message: message.into(), transient, http_status: None, deferred: None }
    }

    /// The same error with the answer's HTTP status: any 5xx is transient,
    /// whatever its code says.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self.transient |= status >= 500;
        self
    }

    /// Whether this is AWS throttling us.
    pub fn is_throttling(&self) -> bool {
        THROTTLING_CODES.contains(&self.code.as_str())
    }

    /// What this error means for the resource, decided once here so that
    /// every kind and every caller classifies AWS errors the same way.
    pub fn class(&self) -> ErrorClass {
        let code = self.code.as_str();
        if self.transient {
            ErrorClass::Transient
        } else if ACCESS_CODES.contains(&code) {
            ErrorClass::AccessDenied
        } else if QUOTA_CODES.contains(&code) {
            ErrorClass::Quota
        } else if RETRYABLE_CLIENT_CODES.contains(&code) {
            ErrorClass::Transient
        } else {
            // ValidationException, ResourceInUse, InvalidParameterValue, ...:
            // the service rejected the request itself, and sending the same
            // request again gets the same answer
            ErrorClass::Rejected
        }
    }
}

/// How a failed AWS call bears on the resource it was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Throttling, 5xx, network, a concurrent change: retried with backoff
    /// (`ACK.Recoverable`); nothing is wrong with the spec.
    Transient,
    /// The agent's credentials may not do this: retried (a policy can be fixed
    /// without touching the resource), but logged as an error and shown with
    /// a hint, since it will not go away by itself.
    AccessDenied,
    /// An account quota is used up: retried (quotas are raised or freed
    /// outside the spec), shown with a hint.
    Quota,
    /// The service rejected the request as invalid: it will not succeed
    /// until the spec changes (`ACK.Terminal`).
    Rejected,
}

const THROTTLING_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
];

/// Credentials or permissions: the request was fine, the caller may not make it.
const ACCESS_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
];

/// Account limits that are raised or freed outside the spec.
const QUOTA_CODES: &[&str] = &["ResourceLimitExceeded", "LimitExceededException", "ServiceQuotaExceededException"];

/// 4xx codes that describe a moment, not the request: the same call can succeed later.
const RETRYABLE_CLIENT_CODES: &[&str] = &[
    "ConflictException",
    "ConcurrentUpdateException",
    "RequestTimeout",
    "RequestTimeoutException",
    "RequestExpired",
    "PriorRequestNotComplete",
];

fn is_transient_code(code: &str) -> bool {
    THROTTLING_CODES.contains(&code)
        || matches!(
            code,
            "InternalFailure" | "InternalServerError" | "ServiceUnavailable" | "DispatchFailure" | "Timeout"
        )
}

/// One call to make: the operation, and what it does to which kind (so the
/// simulator can play it without knowing operation names).
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub kind: &'static AwsKind,
    pub role: Role,
    pub op: &'static Op,
}

impl Call {
    /// The call playing `role` for `kind`, if the kind has that operation.
    pub fn of(kind: &'static AwsKind, role: Role) -> Option<Call> {
        kind.op(role).map(|op| Call { kind, role, op })
    }
}

/// A way to reach AWS (or something that behaves like it).
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Makes `call` with an AWS-JSON input and returns the AWS-JSON output.
    async fn call(&self, target: &Target, call: Call, input: Value) -> Result<Value, AwsError>;
    /// The account the agent's own credentials belong to.
    async fn caller_account(&self) -> Result<String, AwsError>;
    /// Reads CloudWatch Logs (where SageMaker writes what its jobs and
    /// endpoints print).
    async fn logs(&self, target: &Target, request: &logs::LogsRequest) -> Result<logs::LogsPage, AwsError>;
    /// Who the calls to `target` act as (STS GetCallerIdentity with its
    /// role, if any): proves the credentials and the role work there.
    async fn identity(&self, target: &Target) -> Result<String, AwsError> {
        let _ = target;
        Err(AwsError::new("GetCallerIdentity", "Unsupported", "this backend cannot say who it acts as"))
    }
    /// `aws` or `sim`, for `Info`.
    fn name(&self) -> &'static str;
}

/// Which calls go first when an account's budget runs short: what users
/// wait for (creates, updates, deletes, stops and the first look at a new
/// resource) before routine polling of resources already known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Urgent,
    Routine,
}

/// Every AWS call the agent makes goes through here: counted per operation
/// and account, and paced by a token bucket per account, because SageMaker
/// throttles per account and a controller must never hammer it. Routine
/// calls yield to urgent ones waiting on the same account.
pub struct Aws {
    backend: Arc<dyn Backend>,
    max_per_second: f64,
    /// CloudWatch Logs has its own, lower quotas (FilterLogEvents: 5 per
    /// second per account and region by default), and a user following logs
    /// must never take SageMaker's budget from reconciling.
    logs_per_second: f64,
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
    calls: Mutex<BTreeMap<String, u64>>,
    metrics: crate::metrics::Shared,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
    /// Urgent calls waiting for a token: routine calls wait while any do.
    urgent_waiting: usize,
}

/// Counts an urgent call as waiting for as long as it lives (so a call
/// cancelled while waiting stops holding routine calls back).
struct Waiting {
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
    account: String,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(b) = self.buckets.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&self.account) {
            b.urgent_waiting = b.urgent_waiting.saturating_sub(1);
        }
    }
}

impl Aws {
    /// `max_per_second` bounds calls per account; bursts up to the same number pass at once.
    pub fn new(backend: Arc<dyn Backend>, max_per_second: f64) -> Self {
        Aws {
            backend,
            max_per_second: max_per_second.max(0.1),
            logs_per_second: logs::LOGS_PER_SECOND,
            buckets: Arc::default(),
            calls: Mutex::default(),
            metrics: Arc::default(),
        }
    }

    /// The same, reporting to `metrics`.
    pub fn with_metrics(mut self, metrics: crate::metrics::Shared) -> Self {
        self.metrics = metrics;
        self
    }

    /// The process's metrics (every part that reports holds this handle).
    pub fn metrics(&self) -> &crate::metrics::Shared {
        &self.metrics
    }

    /// The same, with another CloudWatch Logs budget (per account and region).
    pub fn with_logs_rate(mut self, per_second: f64) -> Self {
        self.logs_per_second = per_second.max(0.1);
        self
    }

    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    pub async fn caller_account(&self) -> Result<String, AwsError> {
        self.backend.caller_account().await
    }

    /// Calls AWS once, urgently, after waiting for the account's rate budget.
    pub async fn call(&self, target: &Target, call: Call, input: Value) -> Result<Value, AwsError> {
        self.call_with(target, call, input, Priority::Urgent).await
    }

    /// Calls AWS once, after waiting for the account's rate budget; routine
    /// calls do not wait but come back deferred (`AwsError::deferred`), so
    /// that whoever made them frees its place for urgent work meanwhile.
    pub async fn call_with(&self, target: &Target, call: Call, input: Value, priority: Priority) -> Result<Value, AwsError> {
        let operation = call.op.name;
        let service = call.kind.service.arn_service;
        if let Err(e) = self.pace(&target.account, self.max_per_second, operation, priority).await {
            self.metrics.deferred(service, &target.account, &target.region);
            return Err(e);
        }
        let result = self.backend.call(target, call, input).await;
        if let Err(e) = &result {
            tracing::debug!(operation, account = %target.account, region = %target.region, code = %e.code, "AWS call failed");
        }
        let op_type = crate::metrics::op_type(call.role);
        self.metrics.aws_call(service, op_type, operation, &target.account, &target.region, result.as_ref().err());
        result
    }

    /// Reads CloudWatch Logs once, after waiting for the account and
    /// region's logs budget.
    pub async fn logs(&self, target: &Target, request: &logs::LogsRequest) -> Result<logs::LogsPage, AwsError> {
        let bucket = format!("logs/{}/{}", target.account, target.region);
        self.pace(&bucket, self.logs_per_second, request.operation(), Priority::Urgent).await?;
        let result = self.backend.logs(target, request).await;
        self.metrics.aws_call("logs", "READ_MANY", request.operation(), &target.account, &target.region, result.as_ref().err());
        result
    }

    /// Who the agent acts as in `target`'s account and region, paced with
    /// the account's calls.
    pub async fn identity(&self, target: &Target) -> Result<String, AwsError> {
        // its own budget: a check never takes SageMaker's from reconciling
        self.pace(&format!("sts/{}", target.account), self.max_per_second, "GetCallerIdentity", Priority::Urgent).await?;
        let result = self.backend.identity(target).await;
        self.metrics.aws_call("sts", "READ_ONE", "GetCallerIdentity", &target.account, &target.region, result.as_ref().err());
        result
    }

    /// Waits for a token of `bucket` (refilled at `rate` per second), then
    /// counts the call; routine calls come back deferred instead of waiting.
    async fn pace(&self, bucket: &str, rate: f64, operation: &str, priority: Priority) -> Result<(), AwsError> {
        let mut waiting = None;
        loop {
            match self.take_token(bucket, rate, priority) {
                None => break,
                Some(wait) if priority == Priority::Routine => {
                    let mut e = AwsError::new(operation, "Deferred", "the account's call budget is spent; routine work waits");
                    e.transient = true;
                    e.deferred = Some(wait);
                    return Err(e);
                }
                Some(wait) => {
                    if priority == Priority::Urgent && waiting.is_none() {
                        self.bucket(bucket, rate, |b| b.urgent_waiting += 1);
                        waiting = Some(Waiting { buckets: self.buckets.clone(), account: bucket.to_string() });
                    }
                    tokio::time::sleep(wait).await
                }
            }
        }
        drop(waiting);
        *self.calls.lock().unwrap_or_else(|p| p.into_inner()).entry(operation.to_string()).or_default() += 1;
        Ok(())
    }

    /// Calls made so far, by operation.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn bucket<T>(&self, account: &str, rate: f64, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let bucket =
            buckets.entry(account.to_string()).or_insert(Bucket { tokens: rate, updated: now, urgent_waiting: 0 });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * rate).min(rate);
        bucket.updated = now;
        f(bucket)
    }

    /// Takes a token, or says how long to wait for one.
    fn take_token(&self, account: &str, rate: f64, priority: Priority) -> Option<Duration> {
        self.bucket(account, rate, |bucket| {
            let yields = priority == Priority::Routine && bucket.urgent_waiting > 0;
            if bucket.tokens >= 1.0 && !yields {
                bucket.tokens -= 1.0;
                None
            } else {
                Some(Duration::from_secs_f64(((1.0 - bucket.tokens) / rate).max(1.0 / rate)))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;

    #[async_trait]
    impl Backend for Echo {
        async fn call(&self, _: &Target, _: Call, input: Value) -> Result<Value, AwsError> {
            Ok(input)
        }
        async fn caller_account(&self) -> Result<String, AwsError> {
            Ok("123456789012".into())
        }
        async fn logs(&self, _: &Target, _: &logs::LogsRequest) -> Result<logs::LogsPage, AwsError> {
            Ok(logs::LogsPage::default())
        }
        fn name(&self) -> &'static str {
            "echo"
        }
    }

    fn describe() -> Call {
        Call::of(&crate::kinds::TRAINING_JOB, Role::Describe).expect("describe")
    }

    fn target(account: &str) -> Target {
        Target { account: account.into(), region: "us-east-1".into(), ..Default::default() }
    }

    #[tokio::test(start_paused = true)]
    async fn calls_beyond_the_per_account_budget_wait_instead_of_hammering_aws() {
        let aws = Aws::new(Arc::new(Echo), 2.0);
        let start = tokio::time::Instant::now();
        for _ in 0..6 {
            aws.call(&target("1"), describe(), Value::Null).await.expect("echo");
        }
        // 2 pass at once, the other 4 are paced at 2 per second
        assert!(start.elapsed() >= Duration::from_millis(1900), "{:?}", start.elapsed());
        assert_eq!(aws.calls().get("DescribeTrainingJob"), Some(&6));
    }

    #[tokio::test(start_paused = true)]
    async fn urgent_calls_go_ahead_of_routine_polling_when_the_budget_runs_short() {
        let aws = Arc::new(Aws::new(Arc::new(Echo), 1.0));
        aws.call(&target("1"), describe(), Value::Null).await.expect("drains the bucket");
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (i, priority) in [Priority::Routine, Priority::Routine, Priority::Urgent, Priority::Urgent].into_iter().enumerate() {
            let (aws, order) = (aws.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                // the routine calls ask first, and come back deferred until urgent ones are done
                tokio::time::sleep(Duration::from_millis(i as u64)).await;
                loop {
                    match aws.call_with(&target("1"), describe(), Value::Null, priority).await {
                        Ok(_) => break,
                        Err(e) => tokio::time::sleep(e.deferred.expect("only routine calls are deferred")).await,
                    }
                }
                order.lock().expect("order").push(priority);
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let order = order.lock().expect("order").clone();
        assert_eq!(order, [Priority::Urgent, Priority::Urgent, Priority::Routine, Priority::Routine]);
    }

    #[tokio::test(start_paused = true)]
    async fn each_account_has_its_own_budget() {
        let aws = Aws::new(Arc::new(Echo), 1.0);
        let start = tokio::time::Instant::now();
        aws.call(&target("1"), describe(), Value::Null).await.expect("echo");
        aws.call(&target("2"), describe(), Value::Null).await.expect("echo");
        assert!(start.elapsed() < Duration::from_millis(10));
    }

    #[test]
    fn a_request_the_service_rejects_is_terminal_and_access_or_quota_errors_are_retried() {
        let class = |code: &str| AwsError::new("X", code, "m").class();
        assert_eq!(class("ValidationException"), ErrorClass::Rejected);
        assert_eq!(class("ResourceInUse"), ErrorClass::Rejected);
        assert_eq!(class("InvalidParameterValue"), ErrorClass::Rejected);
        assert_eq!(class("ThrottlingException"), ErrorClass::Transient);
        assert_eq!(class("InternalFailure"), ErrorClass::Transient);
        assert_eq!(class("DispatchFailure"), ErrorClass::Transient);
        assert_eq!(class("ConflictException"), ErrorClass::Transient);
        assert_eq!(class("AccessDeniedException"), ErrorClass::AccessDenied);
        assert_eq!(class("ExpiredTokenException"), ErrorClass::AccessDenied);
        assert_eq!(class("ResourceLimitExceeded"), ErrorClass::Quota);
        assert_eq!(class("RequestTimeout"), ErrorClass::Transient);
        // an unlisted code on a 5xx answer is the service's trouble, not the request's
        assert_eq!(AwsError::new("X", "SomethingNew", "m").with_http_status(503).class(), ErrorClass::Transient);
        assert_eq!(AwsError::new("X", "SomethingNew", "m").with_http_status(400).class(), ErrorClass::Rejected);
    }

    #[test]
    fn throttling_and_server_errors_are_transient_and_validation_is_not() {
        assert!(AwsError::new("X", "ThrottlingException", "slow down").transient);
        assert!(AwsError::new("X", "InternalFailure", "oops").transient);
        assert!(!AwsError::new("X", "ValidationException", "bad").transient);
        assert!(!AwsError::new("X", "ResourceInUse", "dup").transient);
    }
}
