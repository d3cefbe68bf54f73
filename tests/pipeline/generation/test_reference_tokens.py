"""References become tokens for the branches, and first/last-frame images pin frames."""

import asyncio
from fractions import Fraction

import av
import numpy as np
import torch

from reelflow.pipeline.generation.reference_tokens import encode_references, token_dims
from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import generate
from reelflow.pipeline.script.plan import Reference


def png_bytes(pixels: np.ndarray) -> bytes:
    context = av.CodecContext.create("png", "w")
    context.width, context.height, context.pix_fmt = pixels.shape[1], pixels.shape[0], "rgb24"
    context.time_base = Fraction(1, 25)
    frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
    return b"".join(bytes(p) for p in context.encode(frame) + context.encode(None))


def with_refs(plan, *refs):
    return type(plan)(**{**plan.__dict__, "references": refs})


def test_each_kind_becomes_tokens_of_its_own_size(local_stages, tiny):
    plan = prepare(GenerationRequest("a ball", duration_s=1.0), tiny).plan
    rng = np.random.default_rng(0)
    plan = with_refs(
        plan,
        Reference("image1", "image", "appearance", rng.integers(0, 255, (80, 100, 3), np.uint8)),
        Reference("video1", "video", "motion", rng.integers(0, 255, (6, 40, 40, 3), np.uint8)),
        Reference("audio1", "audio", None, rng.uniform(-1, 1, 16000).astype(np.float32)),
    )
    codec = local_stages.encoder.video_codec
    tokens, dims = encode_references(plan, tiny, codec), token_dims(tiny)
    assert tokens.appearance.shape == (64, dims.appearance)  # 64x64 px -> 8x8 patches
    assert tokens.motion.shape == (6, dims.motion)  # one per reference frame
    assert tokens.sound.shape == (51 // 4, dims.sound)  # 80 ms per token
    assert tokens.first_frame.numel() == 0 and tokens.last_frame.numel() == 0


def test_references_change_the_branch_outputs(local_stages, tiny):
    plan = prepare(GenerationRequest("a ball", duration_s=1.0, seed=1), tiny).plan
    image = np.zeros((64, 64, 3), np.uint8)
    image[16:48, 16:48] = (255, 0, 0)
    plain = local_stages.encoder.encode(plan)
    referenced = local_stages.encoder.encode(
        with_refs(plan, Reference("image1", "image", None, image))
    )
    x = torch.randn(1, tiny.video_codec.channels, 16, 16).half()
    a = local_stages.spatial.velocity(x.repeat(8, 1, 1, 1), 0.5, plain, 1.0)
    b = local_stages.spatial.velocity(x.repeat(8, 1, 1, 1), 0.5, referenced, 1.0)
    assert not torch.equal(a, b)


def test_first_and_last_frame_references_pin_those_frames(local_stages, tiny):
    red, blue = np.zeros((64, 64, 3), np.uint8), np.zeros((64, 64, 3), np.uint8)
    red[..., 0], blue[..., 2] = 220, 220
    request = GenerationRequest(
        "@image1 as first frame, then @image2 as last frame",
        duration_s=1.0,
        seed=3,
        steps=2,
        references={"image1": png_bytes(red), "image2": png_bytes(blue)},
    )
    prepared = prepare(request, tiny)
    states = []

    async def keep(state):
        states.append(state)

    asyncio.run(generate(prepared.plan, prepared.options, local_stages, tiny, on_step=keep))
    final = states[-1].xv.float()
    cond = local_stages.encoder.encode(prepared.plan)
    # pinned in latent space, whatever the (random) weights: the codec's latents of the images
    assert torch.allclose(final[0], cond.first_frame.float(), atol=1e-2)
    assert torch.allclose(final[-1], cond.last_frame.float(), atol=1e-2)
    assert not torch.allclose(cond.first_frame.float(), cond.last_frame.float(), atol=0.1)
    assert not torch.allclose(final[1], cond.first_frame.float(), atol=0.1)
