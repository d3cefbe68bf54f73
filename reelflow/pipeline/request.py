"""A generation request as users give it (CLI flags or the gRPC message), checked at the
boundary and turned into a plan plus sampler options. Shared by the embedded and served paths
so both accept and reject exactly the same requests."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from reelflow.pipeline.limits import DEFAULT_LIMITS, Limits
from reelflow.pipeline.plan import Plan, ScriptError
from reelflow.pipeline.presets import Preset
from reelflow.pipeline.schedule import GenerationOptions
from reelflow.pipeline.script import parse

MAX_STEPS = 200
MAX_GUIDANCE = 30.0
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    duration_s: float | None = None  # None: the script's last shot end, or the default
    fps: int | None = None  # None: the preset's
    width: int | None = None
    height: int | None = None
    seed: int | None = None  # None: drawn at random and reported
    steps: int | None = None
    guidance: float | None = None
    references: Mapping[str, bytes] = field(default_factory=dict)
    roles: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class PreparedRequest:
    plan: Plan
    options: GenerationOptions


def limits_for(preset: Preset) -> Limits:
    return replace(DEFAULT_LIMITS, max_side=preset.max_side, side_multiple=preset.side_multiple)


def prepare(request: GenerationRequest, preset: Preset) -> PreparedRequest:
    """Validate everything and plan; raises ScriptError naming the offending field."""
    defaults = preset.sampler
    steps = defaults.steps if request.steps is None else request.steps
    if not 1 <= steps <= MAX_STEPS:
        raise ScriptError("steps", f"steps must be between 1 and {MAX_STEPS}, got {steps}")
    guidance = defaults.guidance if request.guidance is None else request.guidance
    if not 1.0 <= guidance <= MAX_GUIDANCE:
        raise ScriptError(
            "guidance", f"guidance must be between 1 and {MAX_GUIDANCE:g}, got {guidance:g}"
        )
    seed = secrets.randbelow(2**31) if request.seed is None else request.seed
    if not 0 <= seed <= MAX_SEED:
        raise ScriptError("seed", f"seed must be between 0 and 2^63-1, got {seed}")
    if (request.width is None) != (request.height is None):
        raise ScriptError("size", "give both width and height, or neither")
    plan = parse(
        request.prompt,
        duration_s=request.duration_s,
        fps=preset.fps if request.fps is None else request.fps,
        width=preset.width if request.width is None else request.width,
        height=preset.height if request.height is None else request.height,
        sample_rate=preset.sample_rate,
        references=request.references,
        roles=request.roles,
        limits=limits_for(preset),
    )
    options = GenerationOptions(
        seed=seed,
        steps=steps,
        guidance=guidance,
        shift=defaults.shift,
        refine_below=defaults.refine_below,
        refine_weight=defaults.refine_weight,
    )
    return PreparedRequest(plan=plan, options=options)
