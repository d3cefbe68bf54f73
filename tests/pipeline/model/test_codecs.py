import math

import pytest
import torch

from reelflow.pipeline.model.codecs import (
    AudioCodec,
    AudioCodecConfig,
    VideoCodec,
    VideoCodecConfig,
)


def test_video_codec_is_lossless_when_keeping_every_frequency():
    codec = VideoCodec(VideoCodecConfig(patch=4, keep=4))
    video = torch.rand(3, 3, 16, 24, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert torch.allclose(codec.decode(codec.encode(video)), video, atol=1e-5)


def test_video_codec_shapes_and_projection():
    codec = VideoCodec(VideoCodecConfig())
    video = (
        torch.rand(2, 3, 32, 64, generator=torch.Generator().manual_seed(1)) - 0.5
    )  # no clamping
    latent = codec.encode(video)
    assert latent.shape == codec.latent_shape(2, 32, 64) == (2, 12, 8, 16)
    # decode(encode(.)) is a projection: applying it twice changes nothing more
    once = codec.decode(latent)
    assert torch.allclose(codec.decode(codec.encode(once)), once, atol=1e-5)
    # a flat colour survives exactly (it lives in the DC coefficient)
    flat = torch.full((1, 3, 8, 8), 0.25)
    assert torch.allclose(codec.decode(codec.encode(flat)), flat, atol=1e-6)


def test_audio_codec_is_lossless_with_all_bins():
    codec = AudioCodec(AudioCodecConfig(hop=160, bins=160))
    audio = torch.rand(4000, generator=torch.Generator().manual_seed(2)) * 2 - 1
    assert torch.allclose(codec.decode(codec.encode(audio), 4000), audio, atol=1e-5)


def test_audio_codec_keeps_tones_below_its_cutoff_and_drops_those_above():
    codec = AudioCodec(AudioCodecConfig(hop=320, bins=80))  # 0-4 kHz at 16 kHz
    t = torch.arange(16000) / 16000
    low = 0.5 * torch.sin(2 * math.pi * 440 * t)
    high = 0.5 * torch.sin(2 * math.pi * 6000 * t)
    latent = codec.encode(low)
    assert latent.shape == (codec.latent_frames(16000), 80) == (51, 80)
    assert (codec.decode(latent, 16000) - low)[400:-400].abs().max() < 0.01
    # a truncated MDCT is not a brick-wall filter, but leaks only a few percent of the energy
    leaked = codec.decode(codec.encode(high), 16000)
    assert leaked.pow(2).mean().sqrt() < 0.05 * high.pow(2).mean().sqrt()


def test_codec_configs_reject_impossible_settings():
    with pytest.raises(ValueError, match="keep"):
        VideoCodecConfig(patch=4, keep=5)
    with pytest.raises(ValueError, match="bins"):
        AudioCodecConfig(hop=100, bins=200)
