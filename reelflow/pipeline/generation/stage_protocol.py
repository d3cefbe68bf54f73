"""The stages as the schedule calls them, whatever runs them: LocalStages (embedded.py),
ParallelLocalStages (pipeline/parallel/embedded.py) and RemoteStages over Serve handles
(services/deployments/remote_stages.py) implement this protocol."""

from __future__ import annotations

from typing import Protocol

import torch

from reelflow.pipeline.generation.conditioning import Conditioning
from reelflow.pipeline.script.plan import Plan


class Stages(Protocol):
    async def encode(self, plan: Plan) -> Conditioning: ...

    async def keyframes(
        self,
        cond: Conditioning,
        seed: int,
        steps: int,
        guidance: float,
        shift: float,
        height: int,
        width: int,
    ) -> torch.Tensor: ...

    async def temporal_velocity(
        self,
        xv: torch.Tensor,
        xa: torch.Tensor,
        t: float,
        cond: Conditioning,
        keyframes: torch.Tensor,
        guidance: float,
        phase: int,
    ) -> torch.Tensor: ...

    async def audio_velocity(
        self,
        xa: torch.Tensor,
        xv: torch.Tensor,
        t: float,
        cond: Conditioning,
        guidance: float,
        phase: int,
    ) -> torch.Tensor: ...

    async def spatial_velocity(
        self, xv: torch.Tensor, t: float, cond: Conditioning, guidance: float
    ) -> torch.Tensor: ...

    async def decode_and_mux(
        self, xv: torch.Tensor, xa: torch.Tensor, fps: int, sample_rate: int, num_samples: int
    ) -> bytes: ...

    async def preview(self, x0: torch.Tensor) -> bytes: ...
