//! The committed constraints table and Application Auto Scaling model are
//! what `scripts/gen-constraints.py` makes from the pinned botocore: a drift
//! check, like the generated gRPC code and CRDs have.

use std::{path::PathBuf, process::Command};

fn repo() -> PathBuf {
    sagemaker_core::manifest_dir(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Python with the pinned botocore: the test environment's (scripts/test-deps.sh).
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SAGEMAKER_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .expect("HOME");
    cache.join("kubectl-sagemaker/venv/bin/python")
}

/// Runs `scripts/gen-constraints.py` with `args` and compares its output with
/// the committed `file`; with `UPDATE_GENERATED=1`, rewrites the file instead.
fn check_generated(args: &[&str], file: &str) {
    let committed = repo().join(file);
    let python = python();
    assert!(
        python.exists(),
        "{} is missing: run scripts/test-deps.sh (scripts/test.sh does) to install the pinned botocore",
        python.display()
    );
    let out = Command::new(&python)
        .arg(repo().join("scripts/gen-constraints.py"))
        .args(args)
        .output()
        .expect("run gen-constraints.py");
    assert!(
        out.status.success(),
        "gen-constraints.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&committed, &out.stdout).expect("write");
        return;
    }
    let current = std::fs::read(&committed).expect("committed file");
    assert!(
        current == out.stdout,
        "{file} is out of date with the pinned botocore: \
         regenerate with UPDATE_GENERATED=1 cargo test -p sagemaker-schema --test constraints_table"
    );
}

#[test]
fn constraints_table_is_up_to_date() {
    check_generated(&[], "schema/data/constraints.json");
}

#[test]
fn application_autoscaling_model_is_up_to_date() {
    check_generated(
        &["--model", "application-autoscaling"],
        "schema/data/applicationautoscaling.json",
    );
}
