"""The speed work: prompt-embedding cache, draft mode, step caching, the audio branch's
per-frame key/value projection, and the production presets' geometry."""

import asyncio
from dataclasses import replace

import numpy as np
import pytest
import torch
from einops import rearrange

from reelflow.pipeline.generation.conditioning import frame_of_audio_token
from reelflow.pipeline.generation.mux import decode_mp4
from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import GenerationOptions, generate
from reelflow.pipeline.model.audio_flow import AudioFlow
from reelflow.pipeline.model.layers import grid_positions, sinusoidal
from reelflow.pipeline.model.presets import PRESETS, NetworkConfig, get_preset
from reelflow.pipeline.model.weights import seeded_init

PROMPT = "[0-1s] a red ball bouncing, a beep [1-2s] wide shot, quiet hum"


def run(stages, preset, request, **changes):
    prepared = prepare(request, preset)
    options = replace(prepared.options, **changes)
    return asyncio.run(generate(prepared.plan, options, stages, preset))


def test_prompt_cache_hit_returns_identical_conditioning(local_stages, tiny):
    encoder = local_stages.encoder
    plan = prepare(GenerationRequest(PROMPT), tiny).plan
    encoder._cache.clear()
    misses = encoder.misses
    first = encoder.encode(plan)
    hits = encoder.hits
    second = encoder.encode(plan)
    assert encoder.hits == hits + 1 and encoder.misses == misses + 1
    for name in ("text_tokens", "text_mask", "text_pooled", "shot_of_frame", "appearance"):
        assert torch.equal(getattr(first, name), getattr(second, name))
    first.text_mask[0, 0] = not bool(first.text_mask[0, 0])  # a caller mutating its copy
    assert not torch.equal(first.text_mask, encoder.encode(plan).text_mask)


def test_prompt_cache_is_bounded_lru(local_stages, tiny):
    encoder = local_stages.encoder
    size = encoder.cache_size
    encoder.cache_size = 2
    try:
        encoder._cache.clear()
        for text in ("a", "b", "a", "c"):
            encoder.text((text,))
        assert list(encoder._cache) == [("a",), ("c",)]
    finally:
        encoder.cache_size = size
        encoder._cache.clear()


def test_draft_preset_is_the_same_networks_with_fewer_shifted_steps(tiny):
    draft = get_preset("tiny-draft")
    assert draft.spatial == tiny.spatial and draft.temporal == tiny.temporal
    assert draft.audio == tiny.audio
    assert draft.sampler.steps < tiny.sampler.steps and draft.sampler.shift > 1.0


def test_draft_mode_runs_and_is_deterministic(local_stages):
    draft = get_preset("tiny-draft")
    request = GenerationRequest(PROMPT, seed=3, width=32, height=32)
    a, b = (decode_mp4(run(local_stages, draft, request).mp4) for _ in range(2))
    assert a.frames.shape == (16, 32, 32, 3)
    assert np.array_equal(a.frames, b.frames) and np.array_equal(a.audio, b.audio)


def test_step_cache_off_is_the_uncached_loop(local_stages, tiny):
    request = GenerationRequest(PROMPT, seed=2, steps=4, width=32, height=32)
    plain = run(local_stages, tiny, request)
    off = run(local_stages, tiny, request, cache_threshold=0.0)
    assert plain.mp4 == off.mp4 and off.steps_reused == 0


def test_step_cache_reuses_steps_deterministically_and_keeps_first_and_last(local_stages, tiny):
    request = GenerationRequest(PROMPT, seed=2, steps=5, width=32, height=32)
    a = run(local_stages, tiny, request, cache_threshold=1e9, refine_weight=0.0)
    b = run(local_stages, tiny, request, cache_threshold=1e9, refine_weight=0.0)
    assert a.mp4 == b.mp4
    assert a.steps_reused == 5 - 2  # everything but the first and the last step
    assert a.mp4 != run(local_stages, tiny, request).mp4


def test_negative_cache_threshold_is_rejected():
    with pytest.raises(ValueError, match="cache_threshold"):
        GenerationOptions(1, 2, 1.0, 1.0, 0.3, 0.3, cache_threshold=-0.1)


def previous_audio_forward(self, x, video, frame_of_token, t, text, text_mask, pooled):
    """AudioFlow.forward as it was: each audio token attends to its own copy of its frame."""
    p, d = self.config.patch, self.config.dim
    b, tokens_a, _ = x.shape
    h, w = video.shape[-2:]
    tokens = self.embed(x) + sinusoidal(torch.arange(tokens_a).float(), d)
    seen = rearrange(video, "b t c (h p) (w q) -> b t (h w) (c p q)", p=p, q=p)
    seen = self.video(seen) + grid_positions(h // p, w // p, d)
    seen = rearrange(seen[:, frame_of_token], "b a n d -> (b a) n d")
    cond = self.time(t)[:, None, :] + self.pooled(pooled)
    text, text_mask = self.context(text, text_mask, {"sound": None})
    for block, norm, watch in zip(self.blocks, self.norms, self.watch, strict=True):
        tokens = block(tokens, cond, text, text_mask)
        query = rearrange(norm(tokens), "b a d -> (b a) 1 d")
        tokens = tokens + rearrange(watch(query, seen), "(b a) 1 d -> b a d", b=b)
    return self.final(tokens, cond)


def test_audio_branch_per_frame_keys_values_match_the_per_token_copies():
    model = AudioFlow(NetworkConfig(dim=32, depth=2, heads=2, text_dim=24), 20, 12).eval()
    seeded_init(model, 0)
    g = torch.Generator().manual_seed(3)
    frames, tokens_a, batch = 5, 13, 2
    inputs = dict(
        x=torch.randn(batch, tokens_a, 20, generator=g),
        video=torch.randn(batch, frames, 12, 4, 8, generator=g),
        frame_of_token=frame_of_audio_token(tokens_a, frames, 320, 8, 16000),
        t=torch.tensor([0.3, 0.7]),
        text=torch.randn(batch, 5, 24, generator=g),
        text_mask=torch.ones(batch, 5, dtype=torch.bool),
        pooled=torch.randn(batch, tokens_a, 24, generator=g),
    )
    with torch.inference_mode():
        torch.testing.assert_close(
            model(**inputs), previous_audio_forward(model, **inputs), rtol=0, atol=1e-6
        )


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_tiles_into_every_networks_patch(name):
    preset = PRESETS[name]
    for network in (preset.spatial, preset.temporal, preset.audio):
        for side in (preset.width, preset.height):
            assert (side // preset.video_codec.patch) % network.patch == 0


def test_2k_preset_is_2048_by_1080():
    preset = get_preset("2k")
    assert (preset.width, preset.height) == (2048, 1080)
