#!/usr/bin/env bash
# Runs every test: installs and builds what the tests need (a real
# kube-apiserver + etcd, moto in a virtualenv; cached under
# ~/.cache/kubectl-sagemaker), builds the workspace, then runs all tests,
# including the drift checks of the generated gRPC code and CRDs, and clippy.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-sagemaker"
# the cargo target dir lives outside the clone so CI and fresh clones reuse it
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"

eval "$(scripts/test-deps.sh)"
export PATH="$(dirname "$SAGEMAKER_TEST_KUBECTL"):$PATH"

echo "==> build" >&2
cargo build --locked --workspace --all-targets
echo "==> clippy" >&2
cargo clippy --locked --workspace --all-targets -- -D warnings
echo "==> tests" >&2
if command -v cargo-nextest >/dev/null; then
    # at most 2 suites at once: each end-to-end test runs its own API server, moto and agent
    cargo nextest run --locked --workspace --test-threads 2 --no-fail-fast "$@"
else
    cargo test --locked --workspace --no-fail-fast "$@" -- --test-threads 2
fi
