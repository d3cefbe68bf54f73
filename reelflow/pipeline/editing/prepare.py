"""An edit request checked into plan, sampler options and canvas, and the edit run over any
stage objects (embedded or served): the same `schedule.generate`, given a LatentEdit."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from reelflow.pipeline.editing.edits import Canvas, EditSpec, plan_edit
from reelflow.pipeline.editing.latent_edit import build_edit, check_alignment
from reelflow.pipeline.editing.source import SourceLatents, SourceMeta, SourceShot
from reelflow.pipeline.generation.loop_state import LoopState
from reelflow.pipeline.generation.replacement import LatentEdit
from reelflow.pipeline.generation.request import (
    GenerationRequest,
    check_negative_prompt,
    limits_for,
    sampler_options,
)
from reelflow.pipeline.generation.schedule import (
    GenerationOptions,
    GenerationResult,
    ProgressCallback,
    generate,
    latent_shapes,
)
from reelflow.pipeline.generation.stage_protocol import Stages
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.script.plan import Plan, ScriptError


@dataclass(frozen=True, eq=False)
class PreparedEdit:
    spec: EditSpec
    plan: Plan
    options: GenerationOptions
    canvas: Canvas


def upload_meta(seconds: float, preset: Preset, prompt: str) -> SourceMeta:
    """What an uploaded clip is once decoded at the preset's fps, size and sample rate."""
    frames = max(1, round(seconds * preset.fps))
    text = prompt.strip() or "a video"
    return SourceMeta(
        fps=preset.fps,
        width=preset.width,
        height=preset.height,
        sample_rate=preset.sample_rate,
        num_frames=frames,
        num_samples=round(frames * preset.sample_rate / preset.fps),
        shots=(SourceShot(0.0, frames / preset.fps, text),),
    )


def prepare_edit(
    request: GenerationRequest,
    spec: EditSpec,
    source: SourceMeta,
    preset: Preset,
    max_extended_s: float,
) -> PreparedEdit:
    """Validate an edit of `source`; ScriptError naming the field. The request's prompt is
    the new text (optional for retake and extend) and its sampler settings apply; its size,
    fps and duration are the source's (and the edit's)."""
    if not math.isfinite(max_extended_s) or max_extended_s <= 0:
        raise ValueError("max_extended_s must be positive")
    options = sampler_options(request, preset)
    limits = limits_for(preset)
    negative = check_negative_prompt(request.negative_prompt, limits)
    if (source.fps, source.sample_rate) != (preset.fps, preset.sample_rate):
        raise ScriptError("edit", "the source was made at another fps or sample rate")
    edit = plan_edit(spec, source, request.prompt, limits, max_extended_s)
    check_alignment(edit.canvas, source, preset.audio_codec.hop)
    return PreparedEdit(spec, replace(edit.plan, negative_prompt=negative), options, edit.canvas)


def latent_edit(prepared: PreparedEdit, source: SourceLatents, preset: Preset) -> LatentEdit:
    shapes = latent_shapes(prepared.plan, preset)
    return build_edit(prepared.canvas, source, *shapes, preset.audio_codec.hop)


async def generate_edit(
    prepared: PreparedEdit,
    source: SourceLatents,
    stages: Stages,
    preset: Preset,
    on_progress: ProgressCallback | None = None,
    *,
    resume: LoopState | None = None,
    on_step: Callable[[LoopState], Awaitable[None]] | None = None,
    preview_every: int = 0,
    on_preview=None,
) -> GenerationResult:
    return await generate(
        prepared.plan,
        prepared.options,
        stages,
        preset,
        on_progress,
        resume=resume,
        on_step=on_step,
        edit=latent_edit(prepared, source, preset),
        preview_every=preview_every,
        on_preview=on_preview,
    )
