"""Seeded networks and inputs at the tiny preset's widths, at sizes chosen so that the
sequence a rank set splits does not divide by the degree."""

from __future__ import annotations

import torch

from reelflow.pipeline.generation.conditioning import audio_to_frame_weights, frame_of_audio_token
from reelflow.pipeline.generation.stages import build_network
from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.model.weights import seeded_init

PRESET = get_preset("tiny")
C = PRESET.video_codec.channels
CA = PRESET.audio_codec.channels
DT = PRESET.spatial.text_dim
L = 6


def networks() -> dict:
    models = {}
    for seed, branch in enumerate(("spatial", "temporal", "audio")):
        models[branch] = build_network(PRESET, branch)
        seeded_init(models[branch], seed)
    return models


def _text(g, batch, *lead):
    tokens = torch.randn(batch, *lead, L, DT, generator=g)
    mask = torch.ones(batch, *lead, L, dtype=torch.bool)
    mask[..., -2:] = False
    return tokens, mask


def spatial(batch=2, h=6, w=10):  # 3 x 5 = 15 tokens per frame
    g = torch.Generator().manual_seed(1)
    tokens, mask = _text(g, batch)
    return dict(
        x=torch.randn(batch, C, h, w, generator=g),
        t=torch.linspace(0.2, 0.8, batch),
        text=tokens,
        text_mask=mask,
        pooled=torch.randn(batch, DT, generator=g),
        appearance=torch.randn(batch, 4, C * 4, generator=g),
        appearance_mask=torch.tensor([[True, True, True, False]]).expand(batch, 4),
        position=torch.linspace(0.0, 1.0, batch),
    )


def temporal(batch=2, frames=5, h=4, w=6, audio_tokens=13):
    g = torch.Generator().manual_seed(2)
    tokens, mask = _text(g, batch, frames)
    token_frames = frame_of_audio_token(audio_tokens, frames, hop=320, fps=8, sample_rate=16000)
    return dict(
        x=torch.randn(batch, frames, C, h, w, generator=g),
        keyframes=torch.randn(batch, frames, C, h, w, generator=g),
        audio=torch.randn(batch, audio_tokens, CA, generator=g),
        audio_to_frame=audio_to_frame_weights(token_frames, frames),
        t=torch.linspace(0.3, 0.6, batch),
        text=tokens,
        text_mask=mask,
        pooled=torch.randn(batch, frames, DT, generator=g),
    )


def audio(batch=2, frames=5, audio_tokens=13):
    g = torch.Generator().manual_seed(3)
    tokens, mask = _text(g, batch)
    return dict(
        x=torch.randn(batch, audio_tokens, CA, generator=g),
        video=torch.randn(batch, frames, C, 4, 6, generator=g),
        frame_of_token=frame_of_audio_token(audio_tokens, frames, 320, 8, 16000),
        t=torch.linspace(0.1, 0.4, batch),
        text=tokens,
        text_mask=mask,
        pooled=torch.randn(batch, audio_tokens, DT, generator=g),
    )


INPUTS = {"spatial": spatial, "temporal": temporal, "audio": audio}
