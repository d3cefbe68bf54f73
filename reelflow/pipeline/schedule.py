"""The generation schedule (DESIGN.md), written once over any set of stage objects: local
Python objects when embedded, Ray Serve handles when served."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import torch

from reelflow.pipeline.codecs import AudioCodec, VideoCodec
from reelflow.pipeline.conditioning import Conditioning
from reelflow.pipeline.plan import Plan
from reelflow.pipeline.presets import Preset
from reelflow.pipeline.sampling import euler_step, interpolate, merge, seeded_noise, timesteps
from reelflow.pipeline.stages import to_wire

VIDEO_NOISE_STREAM, AUDIO_NOISE_STREAM = 0, 1


@dataclass(frozen=True)
class GenerationOptions:
    seed: int
    steps: int
    guidance: float
    shift: float
    refine_below: float  # spatial refinement runs while t < refine_below (0 turns it off)
    refine_weight: float

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError(f"steps must be >= 1, got {self.steps}")
        if self.guidance < 1.0:
            raise ValueError(f"guidance must be >= 1, got {self.guidance}")


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


class Stages(Protocol):
    async def encode(self, plan: Plan) -> Conditioning: ...

    async def keyframes(
        self,
        cond: Conditioning,
        seed: int,
        steps: int,
        guidance: float,
        shift: float,
        height: int,
        width: int,
    ) -> torch.Tensor: ...

    async def temporal_velocity(
        self,
        xv: torch.Tensor,
        xa: torch.Tensor,
        t: float,
        cond: Conditioning,
        keyframes: torch.Tensor,
        guidance: float,
    ) -> torch.Tensor: ...

    async def audio_velocity(
        self, xa: torch.Tensor, xv: torch.Tensor, t: float, cond: Conditioning, guidance: float
    ) -> torch.Tensor: ...

    async def spatial_velocity(
        self, xv: torch.Tensor, t: float, cond: Conditioning, guidance: float
    ) -> torch.Tensor: ...

    async def decode_and_mux(
        self, xv: torch.Tensor, xa: torch.Tensor, fps: int, sample_rate: int, num_samples: int
    ) -> bytes: ...


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
    video = VideoCodec(preset.video_codec).latent_shape(plan.num_frames, plan.height, plan.width)
    audio = (
        AudioCodec(preset.audio_codec).latent_frames(plan.num_samples),
        preset.audio_codec.bins,
    )
    return video, audio


def pinned_frames(cond: Conditioning, frames: int) -> dict[int, torch.Tensor]:
    """Frame index -> latent for first_frame / last_frame references."""
    pins = {0: cond.first_frame, frames - 1: cond.last_frame}
    return {frame: latent.float() for frame, latent in pins.items() if latent.numel()}


async def generate(
    plan: Plan,
    options: GenerationOptions,
    stages: Stages,
    preset: Preset,
    on_progress: ProgressCallback | None = None,
) -> GenerationResult:
    clock = _Clock(on_progress)
    clock.report("prompt_encoding", 0, 1)
    cond = await clock.timed("prompt_encoding", stages.encode(plan))
    clock.report("prompt_encoding", 1, 1)
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
    video_shape, audio_shape = latent_shapes(plan, preset)
    video_noise = to_wire(seeded_noise(video_shape, options.seed, VIDEO_NOISE_STREAM)).float()
    pins = pinned_frames(cond, plan.num_frames)
    xv = video_noise.clone()
    xa = to_wire(seeded_noise(audio_shape, options.seed, AUDIO_NOISE_STREAM)).float()
    times = timesteps(options.steps, options.shift)
    for step, (t, t_next) in enumerate(itertools.pairwise(times)):
        wire_v, wire_a = to_wire(xv), to_wire(xa)
        branches = [
            clock.timed(
                "temporal",
                stages.temporal_velocity(wire_v, wire_a, t, cond, keyframes, options.guidance),
            ),
            clock.timed("audio", stages.audio_velocity(wire_a, wire_v, t, cond, options.guidance)),
        ]
        refine = t < options.refine_below and options.refine_weight > 0
        if refine:
            branches.append(
                clock.timed("spatial", stages.spatial_velocity(wire_v, t, cond, options.guidance))
            )
        velocities = await asyncio.gather(*branches)
        vv, va = velocities[0].float(), velocities[1].float()
        if refine:
            vv = merge(vv, velocities[2].float(), options.refine_weight)
        xv, xa = euler_step(xv, vv, t, t_next), euler_step(xa, va, t, t_next)
        for frame, latent in pins.items():  # replacement sampling keeps pinned frames on path
            xv[frame] = interpolate(latent, video_noise[frame], t_next)
        clock.report("denoising", step + 1, options.steps)
    clock.report("muxing", 0, 1)
    mp4 = await clock.timed(
        "muxing",
        stages.decode_and_mux(
            to_wire(xv), to_wire(xa), plan.fps, plan.sample_rate, plan.num_samples
        ),
    )
    clock.report("muxing", 1, 1)
    return GenerationResult(mp4=mp4, stage_seconds=clock.seconds)
