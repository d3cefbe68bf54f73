"""DiT spatial branch: a diffusion transformer over the latent of single frames.

It attends within a frame only; it makes keyframes (one per shot) and, late in sampling,
a per-frame velocity that refines how each frame looks. It is told where in its clip the frame
sits: what a frame shows depends on it (a growing subject is small at the start and large at
the end), and without it the keyframe of a "grows" shot was drawn at the clip's average size.
"""

from __future__ import annotations

import torch
from einops import rearrange
from torch import nn

from reelflow.pipeline.model.layers import (
    Block,
    FinalLayer,
    ReferenceContext,
    TimestepEmbedder,
    grid_positions,
    pair,
)
from reelflow.pipeline.model.presets import NetworkConfig


class SpatialDiT(nn.Module):
    def __init__(
        self, config: NetworkConfig, latent_channels: int, appearance_dim: int | None = None
    ):
        super().__init__()
        self.config = config
        p, d = config.patch, config.dim
        self.embed = nn.Linear(latent_channels * p * p, d)
        self.time = TimestepEmbedder(d)
        self.position = TimestepEmbedder(d, zero=True)
        self.pooled = nn.Linear(config.text_dim, d)
        self.context = ReferenceContext(
            config.text_dim, {"appearance": appearance_dim or latent_channels * p * p}
        )
        self.blocks = nn.ModuleList(
            Block(d, config.heads, context_dim=config.text_dim) for _ in range(config.depth)
        )
        self.final = FinalLayer(d, latent_channels * p * p)

    def forward(
        self,
        x: torch.Tensor,
        t: torch.Tensor,
        text: torch.Tensor,
        text_mask: torch.Tensor,
        pooled: torch.Tensor,
        appearance: torch.Tensor | None = None,
        appearance_mask: torch.Tensor | None = None,
        position: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """x (B, C, h, w), t (B,), text (B, L, Dt), text_mask (B, L), pooled (B, Dt);
        appearance (B, Na, Da) reference-image tokens with appearance_mask (B, Na);
        position (B,) where each frame sits in its clip, 0 first to 1 last (None: 0).
        Returns the velocity (B, C, h, w)."""
        p = self.config.patch
        _, _, h, w = x.shape
        tokens = rearrange(x, "b c (h p) (w q) -> b (h w) (c p q)", p=p, q=p)
        tokens = self.embed(tokens) + grid_positions(h // p, w // p, self.config.dim)  # (B, N, d)
        cond = self.condition(t, pooled, position)
        text, text_mask = self.context(
            text, text_mask, {"appearance": pair(appearance, appearance_mask)}
        )
        for block in self.blocks:
            tokens = block(tokens, cond, text, text_mask)
        out = self.final(tokens, cond)  # (B, N, C p p)
        return rearrange(out, "b (h w) (c p q) -> b c (h p) (w q)", h=h // p, p=p, q=p)

    def condition(
        self, t: torch.Tensor, pooled: torch.Tensor, position: torch.Tensor | None
    ) -> torch.Tensor:
        """(B, 1, d): what modulates every token of a frame."""
        position = torch.zeros_like(t) if position is None else position
        return (self.time(t) + self.pooled(pooled) + self.position(position))[:, None, :]
