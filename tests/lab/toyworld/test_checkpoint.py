"""The shipped checkpoint: it loads into every branch and its output follows the prompt."""

import asyncio

import numpy as np
import pytest

from reelflow.lab.toyworld.evaluate import evaluate_mp4
from reelflow.lab.toyworld.spec import ClipSpec, ShotSpec
from reelflow.lab.toyworld.wording.prompts import prompt_text
from reelflow.pipeline.generation.embedded import LocalStages
from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import generate
from reelflow.pipeline.model.weights import DEFAULT_CHECKPOINT


@pytest.fixture(scope="module")
def trained(tiny):
    assert DEFAULT_CHECKPOINT.is_file(), "the checkpoint ships with the repository"
    stages = LocalStages(tiny, DEFAULT_CHECKPOINT)
    assert stages.trained
    return stages


def test_the_checkpoint_is_small_fp16_and_complete(trained):
    assert DEFAULT_CHECKPOINT.stat().st_size <= 30 * 1024 * 1024


@pytest.mark.parametrize("colour", ["red", "blue"])
def test_a_coloured_circle_comes_out_in_that_colour(trained, tiny, colour):
    spec = ClipSpec(
        subject="circle",
        colour=colour,
        action="still",
        audio="hum",
        shots=(ShotSpec(0, 2, framing="close-up"),),
        seed=1,
        fps=8,
    )
    request = GenerationRequest(prompt_text(spec), duration_s=2.0, fps=8, seed=0, steps=12)
    prepared = prepare(request, tiny)
    mp4 = asyncio.run(generate(prepared.plan, prepared.options, trained, tiny)).mp4
    scores = evaluate_mp4(mp4, spec)
    assert scores.colour == colour, (scores.colour, request.prompt)


def test_the_shipped_codec_keeps_what_the_evaluator_reads(trained):
    """decode(encode(render)) of held-out clips: sharp (PSNR) and measured as rendered."""
    from reelflow.lab.toyworld.world import make_dataset
    from reelflow.lab.training.codec import round_trip
    from reelflow.pipeline.generation.mux import encode_mp4

    codec = trained.muxer.video_codec
    for clip in make_dataset(4, seed=5, split="heldout", fps=8):
        after = round_trip(codec, clip.frames)
        mse = ((after.astype(float) - clip.frames) ** 2).mean()
        assert 10 * np.log10(255**2 / mse) > 33
        scores = evaluate_mp4(encode_mp4(after, clip.audio, 8, clip.sample_rate), clip.spec)
        assert scores.colour_ok and scores.motion_ok and scores.framing_ok, scores
