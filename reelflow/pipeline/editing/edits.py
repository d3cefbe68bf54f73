"""The three edits as checked values, and the plan each one generates.

- retake: regenerate [start_s, end_s) of the source (video, audio or both); the rest is kept.
- extend: a longer canvas holding the source, `seconds` more at the end (or the start).
- remix: the whole clip again from the source noised to t = strength (SDEdit, Meng et al.
  2022), with a new prompt.

Every check raises ScriptError naming the request field (`edit.start_s`, ...), so the job
service answers INVALID_ARGUMENT / HTTP 400 as for any other bad field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from reelflow.pipeline.editing.masks import DEFAULT_FEATHER_S
from reelflow.pipeline.editing.source import SourceMeta
from reelflow.pipeline.script.limits import Limits
from reelflow.pipeline.script.parser import parse
from reelflow.pipeline.script.plan import Plan, ScriptError, Shot

KINDS = ("retake", "extend", "remix")
DEFAULT_STRENGTH = 0.6
# An extended clip may pass the 15 s of one generation: the temporal and audio branches run
# over fixed windows (generation/windows.py), so time and memory grow linearly with the canvas.
# What bounds it is the loop's full-clip latents and the muxer's decode of every frame at
# once, both linear too; 60 s keeps one job's memory and run time within the job deadline.
DEFAULT_MAX_EXTENDED_S = 60.0


@dataclass(frozen=True)
class EditSpec:
    kind: str
    start_s: float = 0.0  # retake
    end_s: float = 0.0  # 0: the source's end
    video: bool = True  # retake: regenerate the picture ...
    audio: bool = True  # ... and/or the sound inside the span
    seconds: float = 0.0  # extend
    at_start: bool = False
    strength: float = DEFAULT_STRENGTH  # remix: 0 returns the source, 1 a fresh generation
    feather_s: float = DEFAULT_FEATHER_S

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ScriptError("edit.kind", f"edit kind must be one of {', '.join(KINDS)}")
        for name in ("start_s", "end_s", "seconds", "strength", "feather_s"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ScriptError(f"edit.{name}", f"{name} must be a finite number >= 0")
        if self.strength > 1:
            raise ScriptError(
                "edit.strength", f"strength must be from 0 to 1, got {self.strength:g}"
            )
        if self.kind == "retake" and not (self.video or self.audio):
            raise ScriptError("edit.video", "a retake must regenerate the video, the audio or both")


@dataclass(frozen=True)
class Canvas:
    """Where the source sits in the edit's clip and what is regenerated (seconds on the
    canvas). `video_span` / `audio_span` None: that modality is kept whole."""

    duration_s: float
    source_offset_s: float
    video_span: tuple[float, float] | None
    audio_span: tuple[float, float] | None
    start_t: float  # the loop starts at this noise level (1 = from noise)
    feather_s: float


@dataclass(frozen=True, eq=False)
class EditPlan:
    plan: Plan
    canvas: Canvas


def plan_edit(
    spec: EditSpec, source: SourceMeta, prompt: str, limits: Limits, max_extended_s: float
) -> EditPlan:
    """The edit's plan (same fps, size and sample rate as the source) and its canvas."""
    fps, total = source.fps, source.duration_s
    if spec.kind == "remix":
        if not prompt.strip():
            raise ScriptError("prompt", "a remix needs a prompt")
        plan = _parse(prompt, total, source, limits, "prompt")
        span = (0.0, total)
        return EditPlan(plan, Canvas(total, 0.0, span, span, spec.strength, spec.feather_s))
    if spec.kind == "retake":
        start = _frames(spec.start_s, fps, "start_s")
        end = _frames(spec.end_s, fps, "end_s") if spec.end_s else source.num_frames
        if end > source.num_frames:
            raise ScriptError(
                "edit.end_s", f"end_s {spec.end_s:g} is past the source's end at {total:g}s"
            )
        if start >= end:
            raise ScriptError("edit.end_s", "end_s must be at least one frame after start_s")
        span = (start / fps, end / fps)
        shots = _source_shots(source)
        if prompt.strip():
            new = _parse(prompt, span[1] - span[0], source, limits, "prompt").shots
            shots = _splice(shots, new, span, fps)
        plan = _plan(prompt, shots, total, source)
        canvas = Canvas(
            total,
            0.0,
            span if spec.video else None,
            span if spec.audio else None,
            1.0,
            spec.feather_s,
        )
        return EditPlan(plan, canvas)
    # extend
    frames = _frames(spec.seconds, fps, "seconds")
    if frames < 1:
        raise ScriptError("edit.seconds", "seconds must be at least one frame")
    added = frames / fps
    if total + added > max_extended_s + 1e-9:
        raise ScriptError(
            "edit.seconds",
            f"the extended clip would be {total + added:g}s; the most is {max_extended_s:g}s",
        )
    shots = _source_shots(source)
    offset = added if spec.at_start else 0.0
    span = (0.0, added) if spec.at_start else (total, total + added)
    if prompt.strip():
        new = _parse(prompt, added, source, limits, "prompt").shots
        shots = _splice(_shift(shots, offset, fps), new, span, fps)
    elif spec.at_start:  # no prompt: the first shot starts earlier
        moved = _shift(shots, offset, fps)
        shots = (replace(moved[0], start_s=0.0), *moved[1:])
    else:  # no prompt: the last shot goes on
        shots = (*shots[:-1], replace(shots[-1], end_s=total + added))
    plan = _plan(prompt, shots, total + added, source)
    return EditPlan(plan, Canvas(total + added, offset, span, span, 1.0, spec.feather_s))


