"""Shapes and seeded determinism of the three networks at tiny sizes."""

import pytest
import torch

from reelflow.pipeline.generation.conditioning import audio_to_frame_weights, frame_of_audio_token
from reelflow.pipeline.model.audio_flow import AudioFlow
from reelflow.pipeline.model.presets import NetworkConfig
from reelflow.pipeline.model.spatial_dit import SpatialDiT
from reelflow.pipeline.model.temporal_rayflow import TemporalRayFlow
from reelflow.pipeline.model.weights import seeded_init

CONFIG = NetworkConfig(dim=32, depth=2, heads=2, text_dim=24)
C, CA, L = 12, 20, 5


def text(batch, *lead):
    g = torch.Generator().manual_seed(5)
    tokens = torch.randn(batch, *lead, L, 24, generator=g)
    mask = torch.ones(batch, *lead, L, dtype=torch.bool)
    mask[..., -2:] = False
    return tokens, mask, torch.randn(batch, *lead, 24, generator=g)


def build(cls, *args, seed=0):
    model = cls(CONFIG, *args).eval()
    seeded_init(model, seed)
    return model


def spatial_inputs(batch=3, h=8, w=12):
    tokens, mask, pooled = text(batch)
    x = torch.randn(batch, C, h, w, generator=torch.Generator().manual_seed(1))
    return dict(x=x, t=torch.linspace(0.1, 0.9, batch), text=tokens, text_mask=mask, pooled=pooled)


def temporal_inputs(frames=5, h=4, w=8, audio_tokens=13):
    g = torch.Generator().manual_seed(2)
    tokens, mask, pooled = text(1, frames)
    token_frames = frame_of_audio_token(audio_tokens, frames, hop=320, fps=8, sample_rate=16000)
    return dict(
        x=torch.randn(1, frames, C, h, w, generator=g),
        keyframes=torch.randn(1, frames, C, h, w, generator=g),
        audio=torch.randn(1, audio_tokens, CA, generator=g),
        audio_to_frame=audio_to_frame_weights(token_frames, frames),
        t=torch.tensor([0.5]),
        text=tokens,
        text_mask=mask,
        pooled=pooled,
    )


def audio_inputs(frames=5, audio_tokens=13):
    g = torch.Generator().manual_seed(3)
    tokens, mask, _ = text(1)
    return dict(
        x=torch.randn(1, audio_tokens, CA, generator=g),
        video=torch.randn(1, frames, C, 4, 8, generator=g),
        frame_of_token=frame_of_audio_token(audio_tokens, frames, 320, 8, 16000),
        t=torch.tensor([0.3]),
        text=tokens,
        text_mask=mask,
        pooled=torch.randn(1, audio_tokens, 24, generator=g),
    )


CASES = [
    (SpatialDiT, (C,), spatial_inputs, (3, C, 8, 12)),
    (TemporalRayFlow, (C, CA), temporal_inputs, (1, 5, C, 4, 8)),
    (AudioFlow, (CA, C), audio_inputs, (1, 13, CA)),
]


@pytest.mark.parametrize(("cls", "args", "inputs", "shape"), CASES)
def test_shapes_and_seeded_determinism(cls, args, inputs, shape):
    with torch.inference_mode():
        a = build(cls, *args, seed=0)(**inputs())
        b = build(cls, *args, seed=0)(**inputs())
        c = build(cls, *args, seed=1)(**inputs())
    assert a.shape == shape
    assert torch.isfinite(a).all() and a.abs().mean() > 0
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


@pytest.mark.parametrize(("cls", "args", "inputs", "shape"), CASES)
def test_fresh_networks_start_at_zero_velocity(cls, args, inputs, shape):
    # adaLN-Zero: the final projection starts at zero, so training starts from the identity
    with torch.inference_mode():
        assert torch.count_nonzero(cls(CONFIG, *args)(**inputs())) == 0


def test_text_changes_the_spatial_output_and_masked_tokens_do_not():
    model = build(SpatialDiT, C)
    inputs = spatial_inputs()
    with torch.inference_mode():
        base = model(**inputs)
        padded = dict(inputs, text=inputs["text"].clone())
        padded["text"][:, -2:] = 100.0  # masked-out positions
        other = dict(inputs, text=inputs["text"] + 1.0)
        assert torch.allclose(model(**padded), base, atol=1e-5)
        assert not torch.allclose(model(**other), base, atol=1e-3)


def test_spatial_branch_reads_where_its_frame_sits_in_the_clip():
    """A trained DiT draws a frame of a "grows" shot by its place in the clip; a fresh one (and
    a trained one that gains the input) is unchanged by it until trained."""
    inputs = spatial_inputs()
    start, end = torch.zeros(3), torch.ones(3)
    with torch.inference_mode():
        model = build(SpatialDiT, C)
        assert not torch.allclose(
            model(**inputs, position=start), model(**inputs, position=end), atol=1e-3
        )
        assert torch.equal(model(**inputs), model(**inputs, position=start))  # None means 0
        torch.nn.init.zeros_(model.position.mlp[2].weight)  # as a fresh embedder starts
        torch.nn.init.zeros_(model.position.mlp[2].bias)
        assert torch.equal(model(**inputs, position=start), model(**inputs, position=end))


def test_audio_branch_sees_the_video_of_its_own_frame():
    model = build(AudioFlow, CA, C)
    inputs = audio_inputs()
    with torch.inference_mode():
        base = model(**inputs)
        changed = inputs["video"].clone()
        changed[:, -1] += 1.0  # only the last frame changes
        out = model(**dict(inputs, video=changed))
    moved = (out - base).abs().sum(-1)[0] > 1e-5
    last = inputs["frame_of_token"] == 4
    assert moved[last].all() and not moved[~last].any()


def test_temporal_branch_mixes_information_across_frames():
    model = build(TemporalRayFlow, C, CA)
    inputs = temporal_inputs()
    with torch.inference_mode():
        base = model(**inputs)
        changed = inputs["x"].clone()
        changed[:, 0] += 1.0
        out = model(**dict(inputs, x=changed))
    assert ((out - base)[:, -1].abs() > 1e-5).any()  # the last frame felt the first


def test_network_config_rejects_bad_head_split():
    with pytest.raises(ValueError, match="heads"):
        NetworkConfig(dim=30, depth=1, heads=4)
