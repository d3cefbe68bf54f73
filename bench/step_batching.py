"""Step-level batching, measured: 8 jobs submitted at once to a local Ray Serve with the
branches batching velocity calls across jobs (max_batch_size 8) and without (1), plus one job
alone for reference. Each setting gets a fresh Serve stack; prints JSON.

    .venv/bin/python -m bench.step_batching [--jobs 8 --steps 8]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from bench.load_test import PROMPTS
from reelflow.services.api.grpc.client import JobClient
from reelflow.services.hosts.ray import server
from reelflow.v1 import generation_pb2 as pb


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _burst(address: str, jobs: int, steps: int, side: int = 0, seconds: float = 0.0) -> float:
    def one(i: int) -> pb.Job:
        with JobClient(address) as client:
            prompt = PROMPTS[i % len(PROMPTS)] if not seconds else "a red ball bounces"
            request = pb.GenerateRequest(
                prompt=prompt, seed=i, steps=steps, width=side, height=side, duration_s=seconds
            )
            return client.wait(client.submit(request).job_id)

    began = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        finals = list(pool.map(one, range(jobs)))
    wall = time.perf_counter() - began
    assert all(job.state == pb.JOB_STATE_SUCCEEDED for job in finals), finals
    return wall


def measure(
    max_batch_size: int, jobs: int, steps: int, side: int, seconds: float
) -> dict[str, float]:
    raw = server.read_raw_config(None)
    raw |= {
        "checkpoint": "none",
        "http_port": _free_port(),
        "batching": {"max_batch_size": max_batch_size, "batch_wait_timeout_s": 0.005},
        "jobs": raw["jobs"]
        | {"store_dir": tempfile.mkdtemp(prefix="reelflow-batch-"), "workers": jobs},
    }
    config = server.start(raw, grpc_port=_free_port())
    try:
        address = f"127.0.0.1:{config.grpc_port}"
        _burst(address, 1, 1)  # warm-up: first calls pay imports and allocations
        one = _burst(address, 1, steps, side, seconds)
        many = _burst(address, jobs, steps, side, seconds)
    finally:
        server.stop()
    return {
        "max_batch_size": max_batch_size,
        "one_job_s": round(one, 2),
        f"{jobs}_jobs_s": round(many, 2),
        "jobs_per_s": round(jobs / many, 3),
        "speedup_vs_sequential": round(jobs * one / many, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--side", type=int, default=0, help="width = height (0: preset's)")
    parser.add_argument("--seconds", type=float, default=0.0, help="clip length (0: 2 s shots)")
    args = parser.parse_args()
    os.environ.setdefault("REELFLOW_RAY_TMPDIR", tempfile.mkdtemp(prefix="rf-ray-"))
    results = [
        measure(size, args.jobs, args.steps, args.side, args.seconds) for size in (args.jobs, 1)
    ]
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
