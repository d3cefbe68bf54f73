"""The generation schedule (DESIGN.md), written once over any set of stage objects: local
Python objects when embedded, Ray Serve handles when served."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import torch

from reelflow.pipeline.generation.conditioning import Conditioning
from reelflow.pipeline.generation.loop_state import LoopState
from reelflow.pipeline.generation.preview import Preview, preview_frames, x0_estimate
from reelflow.pipeline.generation.replacement import LatentEdit
from reelflow.pipeline.generation.stage_protocol import Stages
from reelflow.pipeline.generation.stages import to_wire
from reelflow.pipeline.model.audio_codec import AudioCodec
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.model.sampling import euler_step, interpolate, merge, seeded_noise, timesteps
from reelflow.pipeline.script.plan import Plan

VIDEO_NOISE_STREAM, AUDIO_NOISE_STREAM = 0, 1


@dataclass(frozen=True)
class GenerationOptions:
    seed: int
    steps: int
    guidance: float
    shift: float
    refine_below: float  # spatial refinement runs while t < refine_below (0 turns it off)
    refine_weight: float
    audio_lead: float = 1.0  # the audio's timesteps are t ** audio_lead (SamplerDefaults)
    guide_above: float = 0.0  # denoising steps with t < guide_above run unguided (SamplerDefaults)
    # Step caching (opt-in, approximate): reuse the previous step's velocities while the
    # latents moved less than this relative L1 distance since they were last computed.
    cache_threshold: float = 0.0

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError(f"steps must be >= 1, got {self.steps}")
        if self.guidance < 1.0:
            raise ValueError(f"guidance must be >= 1, got {self.guidance}")
        if self.cache_threshold < 0.0:
            raise ValueError(f"cache_threshold must be >= 0, got {self.cache_threshold}")
        if self.audio_lead < 1.0:
            raise ValueError(f"audio_lead must be >= 1, got {self.audio_lead}")
        if not 0.0 <= self.guide_above <= 1.0:
            raise ValueError(f"guide_above must be in [0, 1], got {self.guide_above}")

    def audio_times(self, times: list[float]) -> list[float]:
        return [t**self.audio_lead for t in times]


@dataclass(frozen=True)
class Progress:
    stage: str
    step: int
    total: int
    elapsed_s: float


@dataclass(frozen=True, eq=False)
class GenerationResult:
    mp4: bytes
    stage_seconds: dict[str, float] = field(default_factory=dict)
    steps_reused: int = 0  # denoising steps whose velocities came from the step cache
    # the final (xv, xa) as muxed (wire dtype): what an edit of this clip starts from
    latents: tuple[torch.Tensor, torch.Tensor] | None = None


ProgressCallback = Callable[[Progress], None]


class _Clock:
    """Wall seconds per stage, summed over calls (the two branches run concurrently)."""

    def __init__(self, on_progress: ProgressCallback | None):
        self.start = time.perf_counter()
        self.seconds: dict[str, float] = {}
        self.on_progress = on_progress

    async def timed(self, stage: str, awaitable):
        began = time.perf_counter()
        result = await awaitable
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - began
        return result

    def report(self, stage: str, step: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(stage, step, total, time.perf_counter() - self.start))


def latent_shapes(plan: Plan, preset: Preset) -> tuple[tuple[int, ...], tuple[int, ...]]:
    video = preset.video_codec.latent_shape(plan.num_frames, plan.height, plan.width)
    audio = (
        AudioCodec(preset.audio_codec).latent_frames(plan.num_samples),
        preset.audio_codec.channels,
    )
    return video, audio


def pinned_frames(cond: Conditioning, frames: int) -> dict[int, torch.Tensor]:
    """Frame index -> latent for first_frame / last_frame references."""
    pins = {0: cond.first_frame, frames - 1: cond.last_frame}
    return {frame: latent.float() for frame, latent in pins.items() if latent.numel()}


class StepCache:
    """TeaCache-style step skipping at the level of the joint loop (Liu et al. 2024, "Timestep
    Embedding Tells: It's Time to Cache for Video Diffusion Models"): when the latents moved
    little since the branches last ran, their velocities barely change, so the previous ones
    are reused. The decision uses the relative L1 distance of the inputs (video and audio
    averaged) to those of the last computed step. The first and last steps are always
    computed, and so is any step where spatial refinement switches on. Threshold 0 = off: the
    loop is then exactly the uncached one. The stages stay stateless; this lives in the loop.
    """

    def __init__(self, threshold: float):
        self.threshold = threshold
        self.inputs: tuple[torch.Tensor, torch.Tensor] | None = None
        self.velocities: tuple[torch.Tensor, torch.Tensor] | None = None
        self.refine = False
        self.reused = 0

    def lookup(
        self, step: int, steps: int, xv: torch.Tensor, xa: torch.Tensor, refine: bool
    ) -> tuple[torch.Tensor, torch.Tensor] | None:
        if self.threshold <= 0 or self.inputs is None or self.velocities is None:
            return None
        if step == steps - 1 or refine != self.refine:
            return None
        ref_v, ref_a = self.inputs
        distance = 0.5 * (_relative_l1(xv, ref_v) + _relative_l1(xa, ref_a))
        if distance >= self.threshold:
            return None
        self.reused += 1
        return self.velocities

    def store(
        self, xv: torch.Tensor, xa: torch.Tensor, vv: torch.Tensor, va: torch.Tensor, refine: bool
    ) -> None:
        if self.threshold > 0:
            self.inputs, self.velocities, self.refine = (xv, xa), (vv, va), refine


def _relative_l1(x: torch.Tensor, reference: torch.Tensor) -> float:
    return float((x - reference).abs().mean() / reference.abs().mean().clamp(min=1e-12))


async def _velocities(
    stages: Stages,
    clock: _Clock,
    xv: torch.Tensor,
    xa: torch.Tensor,
    t: float,
    t_audio: float,
    cond: Conditioning,
    keyframes: torch.Tensor,
    options: GenerationOptions,
    step: int,
    refine: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One step's video and audio velocities from the branches, run concurrently; below
    `refine_below` the spatial branch's velocity is merged into the video one."""
    wire_v, wire_a = to_wire(xv), to_wire(xa)
    phase = step % 2  # long clips: the window tiling shifts every step (windows.window_starts)
    g = options.guidance if t >= options.guide_above else 1.0  # unguided: one forward, not two
    branches = [
        clock.timed(
            "temporal", stages.temporal_velocity(wire_v, wire_a, t, cond, keyframes, g, phase)
        ),
        clock.timed("audio", stages.audio_velocity(wire_a, wire_v, t_audio, cond, g, phase)),
    ]
    if refine:
        branches.append(clock.timed("spatial", stages.spatial_velocity(wire_v, t, cond, g)))
    velocities = await asyncio.gather(*branches)
    vv, va = velocities[0].float(), velocities[1].float()
    if refine:
        vv = merge(vv, velocities[2].float(), options.refine_weight)
    return vv, va


async def generate(
    plan: Plan,
    options: GenerationOptions,
    stages: Stages,
    preset: Preset,
    on_progress: ProgressCallback | None = None,
    *,
    resume: LoopState | None = None,
    on_step: Callable[[LoopState], Awaitable[None]] | None = None,
    edit: LatentEdit | None = None,
    preview_every: int = 0,
    on_preview: Callable[[Preview], Awaitable[None]] | None = None,
) -> GenerationResult:
    """`resume`: continue a job from a saved loop state (same request) instead of step 0.
    `on_step`: awaited with the loop state after every denoising step (to checkpoint it).
    `edit`: a retake, extension or remix of a source clip (replacement.py; editing/ builds it).
    `preview_every`: every that many steps, `on_preview` gets a sprite of the x0 estimate."""
    video_shape, audio_shape = latent_shapes(plan, preset)
    if resume is not None and not resume.fits(video_shape, audio_shape, options.steps):
        raise ValueError("the saved loop state belongs to a different request")
    clock = _Clock(on_progress)
    clock.report("prompt_encoding", 0, 1)
    cond = await clock.timed("prompt_encoding", stages.encode(plan))
    clock.report("prompt_encoding", 1, 1)
    if resume is None:
        clock.report("keyframes", 0, len(plan.shots))
        keyframes = await clock.timed(
            "keyframes",
            stages.keyframes(
                cond,
                options.seed,
                options.steps,
                options.guidance,
                options.shift,
                plan.height,
                plan.width,
            ),
        )
        clock.report("keyframes", len(plan.shots), len(plan.shots))
        if edit is not None:
            keyframes = edit.keyframes(keyframes)
    else:
        keyframes = resume.keyframes
    video_noise = to_wire(seeded_noise(video_shape, options.seed, VIDEO_NOISE_STREAM)).float()
    audio_noise = to_wire(seeded_noise(audio_shape, options.seed, AUDIO_NOISE_STREAM)).float()
    pins = pinned_frames(cond, plan.num_frames)
    times = timesteps(options.steps, options.shift)
    audio_times = options.audio_times(times)
    begin = 0 if edit is None else edit.first_step(times)  # a remix starts at t = strength
    if resume is None and edit is None:
        xv, xa = video_noise.clone(), audio_noise.clone()
    elif resume is None:
        xv, xa = edit.start(video_noise, audio_noise, times[begin], audio_times[begin])
    else:
        xv, xa = resume.xv.float().clone(), resume.xa.float().clone()
    first = max(begin, 0 if resume is None else resume.step)
    cache = StepCache(options.cache_threshold)
    for step, (t, t_next) in enumerate(itertools.pairwise(times)):
        if step < first:
            continue
        refine = t < options.refine_below and options.refine_weight > 0
        velocities = cache.lookup(step, options.steps, xv, xa, refine)
        if velocities is None:
            t_audio = audio_times[step]
            velocities = await _velocities(
                stages, clock, xv, xa, t, t_audio, cond, keyframes, options, step, refine
            )
            cache.store(xv, xa, *velocities, refine)
        vv, va = velocities
        if preview_every > 0 and on_preview is not None and (step + 1) % preview_every == 0:
            x0 = to_wire(preview_frames(x0_estimate(xv, vv, t)))
            jpeg = await clock.timed("preview", stages.preview(x0))
            await on_preview(Preview(step + 1, options.steps, jpeg, x0.shape[0]))
        xv = euler_step(xv, vv, t, t_next)
        xa = euler_step(xa, va, audio_times[step], audio_times[step + 1])
        if edit is not None:  # replacement sampling keeps the source where it is kept
            xv, xa = edit.replace(xv, xa, video_noise, audio_noise, t_next, audio_times[step + 1])
        for frame, latent in pins.items():  # replacement sampling keeps pinned frames on path
            xv[frame] = interpolate(latent, video_noise[frame], t_next)
        clock.report("denoising", step + 1, options.steps)
        if on_step is not None:
            await on_step(LoopState(step + 1, keyframes, xv, xa))
    clock.report("muxing", 0, 1)
    final = to_wire(xv), to_wire(xa)
    mp4 = await clock.timed(
        "muxing", stages.decode_and_mux(*final, plan.fps, plan.sample_rate, plan.num_samples)
    )
    clock.report("muxing", 1, 1)
    return GenerationResult(
        mp4=mp4, stage_seconds=clock.seconds, steps_reused=cache.reused, latents=final
    )
