"""Ulysses self-attention and the adaLN-Zero block around it, over a sequence split across
ranks. The weights are the unsharded modules' own (layers.Attention, layers.Block): only the
attention kernel sees the whole sequence, for H / P heads; every projection, the MLP and the
cross-attention to text stay token-local.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F

from reelflow.pipeline.model.layers import Attention, Block, modulate
from reelflow.pipeline.parallel.sequence import heads_to_seq, seq_to_heads


def self_attention(
    attn: Attention,
    x: torch.Tensor,
    group: dist.ProcessGroup,
    key_mask: torch.Tensor | None,
) -> torch.Tensor:
    """x (B, n_local, dim) this rank's tokens; key_mask (N,) over the gathered (padded)
    sequence -> (B, n_local, dim), equal to attn(x_full) restricted to these tokens."""
    b, n, d = x.shape
    heads = attn.heads
    q = attn.q(x).view(b, n, 1, heads, -1)  # (B, n, 1, H, dh)
    kv = attn.kv(x).view(b, n, 2, heads, -1)  # (B, n, 2, H, dh)
    qkv = seq_to_heads(torch.cat([q, kv], dim=2), group)  # (B, N, 3, H/P, dh)
    q, k, v = qkv.transpose(1, 3).unbind(2)  # (B, H/P, N, dh) each
    mask = None if key_mask is None else key_mask[None, None, None, :]
    y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # (B, H/P, N, dh)
    y = heads_to_seq(y.transpose(1, 2), group)  # (B, n, H, dh)
    return attn.out(y.reshape(b, n, d))


def block(
    module: Block,
    x: torch.Tensor,
    cond: torch.Tensor,
    group: dist.ProcessGroup | None,
    key_mask: torch.Tensor | None,
    context: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """layers.Block.forward with its self-attention made sequence-parallel (same math);
    group None (one rank) is the block itself."""
    if group is None:
        return module(x, cond, context, mask)
    shift1, scale1, gate1, shift2, scale2, gate2 = module.modulation(cond, x.shape)
    h = modulate(module.norm1(x), shift1, scale1)
    x = x + gate1 * self_attention(module.attn, h, group, key_mask)
    if module.cross is not None and context is not None:
        x = x + module.cross(module.norm_cross(x), context, mask)
    return x + gate2 * module.mlp(modulate(module.norm2(x), shift2, scale2))
