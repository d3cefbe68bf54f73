"""Local ranks for one machine (embedded `reelflow generate --parallel N`, tests, benches):
the followers are child processes started with `spawn`, rank 0 is this process."""

from __future__ import annotations

import multiprocessing
import socket

from torch import nn

from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.pipeline.parallel.mesh import Address
from reelflow.pipeline.parallel.ranks import Leader, RankSpec, device_of, follow


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class LocalRanks:
    """Starts degree - 1 follower processes and leads them; `close()` stops and reaps them."""

    def __init__(
        self,
        preset: Preset,
        config: ParallelConfig,
        models: dict[str, nn.Module],
        timeout_s: float = 1800.0,
    ):
        address = Address("127.0.0.1", free_port())
        self.spec = RankSpec(preset, config, tuple(models), address, timeout_s, device_of(models))
        context = multiprocessing.get_context("spawn")  # never fork a process holding torch
        self.processes = [
            context.Process(target=follow, args=(self.spec, rank), daemon=True)
            for rank in range(1, config.degree)
        ]
        for process in self.processes:
            process.start()
        try:
            self.leader = Leader(self.spec, models)
        except BaseException:
            self._reap(timeout_s=0)
            raise

    def _reap(self, timeout_s: float) -> None:
        for process in self.processes:
            process.join(timeout_s)
            if process.is_alive():
                process.kill()
                process.join()

    def close(self) -> None:
        self.leader.close()
        self._reap(timeout_s=30)

    def __enter__(self) -> LocalRanks:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def attach(stages: dict[str, object], ranks: LocalRanks) -> None:
    """Swap each stage object's network (branch -> stage) for the group's."""
    for branch, stage in stages.items():
        stage.model = ranks.leader.network(branch)  # type: ignore[attr-defined]
