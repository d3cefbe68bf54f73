"""Family 1, serving overhead: the same request embedded (stages as local objects) and over
gRPC through a local Ray Serve (public API, six deployments), interleaved so that drift on a
shared machine hits both alike; the figure is the median of the per-pair ratios."""

from __future__ import annotations

import time

from bench import served
from bench.common import BenchConfig, Report, Stats, Table, ratio
from bench.workload import local_stages, request, run_embedded
from reelflow.services.api.grpc.client import generate_remote


def run(config: BenchConfig) -> Report:
    stages = local_stages()
    req = request(config.steps)
    address = served.address()
    generate_remote(address, req, timeout_s=600)  # warm-up: replicas' first calls
    run_embedded(stages, req)
    embedded, remote, server_side = [], [], []
    for _ in range(config.repeats):
        _, seconds = run_embedded(stages, req)
        embedded.append(seconds)
        began = time.perf_counter()
        reply = generate_remote(address, req, timeout_s=600)
        remote.append(time.perf_counter() - began)
        server_side.append(sum(reply.result.stage_seconds.values()))
    overhead = ratio(remote, embedded)
    rows = (
        ("embedded (one process, no Ray)", Stats.of(embedded).s(), "1.00"),
        (
            "served: gRPC client → Serve proxy → Orchestrator → stage deployments",
            Stats.of(remote).s(),
            f"{overhead.median:.2f} ({overhead.min:.2f}–{overhead.max:.2f})",
        ),
    )
    return Report(
        family="serving_overhead",
        tables=(
            Table(
                f"Serving overhead, tiny preset, {config.steps} steps (target ≤ 1.10×)",
                ("path", "seconds median (min–max)", "ratio to embedded"),
                rows,
                (f"{config.repeats} interleaved pairs; ratio = median of per-pair ratios.",),
            ),
        ),
        data={
            "embedded_s": Stats.of(embedded),
            "served_s": Stats.of(remote),
            "ratio": overhead,
            "served_stage_seconds_sum": Stats.of(server_side),
        },
    )
