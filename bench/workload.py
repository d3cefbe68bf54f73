"""The measured workload: a request at the tiny preset, run embedded, and the inputs of one
denoising step so each branch can be timed on its own."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import torch

from bench.common import PROMPT
from reelflow.pipeline.generation.conditioning import Conditioning
from reelflow.pipeline.generation.embedded import LocalStages
from reelflow.pipeline.generation.request import GenerationRequest, PreparedRequest, prepare
from reelflow.pipeline.generation.schedule import GenerationResult, generate, latent_shapes
from reelflow.pipeline.generation.stages import to_wire
from reelflow.pipeline.model.presets import Preset, get_preset
from reelflow.pipeline.model.sampling import seeded_noise


def tiny() -> Preset:
    return get_preset("tiny")


def request(
    steps: int, seed: int = 3, duration_s: float | None = None, side: int | None = None
) -> GenerationRequest:
    return GenerationRequest(
        PROMPT if duration_s is None else "a red ball bouncing, a beep at each bounce",
        seed=seed,
        steps=steps,
        duration_s=duration_s,
        width=side,
        height=side,
    )


def local_stages(checkpoint=None) -> LocalStages:
    """Random-init stages: speed does not depend on the weights' values."""
    return LocalStages(tiny(), checkpoint)


def run_embedded(stages: LocalStages, req: GenerationRequest) -> tuple[GenerationResult, float]:
    prepared = prepare(req, tiny())
    began = time.perf_counter()
    result = asyncio.run(generate(prepared.plan, prepared.options, stages, tiny()))
    return result, time.perf_counter() - began


@dataclass(frozen=True, eq=False)
class StepInputs:
    prepared: PreparedRequest
    cond: Conditioning
    keyframes: torch.Tensor
    xv: torch.Tensor  # wire dtype, as a stage receives it
    xa: torch.Tensor


def step_inputs(stages: LocalStages, req: GenerationRequest) -> StepInputs:
    prepared = prepare(req, tiny())
    o = prepared.options
    cond = stages.encoder.encode(prepared.plan)
    plan = prepared.plan
    keyframes = stages.spatial.keyframes(
        cond, o.seed, 1, o.guidance, o.shift, plan.height, plan.width
    )
    video_shape, audio_shape = latent_shapes(plan, tiny())
    xv = to_wire(seeded_noise(video_shape, o.seed, 0))
    xa = to_wire(seeded_noise(audio_shape, o.seed, 1))
    return StepInputs(prepared, cond, keyframes, xv, xa)
