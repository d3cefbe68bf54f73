"""CFG-parallel over two gloo processes: the conditional and unconditional halves of guidance on
two ranks give the one-process stages' velocities and the one-process clip."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
import torch

from reelflow.pipeline.generation.mux import decode_mp4
from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import generate
from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.pipeline.parallel.embedded import ParallelLocalStages

PROMPT = "[0-1s] a red ball bouncing, a beep [1-3s] wide shot, quiet hum"
TOLERANCE = dict(rtol=1e-3, atol=2e-3)  # fp16 wire outputs of fp32 forwards


@pytest.fixture(scope="module")
def cfg_stages(tiny):
    stages = ParallelLocalStages(tiny, None, ParallelConfig(cfg=2))
    yield stages
    stages.close()
    assert not any(p.is_alive() for p in stages.ranks.processes)


def _plain(stage):
    """The stage's own network (the group's rank-0 copy), for the reference result."""
    return stage.model.leader.models[stage.model.branch]


def _both(stage, call):
    parallel = stage.model
    try:
        stage.model = _plain(stage)
        expected = call()
    finally:
        stage.model = parallel
    return expected, call()


def test_cfg_parallel_stage_velocities_equal_one_process(cfg_stages, tiny):
    plan = prepare(GenerationRequest(PROMPT, seed=3, steps=2), tiny).plan
    cond = cfg_stages.encoder.encode(plan)  # 3 s at 8 fps: 24 frames, two temporal windows
    g = torch.Generator().manual_seed(0)
    frames = plan.num_frames
    audio_tokens = plan.num_samples // tiny.audio_codec.hop + 1
    xv = torch.randn(frames, tiny.video_codec.channels, 16, 16, generator=g).half()
    keyframes = torch.randn(cond.num_shots, tiny.video_codec.channels, 16, 16, generator=g)
    xa = torch.randn(audio_tokens, tiny.audio_codec.channels, generator=g).half()
    temporal = _both(
        cfg_stages.temporal,
        lambda: cfg_stages.temporal.velocity(xv, xa, 0.7, cond, keyframes.half(), 4.0, 1),
    )
    audio = _both(cfg_stages.audio, lambda: cfg_stages.audio.velocity(xa, xv, 0.7, cond, 4.0))
    spatial = _both(cfg_stages.spatial, lambda: cfg_stages.spatial.velocity(xv, 0.2, cond, 1.0))
    for expected, got in (temporal, audio, spatial):
        assert expected.abs().mean() > 1e-3
        torch.testing.assert_close(got.float(), expected.float(), **TOLERANCE)


def test_cfg_parallel_clip_equals_the_one_process_clip(cfg_stages, local_stages, tiny):
    prepared = prepare(GenerationRequest(PROMPT, seed=4, steps=2, guidance=3.0), tiny)

    def clip(stages):
        return decode_mp4(asyncio.run(generate(prepared.plan, prepared.options, stages, tiny)).mp4)

    single, parallel = clip(local_stages), clip(cfg_stages)
    assert single.frames.shape == parallel.frames.shape
    diff = np.abs(single.frames.astype(int) - parallel.frames.astype(int))
    assert diff.mean() < 0.5 and diff.max() <= 8  # H.264 of latents equal to fp16 rounding
    np.testing.assert_allclose(parallel.audio, single.audio, atol=2e-3)
