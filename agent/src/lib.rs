//! `sagemaker-agent`: keeps ACK-compatible SageMaker resources as desired
//! state (Kubernetes custom resources, or an embedded store standalone),
//! reconciles them against AWS (or the built-in simulator), and serves the
//! `kubectl sagemaker` plugin over gRPC.

pub mod access;
pub mod adopt;
pub mod apply;
pub mod args;
pub mod auth;
pub mod aws;
pub mod crd;
pub mod deploy;
pub mod engine;
pub mod error;
#[cfg(test)]
mod generated;
pub mod grpc;
pub mod http;
pub mod kinds;
pub mod leader;
pub mod logs;
pub mod metrics;
pub mod placement;
pub mod rbac;
pub mod store;
pub mod tls;
