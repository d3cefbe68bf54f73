"""Small pure modules shared by the three networks: embeddings, attention, adaLN-Zero blocks.

adaLN-Zero follows DiT (Peebles & Xie 2023, sec. 3.2): the conditioning vector regresses shift,
scale and a zero-initialised gate per sub-layer, so every block starts as the identity.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def sinusoidal(positions: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """(...,) float -> (..., dim) sin/cos features (Vaswani et al. 2017, sec. 3.5)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    angles = positions.float()[..., None] * freqs
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)


def grid_positions(height: int, width: int, dim: int) -> torch.Tensor:
    """(height * width, dim): half the channels encode the row, half the column."""
    rows = sinusoidal(torch.arange(height).float(), dim // 2)  # (h, d/2)
    cols = sinusoidal(torch.arange(width).float(), dim // 2)  # (w, d/2)
    grid = torch.cat(
        [rows[:, None, :].expand(-1, width, -1), cols[None, :, :].expand(height, -1, -1)], dim=-1
    )
    return grid.reshape(height * width, dim)


class TimestepEmbedder(nn.Module):
    """t in [0, 1] -> (B, dim), via sinusoidal features of 1000 t and an MLP (DiT).

    `zero`: the output layer starts at zero, so an input added to trained networks changes
    nothing until it is trained (lab/training/add_blocks.py)."""

    def __init__(self, dim: int, freq_dim: int = 256, zero: bool = False):
        super().__init__()
        self.freq_dim, self.zero = freq_dim, zero
        self.mlp = nn.Sequential(nn.Linear(freq_dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        if zero:
            nn.init.zeros_(self.mlp[2].weight)
            nn.init.zeros_(self.mlp[2].bias)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.mlp(sinusoidal(t * 1000.0, self.freq_dim))


class Attention(nn.Module):
    """Multi-head attention with scaled-dot-product kernels; keys may come from a context."""

    def __init__(self, dim: int, heads: int, context_dim: int | None = None):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by heads {heads}")
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(context_dim or dim, 2 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(
        self, x: torch.Tensor, context: torch.Tensor | None = None, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """x (B, N, dim), context (B, L, ctx), mask (B, L) bool: True = attend."""
        k, v = self.keys_values(x if context is None else context)
        return self.attend(x, k, v, mask)

    def keys_values(self, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """context (B, L, ctx) -> k, v (B, H, L, d/H)."""
        return self.split_kv(self.kv(context))

    def split_kv(self, kv: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The kv projection (B, L, 2 dim) -> k, v (B, H, L, d/H). Separate so a context that
        many queries share can be projected once and its rows reused (see AudioFlow)."""
        b, length, _ = kv.shape
        k, v = kv.view(b, length, 2, self.heads, -1).unbind(2)
        return k.transpose(1, 2), v.transpose(1, 2)

    def attend(
        self, x: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """x (B, N, dim) queries over k, v (B, H, L, d/H), mask (B, L) -> (B, N, dim)."""
        b, n, d = x.shape
        q = self.q(x).view(b, n, self.heads, -1).transpose(1, 2)  # (B, H, N, d/H)
        attn_mask = None if mask is None else mask[:, None, None, :]
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)  # (B, H, N, d/H)
        return self.out(y.transpose(1, 2).reshape(b, n, d))


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale) + shift


class Block(nn.Module):
    """adaLN-Zero block: self-attention, optional cross-attention, MLP.

    x (B, N, dim); cond (B / R, G, dim) modulates every token: each cond row serves R
    consecutive rows of x, and G = 1 for all tokens alike or G groups of N / G consecutive
    tokens (a frame's tokens in a sequence of frames: per-frame conditioning lets frames of
    different shots carry different text in one sequence); context (B, L, ctx).
    """

    def __init__(self, dim: int, heads: int, context_dim: int | None = None, mlp_ratio: int = 4):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.cross = Attention(dim, heads, context_dim) if context_dim else None
        self.norm_cross = nn.LayerNorm(dim, eps=1e-6) if context_dim else None
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.mlp = nn.Sequential(
            nn.Linear(dim, mlp_ratio * dim),
            nn.GELU(),  # exact (erf): on CPU the tanh form cost 5x as much, ~20% of a forward
            nn.Linear(mlp_ratio * dim, dim),
        )
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))
        nn.init.zeros_(self.ada[1].weight)
        nn.init.zeros_(self.ada[1].bias)

    def forward(
        self,
        x: torch.Tensor,
        cond: torch.Tensor,
        context: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        shift1, scale1, gate1, shift2, scale2, gate2 = self.modulation(cond, x.shape)
        x = x + gate1 * self.attn(modulate(self.norm1(x), shift1, scale1))
        if self.cross is not None and context is not None:
            x = x + self.cross(self.norm_cross(x), context, mask)
        return x + gate2 * self.mlp(modulate(self.norm2(x), shift2, scale2))

    def modulation(self, cond: torch.Tensor, shape: torch.Size) -> tuple[torch.Tensor, ...]:
        """The six adaLN chunks for x of `shape`, regressed once per distinct cond row (the
        regression on every token cost as much as the MLP)."""
        out = self.ada(cond)
        if out.shape[1] not in (1, shape[1]):
            out = out.repeat_interleave(shape[1] // out.shape[1], dim=1)
        if out.shape[0] != shape[0]:
            out = out.repeat_interleave(shape[0] // out.shape[0], dim=0)
        return out.chunk(6, dim=-1)


class FinalLayer(nn.Module):
    """adaLN-modulated projection to the output channels, zero-initialised (DiT)."""

    def __init__(self, dim: int, out_dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(dim, 2 * dim))
        self.proj = nn.Linear(dim, out_dim)
        for layer in (self.ada[1], self.proj):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        shift, scale = self.ada(cond).chunk(2, dim=-1)
        return self.proj(modulate(self.norm(x), shift, scale))


class ReferenceContext(nn.Module):
    """Projects reference tokens (appearance, motion, sound) into the text-token space and
    appends them to the text context, each with its own positions; masked-out tokens (an
    unconditional pass, a missing reference) are never attended to."""

    def __init__(self, text_dim: int, dims: dict[str, int]):
        super().__init__()
        self.text_dim = text_dim
        self.proj = nn.ModuleDict({kind: nn.Linear(dim, text_dim) for kind, dim in dims.items()})

    def forward(
        self,
        text: torch.Tensor,
        mask: torch.Tensor,
        refs: dict[str, tuple[torch.Tensor, torch.Tensor] | None],
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """text (B, L, Dt), mask (B, L); refs kind -> (tokens (B, N, d), mask (B, N))."""
        parts, masks = [text], [mask]
        for kind, pair in refs.items():
            if pair is None or pair[0].shape[1] == 0:
                continue
            tokens, token_mask = pair
            positions = sinusoidal(torch.arange(tokens.shape[1]).float(), self.text_dim)
            parts.append(self.proj[kind](tokens.float()) + positions)
            masks.append(token_mask)
        return torch.cat(parts, dim=1), torch.cat(masks, dim=1)


def pair(tokens: torch.Tensor | None, mask: torch.Tensor | None):
    return None if tokens is None else (tokens, mask)
