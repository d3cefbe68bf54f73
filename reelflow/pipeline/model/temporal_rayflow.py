"""RayFlow temporal branch: a rectified-flow transformer over the whole clip's video latent.

Each layer attends within a frame (with cross-attention to that frame's shot text), then
across frames at each position, then over every token of the window at once. The last is where
a moving subject is followed: a token can read where the subject was a frame ago, and what it
looks like in its keyframe, at any other position (factorised attention alone needs two hops
for that, and fast motion shattered the subject into token-sized blocks). Every frame also sees
its shot's keyframe (channel-concatenated) and the audio latent around it.
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
    sinusoidal,
)
from reelflow.pipeline.model.presets import NetworkConfig


class TemporalRayFlow(nn.Module):
    def __init__(
        self,
        config: NetworkConfig,
        latent_channels: int,
        audio_channels: int,
        appearance_dim: int | None = None,
        motion_dim: int | None = None,
    ):
        super().__init__()
        self.config = config
        p, d = config.patch, config.dim
        self.embed = nn.Linear(2 * latent_channels * p * p, d)  # noisy latent + keyframe
        self.audio = nn.Sequential(nn.Linear(audio_channels, d), nn.GELU(), nn.Linear(d, d))
        self.time = TimestepEmbedder(d)
        self.pooled = nn.Linear(config.text_dim, d)
        self.context = ReferenceContext(
            config.text_dim,
            {
                "appearance": appearance_dim or latent_channels * p * p,
                "motion": motion_dim or latent_channels * 16,
            },
        )
        self.spatial = nn.ModuleList(
            Block(d, config.heads, context_dim=config.text_dim) for _ in range(config.depth)
        )
        self.temporal = nn.ModuleList(Block(d, config.heads) for _ in range(config.depth))
        self.spacetime = nn.ModuleList(Block(d, config.heads) for _ in range(config.depth))
        self.final = FinalLayer(d, latent_channels * p * p)

    def forward(
        self,
        x: torch.Tensor,
        keyframes: torch.Tensor,
        audio: torch.Tensor,
        audio_to_frame: torch.Tensor,
        t: torch.Tensor,
        text: torch.Tensor,
        text_mask: torch.Tensor,
        pooled: torch.Tensor,
        appearance: torch.Tensor | None = None,
        appearance_mask: torch.Tensor | None = None,
        motion: torch.Tensor | None = None,
        motion_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """x, keyframes (B, T, C, h, w); audio (B, Ta, Ca); audio_to_frame (T, Ta) or (B, T, Ta)
        averaging weights; t (B,); text (B, T, L, Dt), text_mask (B, T, L), pooled (B, T, Dt)
        per frame;
        appearance (B, Na, Da) and motion (B, Nm, Dm) reference tokens with their masks.
        Returns the velocity (B, T, C, h, w)."""
        p, d = self.config.patch, self.config.dim
        b, frames, _, h, w = x.shape
        tokens = rearrange(
            torch.cat([x, keyframes], dim=2), "b t c (h p) (w q) -> b t (h w) (c p q)", p=p, q=p
        )
        tokens = self.embed(tokens) + grid_positions(h // p, w // p, d)  # (B, T, N, d)
        tokens = tokens + sinusoidal(torch.arange(frames).float(), d)[None, :, None, :]
        weights = audio_to_frame.expand(b, *audio_to_frame.shape[-2:])  # (B, T, Ta)
        sound = torch.einsum("bft,btd->bfd", weights, self.audio(audio))  # (B, T, d)
        tokens = tokens + sound[:, :, None, :]
        cond = self.time(t)[:, None, :] + self.pooled(pooled)  # (B, T, d)
        cond_space = rearrange(cond, "b t d -> (b t) 1 d")
        text = rearrange(text, "b t l e -> (b t) l e")
        text_mask = rearrange(text_mask, "b t l -> (b t) l")
        refs = {
            "appearance": pair(appearance, appearance_mask),
            "motion": pair(motion, motion_mask),
        }
        per_frame = {  # every frame reads the whole clip's references
            kind: (v[0].repeat_interleave(frames, 0), v[1].repeat_interleave(frames, 0))
            for kind, v in refs.items()
            if v is not None
        }
        text, text_mask = self.context(text, text_mask, per_frame)
        layers = zip(self.spatial, self.temporal, self.spacetime, strict=True)
        for space, time, everywhere in layers:
            tokens = rearrange(tokens, "b t n d -> (b t) n d")
            tokens = space(tokens, cond_space, text, text_mask)
            tokens = rearrange(tokens, "(b t) n d -> (b n) t d", b=b)
            tokens = time(tokens, cond)  # a cond row per frame serves all N positions
            tokens = rearrange(tokens, "(b n) t d -> b (t n) d", b=b)
            tokens = everywhere(tokens, cond)  # one cond per frame
            tokens = rearrange(tokens, "b (t n) d -> b t n d", t=frames)
        out = self.final(tokens, cond[:, :, None, :])  # (B, T, N, C p p)
        return rearrange(out, "b t (h w) (c p q) -> b t c (h p) (w q)", h=h // p, p=p, q=p)
