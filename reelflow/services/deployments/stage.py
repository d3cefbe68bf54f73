"""StageDeployment: any stage of the schedule as a Ray Serve deployment. Which stage, and
which methods it answers, is its row of roles.FAMILY_ROLES for the served model family;
app.py binds it once per role, under the role's name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from ray import serve

from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.services import metrics
from reelflow.services.config import BatchSettings, ModelConfig
from reelflow.services.deployments.ranks import replica_ranks
from reelflow.services.deployments.roles import FAMILY_ROLES, Method
from reelflow.services.deployments.step_batching import StepBatcher

Endpoint = Callable[[bytes], bytes] | Callable[[bytes], Awaitable[bytes]]


@serve.deployment
class StageDeployment:
    """A thin adapter: each method of the role takes one serialized stage proto, calls the
    stage object and returns the serialized reply, timed per (role, method). The role's
    methods are set on the replica in `__init__`, so a handle calls `handle.<method>.remote`
    as it would a method written out on the class."""

    def __init__(
        self,
        role: str,
        preset: str,
        checkpoint: str,
        batching: BatchSettings | None = None,
        parallel: ParallelConfig | None = None,
        actor_options: dict | None = None,
        model: ModelConfig | None = None,
    ):
        model = model or ModelConfig()
        self.role = FAMILY_ROLES[model.family][role]
        self.stage = self.role.build(get_preset(preset), checkpoint, model)
        # at parallel degree > 1 the network runs on a group of ranks (before the batcher
        # takes hold of it); at degree 1, or in a role without ranks, this is None and the
        # stage is untouched
        self.ranks = None
        if self.role.ranks is not None:
            self.ranks = replica_ranks(
                get_preset(preset), parallel, {self.role.ranks: self.stage}, actor_options
            )
        batching = batching or BatchSettings()
        self.batcher = None
        if any(method.batched for method in self.role.methods):
            self.batcher = StepBatcher(self.stage, max_batch=batching.max_batch_size)
        for method in self.role.methods:
            setattr(self, method.name, self._endpoint(method, batching))

    def check_health(self) -> None:
        """Serve's health check: a replica whose rank group lost a rank is replaced."""
        if self.ranks is not None:
            self.ranks.check_health()

    def _endpoint(self, method: Method, batching: BatchSettings) -> Endpoint:
        def call(request: bytes) -> bytes:
            return method(self.stage, request)

        endpoint = self._batched(call, batching) if method.batched else call
        endpoint.__name__ = endpoint.__qualname__ = method.name  # Serve's name for the call
        return metrics.timed_stage(self.role.name, method.name)(endpoint)

    def _batched(
        self, call: Callable[[bytes], bytes], batching: BatchSettings
    ) -> Callable[[bytes], Awaitable[bytes]]:
        """`call` through its own `@serve.batch` queue, with the config's batch settings."""

        async def batch(requests: list[bytes]) -> list[bytes]:
            """Calls of different jobs that arrived together: one forward pass."""
            metrics.observe_batch_size(self.role.name, len(requests))
            return await self.batcher.run_async([partial(call, r) for r in requests])

        queue = serve.batch(
            max_batch_size=batching.max_batch_size,
            batch_wait_timeout_s=batching.batch_wait_timeout_s,
        )(batch)

        async def batched(request: bytes) -> bytes:
            return await queue(request)

        return batched
