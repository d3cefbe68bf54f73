"""A generation request as users give it (CLI flags or the gRPC message), checked at the
boundary and turned into a plan plus sampler options. Shared by the embedded and served paths
so both accept and reject exactly the same requests."""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from reelflow.pipeline.generation.schedule import GenerationOptions
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.script.checks import check_text
from reelflow.pipeline.script.limits import DEFAULT_LIMITS, Limits
from reelflow.pipeline.script.parser import parse
from reelflow.pipeline.script.plan import Plan, ScriptError

MAX_STEPS = 200
MAX_GUIDANCE = 30.0
MAX_SEED = 2**63 - 1
# A relative L1 distance of 1 means the latents changed as much as their own magnitude: past
# that the step cache would reuse velocities across anything, which is never what was meant.
MAX_CACHE_THRESHOLD = 1.0


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
    negative_prompt: str = ""  # "": guidance pushes away from the empty prompt
    draft: bool = False  # the preset's draft sampler: its steps (unless given) and shift
    cache_threshold: float = 0.0  # step cache (schedule.StepCache); 0 = off


@dataclass(frozen=True, eq=False)
class PreparedRequest:
    plan: Plan
    options: GenerationOptions


def limits_for(preset: Preset) -> Limits:
    return replace(DEFAULT_LIMITS, max_side=preset.max_side, side_multiple=preset.side_multiple)


def check_negative_prompt(text: object, limits: Limits) -> str:
    """The negative prompt, stripped ("" when blank); ScriptError naming the field if bad."""
    check_text("negative_prompt", text, limits, required=False)
    return text.strip()


def check_cache_threshold(value: float) -> float:
    if not (math.isfinite(value) and 0.0 <= value <= MAX_CACHE_THRESHOLD):
        raise ScriptError(
            "cache_threshold",
            f"cache_threshold must be between 0 and {MAX_CACHE_THRESHOLD:g}, got {value:g}",
        )
    return value


def check_steps(steps: int, most: int = MAX_STEPS) -> int:
    if not 1 <= steps <= most:
        raise ScriptError("steps", f"steps must be between 1 and {most}, got {steps}")
    return steps


def check_guidance(guidance: float) -> float:
    if not 1.0 <= guidance <= MAX_GUIDANCE:
        raise ScriptError(
            "guidance", f"guidance must be between 1 and {MAX_GUIDANCE:g}, got {guidance:g}"
        )
    return guidance


def seed_of(request: GenerationRequest) -> int:
    """The request's seed, or one drawn at random (and then reported) when it has none."""
    seed = secrets.randbelow(2**31) if request.seed is None else request.seed
    if not 0 <= seed <= MAX_SEED:
        raise ScriptError("seed", f"seed must be between 0 and 2^63-1, got {seed}")
    return seed


def sampler_options(request: GenerationRequest, preset: Preset) -> GenerationOptions:
    """The request's sampler settings, checked; ScriptError naming the offending field."""
    defaults = preset.sampler.as_draft() if request.draft else preset.sampler
    steps = check_steps(defaults.steps if request.steps is None else request.steps)
    guidance = defaults.guidance if request.guidance is None else request.guidance
    return GenerationOptions(
        seed=seed_of(request),
        steps=steps,
        guidance=check_guidance(guidance),
        shift=defaults.shift,
        refine_below=defaults.refine_below,
        refine_weight=defaults.refine_weight,
        audio_lead=defaults.audio_lead,
        guide_above=defaults.guide_above,
        cache_threshold=check_cache_threshold(request.cache_threshold),
    )


def prepare(request: GenerationRequest, preset: Preset) -> PreparedRequest:
    """Validate everything and plan; raises ScriptError naming the offending field."""
    options = sampler_options(request, preset)
    if (request.width is None) != (request.height is None):
        raise ScriptError("size", "give both width and height, or neither")
    limits = limits_for(preset)
    negative_prompt = check_negative_prompt(request.negative_prompt, limits)
    plan = parse(
        request.prompt,
        duration_s=request.duration_s,
        fps=preset.fps if request.fps is None else request.fps,
        width=preset.width if request.width is None else request.width,
        height=preset.height if request.height is None else request.height,
        sample_rate=preset.sample_rate,
        references=request.references,
        roles=request.roles,
        limits=limits,
    )
    plan = replace(plan, negative_prompt=negative_prompt)
    return PreparedRequest(plan=plan, options=options)
