"""The audio latent codec: a fixed orthonormal transform, so no training is needed.

An MDCT with a sine window (as in AAC; Princen & Bradley 1986) with hop `hop`, keeping the lowest
`bins` coefficients: (N,) -> (N/hop + 1, bins), i.e. a low-pass at bins/hop * sr/2. It is linear,
so decode(encode(x)) is the projection of x onto the kept coefficients. (The video codec is
learned: model/video_autoencoder.py.)

Latents are standardised per bin (`bin_scale`, fitted on training audio and stored in the
checkpoint under `audio_codec.`): raw MDCT coefficients of the world's sounds have a standard
deviation of ~0.07 (median bin 0.016), so against unit noise a flow model sees almost nothing but
noise and any residual error it makes is louder than the sound itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class AudioCodecConfig:
    hop: int = 320  # samples per latent frame (20 ms at 16 kHz)
    # Lowest MDCT bins kept: a low-pass at bins / hop * sr / 2, 2 kHz here. Rain cannot pass
    # the evaluator at this band (a round trip of the render's measures as a hum), but all 320
    # bins do not fit the 128-wide audio branch's tokens (training/resize_audio.py): full band
    # waits for a compact learned audio latent.
    bins: int = 80
    scale: float = 4.0

    def __post_init__(self) -> None:
        if not 1 <= self.bins <= self.hop:
            raise ValueError(f"bins must be in 1..hop, got {self.bins} for hop {self.hop}")


class AudioCodec:
    def __init__(self, config: AudioCodecConfig, bin_scale: torch.Tensor | None = None):
        """`bin_scale` (bins,): per-bin divisor of the latent (fit_bin_scale); None = 1."""
        self.config = config
        self.bin_scale = torch.ones(config.bins) if bin_scale is None else bin_scale.float()
        if self.bin_scale.shape != (config.bins,) or not bool((self.bin_scale > 0).all()):
            raise ValueError(f"bin_scale must be {config.bins} positive values")
        n = config.hop
        i = torch.arange(2 * n, dtype=torch.float64)
        k = torch.arange(config.bins, dtype=torch.float64)
        window = torch.sin(math.pi * (i + 0.5) / (2 * n))
        kernel = torch.cos(math.pi / n * (i[None, :] + 0.5 + n / 2) * (k[:, None] + 0.5))
        self.analysis = (kernel * window * math.sqrt(2.0 / n)).float()  # (bins, 2n)

    def latent_frames(self, samples: int) -> int:
        return -(-samples // self.config.hop) + 1

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        """(N,) -> (N/hop + 1, bins): overlapping 2*hop windows, one every hop samples."""
        n = self.config.hop
        frames = self.latent_frames(audio.shape[-1])
        padded = torch.zeros((frames + 1) * n, dtype=torch.float32)
        padded[n : n + audio.shape[-1]] = audio.float()
        windows = padded.unfold(0, 2 * n, n)  # (frames, 2n)
        return windows @ self.analysis.T / (self.config.scale * self.bin_scale)

    def decode(self, latent: torch.Tensor, samples: int) -> torch.Tensor:
        """(F, bins) -> (samples,): windowed inverse MDCT and overlap-add (TDAC)."""
        n = self.config.hop
        windows = (latent.float() * self.config.scale * self.bin_scale) @ self.analysis  # (F, 2n)
        out = torch.zeros((latent.shape[0] + 1) * n, dtype=torch.float32)
        for index in range(latent.shape[0]):
            out[index * n : index * n + 2 * n] += windows[index]
        return out[n : n + samples]


def fit_bin_scale(config: AudioCodecConfig, waves: list[torch.Tensor]) -> torch.Tensor:
    """Per-bin standard deviation of the unstandardised latents of `waves` (floored at 1% of
    the largest, so a bin that is silent in the data is not blown up)."""
    raw = AudioCodec(config)
    std = torch.cat([raw.encode(wave) for wave in waves]).std(dim=0)
    return std.clamp(min=0.01 * float(std.max()))
