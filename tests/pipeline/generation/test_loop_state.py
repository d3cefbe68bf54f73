"""Continuing a job from a saved loop state makes exactly the video an uninterrupted run makes,
and a state from another request is refused."""

import asyncio
from dataclasses import replace

import pytest
import torch

from reelflow.pipeline.generation.loop_state import LoopState
from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import generate

PROMPT = "[0-1s] close-up of a red ball bouncing, a beep [1-2s] wide shot, quiet hum"


def run(stages, preset, request, **kwargs):
    prepared = prepare(request, preset)
    return asyncio.run(generate(prepared.plan, prepared.options, stages, preset, **kwargs))


def test_resuming_from_any_step_reproduces_the_uninterrupted_video(local_stages, tiny):
    request = GenerationRequest(PROMPT, seed=11, steps=4)
    states: list[LoopState] = []

    async def keep(state: LoopState) -> None:
        states.append(LoopState.from_bytes(state.to_bytes()))  # through the stored form

    whole = run(local_stages, tiny, request, on_step=keep)
    assert [s.step for s in states] == [1, 2, 3, 4]
    assert not torch.equal(states[0].xv, states[1].xv)  # the saved latents moved
    for state in states[:3]:
        ran: list[int] = []

        async def count(step_state: LoopState, ran=ran) -> None:
            ran.append(step_state.step)

        resumed = run(local_stages, tiny, request, resume=state, on_step=count)
        assert resumed.mp4 == whole.mp4, f"resumed after step {state.step}"
        assert "keyframes" not in resumed.stage_seconds  # continued, not started again
        assert ran == list(range(state.step + 1, 5))  # only the steps still to do ran


def test_a_state_of_another_request_is_refused(local_stages, tiny):
    states: list[LoopState] = []

    async def keep(state: LoopState) -> None:
        states.append(state)

    run(local_stages, tiny, GenerationRequest(PROMPT, seed=1, steps=3), on_step=keep)
    longer = GenerationRequest(PROMPT.replace("[1-2s]", "[1-3s]"), seed=1, steps=3)
    with pytest.raises(ValueError, match="different request"):
        run(local_stages, tiny, longer, resume=states[0])
    with pytest.raises(ValueError, match="different request"):  # already past the last step
        run(local_stages, tiny, GenerationRequest(PROMPT, seed=1, steps=3), resume=states[-1])
    assert replace(states[0], step=0).fits(states[0].xv.shape, states[0].xa.shape, 3) is False
