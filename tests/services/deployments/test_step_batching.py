"""Step batching on the real stages: several jobs' velocity calls become one forward pass and
give what each call gives alone (to float32 rounding: in the preset's bfloat16 a row's rounding
depends on the batch it is in, as on any batched server)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest
import torch

from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import latent_shapes
from reelflow.pipeline.generation.stages import to_wire
from reelflow.pipeline.model.sampling import seeded_noise
from reelflow.services.deployments.step_batching import StepBatcher

PROMPTS = (
    "[0-1s] a red ball bouncing [1-2s] wide shot, quiet hum",
    "[0-2s] a blue square slides left across a long grey floor while a bell rings twice",
    "[0-1s] close-up of a cat [1-2s] the cat jumps, a thud",
)


@pytest.fixture(scope="module")
def inputs(local_stages, tiny):
    jobs = []
    for seed, prompt in enumerate(PROMPTS):
        prepared = prepare(GenerationRequest(prompt, seed=seed, steps=2), tiny)
        cond = local_stages.encoder.encode(prepared.plan)
        video, audio = latent_shapes(prepared.plan, tiny)
        xv = to_wire(seeded_noise(video, seed, 0))
        xa = to_wire(seeded_noise(audio, seed, 1))
        keyframes = to_wire(torch.zeros((len(prepared.plan.shots), *video[1:])))
        jobs.append((xv, xa, cond, keyframes))
    assert len({cond.text_tokens.shape[1] for _, _, cond, _ in jobs}) > 1  # padding is needed
    return jobs


@pytest.mark.parametrize("branch", ["temporal", "audio", "spatial"])
def test_batched_velocities_match_one_by_one(local_stages, inputs, branch, monkeypatch):
    stage = getattr(local_stages, branch)
    monkeypatch.setattr(stage, "preset", replace(stage.preset, compute_dtype="float32"))
    guidance = (4.0, 1.0, 2.5)  # guided and unguided calls in one batch

    def call(i: int):
        xv, xa, cond, keyframes = inputs[i]
        if branch == "temporal":
            return partial(stage.velocity, xv, xa, 0.7, cond, keyframes, guidance[i])
        if branch == "audio":
            return partial(stage.velocity, xa, xv, 0.7, cond, guidance[i])
        return partial(stage.velocity, xv, 0.2, cond, guidance[i])

    alone = [call(i)() for i in range(len(inputs))]
    batcher = StepBatcher(stage)
    together = batcher.run([call(i) for i in range(len(inputs))])
    assert batcher.last_forwards == [3]
    assert stage.model is batcher.model  # the network is put back
    for a, b in zip(alone, together, strict=True):
        assert a.shape == b.shape
        torch.testing.assert_close(a.float(), b.float(), atol=2e-3, rtol=2e-3)


def test_a_failing_call_fails_and_the_network_is_restored(local_stages, inputs):
    stage = local_stages.audio
    xv, xa, cond, _ = inputs[0]
    batcher = StepBatcher(stage)
    good = partial(stage.velocity, xa, xv, 0.5, cond, 2.0)

    def bad():
        raise ValueError("a broken request")

    with pytest.raises(ValueError, match="broken"):
        batcher.run([good, bad, good])  # the others don't wait for it forever
    assert stage.model is batcher.model
    assert batcher.run([good, good])[0].shape == xa.shape
