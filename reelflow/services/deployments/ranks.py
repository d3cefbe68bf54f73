"""A stage replica that owns several devices: the replica is rank 0, the other ranks are Ray
actors in the replica's own placement group (one bundle per rank, STRICT_PACK: one node), all
joined into one torch.distributed group when the replica starts.

The follower actors are owned by the replica, so they die with it; a follower that dies first
breaks the group, `check_health` raises, and Serve replaces the replica, which starts a new
group. Jobs resume from their saved loop state as after any replica loss.
"""

from __future__ import annotations

import os
from typing import Any

import ray
from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.pipeline.parallel.local import attach, free_port
from reelflow.pipeline.parallel.mesh import Address
from reelflow.pipeline.parallel.ranks import Leader, RanksLost, RankSpec, device_of, follow

PING_TIMEOUT_S = 5.0
ACTOR_PREFIX = "reelflow-rank::"  # named f"{prefix}{replica process id}::{rank}", for operators


@ray.remote(max_concurrency=2)  # `run` blocks for the actor's life; `ping` still answers
class RankActor:
    def __init__(self, spec: RankSpec, rank: int):
        self.spec, self.rank = spec, rank

    def run(self) -> None:
        follow(self.spec, self.rank)

    def ping(self) -> dict[str, Any]:
        import reelflow

        return {"rank": self.rank, "pid": os.getpid(), "reelflow": reelflow.__file__}


class ReplicaRanks:
    """Starts the follower actors and leads them from this (the replica's) process."""

    def __init__(
        self,
        preset: Preset,
        config: ParallelConfig,
        stages: dict[str, Any],
        actor_options: dict[str, Any],
        timeout_s: float = 1800.0,
    ):
        host = ray.util.get_node_ip_address()  # the group's node: all bundles are on it
        models = {branch: stage.model for branch, stage in stages.items()}
        address = Address(host, free_port(host))
        spec = RankSpec(preset, config, tuple(stages), address, timeout_s, device_of(models))
        group = ray.util.get_current_placement_group()
        options = {k: v for k, v in actor_options.items() if k in ("num_cpus", "num_gpus")}
        if "resources" in actor_options:
            options["resources"] = actor_options["resources"]
        self.actors = [
            RankActor.options(
                **options,
                name=f"{ACTOR_PREFIX}{os.getpid()}::{rank}",
                scheduling_strategy=None
                if group is None
                else PlacementGroupSchedulingStrategy(group, placement_group_bundle_index=rank),
            ).remote(spec, rank)
            for rank in range(1, config.degree)
        ]
        self.runs = [actor.run.remote() for actor in self.actors]
        self.leader = Leader(spec, models)
        attach(stages, self)

    def check_health(self) -> None:
        """Raises when any rank is gone: Serve then replaces the whole group."""
        if self.leader.broken is not None:
            raise RanksLost(f"rank group broken: {self.leader.broken}")
        done, _ = ray.wait(self.runs, num_returns=len(self.runs), timeout=0)
        if done:
            raise RanksLost(f"{len(done)} follower rank(s) exited")
        ray.get([actor.ping.remote() for actor in self.actors], timeout=PING_TIMEOUT_S)

    def pings(self) -> list[dict[str, Any]]:
        return ray.get([actor.ping.remote() for actor in self.actors], timeout=PING_TIMEOUT_S)


def replica_ranks(
    preset: Preset,
    config: ParallelConfig | None,
    stages: dict[str, Any],
    actor_options: dict[str, Any] | None,
) -> ReplicaRanks | None:
    """The replica's rank group, or None at degree 1 (the stage's own network, untouched)."""
    if config is None or config.degree == 1:
        return None
    return ReplicaRanks(preset, config, stages, actor_options or {})
