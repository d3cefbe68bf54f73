"""stage_protocol.Stages over Ray Serve deployment handles: each call is one protobuf message."""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable

import torch
from ray.serve.handle import DeploymentHandle

from reelflow.pipeline.generation.conditioning import Conditioning
from reelflow.pipeline.script.plan import Plan
from reelflow.services import metrics
from reelflow.services.deployments.wire import (
    cond_from_proto,
    cond_to_proto,
    plan_to_proto,
    tensor_from_proto,
    tensor_to_proto,
)
from reelflow.v1 import stages_pb2

# The one place the transport between deployments is chosen: gRPC (DESIGN.md) by default,
# Ray's object store with REELFLOW_STAGE_TRANSPORT=object_store (for benchmarks).
TRANSPORT = os.environ.get("REELFLOW_STAGE_TRANSPORT", "grpc")


def with_transport(handle: DeploymentHandle) -> DeploymentHandle:
    if TRANSPORT not in ("grpc", "object_store"):
        raise ValueError(
            f"REELFLOW_STAGE_TRANSPORT must be grpc or object_store, got {TRANSPORT!r}"
        )
    return handle.options(_by_reference=TRANSPORT == "object_store")


def _tensor(data: bytes) -> torch.Tensor:
    return tensor_from_proto(stages_pb2.TensorResponse.FromString(data).tensor)


async def _step(branch: str, call: Awaitable[bytes]) -> torch.Tensor:
    """One branch velocity of a denoising step, timed as the orchestrator sees it."""
    began = time.perf_counter()
    data = await call
    metrics.observe_step_seconds(branch, time.perf_counter() - began)
    return _tensor(data)


class RemoteStages:
    def __init__(
        self,
        encoder: DeploymentHandle,
        spatial: DeploymentHandle,
        temporal: DeploymentHandle,
        audio: DeploymentHandle,
        muxer: DeploymentHandle,
    ):
        self.encoder = with_transport(encoder)
        self.spatial = with_transport(spatial)
        self.temporal = with_transport(temporal)
        self.audio = with_transport(audio)
        self.muxer = with_transport(muxer)
        self._cond_cache: tuple[Conditioning, stages_pb2.Conditioning] | None = None

    def _cond(self, cond: Conditioning) -> stages_pb2.Conditioning:
        """Convert a request's conditioning once, not at every step."""
        hit = self._cond_cache is not None and self._cond_cache[0] is cond
        metrics.record_cache("conditioning", hit)
        if not hit:
            self._cond_cache = (cond, cond_to_proto(cond))
        return self._cond_cache[1]

    async def encode(self, plan: Plan) -> Conditioning:
        request = stages_pb2.EncodeRequest(plan=plan_to_proto(plan))
        data = await self.encoder.encode.remote(request.SerializeToString())
        return cond_from_proto(stages_pb2.Conditioning.FromString(data))

    async def keyframes(self, cond, seed, steps, guidance, shift, height, width) -> torch.Tensor:
        request = stages_pb2.KeyframesRequest(
            cond=self._cond(cond),
            seed=seed,
            steps=steps,
            guidance=guidance,
            shift=shift,
            height=height,
            width=width,
        )
        return _tensor(await self.spatial.keyframes.remote(request.SerializeToString()))

    async def temporal_velocity(
        self, xv, xa, t, cond, keyframes, guidance, phase=0
    ) -> torch.Tensor:
        request = stages_pb2.VideoVelocityRequest(
            xv=tensor_to_proto(xv),
            xa=tensor_to_proto(xa),
            t=t,
            cond=self._cond(cond),
            keyframes=tensor_to_proto(keyframes),
            guidance=guidance,
            window_phase=phase,
        )
        return await _step("temporal", self.temporal.velocity.remote(request.SerializeToString()))

    async def audio_velocity(self, xa, xv, t, cond, guidance, phase=0) -> torch.Tensor:
        request = stages_pb2.AudioVelocityRequest(
            xa=tensor_to_proto(xa),
            xv=tensor_to_proto(xv),
            t=t,
            cond=self._cond(cond),
            guidance=guidance,
            window_phase=phase,
        )
        return await _step("audio", self.audio.velocity.remote(request.SerializeToString()))

    async def spatial_velocity(self, xv, t, cond, guidance) -> torch.Tensor:
        request = stages_pb2.SpatialVelocityRequest(
            xv=tensor_to_proto(xv), t=t, cond=self._cond(cond), guidance=guidance
        )
        return await _step("spatial", self.spatial.velocity.remote(request.SerializeToString()))

    async def decode_and_mux(self, xv, xa, fps, sample_rate, num_samples) -> bytes:
        request = stages_pb2.MuxRequest(
            xv=tensor_to_proto(xv),
            xa=tensor_to_proto(xa),
            fps=fps,
            sample_rate=sample_rate,
            num_samples=num_samples,
        )
        data = await self.muxer.decode_and_mux.remote(request.SerializeToString())
        return stages_pb2.MuxResponse.FromString(data).mp4

    async def encode_source(self, mp4, fps, width, height, sample_rate):
        request = stages_pb2.EncodeSourceRequest(
            mp4=mp4, fps=fps, width=width, height=height, sample_rate=sample_rate
        )
        data = await self.muxer.encode_source.remote(request.SerializeToString())
        reply = stages_pb2.EncodeSourceResponse.FromString(data)
        return tensor_from_proto(reply.xv), tensor_from_proto(reply.xa)

    async def preview(self, x0) -> bytes:
        request = stages_pb2.PreviewRequest(x0=tensor_to_proto(x0))
        data = await self.muxer.preview.remote(request.SerializeToString())
        return stages_pb2.PreviewResponse.FromString(data).jpeg
