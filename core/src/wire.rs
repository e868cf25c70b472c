//! How the agent tells the plugin more than a gRPC status code and message.
//!
//! An error status carries the sentence in its message and, in these ASCII
//! metadata entries, what the plugin needs to render `error:` / `hint:` and to
//! point at the manifest: the plugin never parses messages.

/// What the user can do about the error.
pub const HINT: &str = "x-sagemaker-hint";
/// The manifest document the error is about (`training.yaml (document 2, line 30)`).
pub const SOURCE: &str = "x-sagemaker-source";
/// The field path the error is about (`spec.resourceConfig.instanceCount`).
pub const FIELD: &str = "x-sagemaker-field";
/// Request metadata: the caller's bearer token (`authorization: Bearer <token>`),
/// the seam for per-call authentication and Kubernetes RBAC.
pub const AUTHORIZATION: &str = "authorization";
/// `kubectl --as`: the user the caller acts as, if the caller may impersonate them.
pub const IMPERSONATE_USER: &str = "impersonate-user";
/// `kubectl --as-group` (repeated): the groups the impersonated user is given.
pub const IMPERSONATE_GROUP: &str = "impersonate-group";

/// Metadata values must be printable ASCII; hints and paths are, but a file
/// name may not be, so anything else is replaced rather than failing the call.
pub fn ascii(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_ascii() && !c.is_ascii_control() { c } else { '?' })
        .collect()
}

/// The largest gRPC message either side accepts. A Kubernetes object is at
/// most about 1.5 MiB (etcd's request limit), so this fits a multi-document
/// apply of many large manifests; the plugin refuses a larger request
/// before sending it, naming the documents.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// The largest manifest document Kubernetes can store (etcd's default
/// request limit, which the API server enforces per object).
pub const MAX_OBJECT_BYTES: usize = 1_572_864;
