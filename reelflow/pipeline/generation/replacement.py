"""Replacement sampling (as for pinned frames, and SDEdit/RePaint-style inpainting): the latents
an edit keeps, and how the joint loop holds them on the source's path.

After every Euler step the kept latents are set to the source on the straight path at the new
noise level, x = m * x + (1 - m) * ((1 - t) * source + t * noise), so at t = 0 they are the
source's bits and the branches, which see the whole canvas, generate the span to fit the frames
and sound beside it. Where m = 0 the value is exactly the source's. editing/latent_edit.py
builds a LatentEdit from an edit's canvas and source; schedule.generate applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from reelflow.pipeline.model.sampling import interpolate


@dataclass(frozen=True, eq=False)
class LatentEdit:
    video: torch.Tensor  # (T, C, h, w) float32, the source on the canvas (0 where none)
    audio: torch.Tensor  # (Ta, bins)
    video_mask: torch.Tensor  # (T,) 1 = regenerate, 0 = keep the source
    audio_mask: torch.Tensor  # (Ta,)
    start_t: float

    def first_step(self, times: list[float]) -> int:
        """Index of the first step the loop runs: the first time at or below start_t."""
        return next(i for i, t in enumerate(times) if t <= self.start_t + 1e-9)

    def start(
        self, video_noise: torch.Tensor, audio_noise: torch.Tensor, t: float, t_audio: float
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The latents at noise levels t (video) and t_audio: the source on its path (pure
        noise at 1)."""
        return interpolate(self.video, video_noise, t), interpolate(
            self.audio, audio_noise, t_audio
        )

    def replace(
        self,
        xv: torch.Tensor,
        xa: torch.Tensor,
        video_noise: torch.Tensor,
        audio_noise: torch.Tensor,
        t: float,
        t_audio: float,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return (
            _blend(xv, interpolate(self.video, video_noise, t), self.video_mask),
            _blend(xa, interpolate(self.audio, audio_noise, t_audio), self.audio_mask),
        )

    def keyframes(self, keyframes: torch.Tensor) -> torch.Tensor:
        """The temporal branch reads the first shot's keyframe (conditioning.keyframe_input);
        where the canvas opens on kept source frames, that keyframe is the source's frame."""
        if float(self.video_mask[0]) > 0:
            return keyframes
        out = keyframes.clone()
        out[0] = self.video[0].to(keyframes.dtype)
        return out


def _blend(x: torch.Tensor, kept: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.view(-1, *([1] * (x.dim() - 1)))
    return torch.where(m == 0, kept, m * x + (1 - m) * kept)
