"""Edits with the shipped checkpoint, judged by the synthetic world's evaluator and relative to
the model's own fresh generations (never to absolute quality): the seam of an extension moves
no more than the source itself does, remix moves toward the new prompt as strength rises, and
a retaken span follows a changed colour as often as a fresh generation of that prompt does."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from reelflow.lab.toyworld.measure_video import _hue, classify_colour, measure_video
from reelflow.lab.toyworld.spec import COLOURS, ClipSpec, ShotSpec
from reelflow.lab.toyworld.wording.prompts import prompt_text
from reelflow.pipeline.editing.edits import EditSpec
from reelflow.pipeline.generation.embedded import LocalStages
from reelflow.pipeline.generation.mux import decode_mp4
from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import generate
from reelflow.pipeline.model.weights import DEFAULT_CHECKPOINT
from tests.pipeline.editing.edit_helpers import edit, make_source

STEPS = 8


@pytest.fixture(scope="module")
def trained(tiny):
    stages = LocalStages(tiny, DEFAULT_CHECKPOINT)
    assert stages.trained
    return stages


def spec(colour: str, seconds: float, action: str = "still") -> ClipSpec:
    shots = (ShotSpec(0, seconds, framing="close-up"),)
    return ClipSpec("circle", colour, action, "hum", shots, seed=1, fps=8)


def colours(mp4: bytes, clip: ClipSpec) -> list[str]:
    measured = measure_video(decode_mp4(mp4).frames, clip)
    return [
        classify_colour(c) if p else "-"
        for c, p in zip(measured.colour, measured.present, strict=True)
    ]


def hue_distance(mp4: bytes, clip: ClipSpec) -> float:
    """Mean angle between each frame's subject hue and the spec's colour (180 if absent)."""
    target = _hue(np.array(COLOURS[clip.colour], float))
    measured = measure_video(decode_mp4(mp4).frames, clip)
    return float(
        np.mean(
            [
                abs((_hue(c) - target + 180) % 360 - 180) if p else 180.0
                for c, p in zip(measured.colour, measured.present, strict=True)
            ]
        )
    )


def test_the_seam_of_an_extension_moves_no_more_than_the_source(trained, tiny):
    clip = spec("blue", 2.0)
    source, latents = make_source(trained, tiny, prompt_text(clip), 2.0, seed=0, steps=STEPS)
    out = edit(trained, tiny, latents, EditSpec("extend", seconds=1.0), steps=STEPS)
    frames = decode_mp4(out.mp4).frames.astype(np.float64)
    assert len(frames) == 24
    original = decode_mp4(source.mp4).frames.astype(np.float64)
    assert np.abs(frames[:16] - original).mean() < 2.0  # the first part is the source
    steps = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))  # (23,) frame to frame
    # within the source's own range, with slack for its frame-to-frame jitter (a broken seam,
    # the new frames feathered into missing source latents, measured ~10x this)
    assert steps[15] <= 1.5 * steps[:15].max(), (steps[15], steps[:15])


def test_remix_moves_toward_the_new_prompt_as_strength_rises(trained, tiny):
    _, latents = make_source(trained, tiny, prompt_text(spec("red", 2.0)), 2.0, 0, STEPS)
    target = spec("blue", 2.0)
    distances = [
        hue_distance(
            edit(trained, tiny, latents, EditSpec("remix", strength=s), prompt_text(target),
                 seed=0, steps=STEPS).mp4,
            target,
        )
        for s in (0.0, 0.6, 1.0)
    ]  # fmt: skip
    assert distances[0] > distances[1] > distances[2], distances


CHANGES = [("red", "blue"), ("blue", "green"), ("green", "red")]


def test_a_retaken_span_follows_a_colour_change_as_often_as_a_fresh_clip(trained, tiny):
    """The span is the clip's opening 2 s of 3: its keyframe comes from the new text, as a fresh
    clip's does. (A span in the middle of a shot does not follow a colour change with this
    checkpoint: the world never recolours a subject mid-clip, so the kept frames either side
    win; see the issue's closing note.)"""
    edited = fresh = 0
    for old, new in CHANGES:
        _, latents = make_source(trained, tiny, prompt_text(spec(old, 3.0)), 3.0, 0, STEPS)
        prompt = prompt_text(spec(new, 2.0))
        out = edit(trained, tiny, latents, EditSpec("retake", end_s=2.0), prompt, 0, STEPS)
        span = colours(out.mp4, spec(new, 3.0))[:14]  # the feathered last 2 frames blend
        edited += span.count(new) > len(span) / 2
        kept = colours(out.mp4, spec(old, 3.0))[16:]
        assert kept.count(old) == len(kept)  # the rest is still the source
        request = prepare(GenerationRequest(prompt, duration_s=2.0, seed=0, steps=STEPS), tiny)
        clip = asyncio.run(generate(request.plan, request.options, trained, tiny)).mp4
        looks = colours(clip, spec(new, 2.0))
        fresh += looks.count(new) > len(looks) / 2
    assert edited >= fresh, (edited, fresh)
