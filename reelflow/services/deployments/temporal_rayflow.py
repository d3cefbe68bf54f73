"""TemporalRayFlow deployment: the video velocity of one joint denoising step."""

from __future__ import annotations

from functools import partial

from ray import serve

from reelflow.pipeline.generation.stages import TemporalStage
from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.model.weights import resolve_checkpoint
from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.services import metrics
from reelflow.services.config import BatchSettings
from reelflow.services.deployments.ranks import replica_ranks
from reelflow.services.deployments.step_batching import StepBatcher
from reelflow.services.deployments.wire import cond_from_proto, tensor_from_proto, tensor_to_proto
from reelflow.v1 import stages_pb2


@serve.deployment(name="TemporalRayFlow")
class TemporalRayFlow:
    def __init__(
        self,
        preset: str,
        checkpoint: str,
        batching: BatchSettings | None = None,
        parallel: ParallelConfig | None = None,
        actor_options: dict | None = None,
    ):
        self.stage = TemporalStage(get_preset(preset), resolve_checkpoint(checkpoint))
        # at parallel degree > 1 the network runs on a group of ranks (before the batcher
        # takes hold of it); at degree 1 this is None and the stage is untouched
        self.ranks = replica_ranks(
            get_preset(preset), parallel, {"temporal": self.stage}, actor_options
        )
        batching = batching or BatchSettings()
        self.batcher = StepBatcher(self.stage, max_batch=batching.max_batch_size)
        self._batch.set_max_batch_size(batching.max_batch_size)
        self._batch.set_batch_wait_timeout_s(batching.batch_wait_timeout_s)

    def check_health(self) -> None:
        """Serve's health check: a replica whose rank group lost a rank is replaced."""
        if self.ranks is not None:
            self.ranks.check_health()

    @metrics.timed_stage("TemporalRayFlow", "velocity")
    async def velocity(self, request: bytes) -> bytes:
        return await self._batch(request)

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.005)  # set from config in __init__
    async def _batch(self, requests: list[bytes]) -> list[bytes]:
        """Velocity calls of different jobs that arrived together: one forward pass."""
        metrics.observe_batch_size("TemporalRayFlow", len(requests))
        return await self.batcher.run_async([partial(self._velocity, r) for r in requests])

    def _velocity(self, request: bytes) -> bytes:
        m = stages_pb2.VideoVelocityRequest.FromString(request)
        v = self.stage.velocity(
            tensor_from_proto(m.xv),
            tensor_from_proto(m.xa),
            m.t,
            cond_from_proto(m.cond),
            tensor_from_proto(m.keyframes),
            m.guidance,
            m.window_phase,
        )
        return stages_pb2.TensorResponse(tensor=tensor_to_proto(v)).SerializeToString()
