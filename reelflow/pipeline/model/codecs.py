"""Video and audio latent codecs: fixed orthonormal transforms, so no training is needed.

Video: each 4x4 pixel patch of each colour channel goes through a 2-D DCT-II (as in JPEG) and
keeps its 2x2 lowest frequencies: (T, 3, H, W) in [-1, 1] -> (T, 12, H/4, W/4).
Audio: an MDCT with a sine window (as in AAC; Princen & Bradley 1986) with hop `hop`, keeping
the lowest `bins` coefficients: (N,) -> (N/hop + 1, bins), i.e. a low-pass at bins/hop * sr/2.
Both are linear, so decode(encode(x)) is the projection of x onto the kept coefficients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from einops import rearrange


def dct_matrix(n: int) -> torch.Tensor:
    """Orthonormal DCT-II matrix D (n, n): coefficients = D @ x."""
    k = torch.arange(n, dtype=torch.float64)[:, None]
    i = torch.arange(n, dtype=torch.float64)[None, :]
    d = torch.cos(math.pi * (i + 0.5) * k / n) * math.sqrt(2.0 / n)
    d[0] /= math.sqrt(2.0)
    return d.float()


@dataclass(frozen=True)
class VideoCodecConfig:
    patch: int = 4  # pixels per latent cell along each side
    keep: int = 2  # lowest DCT frequencies kept along each side
    scale: float = 2.0  # divides coefficients so latents are about unit scale

    def __post_init__(self) -> None:
        if not 1 <= self.keep <= self.patch:
            raise ValueError(f"keep must be in 1..patch, got {self.keep} for patch {self.patch}")

    @property
    def channels(self) -> int:
        return 3 * self.keep * self.keep


class VideoCodec:
    def __init__(self, config: VideoCodecConfig):
        self.config = config
        self.basis = dct_matrix(config.patch)[: config.keep]  # (k, p)

    def latent_shape(self, frames: int, height: int, width: int) -> tuple[int, int, int, int]:
        p = self.config.patch
        return (frames, self.config.channels, height // p, width // p)

    def encode(self, video: torch.Tensor) -> torch.Tensor:
        """(T, 3, H, W) in [-1, 1] -> (T, C, H/p, W/p)."""
        p, b = self.config.patch, self.basis
        patches = rearrange(video.float(), "t c (h p) (w q) -> t c h w p q", p=p, q=p)
        coeffs = torch.einsum("kp,tchwpq,lq->tchwkl", b, patches, b)
        return rearrange(coeffs, "t c h w k l -> t (c k l) h w") / self.config.scale

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """(T, C, h, w) -> (T, 3, h*p, w*p), clamped to [-1, 1]."""
        k, b = self.config.keep, self.basis
        coeffs = rearrange(
            latent.float() * self.config.scale, "t (c k l) h w -> t c h w k l", k=k, l=k
        )
        patches = torch.einsum("kp,tchwkl,lq->tchwpq", b, coeffs, b)
        return rearrange(patches, "t c h w p q -> t c (h p) (w q)").clamp(-1.0, 1.0)


@dataclass(frozen=True)
class AudioCodecConfig:
    hop: int = 320  # samples per latent frame (20 ms at 16 kHz)
    bins: int = 80  # lowest MDCT bins kept (0-4 kHz at 16 kHz)
    scale: float = 4.0

    def __post_init__(self) -> None:
        if not 1 <= self.bins <= self.hop:
            raise ValueError(f"bins must be in 1..hop, got {self.bins} for hop {self.hop}")


class AudioCodec:
    def __init__(self, config: AudioCodecConfig):
        self.config = config
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
        return windows @ self.analysis.T / self.config.scale

    def decode(self, latent: torch.Tensor, samples: int) -> torch.Tensor:
        """(F, bins) -> (samples,): windowed inverse MDCT and overlap-add (TDAC)."""
        n = self.config.hop
        windows = (latent.float() * self.config.scale) @ self.analysis  # (F, 2n)
        out = torch.zeros((latent.shape[0] + 1) * n, dtype=torch.float32)
        for index in range(latent.shape[0]):
            out[index * n : index * n + 2 * n] += windows[index]
        return out[n : n + samples]
