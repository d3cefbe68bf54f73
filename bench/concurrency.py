"""Family 3, throughput vs concurrency: N jobs submitted at once through the public gRPC API
of a local Ray Serve, against the same N run one after another, in the same run."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from bench import served
from bench.common import BenchConfig, Report, Stats, Table
from bench.workload import request
from reelflow.services.api.grpc.client import generate_remote


def step_batching_present() -> bool:
    """Whether the deployed velocity methods batch steps across jobs (@serve.batch)."""
    from reelflow.services.deployments.roles import ROLES

    return any(m.batched for role in ROLES.values() for m in role.methods)


def _burst(address: str, jobs: int, steps: int) -> float:
    """Wall seconds until all `jobs` concurrent requests (distinct seeds) have finished."""
    began = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        futures = [
            pool.submit(generate_remote, address, request(steps, seed=seed), None, 900)
            for seed in range(jobs)
        ]
        for future in futures:
            future.result()
    return time.perf_counter() - began


def run(config: BenchConfig) -> Report:
    address = served.address()
    levels = (1, 2, 4, 8)
    steps = config.steps
    _burst(address, 1, steps)  # warm-up
    repeats = max(1, config.repeats // 2)
    single = Stats.of([_burst(address, 1, steps) for _ in range(repeats + 1)])
    rows, data = [], {"single_job_s": single, "levels": {}}
    for jobs in levels:
        wall = Stats.of([_burst(address, jobs, steps) for _ in range(repeats)])
        sequential = single.median * jobs  # the same jobs one after another
        speedup = sequential / wall.median
        rows.append(
            (
                str(jobs),
                wall.s(),
                f"{jobs / wall.median * 60:.1f}",
                f"{speedup:.2f}×",
            )
        )
        data["levels"][jobs] = {"wall_s": wall, "throughput_vs_sequential": speedup}
    batching = step_batching_present()
    from reelflow.services.hosts.ray import server

    workers = server.read_raw_config(None).get("jobs", {}).get("workers", "?")
    data["step_batching"] = batching
    return Report(
        family="concurrency",
        tables=(
            Table(
                f"Throughput vs concurrency, served, tiny preset, {steps} steps "
                f"(step batching deployed: {'yes' if batching else 'no'})",
                ("concurrent jobs", "wall s median (min–max)", "jobs/min", "vs one after another"),
                tuple(rows),
                (
                    f"One job alone: {single.s()} s. 'vs one after another' = N × single / wall."
                    " Target: 8 jobs with step batching ≥ 2×. The Orchestrator runs "
                    f"{workers} jobs at once (serve_config.yaml jobs.workers); more wait queued.",
                ),
            ),
        ),
        data=data,
    )
