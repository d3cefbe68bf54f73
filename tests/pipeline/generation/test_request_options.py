"""Per-request sampler options: the negative prompt (the unconditional half of guidance),
draft mode and the step-cache threshold, from GenerationRequest to the sampler."""

import asyncio
import math

import pytest
import torch

from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import generate
from reelflow.pipeline.generation.stages import to_wire
from reelflow.pipeline.script.plan import ScriptError

PROMPT = "[0-1s] a red ball bouncing, a beep [1-2s] wide shot, quiet hum"
SMALL = {"seed": 2, "steps": 3, "width": 32, "height": 32}


def run(stages, preset, request: GenerationRequest):
    prepared = prepare(request, preset)
    return asyncio.run(generate(prepared.plan, prepared.options, stages, preset))


def test_blank_negative_prompt_is_the_empty_prompt(local_stages, tiny):
    plain = run(local_stages, tiny, GenerationRequest(PROMPT, **SMALL))
    for blank in ("", "  \n"):
        request = GenerationRequest(PROMPT, negative_prompt=blank, **SMALL)
        assert prepare(request, tiny).plan.negative_prompt == ""
        assert run(local_stages, tiny, request).mp4 == plain.mp4
    empty = local_stages.encoder.encoder.encode([""])
    cond = local_stages.encoder.encode(prepare(GenerationRequest(PROMPT), tiny).plan)
    assert torch.equal(cond.null_tokens, to_wire(empty.tokens))
    assert torch.equal(cond.null_mask, empty.mask)
    assert torch.equal(cond.null_pooled, to_wire(empty.pooled))


def test_negative_prompt_is_the_null_text_and_changes_the_output(local_stages, tiny):
    request = GenerationRequest(PROMPT, negative_prompt="red, blurry", **SMALL)
    plan = prepare(request, tiny).plan
    assert plan.negative_prompt == "red, blurry"
    cond = local_stages.encoder.encode(plan)
    negative = local_stages.encoder.encoder.encode(["red, blurry"])
    assert torch.equal(cond.null_tokens, to_wire(negative.tokens))
    assert torch.equal(cond.null_mask, negative.mask)
    assert torch.equal(cond.null_pooled, to_wire(negative.pooled))
    plain = prepare(GenerationRequest(PROMPT), tiny).plan
    assert torch.equal(cond.text_tokens, local_stages.encoder.encode(plain).text_tokens)
    unconditional = cond.unconditional()
    assert torch.equal(unconditional.text_pooled[1], cond.null_pooled[0])
    assert (
        run(local_stages, tiny, request).mp4
        != run(local_stages, tiny, GenerationRequest(PROMPT, **SMALL)).mp4
    )


def test_negative_prompt_longer_than_the_shots_pads_them_and_runs(local_stages, tiny):
    long_negative = "blurry, dark, noisy, distorted, low quality, watermark, text, " * 3
    request = GenerationRequest("a ball", negative_prompt=long_negative, **SMALL)
    plan = prepare(request, tiny).plan
    cond = local_stages.encoder.encode(plan)
    plain = local_stages.encoder.encode(prepare(GenerationRequest("a ball"), tiny).plan)
    shots = plain.text_mask.shape[1]
    assert cond.null_mask.shape[1] > shots
    assert cond.text_mask.shape == (1, cond.null_mask.shape[1])
    assert torch.equal(cond.text_tokens[:, :shots], plain.text_tokens)
    assert torch.equal(cond.text_mask[:, :shots], plain.text_mask)
    assert not cond.text_mask[:, shots:].any() and not cond.text_tokens[:, shots:].any()
    unconditional = cond.unconditional()
    assert torch.equal(unconditional.text_mask, cond.null_mask)  # nothing cut off
    assert run(local_stages, tiny, request).mp4[4:8] == b"ftyp"


@pytest.mark.parametrize(
    ("negative", "says"),
    [("x" * 5001, "5,001 characters"), ("no\x00null", "control character")],
)
def test_bad_negative_prompt_names_the_field(tiny, negative, says):
    with pytest.raises(ScriptError) as caught:
        prepare(GenerationRequest("a ball", negative_prompt=negative), tiny)
    assert caught.value.field == "negative_prompt" and says in caught.value.message


def test_draft_uses_the_presets_draft_steps_and_shift(tiny):
    options = prepare(GenerationRequest(PROMPT, draft=True), tiny).options
    assert options.steps == tiny.sampler.draft_steps < tiny.sampler.steps
    assert options.shift == tiny.sampler.draft_shift > tiny.sampler.shift
    assert options.guidance == tiny.sampler.guidance
    final = prepare(GenerationRequest(PROMPT), tiny).options
    assert (final.steps, final.shift) == (tiny.sampler.steps, tiny.sampler.shift)


def test_explicit_steps_override_the_draft_step_count(tiny):
    options = prepare(GenerationRequest(PROMPT, draft=True, steps=3), tiny).options
    assert options.steps == 3 and options.shift == tiny.sampler.draft_shift


def test_draft_request_runs_its_draft_steps(local_stages, tiny):
    events = []
    prepared = prepare(GenerationRequest(PROMPT, draft=True, seed=1, width=32, height=32), tiny)
    asyncio.run(generate(prepared.plan, prepared.options, local_stages, tiny, events.append))
    steps = [e.step for e in events if e.stage == "denoising"]
    assert steps == list(range(1, tiny.sampler.draft_steps + 1))


@pytest.mark.parametrize("threshold", [-0.1, 1.5, math.nan, math.inf])
def test_cache_threshold_out_of_range_names_the_field(tiny, threshold):
    with pytest.raises(ScriptError) as caught:
        prepare(GenerationRequest("a ball", cache_threshold=threshold), tiny)
    assert caught.value.field == "cache_threshold"


def test_cache_threshold_reaches_the_step_cache(local_stages, tiny):
    request = GenerationRequest(PROMPT, seed=2, steps=5, width=32, height=32, cache_threshold=1.0)
    assert prepare(request, tiny).options.cache_threshold == 1.0
    cached = run(local_stages, tiny, request)
    assert cached.steps_reused > 0
    assert run(local_stages, tiny, GenerationRequest(PROMPT, **SMALL)).steps_reused == 0


def test_sampler_defaults_reject_a_lagging_audio_and_prepare_passes_the_lead_on(tiny):
    from dataclasses import replace

    from reelflow.pipeline.model.presets import SamplerDefaults

    with pytest.raises(ValueError, match="audio_lead"):
        SamplerDefaults(audio_lead=0.9)
    leading = replace(tiny, sampler=SamplerDefaults(audio_lead=1.5))
    assert prepare(GenerationRequest("a ball"), leading).options.audio_lead == 1.5
    assert prepare(GenerationRequest("a ball"), tiny).options.audio_lead == 1.0


def test_the_preset_carries_a_checked_compute_dtype_and_guidance_interval(tiny):
    from dataclasses import replace

    from reelflow.pipeline.model.presets import SamplerDefaults

    assert tiny.compute_dtype == "bfloat16"
    with pytest.raises(ValueError, match="compute dtype"):
        replace(tiny, compute_dtype="int8")
    with pytest.raises(ValueError, match="guide_above"):
        SamplerDefaults(guide_above=-0.1)
    interval = replace(tiny, sampler=SamplerDefaults(guide_above=0.3))
    assert prepare(GenerationRequest("a ball"), interval).options.guide_above == 0.3
