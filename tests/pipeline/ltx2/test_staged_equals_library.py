"""The split is right: for the same prompt, seed, steps and guidance, reelflow's staged LTX-2
run (encode, noise, one velocity call per step, the library's scheduler step, decode) gives the
video and audio that diffusers' own LTX2Pipeline gives, on a tiny snapshot built here."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace

import av
import numpy as np
import pytest
import torch
from PIL import Image

from reelflow.pipeline.ltx2.generate import generate_ltx2
from reelflow.pipeline.ltx2.mp4 import to_mp4
from reelflow.pipeline.ltx2.request import LTX2Request
from reelflow.pipeline.ltx2.snapshot import open_snapshot
from reelflow.pipeline.ltx2.stages import LTX2Guidance, LTX2Stages
from tests.pipeline.ltx2.tiny_snapshot import save_tiny_snapshot

PROMPT = "a red ball bounces left at night"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    return save_tiny_snapshot(tmp_path_factory.mktemp("ltx2") / "tiny-ltx2")


def settings(request: LTX2Request) -> dict:
    """The library pipelines' arguments for the same request."""
    g = request.guidance
    return {
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt,
        "height": request.height,
        "width": request.width,
        "num_frames": request.num_frames,
        "frame_rate": request.frame_rate,
        "num_inference_steps": request.steps,
        "guidance_scale": g.video,
        "audio_guidance_scale": g.audio,
        "stg_scale": g.stg,
        "audio_stg_scale": g.audio_stg,
        "spatio_temporal_guidance_blocks": list(g.stg_blocks),
        "modality_scale": g.modality,
        "audio_modality_scale": g.audio_modality,
        "guidance_rescale": g.video_rescale,
        "audio_guidance_rescale": g.audio_rescale,
        "use_cross_timestep": g.cross_timestep,
        "generator": torch.Generator().manual_seed(request.seed),
        "max_sequence_length": request.max_sequence_length,
        "output_type": "pt",
    }


def library(pipe, request: LTX2Request):
    """LTX2Pipeline called directly with the same settings."""
    out = pipe(**settings(request))
    return out.frames[0], out.audio[0]


DEFAULTS = LTX2Guidance(stg_blocks=(1,))  # the library's defaults; the tiny model has 2 blocks
OFF = {"stg": 0.0, "audio_stg": 0.0, "modality": 1.0, "audio_modality": 1.0}


@pytest.mark.parametrize(
    ("dtype", "guidance"),
    [
        ("float32", DEFAULTS),  # CFG, STG, modality isolation and rescale, on both streams
        ("bfloat16", DEFAULTS),
        ("float32", replace(DEFAULTS, **OFF, video_rescale=0.0, audio_rescale=0.0)),  # CFG only
        ("float32", replace(DEFAULTS, video=1.0, audio=1.0, modality=2.0, audio_modality=1.0)),
        ("float32", LTX2Guidance(video=1.0, audio=1.0, **OFF, cross_timestep=False)),  # unguided
        ("float32", replace(DEFAULTS, video=1.0, stg=0.0)),  # audio guided alone
    ],
)
def test_the_staged_run_equals_the_library_pipeline(snapshot, dtype, guidance):
    """Equal to the bit: the same calls in the same order (tolerance 0, in bf16 too)."""
    pipe = open_snapshot(snapshot, dtype)
    request = LTX2Request(
        PROMPT,
        seed=7,
        steps=3,
        height=32,
        width=32,
        num_frames=9,
        guidance=guidance,
        max_sequence_length=16,
        negative_prompt="blurry",
    )
    frames, audio = library(pipe, request)
    staged = asyncio.run(generate_ltx2(LTX2Stages(pipe), request))
    assert staged.frames.shape == frames.shape == (9, 3, 32, 32)
    assert staged.audio.shape == audio.shape
    assert torch.equal(staged.frames, frames.float())
    assert torch.equal(staged.audio, audio.float())
    other = asyncio.run(generate_ltx2(LTX2Stages(pipe), replace(request, seed=8)))
    assert (other.frames - frames.float()).abs().max() > 1e-3  # the comparison can fail


def test_a_staged_clip_muxes_to_h264_and_aac(snapshot):
    pipe = open_snapshot(snapshot, "float32")
    request = LTX2Request(
        PROMPT, seed=1, steps=2, height=32, width=32, num_frames=9, max_sequence_length=16
    )
    mp4 = to_mp4(asyncio.run(generate_ltx2(LTX2Stages(pipe), request)), request.frame_rate)
    with av.open(io.BytesIO(mp4)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert sum(1 for _ in container.decode(video=0)) == 9


def first_frame() -> np.ndarray:
    """A 40 x 48 image (resized to the clip's size by the library's processor)."""
    y, x = np.mgrid[0:40, 0:48]
    return np.stack([x * 5, y * 6, (x + y) * 3], axis=-1).astype(np.uint8)


def library_from_image(pipe, request: LTX2Request):
    """LTX2ImageToVideoPipeline over the same components, called directly."""
    from diffusers import LTX2ImageToVideoPipeline

    image = Image.fromarray(request.first_frame)
    out = LTX2ImageToVideoPipeline(**pipe.components)(image=image, **settings(request))
    return out.frames[0], out.audio[0]


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_a_first_frame_run_equals_the_image_to_video_pipeline(snapshot, dtype):
    """The first latent frame held at the image's, to the bit (the library's defaults)."""
    pipe = open_snapshot(snapshot, dtype)
    request = LTX2Request(
        PROMPT,
        seed=5,
        steps=3,
        height=32,
        width=32,
        num_frames=9,
        guidance=DEFAULTS,
        max_sequence_length=16,
        first_frame=first_frame(),
    )
    frames, audio = library_from_image(pipe, request)
    staged = asyncio.run(generate_ltx2(LTX2Stages(pipe), request))
    assert staged.frames.shape == frames.shape == (9, 3, 32, 32)
    assert torch.equal(staged.frames, frames.float())
    assert torch.equal(staged.audio, audio.float())
    plain = asyncio.run(generate_ltx2(LTX2Stages(pipe), replace(request, first_frame=None)))
    assert (plain.frames - frames.float()).abs().max() > 1e-3  # the image changed the clip
