"""The rank layout of one replica: world = cfg x ulysses, ranks of one CFG half contiguous.

rank r sits at (cfg_index, ulysses_index) = divmod(r, ulysses). Every rank creates every
sub-group in the same order (torch.distributed requires it) and keeps those it belongs to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import torch.distributed as dist

from reelflow.pipeline.parallel.config import ParallelConfig


@dataclass(frozen=True)
class Address:
    """Where rank 0 listens for the group's rendezvous."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"


@dataclass(frozen=True, eq=False)
class Mesh:
    config: ParallelConfig
    rank: int
    ulysses_group: dist.ProcessGroup | None  # None when ulysses == 1
    cfg_group: dist.ProcessGroup | None  # None when cfg == 1

    @property
    def ulysses_rank(self) -> int:
        return self.rank % self.config.ulysses

    @property
    def cfg_rank(self) -> int:
        return self.rank // self.config.ulysses


def backend(device: str) -> str:
    """NCCL where the networks live on GPUs, gloo on CPU: the backend follows the tensors."""
    return "nccl" if device == "cuda" else "gloo"


def join(
    config: ParallelConfig,
    rank: int,
    address: Address,
    timeout_s: float = 60.0,
    device: str = "cpu",
) -> Mesh:
    """Join this process to the replica's process group (the default group) as `rank`."""
    if address.host in ("127.0.0.1", "localhost"):
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")  # loopback only, whatever the host
    if device == "cuda":  # one visible GPU per Ray actor; local ranks take one GPU each
        import torch

        torch.cuda.set_device(rank % torch.cuda.device_count())
    dist.init_process_group(
        backend(device),
        init_method=address.url,
        rank=rank,
        world_size=config.degree,
        timeout=timedelta(seconds=timeout_s),
    )
    u, c = config.ulysses, config.cfg
    ulysses_group = cfg_group = None
    if u > 1:
        for half in range(c):
            group = dist.new_group([half * u + i for i in range(u)])
            if rank // u == half:
                ulysses_group = group
    if c > 1:
        for i in range(u):
            group = dist.new_group([half * u + i for half in range(c)])
            if rank % u == i:
                cfg_group = group
    return Mesh(config, rank, ulysses_group, cfg_group)


def leave() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
