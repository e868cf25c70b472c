//! What the agent counts, for Prometheus: ACK's outbound-call metrics under
//! ACK's names and labels (so existing dashboards and alerts keep working),
//! and the agent's own (reconciles, AWS calls by account and region,
//! throttling, gRPC calls, queue and cache).
//!
//! One [`Metrics`] per process, carried by the [`crate::aws::Aws`] handle
//! that every part already holds.

use std::sync::{
    Arc,
    atomic::{AtomicI64, AtomicU64},
};

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

use crate::kinds::Role;

/// ACK's `ack_outbound_api_requests_total` labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct Outbound {
    pub service: String,
    pub op_type: String,
    pub op_id: String,
}

/// ACK's `ack_outbound_api_requests_error_total` labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct OutboundError {
    pub service: String,
    pub op_id: String,
    pub status_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct AwsCall {
    pub service: String,
    pub operation: String,
    /// `ok`, `error` or `throttled`.
    pub outcome: String,
    pub account: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct Place {
    pub service: String,
    pub account: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct Reconcile {
    pub kind: String,
    /// `done`, `poll`, `resync`, or the failure's label.
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct Grpc {
    pub method: String,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct Kind {
    pub kind: String,
}

pub struct Metrics {
    registry: Registry,
    outbound: Family<Outbound, Counter>,
    outbound_errors: Family<OutboundError, Counter>,
    aws_calls: Family<AwsCall, Counter>,
    throttled: Family<Place, Counter>,
    deferred: Family<Place, Counter>,
    reconciles: Family<Reconcile, Counter>,
    grpc: Family<Grpc, Counter>,
    /// Resources with a reconcile scheduled (due now or later).
    pub queue_depth: Gauge<i64, AtomicI64>,
    /// Reconciles running now.
    pub running: Gauge<i64, AtomicI64>,
    /// 1 while this replica reconciles (holds the lease, or no election).
    pub leader: Gauge<i64, AtomicI64>,
    cache: Family<Kind, Gauge<i64, AtomicI64>>,
    events: Counter<u64, AtomicU64>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// ACK's `op_type` for what an operation does.
pub fn op_type(role: Role) -> &'static str {
    match role {
        Role::Create => "CREATE",
        Role::Describe => "READ_ONE",
        Role::Update | Role::Start | Role::AddTags | Role::DeleteTags => "UPDATE",
        // ACK stops a job in its sdkDelete
        Role::Delete | Role::Stop => "DELETE",
        Role::ListTags | Role::List | Role::Children | Role::Find => "READ_MANY",
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let metrics = Metrics {
            outbound: Family::default(),
            outbound_errors: Family::default(),
            aws_calls: Family::default(),
            throttled: Family::default(),
            deferred: Family::default(),
            reconciles: Family::default(),
            grpc: Family::default(),
            queue_depth: Gauge::default(),
            running: Gauge::default(),
            leader: Gauge::default(),
            cache: Family::default(),
            events: Counter::default(),
            registry: Registry::default(),
        };
        // ACK's names, unprefixed (the encoder adds `_total` to counters)
        registry.register("ack_outbound_api_requests", "AWS API calls made, as ACK counts them", metrics.outbound.clone());
        registry.register("ack_outbound_api_requests_error", "AWS API calls that failed, as ACK counts them", metrics.outbound_errors.clone());
        let ours = registry.sub_registry_with_prefix("sagemaker_agent");
        ours.register("aws_calls", "AWS API calls by operation, outcome, account and region", metrics.aws_calls.clone());
        ours.register("aws_throttled", "AWS answers that throttled the agent", metrics.throttled.clone());
        ours.register("aws_deferred", "Routine AWS calls put off because the account's budget was spent", metrics.deferred.clone());
        ours.register("reconciles", "Reconcile steps by kind and outcome", metrics.reconciles.clone());
        ours.register("grpc_requests", "Plugin calls by method and gRPC code", metrics.grpc.clone());
        ours.register("queue_depth", "Resources with a reconcile scheduled", metrics.queue_depth.clone());
        ours.register("reconciles_running", "Reconciles running now", metrics.running.clone());
        ours.register("leader", "1 while this replica reconciles (it holds the leader lease, or there is no election)", metrics.leader.clone());
        ours.register("cache_objects", "Resources in the agent's cache by kind", metrics.cache.clone());
        ours.register("events", "Kubernetes Events recorded", metrics.events.clone());
        Metrics { registry, ..metrics }
    }

    /// One AWS call made, and how it went (`error`: its code and HTTP
    /// status, when it failed).
    pub fn aws_call(&self, service: &str, op_type: &str, operation: &str, account: &str, region: &str, error: Option<&crate::aws::AwsError>) {
        self.outbound
            .get_or_create(&Outbound { service: service.into(), op_type: op_type.into(), op_id: operation.into() })
            .inc();
        let outcome = match error {
            None => "ok",
            Some(e) if e.is_throttling() => "throttled",
            Some(_) => "error",
        };
        self.aws_calls
            .get_or_create(&AwsCall {
                service: service.into(),
                operation: operation.into(),
                outcome: outcome.into(),
                account: account.into(),
                region: region.into(),
            })
            .inc();
        if let Some(e) = error {
            let status_code = e.http_status.map_or_else(|| "0".to_string(), |s| s.to_string());
            self.outbound_errors.get_or_create(&OutboundError { service: service.into(), op_id: operation.into(), status_code }).inc();
            if e.is_throttling() {
                self.throttled.get_or_create(&Place { service: service.into(), account: account.into(), region: region.into() }).inc();
            }
        }
    }

    pub fn deferred(&self, service: &str, account: &str, region: &str) {
        self.deferred.get_or_create(&Place { service: service.into(), account: account.into(), region: region.into() }).inc();
    }

    pub fn reconciled(&self, kind: &str, outcome: &str) {
        self.reconciles.get_or_create(&Reconcile { kind: kind.into(), outcome: outcome.into() }).inc();
    }

    pub fn grpc(&self, method: &str, code: tonic::Code) {
        self.grpc.get_or_create(&Grpc { method: method.into(), code: format!("{code:?}") }).inc();
    }

    pub fn event_recorded(&self) {
        self.events.inc();
    }

    pub fn cache_size(&self, kind: &str, objects: usize) {
        self.cache.get_or_create(&Kind { kind: kind.into() }).set(objects as i64);
    }

    /// The OpenMetrics text of everything.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // writing to a String cannot fail
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Counts a gauge up for as long as it lives.
pub struct Up(Gauge<i64, AtomicI64>);

impl Up {
    pub fn new(gauge: &Gauge<i64, AtomicI64>) -> Up {
        gauge.inc();
        Up(gauge.clone())
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Shared by everything that reports.
pub type Shared = Arc<Metrics>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::AwsError;

    #[test]
    fn outbound_calls_are_exposed_under_acks_names_and_labels() {
        let m = Metrics::new();
        m.aws_call("sagemaker", "READ_ONE", "DescribeTrainingJob", "123456789012", "us-east-1", None);
        let throttled = AwsError::new("DescribeTrainingJob", "ThrottlingException", "slow down").with_http_status(400);
        m.aws_call("sagemaker", "READ_ONE", "DescribeTrainingJob", "123456789012", "us-east-1", Some(&throttled));
        let text = m.encode();
        for line in [
            "ack_outbound_api_requests_total{service=\"sagemaker\",op_type=\"READ_ONE\",op_id=\"DescribeTrainingJob\"} 2",
            "ack_outbound_api_requests_error_total{service=\"sagemaker\",op_id=\"DescribeTrainingJob\",status_code=\"400\"} 1",
            "sagemaker_agent_aws_calls_total{service=\"sagemaker\",operation=\"DescribeTrainingJob\",outcome=\"throttled\",account=\"123456789012\",region=\"us-east-1\"} 1",
            "sagemaker_agent_aws_throttled_total{service=\"sagemaker\",account=\"123456789012\",region=\"us-east-1\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
    }
}
