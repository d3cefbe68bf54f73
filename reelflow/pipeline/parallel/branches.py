"""The three branches' forwards with their sequence split over the Ulysses ranks of a mesh.

Each mirrors the network's own `forward` (spatial_dit.py, temporal_rayflow.py, audio_flow.py)
line for line, with three differences: a rank embeds only its slice of the sequence (positions
stay global), the blocks whose attention spans that sequence go through ulysses.block, and the
outputs are gathered back. What is split, per branch:

- SpatialDiT: the tokens of a frame (its only attention is within a frame).
- TemporalRayFlow: the frames of a window. Attention within a frame is then rank-local; the
  attention across frames and over the whole window are the Ulysses ones.
- AudioFlow: the audio tokens. Each token watches its own frame's video tokens, so a rank
  projects only the frames its tokens play under.

tests/pipeline/parallel check each against the unsharded forward, for lengths the degree does
not divide.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from einops import rearrange

from reelflow.pipeline.model.audio_flow import AudioFlow
from reelflow.pipeline.model.layers import grid_positions, pair, sinusoidal
from reelflow.pipeline.model.spatial_dit import SpatialDiT
from reelflow.pipeline.model.temporal_rayflow import TemporalRayFlow
from reelflow.pipeline.parallel.sequence import Shard, gather
from reelflow.pipeline.parallel.ulysses import block


def _shard(length: int, group: dist.ProcessGroup) -> Shard:
    return Shard(length, dist.get_world_size(group), dist.get_rank(group))


def spatial_forward(
    model: SpatialDiT,
    group: dist.ProcessGroup,
    x: torch.Tensor,
    t: torch.Tensor,
    text: torch.Tensor,
    text_mask: torch.Tensor,
    pooled: torch.Tensor,
    appearance: torch.Tensor | None = None,
    appearance_mask: torch.Tensor | None = None,
    position: torch.Tensor | None = None,
) -> torch.Tensor:
    """SpatialDiT.forward, the tokens of each frame split over `group`."""
    p, d = model.config.patch, model.config.dim
    _, _, h, w = x.shape
    patches = rearrange(x, "b c (h p) (w q) -> b (h w) (c p q)", p=p, q=p)
    shard = _shard(patches.shape[1], group)
    positions = shard.take(grid_positions(h // p, w // p, d), 0)  # (n, d)
    tokens = model.embed(shard.take(patches, 1)) + positions  # (B, n, d)
    cond = model.condition(t, pooled, position)  # (B, 1, d)
    text, text_mask = model.context(
        text, text_mask, {"appearance": pair(appearance, appearance_mask)}
    )
    keys = shard.key_mask()
    for module in model.blocks:
        tokens = block(module, tokens, cond, group, keys, text, text_mask)
    out = gather(model.final(tokens, cond), 1, group)[:, : shard.length]  # (B, N, C p p)
    return rearrange(out, "b (h w) (c p q) -> b c (h p) (w q)", h=h // p, p=p, q=p)


def temporal_forward(
    model: TemporalRayFlow,
    group: dist.ProcessGroup,
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
    """TemporalRayFlow.forward, the frames of each window split over `group`."""
    p, d = model.config.patch, model.config.dim
    b, frames, _, h, w = x.shape
    n = (h // p) * (w // p)
    shard = _shard(frames, group)
    local = shard.local
    tokens = rearrange(
        torch.cat([shard.take(x, 1), shard.take(keyframes, 1)], dim=2),
        "b t c (h p) (w q) -> b t (h w) (c p q)",
        p=p,
        q=p,
    )
    tokens = model.embed(tokens) + grid_positions(h // p, w // p, d)  # (B, t, N, d)
    tokens = tokens + sinusoidal(shard.index.float(), d)[None, :, None, :]  # global frames
    weights = shard.take(audio_to_frame.expand(b, *audio_to_frame.shape[-2:]), 1)  # (B, t, Ta)
    sound = torch.einsum("bft,btd->bfd", weights, model.audio(audio))  # (B, t, d)
    tokens = tokens + sound[:, :, None, :]
    cond = model.time(t)[:, None, :] + model.pooled(shard.take(pooled, 1))  # (B, t, d)
    cond_space = rearrange(cond, "b t d -> (b t) 1 d")
    text = rearrange(shard.take(text, 1), "b t l e -> (b t) l e")
    text_mask = rearrange(shard.take(text_mask, 1), "b t l -> (b t) l")
    refs = {
        "appearance": pair(appearance, appearance_mask),
        "motion": pair(motion, motion_mask),
    }
    per_frame = {
        kind: (v[0].repeat_interleave(local, 0), v[1].repeat_interleave(local, 0))
        for kind, v in refs.items()
        if v is not None
    }
    text, text_mask = model.context(text, text_mask, per_frame)
    keys = shard.key_mask()
    # a rank's frames are contiguous, so its (frame, position) tokens are a contiguous run of
    # the window's: the gathered sequence is the window's in order, padded frames masked
    keys_all = None if keys is None else keys.repeat_interleave(n)
    layers = zip(model.spatial, model.temporal, model.spacetime, strict=True)
    for space, time, everywhere in layers:
        tokens = rearrange(tokens, "b t n d -> (b t) n d")
        tokens = space(tokens, cond_space, text, text_mask)  # within a frame: rank-local
        tokens = rearrange(tokens, "(b t) n d -> (b n) t d", b=b)
        tokens = block(time, tokens, cond, group, keys)  # across frames: Ulysses
        tokens = rearrange(tokens, "(b n) t d -> b (t n) d", b=b)
        tokens = block(everywhere, tokens, cond, group, keys_all)  # the window: Ulysses
        tokens = rearrange(tokens, "b (t n) d -> b t n d", t=local)
    out = model.final(tokens, cond[:, :, None, :])  # (B, t, N, C p p)
    out = gather(out, 1, group)[:, :frames]  # (B, T, N, C p p)
    return rearrange(out, "b t (h w) (c p q) -> b t c (h p) (w q)", h=h // p, p=p, q=p)


def audio_forward(
    model: AudioFlow,
    group: dist.ProcessGroup,
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
    """AudioFlow.forward, the audio tokens of each window split over `group`."""
    p, d = model.config.patch, model.config.dim
    b, tokens_a, _ = x.shape
    h, w = video.shape[-2:]
    shard = _shard(tokens_a, group)
    tokens = model.embed(shard.take(x, 1)) + sinusoidal(shard.index.float(), d)  # (B, a, d)
    frames = video.shape[1]
    rows = torch.arange(b)[:, None] * frames + frame_of_token.expand(b, tokens_a)  # (B, Ta)
    # project only the frames this rank's tokens play under (a contiguous run of the clip)
    needed, row_of_token = torch.unique(shard.take(rows, 1).flatten(), return_inverse=True)
    seen = rearrange(video, "b t c (h p) (w q) -> (b t) (h w) (c p q)", p=p, q=p)[needed]
    seen = model.video(seen) + grid_positions(h // p, w // p, d)  # (U, N, d)
    cond = model.time(t)[:, None, :] + model.pooled(shard.take(pooled, 1))  # (B, a, d)
    text, text_mask = model.context(text, text_mask, {"sound": pair(sound, sound_mask)})
    keys = shard.key_mask()
    for module, norm, watch in zip(model.blocks, model.norms, model.watch, strict=True):
        tokens = block(module, tokens, cond, group, keys, text, text_mask)
        query = rearrange(norm(tokens), "b a d -> (b a) 1 d")
        k, v = watch.split_kv(watch.kv(seen)[row_of_token])  # (B a, H, N, d/H)
        tokens = tokens + rearrange(watch.attend(query, k, v), "(b a) 1 d -> b a d", b=b)
    out = model.final(tokens, cond)  # (B, a, Ca)
    return gather(out, 1, group)[:, :tokens_a]
