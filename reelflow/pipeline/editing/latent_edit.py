"""An edit as the joint loop applies it: the source's latents placed on the edit's canvas,
a time mask per modality, and the noise level the loop starts from, built into the
generation/replacement.py LatentEdit that schedule.generate applies by replacement sampling.
Where the mask is 0 the value is exactly the source's; the feathered margin (masks.py) lets
the span blend into it instead of meeting it at a hard edge.
"""

from __future__ import annotations

import math

import torch

from reelflow.pipeline.editing.edits import Canvas
from reelflow.pipeline.editing.masks import audio_positions, span_mask, video_positions
from reelflow.pipeline.editing.source import SourceLatents, SourceMeta
from reelflow.pipeline.generation.replacement import LatentEdit
from reelflow.pipeline.script.plan import ScriptError

WIRE = torch.float16  # the source latents are what the muxer received


def build_edit(
    canvas: Canvas,
    source: SourceLatents,
    video_shape: tuple[int, ...],
    audio_shape: tuple[int, ...],
    hop: int,
) -> LatentEdit:
    meta = source.meta
    fps, rate = meta.fps, meta.sample_rate
    if tuple(source.xv.shape[1:]) != tuple(video_shape[1:]):
        raise ScriptError("edit", "the source's latents do not fit this model's codec")
    check_alignment(canvas, meta, hop)
    offset_frames = round(canvas.source_offset_s * fps)
    offset_audio = round(canvas.source_offset_s * rate / hop)
    video = torch.zeros(video_shape)
    frames = min(source.xv.shape[0], video_shape[0] - offset_frames)
    video[offset_frames : offset_frames + frames] = source.xv[:frames].float()
    audio = torch.zeros(audio_shape)
    latents = min(source.xa.shape[0], audio_shape[0] - offset_audio)
    audio[offset_audio : offset_audio + latents] = source.xa[:latents].float()
    total = canvas.duration_s
    video_mask = _mask(video_positions(video_shape[0], fps), canvas.video_span, total, canvas)
    audio_mask = _mask(audio_positions(audio_shape[0], hop, rate), canvas.audio_span, total, canvas)
    # canvas latents the source does not cover are generated in full: a feathered margin
    # there would blend the new frames with nothing (an extension's span has no source)
    video_mask = _uncovered_to_one(video_mask, offset_frames, frames)
    audio_mask = _uncovered_to_one(audio_mask, offset_audio, latents)
    return LatentEdit(video, audio, video_mask, audio_mask, canvas.start_t)


def _uncovered_to_one(mask: torch.Tensor, offset: int, length: int) -> torch.Tensor:
    covered = torch.zeros(mask.shape[0], dtype=torch.bool)
    covered[offset : offset + length] = True
    return torch.where(covered, mask, torch.ones_like(mask))


def check_alignment(canvas: Canvas, meta: SourceMeta, hop: int) -> None:
    """The source moves along the canvas by whole video frames and whole audio latents."""
    latents = canvas.source_offset_s * meta.sample_rate / hop
    if abs(latents - round(latents)) > 1e-6:
        grid = _grid(hop, meta.fps, meta.sample_rate)
        raise ScriptError(
            "edit.seconds",
            f"extending at the start needs whole audio latent frames: a multiple of {grid:g}s",
        )


def _mask(
    positions: torch.Tensor, span: tuple[float, float] | None, total: float, canvas: Canvas
) -> torch.Tensor:
    if span is None:
        return torch.zeros(positions.shape[0])
    start, end = span
    # a span reaching an end of the canvas covers the latents centred past it too
    start = -math.inf if start <= 0 else start
    end = math.inf if end >= total - 1e-9 else end
    return span_mask(positions, start, end, total, canvas.feather_s)


def _grid(hop: int, fps: int, rate: int) -> float:
    """The shortest time that is a whole number of both video frames and audio latents."""
    # k frames are k * rate / (fps * hop) latents: whole when k is a multiple of this
    frames = (fps * hop) // math.gcd(rate, fps * hop)
    return frames / fps
