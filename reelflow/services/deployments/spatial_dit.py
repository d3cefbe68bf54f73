"""SpatialDiT deployment: keyframes per shot, and the per-frame refinement velocity."""

from __future__ import annotations

from functools import partial

from ray import serve

from reelflow.pipeline.generation.stages import SpatialStage
from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.model.weights import resolve_checkpoint
from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.services import metrics
from reelflow.services.config import BatchSettings
from reelflow.services.deployments.ranks import replica_ranks
from reelflow.services.deployments.step_batching import StepBatcher
from reelflow.services.deployments.wire import cond_from_proto, tensor_from_proto, tensor_to_proto
from reelflow.v1 import stages_pb2


@serve.deployment(name="SpatialDiT")
class SpatialDiT:
    def __init__(
        self,
        preset: str,
        checkpoint: str,
        batching: BatchSettings | None = None,
        parallel: ParallelConfig | None = None,
        actor_options: dict | None = None,
    ):
        self.stage = SpatialStage(get_preset(preset), resolve_checkpoint(checkpoint))
        # at parallel degree > 1 the network runs on a group of ranks (before the batcher
        # takes hold of it); at degree 1 this is None and the stage is untouched
        self.ranks = replica_ranks(
            get_preset(preset), parallel, {"spatial": self.stage}, actor_options
        )
        batching = batching or BatchSettings()
        self.batcher = StepBatcher(self.stage, max_batch=batching.max_batch_size)
        self._batch.set_max_batch_size(batching.max_batch_size)
        self._batch.set_batch_wait_timeout_s(batching.batch_wait_timeout_s)

    def check_health(self) -> None:
        """Serve's health check: a replica whose rank group lost a rank is replaced."""
        if self.ranks is not None:
            self.ranks.check_health()

    @metrics.timed_stage("SpatialDiT", "keyframes")
    def keyframes(self, request: bytes) -> bytes:
        m = stages_pb2.KeyframesRequest.FromString(request)
        keyframes = self.stage.keyframes(
            cond_from_proto(m.cond), m.seed, m.steps, m.guidance, m.shift, m.height, m.width
        )
        return stages_pb2.TensorResponse(tensor=tensor_to_proto(keyframes)).SerializeToString()

    @metrics.timed_stage("SpatialDiT", "velocity")
    async def velocity(self, request: bytes) -> bytes:
        return await self._batch(request)

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.005)  # set from config in __init__
    async def _batch(self, requests: list[bytes]) -> list[bytes]:
        """Velocity calls of different jobs that arrived together: one forward pass."""
        metrics.observe_batch_size("SpatialDiT", len(requests))
        return await self.batcher.run_async([partial(self._velocity, r) for r in requests])

    def _velocity(self, request: bytes) -> bytes:
        m = stages_pb2.SpatialVelocityRequest.FromString(request)
        v = self.stage.velocity(tensor_from_proto(m.xv), m.t, cond_from_proto(m.cond), m.guidance)
        return stages_pb2.TensorResponse(tensor=tensor_to_proto(v)).SerializeToString()
