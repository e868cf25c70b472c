//! Who may call the agent when there is no Kubernetes to ask: a shared
//! bearer token from a file (standalone mode off loopback). Per-call
//! authentication against Kubernetes (TokenReview, RBAC) builds on the same
//! seam: one interceptor in front of every gRPC method.

use std::{path::PathBuf, sync::Arc};

use sagemaker_core::wire;
use tonic::{Request, Status};

/// The token callers must present, read from its file on every call (a
/// small read), so a rotated token takes effect at once, even within one
/// tick of the file's modification time.
#[derive(Debug)]
pub struct TokenFile {
    path: PathBuf,
}

impl TokenFile {
    /// Reads the file once now, so a missing or empty file stops the start.
    pub fn open(path: PathBuf) -> std::io::Result<Arc<Self>> {
        let file = TokenFile { path };
        file.token()?;
        Ok(Arc::new(file))
    }

    fn token(&self) -> std::io::Result<Vec<u8>> {
        let token = std::fs::read_to_string(&self.path)?.trim().as_bytes().to_vec();
        if token.is_empty() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "the token file is empty"));
        }
        Ok(token)
    }

    /// Checks one call's `authorization: Bearer <token>`.
    pub fn check(&self, request: &Request<()>) -> Result<(), Status> {
        let presented = request
            .metadata()
            .get(wire::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| Status::unauthenticated("this agent requires a bearer token; none was sent"))?;
        let expected = self.token().map_err(|e| {
            // never say more than that: the caller is not the operator
            tracing::error!(file = %self.path.display(), error = %e, "cannot read the token file");
            Status::unavailable("the agent cannot check credentials right now")
        })?;
        if constant_time_eq(presented.trim().as_bytes(), &expected) {
            Ok(())
        } else {
            Err(Status::unauthenticated("the bearer token was not accepted"))
        }
    }
}

/// Compares without an early exit, so timing does not reveal how much of a
/// guessed token was right (only its length, which is not secret enough to matter).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    std::hint::black_box(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(auth: Option<&str>) -> Request<()> {
        let mut r = Request::new(());
        if let Some(a) = auth {
            r.metadata_mut().insert(wire::AUTHORIZATION, a.parse().expect("ascii"));
        }
        r
    }

    #[test]
    fn every_call_needs_the_token_and_a_rotated_token_takes_effect_without_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("token");
        std::fs::write(&path, "first-secret\n").expect("write");
        let file = TokenFile::open(path.clone()).expect("open");
        assert!(file.check(&request(Some("Bearer first-secret"))).is_ok());
        assert_eq!(file.check(&request(None)).expect_err("none").code(), tonic::Code::Unauthenticated);
        assert_eq!(file.check(&request(Some("Bearer first-secreT"))).expect_err("wrong").code(), tonic::Code::Unauthenticated);
        assert_eq!(file.check(&request(Some("first-secret"))).expect_err("no scheme").code(), tonic::Code::Unauthenticated);
        // rotated at once, even within one tick of the file's mtime
        std::fs::write(&path, "second-secret").expect("rotate");
        assert!(file.check(&request(Some("Bearer first-secret"))).is_err());
        assert!(file.check(&request(Some("Bearer second-secret"))).is_ok());
    }

    #[test]
    fn an_empty_token_file_is_refused_at_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("token");
        std::fs::write(&path, "\n").expect("write");
        assert!(TokenFile::open(path).is_err());
    }

    #[test]
    fn tokens_compare_equal_only_when_identical() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
