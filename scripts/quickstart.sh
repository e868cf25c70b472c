#!/usr/bin/env bash
# The quickstart, on the embedded default: no cluster, no AWS. Builds the
# agent and the plugin, starts the agent standalone with its SageMaker
# simulator, then runs the whole ACK tutorial through kubectl sagemaker:
# train (examples/training.yaml) with its logs, deploy (examples/deploy.yaml) and
# autoscale the endpoint, and shows what it made with `get` and `describe`.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-sagemaker"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"

echo "==> building sagemaker-agent and kubectl-sagemaker (the first build takes a few minutes)" >&2
cargo build --locked --bin sagemaker-agent --bin kubectl-sagemaker
BIN="$CARGO_TARGET_DIR/debug"
# kubectl finds plugins named kubectl-<name> on PATH
export PATH="$BIN:$PATH"
if command -v kubectl >/dev/null; then
    KS=(kubectl sagemaker)
else
    KS=(kubectl-sagemaker)
fi

DATA=$(mktemp -d "${TMPDIR:-/tmp}/sagemaker-quickstart.XXXXXX")
LOG="$DATA/agent.log"
"$BIN/sagemaker-agent" --standalone --data-dir "$DATA" --listen 127.0.0.1:0 >"$DATA/agent.out" 2>"$LOG" &
AGENT_PID=$!
trap 'kill $AGENT_PID 2>/dev/null; wait $AGENT_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q '^listening on ' "$DATA/agent.out" 2>/dev/null && break
    kill -0 $AGENT_PID 2>/dev/null || { cat "$LOG" >&2; exit 1; }
    sleep 0.1
done
export KUBECTL_SAGEMAKER_AGENT="http://$(sed -n 's/^listening on //p' "$DATA/agent.out")"
echo "==> agent running standalone with the SageMaker simulator at $KUBECTL_SAGEMAKER_AGENT (state in $DATA)" >&2

set -x
"${KS[@]}" version
"${KS[@]}" train -f examples/training.yaml --wait --logs
"${KS[@]}" logs trainingjob ack-xgboost-training-job-7420 --tail 3 --timestamps
"${KS[@]}" get trainingjobs -o wide
"${KS[@]}" describe trainingjob ack-xgboost-training-job-7420
"${KS[@]}" deploy -f examples/deploy.yaml --wait
"${KS[@]}" autoscale endpoint ack-xgboost-endpoint-7420 --variant AllTraffic --min 1 --max 20 \
    --target-invocations 60 --scale-in-cooldown 700 --scale-out-cooldown 300 --wait
"${KS[@]}" autoscale endpoint ack-xgboost-endpoint-7420
"${KS[@]}" get all
"${KS[@]}" describe endpoint ack-xgboost-endpoint-7420
"${KS[@]}" logs endpoint ack-xgboost-endpoint-7420
