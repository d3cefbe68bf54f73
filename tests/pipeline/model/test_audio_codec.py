import math

import pytest
import torch

from reelflow.pipeline.model.audio_codec import AudioCodec, AudioCodecConfig, fit_bin_scale


def test_audio_codec_is_lossless_with_all_bins():
    codec = AudioCodec(AudioCodecConfig(hop=160, bins=160))
    audio = torch.rand(4000, generator=torch.Generator().manual_seed(2)) * 2 - 1
    assert torch.allclose(codec.decode(codec.encode(audio), 4000), audio, atol=1e-5)


def test_audio_codec_keeps_tones_below_its_cutoff_and_drops_those_above():
    codec = AudioCodec(AudioCodecConfig(hop=320, bins=80))  # 0-2 kHz at 16 kHz
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


def test_fitted_bin_scale_standardises_every_bin_and_keeps_the_round_trip():
    config = AudioCodecConfig(hop=160, bins=160)
    g = torch.Generator().manual_seed(3)
    t = torch.arange(8000) / 16000
    waves = [
        0.3 * torch.sin(2 * math.pi * f * t) + 0.01 * torch.randn(8000, generator=g)
        for f in (220, 440, 880)
    ]
    scale = fit_bin_scale(config, waves)
    raw_std = torch.cat([AudioCodec(config).encode(w) for w in waves]).std(dim=0)
    assert raw_std.max() / raw_std.min() > 10  # the tones' bins dwarf the noise floor
    codec = AudioCodec(config, scale)
    std = torch.cat([codec.encode(w) for w in waves]).std(dim=0)
    unfloored = scale > scale.min()
    assert unfloored.sum() > 10
    assert torch.allclose(std[unfloored], torch.ones(1), atol=1e-3)
    assert std[~unfloored].max() < 1.0  # bins below the floor stay quieter, not blown up
    assert torch.allclose(codec.decode(codec.encode(waves[1]), 8000), waves[1], atol=1e-4)


def test_bin_scale_must_match_the_bins_and_be_positive():
    config = AudioCodecConfig(hop=160, bins=80)
    with pytest.raises(ValueError, match="80 positive"):
        AudioCodec(config, torch.ones(40))
    with pytest.raises(ValueError, match="80 positive"):
        AudioCodec(config, torch.zeros(80))
