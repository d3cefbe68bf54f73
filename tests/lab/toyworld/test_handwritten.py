"""The hand-written prompt set: at least 60 prompts written the way people write, each with the
ClipSpec of what it asks for; enough close-up speech to measure lip sync on; every prompt is a
valid script, and none is one the world's prompt writer makes."""

from __future__ import annotations

from reelflow.lab.toyworld.sample import handwritten
from reelflow.lab.toyworld.wording.prompts import prompt_text
from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.model.presets import get_preset


def test_the_set_is_large_valid_and_measures_lip_sync():
    clips = handwritten(fps=8)
    assert len(clips) >= 60
    assert len({prompt for prompt, _ in clips}) == len(clips)  # no prompt twice
    closeup_speech = [
        spec for _, spec in clips if spec.action == "speak" and spec.shots[0].framing == "close-up"
    ]
    assert len(closeup_speech) >= 12
    assert {spec.action for _, spec in clips} >= {"left", "right", "up", "down", "bounce", "grow"}
    assert sum(len(spec.shots) > 1 for _, spec in clips) >= 6


def test_every_prompt_plans_at_its_specs_length_and_none_is_a_template():
    preset = get_preset("tiny")
    for prompt, spec in handwritten(fps=8):
        request = GenerationRequest(prompt, duration_s=spec.duration_s, fps=spec.fps, seed=0)
        plan = prepare(request, preset).plan
        assert plan.num_frames == spec.num_frames, prompt
        assert len(plan.shots) == len(spec.shots), prompt
        assert prompt != prompt_text(spec)
