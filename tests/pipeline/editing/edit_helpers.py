"""What the editing tests share: a source clip made by the real loop, and edits of it."""

from __future__ import annotations

import asyncio

import numpy as np

from reelflow.pipeline.editing.edits import EditSpec
from reelflow.pipeline.editing.prepare import generate_edit, prepare_edit
from reelflow.pipeline.editing.source import SourceLatents, SourceMeta
from reelflow.pipeline.generation.mux import decode_mp4
from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import GenerationResult, generate

STEPS = 4


def make_source(stages, preset, prompt: str, seconds: float, seed: int = 1, steps: int = STEPS):
    prepared = prepare(
        GenerationRequest(prompt, duration_s=seconds, seed=seed, steps=steps), preset
    )
    result = asyncio.run(generate(prepared.plan, prepared.options, stages, preset))
    return result, SourceLatents(SourceMeta.of_plan(prepared.plan), *result.latents)


def edit(
    stages, preset, source: SourceLatents, spec: EditSpec, prompt: str = "", seed: int = 1,
    steps: int = STEPS, **kwargs,
) -> GenerationResult:  # fmt: skip
    request = GenerationRequest(prompt, seed=seed, steps=steps)
    prepared = prepare_edit(request, spec, source.meta, preset, 60.0)
    return asyncio.run(generate_edit(prepared, source, stages, preset, **kwargs))


def frames_and_audio(mp4: bytes) -> tuple[np.ndarray, np.ndarray]:
    decoded = decode_mp4(mp4)
    return decoded.frames.astype(np.float64), decoded.audio.astype(np.float64)
