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


def _band_power(audio: torch.Tensor, low_hz: float, high_hz: float) -> float:
    spectrum = torch.fft.rfft(audio).abs() ** 2
    freqs = torch.fft.rfftfreq(len(audio), 1 / 16000)
    return float(spectrum[(freqs >= low_hz) & (freqs < high_hz)].sum())


def test_noise_filling_keeps_each_high_band_level_and_the_low_band_exact():
    """White noise high-passed above 4 kHz plus a 440 Hz tone: after a round trip the tone is
    as it was and each band above 2 kHz holds about the power it had (the fine structure is
    the codec's fixed noise, so only the level is kept)."""
    config = AudioCodecConfig(hop=320, bins=80, high_bands=8)
    codec = AudioCodec(config)
    g = torch.Generator().manual_seed(4)
    t = torch.arange(32000) / 16000
    tone = 0.3 * torch.sin(2 * math.pi * 440 * t)
    spectrum = torch.fft.rfft(torch.randn(32000, generator=g))
    spectrum[torch.fft.rfftfreq(32000, 1 / 16000) < 4000] = 0
    hiss = 0.1 * torch.fft.irfft(spectrum, 32000)
    latent = codec.encode(tone + hiss)
    assert latent.shape == (codec.latent_frames(32000), 88)
    assert bool((latent[:, 80:] >= 0).all())
    heard = codec.decode(latent, 32000)
    assert torch.equal(heard, codec.decode(latent, 32000))  # fixed noise: deterministic
    for low, high in ((4250, 5750), (6250, 7750)):
        ratio = _band_power(heard, low, high) / _band_power(hiss, low, high)
        assert 0.7 < ratio < 1.4, (low, high, ratio)
    assert _band_power(heard, 2100, 3400) < 0.02 * _band_power(hiss, 4250, 5750)  # no hiss here
    below = codec.decode(codec.encode(tone), 32000)
    assert (below - tone)[400:-400].abs().max() < 0.01  # nothing to fill: the tone alone
    plain = AudioCodec(AudioCodecConfig(hop=320, bins=80))
    torch.testing.assert_close(  # zero levels: exactly the plain low-pass
        codec.decode(torch.cat([plain.encode(tone), torch.zeros(len(latent), 8)], 1), 32000),
        plain.decode(plain.encode(tone), 32000),
    )


def test_high_bands_must_fit_above_the_kept_bins():
    with pytest.raises(ValueError, match="high_bands"):
        AudioCodecConfig(hop=320, bins=300, high_bands=21)
    assert AudioCodecConfig(hop=320, bins=80, high_bands=8).channels == 88
