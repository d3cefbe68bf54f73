"""Time masks over the video and audio latents: 1 where the loop regenerates, 0 where the
source is kept, with a feathered ramp inside a span wherever it borders kept content so the
seam is continuous (the blend weight rises over `feather_s` seconds instead of jumping)."""

from __future__ import annotations

import torch

DEFAULT_FEATHER_S = 0.25  # 2 frames at 8 fps, 12 audio latents at 50 per second


def span_mask(
    positions: torch.Tensor, start: float, end: float, total: float, feather: float
) -> torch.Tensor:
    """positions (N,) in seconds -> (N,) float32 weights for the span [start, end).

    Outside the span 0 exactly (so the kept latents are the source's bit for bit); inside 1,
    except within `feather` seconds of an edge that has kept content beyond it, where the
    weight ramps linearly from just above 0 at the edge to 1 (1/3, 2/3, 1 for a feather of two
    latents)."""
    inside = (positions >= start) & (positions < end)
    weight = torch.ones_like(positions, dtype=torch.float64)
    step = _step(positions)
    if feather > 0 and start > 0:
        weight = torch.minimum(weight, (positions - start + step) / (feather + step))
    if feather > 0 and end < total:
        weight = torch.minimum(weight, (end - positions) / (feather + step))
    return torch.where(inside, weight.clamp(0.0, 1.0), 0.0).float()


def _step(positions: torch.Tensor) -> float:
    """The spacing of the positions, so the first latent inside a span is not weighted 0."""
    return float(positions[1] - positions[0]) if positions.numel() > 1 else 0.0


def video_positions(frames: int, fps: int) -> torch.Tensor:
    """(frames,) the time of each video frame."""
    return torch.arange(frames, dtype=torch.float64) / fps


def audio_positions(latents: int, hop: int, sample_rate: int) -> torch.Tensor:
    """(latents,) the time of each audio latent frame: MDCT frame j is centred on sample
    j * hop (model/audio_codec.py)."""
    return torch.arange(latents, dtype=torch.float64) * hop / sample_rate
