"""The audio latent codec: a fixed transform, so no training is needed.

An MDCT with a sine window (as in AAC; Princen & Bradley 1986) with hop `hop`. The lowest `bins`
coefficients are kept as they are: (N,) -> (N/hop + 1, bins), a low-pass at bins/hop * sr/2.
Above that, `high_bands` channels hold the RMS of each equal band of the remaining coefficients,
and decode fills every band with a fixed noise pattern at that level: noise filling, as in
spectral band replication (HE-AAC). The high band of the world's sounds is rain, hiss and the
noisy part of speech, for which the level is all that is heard; a flow model denoises a few
smooth levels where it did not learn 240 noise-like coefficients (lab/training/resize_audio.py).
(The video codec is learned: model/video_autoencoder.py.)

Latents are standardised per channel (`bin_scale`, fitted on training audio and stored in the
checkpoint under `audio_codec.`): raw MDCT coefficients of the world's sounds have a standard
deviation of ~0.07 (median bin 0.016), so against unit noise a flow model sees almost nothing but
noise and any residual error it makes is louder than the sound itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import torch

NOISE_FRAMES = 512  # rows of the fixed noise-filling pattern, cycled (10 s at 20 ms)


@dataclass(frozen=True)
class AudioCodecConfig:
    hop: int = 320  # samples per latent frame (20 ms at 16 kHz)
    # Lowest MDCT bins kept as coefficients: 2 kHz here, where the world's tones, beeps, hum and
    # voiced speech lie. All 320 bins did not fit the 128-wide audio branch's tokens.
    bins: int = 80
    high_bands: int = 0  # noise-filled bands above `bins` (0: the latent is a plain low-pass)
    scale: float = 4.0

    def __post_init__(self) -> None:
        if not 1 <= self.bins <= self.hop:
            raise ValueError(f"bins must be in 1..hop, got {self.bins} for hop {self.hop}")
        if not 0 <= self.high_bands <= self.hop - self.bins:
            raise ValueError(f"high_bands must be in 0..{self.hop - self.bins}")

    @property
    def channels(self) -> int:
        """Width of a latent frame: the kept coefficients, then one level per high band."""
        return self.bins + self.high_bands


class AudioCodec:
    def __init__(self, config: AudioCodecConfig, bin_scale: torch.Tensor | None = None):
        """`bin_scale` (channels,): per-channel divisor of the latent (fit_bin_scale); None = 1."""
        self.config = config
        width = config.channels
        self.bin_scale = torch.ones(width) if bin_scale is None else bin_scale.float()
        if self.bin_scale.shape != (width,) or not bool((self.bin_scale > 0).all()):
            raise ValueError(f"bin_scale must be {width} positive values")
        n = config.hop
        kept = n if config.high_bands else config.bins
        i = torch.arange(2 * n, dtype=torch.float64)
        k = torch.arange(kept, dtype=torch.float64)
        window = torch.sin(math.pi * (i + 0.5) / (2 * n))
        kernel = torch.cos(math.pi / n * (i[None, :] + 0.5 + n / 2) * (k[:, None] + 0.5))
        self.analysis = (kernel * window * math.sqrt(2.0 / n)).float()  # (kept, 2n)
        if config.high_bands:
            # which band each coefficient above `bins` falls in, how many each band has, and
            # the noise that refills them
            high = n - config.bins
            self.band_of_bin = torch.arange(high) * config.high_bands // high
            self.band_sizes = torch.bincount(self.band_of_bin, minlength=config.high_bands)
            self.noise = noise_pattern(high)

    def latent_frames(self, samples: int) -> int:
        return -(-samples // self.config.hop) + 1

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        """(N,) -> (N/hop + 1, channels): overlapping 2*hop windows, one every hop samples."""
        n, bins = self.config.hop, self.config.bins
        frames = self.latent_frames(audio.shape[-1])
        padded = torch.zeros((frames + 1) * n, dtype=torch.float32)
        padded[n : n + audio.shape[-1]] = audio.float()
        coefficients = padded.unfold(0, 2 * n, n) @ self.analysis.T  # (frames, kept)
        latent = coefficients[:, :bins]
        if self.config.high_bands:
            power = torch.zeros(frames, self.config.high_bands)
            power.index_add_(1, self.band_of_bin, coefficients[:, bins:] ** 2)
            latent = torch.cat([latent, (power / self.band_sizes).sqrt()], dim=1)
        return latent / (self.config.scale * self.bin_scale)

    def decode(self, latent: torch.Tensor, samples: int) -> torch.Tensor:
        """(F, channels) -> (samples,): windowed inverse MDCT and overlap-add (TDAC); each high
        band is the fixed noise of its latent frame (row F mod NOISE_FRAMES) at its level."""
        n, bins = self.config.hop, self.config.bins
        values = latent.float() * self.config.scale * self.bin_scale
        coefficients = values[:, :bins]
        if self.config.high_bands:
            levels = values[:, bins:].clamp(min=0.0)[:, self.band_of_bin]  # (F, hop - bins)
            rows = torch.arange(latent.shape[0]) % NOISE_FRAMES
            coefficients = torch.cat([coefficients, levels * self.noise[rows]], dim=1)
        windows = coefficients @ self.analysis  # (F, 2n)
        out = torch.zeros((latent.shape[0] + 1) * n, dtype=torch.float32)
        for index in range(latent.shape[0]):
            out[index * n : index * n + 2 * n] += windows[index]
        return out[n : n + samples]


@cache
def noise_pattern(width: int) -> torch.Tensor:
    """(NOISE_FRAMES, width) fixed unit noise, made once per width (codecs are built per
    request)."""
    return torch.randn(NOISE_FRAMES, width, generator=torch.Generator().manual_seed(0))


def fit_bin_scale(config: AudioCodecConfig, waves: list[torch.Tensor]) -> torch.Tensor:
    """Per-channel standard deviation of the unstandardised latents of `waves` (floored at 1%
    of the largest, so a channel that is silent in the data is not blown up)."""
    raw = AudioCodec(config)
    std = torch.cat([raw.encode(wave) for wave in waves]).std(dim=0)
    return std.clamp(min=0.01 * float(std.max()))
