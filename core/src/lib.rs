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

/// The directory of the package whose tests are running: `CARGO_MANIFEST_DIR`
/// as cargo sets it when it runs a test, else `compiled` (the same variable
/// at compile time). Test binaries built by one clone and found fresh by
/// another (a cargo target directory shared outside the clones, as the
/// scripts keep it) must read the files of the clone running them.
pub fn manifest_dir(compiled: &'static str) -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| compiled.into())
}
