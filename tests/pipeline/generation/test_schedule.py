"""The whole schedule, embedded, at the tiny preset with random weights and two steps."""

import asyncio
from dataclasses import replace

import numpy as np
import pytest

from reelflow.pipeline.generation.mux import decode_mp4
from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import generate
from reelflow.pipeline.script.plan import ScriptError
from tests.conftest import assert_valid_mp4

PROMPT = "[0-1s] close-up of a red ball bouncing, a beep [1-2s] wide shot, quiet hum"


def run(local_stages, tiny, request, events=None):
    prepared = prepare(request, tiny)
    return asyncio.run(
        generate(
            prepared.plan,
            prepared.options,
            local_stages,
            tiny,
            events.append if events is not None else None,
        )
    )


def test_generates_a_valid_mp4_with_progress_from_every_stage(local_stages, tiny, tmp_path):
    events = []
    result = run(local_stages, tiny, GenerationRequest(PROMPT, seed=1, steps=2), events)
    path = tmp_path / "out.mp4"
    path.write_bytes(result.mp4)
    assert_valid_mp4(path, seconds=2.0, fps=8, width=64, height=64, sample_rate=16000)
    assert {e.stage for e in events} == {"prompt_encoding", "keyframes", "denoising", "muxing"}
    assert [e.step for e in events if e.stage == "denoising"] == [1, 2]
    assert set(result.stage_seconds) >= {
        "prompt_encoding",
        "keyframes",
        "temporal",
        "audio",
        "muxing",
    }


def test_same_seed_same_output_and_other_seed_differs(local_stages, tiny):
    request = GenerationRequest(PROMPT, seed=5, steps=2, width=32, height=48)
    a, b = (decode_mp4(run(local_stages, tiny, request).mp4) for _ in range(2))
    c = decode_mp4(run(local_stages, tiny, replace(request, seed=6)).mp4)
    assert a.frames.shape == (16, 48, 32, 3)
    assert np.array_equal(a.frames, b.frames) and np.array_equal(a.audio, b.audio)
    assert not np.array_equal(a.frames, c.frames)
    assert a.audio.std() > 0 and a.frames.std() > 0


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (GenerationRequest(""), "prompt"),
        (GenerationRequest("a ball", duration_s=-1.0), "duration"),
        (GenerationRequest("a ball", width=33, height=32), "size"),
        (GenerationRequest("a ball", width=512, height=512), "size"),
        (GenerationRequest("a ball", width=64), "size"),
        (GenerationRequest("a ball", steps=0), "steps"),
        (GenerationRequest("a ball", steps=1000), "steps"),
        (GenerationRequest("a ball", guidance=0.5), "guidance"),
        (GenerationRequest("a ball", seed=-3), "seed"),
        (GenerationRequest("a ball", fps=0), "fps"),
    ],
)
def test_bad_requests_name_the_field(tiny, request_, field):
    with pytest.raises(ScriptError) as caught:
        prepare(request_, tiny)
    assert caught.value.field == field
    assert caught.value.message


class TimesSeen:
    """The real local stages, noting the noise level each branch is asked to denoise at."""

    def __init__(self, stages):
        self.stages, self.video, self.audio = stages, [], []

    def __getattr__(self, name):
        return getattr(self.stages, name)

    async def temporal_velocity(self, xv, xa, t, *args):
        self.video.append(t)
        return await self.stages.temporal_velocity(xv, xa, t, *args)

    async def audio_velocity(self, xa, xv, t, *args):
        self.audio.append(t)
        return await self.stages.audio_velocity(xa, xv, t, *args)


def test_audio_lead_denoises_the_sound_ahead_of_the_picture(local_stages, tiny):
    prepared = prepare(GenerationRequest(PROMPT, seed=2, steps=4), tiny)
    results, seen = [], []
    for lead in (1.0, 2.0):
        stages = TimesSeen(local_stages)
        options = replace(prepared.options, audio_lead=lead)
        results.append(asyncio.run(generate(prepared.plan, options, stages, tiny)))
        seen.append(stages)
    assert seen[0].audio == seen[0].video == [1.0, 0.75, 0.5, 0.25]
    assert seen[1].video == seen[0].video
    assert seen[1].audio == [1.0, 0.5625, 0.25, 0.0625]  # t ** 2: cleaner at every step
    # the same noise and the same last time (t = 0), reached on another path
    assert not np.array_equal(results[0].latents[1], results[1].latents[1])
    with pytest.raises(ValueError, match="audio_lead"):
        replace(prepared.options, audio_lead=0.5)


class GuidanceSeen:
    """The real local stages, noting the guidance each branch is called with."""

    def __init__(self, stages):
        self.stages, self.video, self.audio = stages, [], []

    def __getattr__(self, name):
        return getattr(self.stages, name)

    async def temporal_velocity(self, xv, xa, t, cond, keyframes, guidance, phase=0):
        self.video.append(guidance)
        return await self.stages.temporal_velocity(xv, xa, t, cond, keyframes, guidance, phase)

    async def audio_velocity(self, xa, xv, t, cond, guidance, phase=0):
        self.audio.append(guidance)
        return await self.stages.audio_velocity(xa, xv, t, cond, guidance, phase)


def test_below_guide_above_the_branches_run_unguided(local_stages, tiny):
    prepared = prepare(GenerationRequest(PROMPT, seed=2, steps=4, guidance=3.0), tiny)
    results = []
    for guide_above in (0.0, 0.5):
        stages = GuidanceSeen(local_stages)
        options = replace(prepared.options, guide_above=guide_above)
        results.append(asyncio.run(generate(prepared.plan, options, stages, tiny)))
        expected = [3.0, 3.0, 3.0, 3.0] if guide_above == 0 else [3.0, 3.0, 3.0, 1.0]
        assert stages.video == stages.audio == expected  # t = 1, 0.75, 0.5, 0.25
    assert not np.array_equal(results[0].latents[0], results[1].latents[0])
    with pytest.raises(ValueError, match="guide_above"):
        replace(prepared.options, guide_above=1.5)
