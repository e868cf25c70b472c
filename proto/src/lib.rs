//! The gRPC contract between `kubectl sagemaker` and `sagemaker-agent`.
//!
//! The Rust code in `src/gen` is generated from `proto/` and committed, so that
//! neither users nor krew builds need `protoc`. The test `generated_code_is_up_to_date`
//! regenerates it with a pure-Rust compiler (protox) and fails on drift;
//! `UPDATE_GENERATED=1 cargo test -p sagemaker-proto` rewrites it.

/// Version 1 of the agent API.
pub mod v1 {
    #![allow(missing_docs, clippy::all, unreachable_pub)]
    include!("gen/sagemaker.agent.v1.rs");
}

/// The API version string the agent reports in `Info`.
pub const API_VERSION: &str = "sagemaker.agent.v1";
