"""The denoising loop's state between two steps: what a restarted job needs to continue where
its dead runner stopped instead of from step 0.

Everything else the loop uses is recomputed from the request (conditioning, timesteps, the
seeded noise that pinned frames ride on), so continuing from a LoopState makes exactly the
video an uninterrupted run makes (with step caching on, the cache starts empty, so only close).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from safetensors.torch import load, save


@dataclass(frozen=True, eq=False)
class LoopState:
    step: int  # denoising steps done
    keyframes: torch.Tensor  # the keyframe latents, as the branches receive them
    xv: torch.Tensor  # video latent after `step` steps (float32)
    xa: torch.Tensor  # audio latent after `step` steps (float32)

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in (self.keyframes, self.xv, self.xa))

    def fits(self, video_shape: tuple[int, ...], audio_shape: tuple[int, ...], steps: int) -> bool:
        """Whether this state belongs to a request with these latent shapes and step count."""
        return (
            0 < self.step < steps
            and tuple(self.xv.shape) == tuple(video_shape)
            and tuple(self.xa.shape) == tuple(audio_shape)
        )

    def to_bytes(self) -> bytes:
        tensors = {"keyframes": self.keyframes, "xv": self.xv, "xa": self.xa}
        tensors = {name: t.contiguous() for name, t in tensors.items()}
        return save(tensors | {"step": torch.tensor([self.step], dtype=torch.int64)})

    @classmethod
    def from_bytes(cls, data: bytes) -> LoopState:
        tensors = load(data)
        return cls(
            step=int(tensors["step"][0]),
            keyframes=tensors["keyframes"],
            xv=tensors["xv"],
            xa=tensors["xa"],
        )
