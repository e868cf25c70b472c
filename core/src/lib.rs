//! What `kubectl-sagemaker` and `sagemaker-agent` both need to know about the
//! resources they handle, without any AWS or Kubernetes client code: the kinds
//! table, the resource envelope, manifest parsing and ACK's well-known names.

pub mod ack;
pub mod kinds;
pub mod manifest;
pub mod names;
pub mod positions;
pub mod resource;
pub mod selector;
pub mod wire;

pub use kinds::{KindInfo, PrinterColumn};
pub use resource::Resource;
