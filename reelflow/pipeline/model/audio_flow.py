"""Audio branch: a rectified-flow transformer over MDCT audio latents, generated in the same
denoising loop as the video. Each audio token attends to the video tokens of the frame it
plays under (at the same noise level), which is what makes onsets and lip movement learnable.
"""

from __future__ import annotations

import torch
from einops import rearrange
from torch import nn

from reelflow.pipeline.model.layers import (
    Attention,
    Block,
    FinalLayer,
    ReferenceContext,
    TimestepEmbedder,
    grid_positions,
    pair,
    sinusoidal,
)
from reelflow.pipeline.model.presets import NetworkConfig


class AudioFlow(nn.Module):
    def __init__(self, config: NetworkConfig, audio_channels: int, latent_channels: int):
        super().__init__()
        self.config = config
        p, d = config.patch, config.dim
        self.embed = nn.Linear(audio_channels, d)
        self.video = nn.Linear(latent_channels * p * p, d)
        self.time = TimestepEmbedder(d)
        self.pooled = nn.Linear(config.text_dim, d)
        self.context = ReferenceContext(config.text_dim, {"sound": audio_channels})
        self.blocks = nn.ModuleList(
            Block(d, config.heads, context_dim=config.text_dim) for _ in range(config.depth)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(d, eps=1e-6) for _ in range(config.depth))
        self.watch = nn.ModuleList(Attention(d, config.heads) for _ in range(config.depth))
        self.final = FinalLayer(d, audio_channels)

    def forward(
        self,
        x: torch.Tensor,
        video: torch.Tensor,
        frame_of_token: torch.Tensor,
        t: torch.Tensor,
        text: torch.Tensor,
        text_mask: torch.Tensor,
        pooled: torch.Tensor,
        sound: torch.Tensor | None = None,
        sound_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """x (B, Ta, Ca); video (B, T, C, h, w); frame_of_token (Ta,) or (B, Ta) int64; t (B,);
        text (B, S*L, Dt) all shots' tokens, text_mask (B, S*L); pooled (B, Ta, Dt) of each
        token's shot; sound (B, Ns, Ca) reference-audio tokens with sound_mask (B, Ns).
        Returns the velocity (B, Ta, Ca)."""
        p, d = self.config.patch, self.config.dim
        b, tokens_a, _ = x.shape
        h, w = video.shape[-2:]
        tokens = self.embed(x) + sinusoidal(torch.arange(tokens_a).float(), d)  # (B, Ta, d)
        seen = rearrange(video, "b t c (h p) (w q) -> b t (h w) (c p q)", p=p, q=p)
        seen = self.video(seen) + grid_positions(h // p, w // p, d)  # (B, T, N, d)
        frames = seen.shape[1]
        seen = rearrange(seen, "b t n d -> (b t) n d")  # (B T, N, d)
        # Several audio tokens play under one frame: keys/values are projected once per frame
        # and the projection's rows are gathered per audio token (same numbers, ~hop x fewer
        # FLOPs than projecting a per-token copy of the frame).
        rows = (torch.arange(b)[:, None] * frames + frame_of_token).flatten()  # (B Ta)
        cond = self.time(t)[:, None, :] + self.pooled(pooled)  # (B, Ta, d)
        text, text_mask = self.context(text, text_mask, {"sound": pair(sound, sound_mask)})
        for block, norm, watch in zip(self.blocks, self.norms, self.watch, strict=True):
            tokens = block(tokens, cond, text, text_mask)
            query = rearrange(norm(tokens), "b a d -> (b a) 1 d")
            k, v = watch.split_kv(watch.kv(seen)[rows])  # (B Ta, H, N, d/H)
            tokens = tokens + rearrange(watch.attend(query, k, v), "(b a) 1 d -> b a d", b=b)
        return self.final(tokens, cond)
