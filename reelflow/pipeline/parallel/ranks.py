"""The ranks of one replica: rank 0 (the stage object's process) leads, the others follow.

Rank 0 holds the stage objects as today; their networks are swapped for `ParallelNetwork`s, so
the stage code (guidance, windows, wire dtypes) is unchanged. Each forward, rank 0 broadcasts
the call's arguments, and every rank runs `mesh_forward` on them. A follower's loop is
`follow`: build the same networks, receive rank 0's weights, then answer calls until told to
stop. Calls are serialised by one lock (a process group runs one collective sequence at a
time), so two branches of a step that share a group take turns, each on all devices.

A follower that dies breaks the group: rank 0's next collective raises (gloo sees the closed
connection), the group is marked broken for good, and the replica's health check says so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.pipeline.parallel.forward import FORWARDS, mesh_forward
from reelflow.pipeline.parallel.mesh import Address, Mesh, join, leave

STOP = "stop"


class RanksLost(RuntimeError):
    """A rank of this replica's group died or hung up: the replica must be replaced."""


@dataclass(frozen=True)
class RankSpec:
    """Everything a follower needs to become an identical rank."""

    preset: Preset
    config: ParallelConfig
    branches: tuple[str, ...]  # the networks the group runs, in weight-broadcast order
    address: Address
    timeout_s: float = 1800.0  # idle followers wait in a collective; a dead peer fails fast
    device: str = "cpu"  # where rank 0's networks live; every rank puts its copy there

    def __post_init__(self) -> None:
        unknown = set(self.branches) - set(FORWARDS)
        if unknown or not self.branches:
            raise ValueError(f"branches must be some of {', '.join(FORWARDS)}, got {unknown}")
        for branch in self.branches:
            self.config.check_heads(network_config(self.preset, branch).heads, branch)


def network_config(preset: Preset, branch: str):
    return {"spatial": preset.spatial, "temporal": preset.temporal, "audio": preset.audio}[branch]


def device_of(models: dict[str, nn.Module]) -> str:
    return next(next(iter(models.values())).parameters()).device.type


def _share_weights(models: dict[str, nn.Module], branches: tuple[str, ...]) -> None:
    """Rank 0's parameters and buffers to every rank: the group computes with one set of
    weights however each rank built its networks."""
    for branch in branches:
        for tensor in models[branch].state_dict().values():
            dist.broadcast(tensor, src=0)


class Leader:
    """Rank 0's side of the group: runs a forward on every rank and returns its output."""

    def __init__(self, spec: RankSpec, models: dict[str, nn.Module]):
        self.spec = spec
        self.mesh: Mesh = join(spec.config, 0, spec.address, spec.timeout_s, spec.device)
        self.models = models
        self._lock = threading.Lock()
        self.broken: BaseException | None = None
        with torch.inference_mode():
            _share_weights(models, spec.branches)

    def forward(self, branch: str, kwargs: dict[str, Any]) -> torch.Tensor:
        with self._lock:
            if self.broken is not None:
                raise RanksLost(f"the rank group is broken: {self.broken}") from self.broken
            try:
                dist.broadcast_object_list([(branch, kwargs)], src=0)
                return mesh_forward(
                    self.mesh, branch, self.models[branch], kwargs, self.spec.preset.compute_dtype
                )
            except Exception as error:
                self.broken = error
                raise RanksLost(f"a rank of the group failed: {error}") from error

    def network(self, branch: str) -> ParallelNetwork:
        return ParallelNetwork(self, branch)

    def close(self) -> None:
        with self._lock:
            if self.broken is None:
                try:
                    dist.broadcast_object_list([STOP], src=0)
                except Exception as error:  # a rank already gone: nothing left to stop
                    self.broken = error
            leave()


class ParallelNetwork:
    """Stands in for a stage's network on rank 0: the same call, run by the whole group."""

    def __init__(self, leader: Leader, branch: str):
        self.leader, self.branch = leader, branch

    def __call__(self, **kwargs: Any) -> torch.Tensor:
        return self.leader.forward(self.branch, kwargs)


def follow(spec: RankSpec, rank: int) -> None:
    """A follower rank's whole life: join, receive weights, answer forwards until STOP."""
    from reelflow.pipeline.generation.stages import build_network, pin_threads

    pin_threads()
    mesh = join(spec.config, rank, spec.address, spec.timeout_s, spec.device)
    models = {
        branch: build_network(spec.preset, branch).to(spec.device) for branch in spec.branches
    }
    try:
        with torch.inference_mode():
            _share_weights(models, spec.branches)
            while True:
                message: list[Any] = [None]
                dist.broadcast_object_list(message, src=0)
                if message[0] == STOP:
                    return
                branch, kwargs = message[0]
                mesh_forward(mesh, branch, models[branch], kwargs, spec.preset.compute_dtype)
    finally:
        leave()
