"""The learned video codec's contract: shapes, standardisation, chunked decoding, config checks."""

import pytest
import torch

from reelflow.pipeline.model.video_autoencoder import VideoCodec, VideoCodecConfig, edge_loss
from reelflow.pipeline.model.weights import seeded_init


@pytest.fixture(scope="module")
def codec() -> VideoCodec:
    model = VideoCodec(VideoCodecConfig()).eval()
    seeded_init(model, 0)
    model.shift.copy_(torch.linspace(-1, 1, model.config.channels))
    model.scale.copy_(torch.linspace(0.5, 2, model.config.channels))
    return model


def _frames(n: int, height: int = 64, width: int = 48) -> torch.Tensor:
    return torch.rand(n, 3, height, width, generator=torch.Generator().manual_seed(n)) * 2 - 1


@torch.no_grad()
def test_shapes_follow_the_config(codec):
    video = _frames(3)
    latent = codec.encode(video)
    assert latent.shape == codec.config.latent_shape(3, 64, 48) == (3, 8, 16, 12)
    decoded = codec.decode(latent)
    assert decoded.shape == video.shape
    assert decoded.abs().max() <= 1.0
    assert VideoCodecConfig(widths=(8, 8, 8, 8), groups=8).patch == 8


@torch.no_grad()
def test_latents_are_standardised_and_decode_undoes_it(codec):
    video = _frames(2)
    raw = codec.raw_encode(video)
    expected = (raw - codec.shift[:, None, None]) / codec.scale[:, None, None]
    assert torch.allclose(codec.encode(video), expected)
    # raw latents reach ~36 here: undoing the standardisation rounds at float32's 4e-6 of them,
    # which the decoder carries through (1.7e-5 measured on this CPU); a wrong shift or scale
    # is off by tenths
    assert torch.allclose(codec.decode(expected), codec.raw_decode(raw).clamp(-1, 1), atol=1e-4)


@torch.no_grad()
def test_decoding_in_chunks_equals_decoding_at_once(codec):
    latent = codec.encode(_frames(5))
    assert torch.allclose(codec.decode(latent, batch=2), codec.decode(latent, batch=32), atol=1e-4)


def test_edge_loss_sees_edges_a_pixel_loss_would_average_away():
    flat = torch.zeros(1, 3, 8, 8)
    stripes = flat.clone()
    stripes[..., ::2] = 0.5
    stripes[..., 1::2] = -0.5  # same mean as `flat`
    assert edge_loss(flat, flat) == 0
    assert edge_loss(stripes, flat) > 0.9


def test_config_rejects_impossible_settings():
    with pytest.raises(ValueError, match="latent channel"):
        VideoCodecConfig(channels=0)
    with pytest.raises(ValueError, match="groups"):
        VideoCodecConfig(widths=(30, 64), groups=8)
