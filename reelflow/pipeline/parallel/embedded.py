"""Embedded mode on several local ranks: the LocalStages of generation/embedded.py whose branch
networks run on a LocalRanks group (`reelflow generate --parallel N`)."""

from __future__ import annotations

from pathlib import Path

from reelflow.pipeline.generation.embedded import LocalStages
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.pipeline.parallel.local import LocalRanks, attach

BRANCHES = ("spatial", "temporal", "audio")


class ParallelLocalStages(LocalStages):
    """All three branches on one group of `config.degree` local ranks; `close()` stops them."""

    def __init__(
        self,
        preset: Preset,
        checkpoint: Path | None,
        config: ParallelConfig,
        branches: tuple[str, ...] = BRANCHES,
    ):
        super().__init__(preset, checkpoint)
        stages = {"spatial": self.spatial, "temporal": self.temporal, "audio": self.audio}
        chosen = {branch: stages[branch] for branch in branches}
        self.ranks = LocalRanks(preset, config, {b: s.model for b, s in chosen.items()})
        attach(chosen, self.ranks)

    def close(self) -> None:
        self.ranks.close()
