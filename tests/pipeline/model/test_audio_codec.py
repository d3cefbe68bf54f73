import math

import pytest
import torch

from reelflow.pipeline.model.audio_codec import AudioCodec, AudioCodecConfig


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


def test_codec_config_rejects_impossible_settings():
    with pytest.raises(ValueError, match="bins"):
        AudioCodecConfig(hop=100, bins=200)