def _frames(seconds: float, fps: int, name: str) -> int:
    """Seconds on the frame grid; a time between two frames is a field error, not rounded."""
    frames = seconds * fps
    if abs(frames - round(frames)) > 1e-6:
        raise ScriptError(f"edit.{name}", f"{name} {seconds:g} is not on a frame (fps {fps})")
    return round(frames)


def _parse(prompt: str, seconds: float, source: SourceMeta, limits: Limits, name: str) -> Plan:
    try:
        return parse(
            prompt,
            duration_s=seconds,
            fps=source.fps,
            width=source.width,
            height=source.height,
            sample_rate=source.sample_rate,
            limits=limits,
        )
    except ScriptError as error:
        if error.field == "duration":  # the edit's own length, not a field the client sent
            raise ScriptError(name, error.message, error.span) from None
        raise


def _source_shots(source: SourceMeta) -> tuple[Shot, ...]:
    return tuple(
        Shot(
            index=i,
            start_s=s.start_s,
            end_s=s.end_s,
            start_frame=round(s.start_s * source.fps),
            end_frame=round(s.end_s * source.fps),
            text=s.text,
        )
        for i, s in enumerate(source.shots)
    )


def _shift(shots: tuple[Shot, ...], offset: float, fps: int) -> tuple[Shot, ...]:
    return tuple(replace(s, start_s=s.start_s + offset, end_s=s.end_s + offset) for s in shots)


def _splice(
    shots: tuple[Shot, ...], new: tuple[Shot, ...], span: tuple[float, float], fps: int
) -> tuple[Shot, ...]:
    """The shots cut at the span's edges, the span's part replaced by the new shots."""
    start, end = span
    before = [replace(s, end_s=min(s.end_s, start)) for s in shots if s.start_s < start - 1e-9]
    after = [replace(s, start_s=max(s.start_s, end)) for s in shots if s.end_s > end + 1e-9]
    inserted = [replace(s, start_s=s.start_s + start, end_s=s.end_s + start) for s in new]
    return tuple(before + inserted + after)


def _plan(prompt: str, shots: tuple[Shot, ...], duration: float, source: SourceMeta) -> Plan:
    fps = source.fps
    numbered = tuple(
        replace(
            s,
            index=i,
            start_frame=round(s.start_s * fps),
            end_frame=round(s.end_s * fps),
            span=(0, 0),
        )
        for i, s in enumerate(shots)
    )
    return Plan(
        prompt=prompt,
        duration_s=duration,
        fps=fps,
        width=source.width,
        height=source.height,
        sample_rate=source.sample_rate,
        shots=numbered,
    )
