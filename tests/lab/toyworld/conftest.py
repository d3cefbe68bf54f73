"""A fixed set of ground-truth clips, encoded to MP4 and evaluated once per test session."""

from __future__ import annotations

import numpy as np
import pytest

from reelflow.lab.toyworld.evaluate import Scores, evaluate_mp4
from reelflow.lab.toyworld.world import Clip, make_dataset
from reelflow.pipeline.generation.mux import encode_mp4


@pytest.fixture(scope="session")
def clips() -> list[Clip]:
    # 16 held-in + 8 held-out clips: every subject, action and audio class shows up
    return [*make_dataset(16, seed=11), *make_dataset(8, seed=12, split="heldout")]


@pytest.fixture(scope="session")
def truth_scores(clips: list[Clip]) -> list[Scores]:
    return [
        evaluate_mp4(encode_mp4(c.frames, c.audio, c.fps, c.sample_rate), c.spec, f"{i:04d}")
        for i, c in enumerate(clips)
    ]


@pytest.fixture(scope="session")
def noise_scores(clips: list[Clip]) -> list[Scores]:
    rng = np.random.default_rng(0)
    out = []
    for c in clips:
        frames = rng.integers(0, 256, c.frames.shape, dtype=np.uint8)
        audio = rng.uniform(-1, 1, c.audio.shape).astype(np.float32)
        out.append(evaluate_mp4(encode_mp4(frames, audio, c.fps, c.sample_rate), c.spec))
    return out
