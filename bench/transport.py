"""Family 5, transport: the cost of one call between deployments over Serve's gRPC transport
vs Ray's object store, against payload size. A tiny echo deployment is called from a prober
deployment (the transport only applies between replicas), both deployed next to the reelflow
app on the same local Serve; the real per-step request sizes of the tiny preset are listed
for scale."""

from __future__ import annotations

import time

from ray import serve
from ray.serve.handle import DeploymentHandle

from bench import served
from bench.common import BenchConfig, Report, Stats, Table


@serve.deployment(name="BenchEcho", ray_actor_options={"num_cpus": 0.05})
class Echo:
    def echo(self, payload: bytes) -> bytes:
        return payload


@serve.deployment(name="BenchProber", ray_actor_options={"num_cpus": 0.05})
class Prober:
    def __init__(self, echo: DeploymentHandle):
        self.echo = echo

    async def probe(self, size: int, by_reference: bool, calls: int) -> list[float]:
        handle = self.echo.options(_by_reference=by_reference)
        payload = b"\x01" * size
        await handle.echo.remote(payload)  # warm-up: connection / first transfer
        times = []
        for _ in range(calls):
            began = time.perf_counter()
            reply = await handle.echo.remote(payload)
            times.append(time.perf_counter() - began)
            assert len(reply) == size
        return times


def step_payloads(steps: int) -> dict[str, int]:
    """Serialized sizes of one joint step's stage requests at the tiny preset's default request."""
    from bench.workload import local_stages, request, step_inputs
    from reelflow.services.deployments.wire import cond_to_proto, tensor_to_proto
    from reelflow.v1 import stages_pb2

    inputs = step_inputs(local_stages(), request(steps))
    cond = cond_to_proto(inputs.cond)
    video = stages_pb2.VideoVelocityRequest(
        xv=tensor_to_proto(inputs.xv),
        xa=tensor_to_proto(inputs.xa),
        t=0.5,
        cond=cond,
        keyframes=tensor_to_proto(inputs.keyframes),
        guidance=4.0,
    )
    audio = stages_pb2.AudioVelocityRequest(
        xa=tensor_to_proto(inputs.xa), xv=tensor_to_proto(inputs.xv), t=0.5, cond=cond
    )
    return {
        "TemporalStage.velocity request": video.ByteSize(),
        "AudioStage.velocity request": audio.ByteSize(),
        "of which conditioning": cond.ByteSize(),
        "velocity reply (xv, fp16)": tensor_to_proto(inputs.xv).ByteSize(),
    }


def run(config: BenchConfig) -> Report:
    served.address()  # the Serve instance (and its raised gRPC message limits)
    handle = serve.run(
        Prober.bind(Echo.bind()), name="bench-transport", route_prefix=None, blocking=False
    )
    sizes = (1_000, 100_000, 1_000_000, 8_000_000)
    if not config.quick:
        sizes = (1_000, 10_000, 100_000, 300_000, 1_000_000, 4_000_000, 8_000_000, 16_000_000)
    calls = 10 if config.quick else 30
    rows, data = [], {}
    try:
        for size in sizes:
            grpc = Stats.of(handle.probe.remote(size, False, calls).result(timeout_s=600))
            store = Stats.of(handle.probe.remote(size, True, calls).result(timeout_s=600))
            rows.append(
                (
                    f"{size / 1e3:,.0f} KB",
                    grpc.ms(),
                    store.ms(),
                    f"{grpc.median / store.median:.2f}",
                )
            )
            data[size] = {"grpc_s": grpc, "object_store_s": store}
    finally:
        serve.delete("bench-transport")
    payloads = step_payloads(config.steps)
    return Report(
        family="transport",
        tables=(
            Table(
                "Transport between deployments: one echo round trip (payload out and back)",
                ("payload", "gRPC ms median (min–max)", "object store ms", "gRPC / store"),
                tuple(rows),
                (f"{calls} calls per cell, after one warm-up call.",),
            ),
            Table(
                "Per-step payloads at the tiny preset (2 s, 64x64, serialized protobuf)",
                ("message", "bytes"),
                tuple((name, f"{size:,}") for name, size in payloads.items()),
            ),
        ),
        data={"round_trip": data, "step_payload_bytes": payloads},
    )
