"""The learned video codec: a per-frame convolutional autoencoder (as Seedance, Wan, LTX and
HunyuanVideo generate in a learned latent space rather than a fixed transform).

(T, 3, H, W) in [-1, 1] -> (T, C, H/f, W/f) with f = 2 ** len(widths[1:]). Frames are coded one
by one, with no time compression: the world runs at 8 fps and sound must line up with single
frames, and a 4x temporal VAE would put four frames' lip shapes in one latent cell.
The decoder sees every cell's neighbours (3x3 convolutions at every level), so a network error
in one cell decodes as a smooth local change, not as the 4x4 block a DCT cell would give.
Latents are standardised per channel (`shift`, `scale` buffers fitted on training data, as
SD3/Flux's VAE scaling factors) so the flow networks see unit-scale latents.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def from_frames(frames: np.ndarray) -> torch.Tensor:
    """(T, H, W, 3) uint8 -> (T, 3, H, W) in [-1, 1]: what the codec encodes."""
    return torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def to_frames(video: torch.Tensor) -> torch.Tensor:
    """(T, 3, H, W) in [-1, 1] -> (T, H, W, 3) uint8: what the codec decodes, as pixels."""
    return ((video + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1)


@dataclass(frozen=True)
class VideoCodecConfig:
    channels: int = 8  # latent channels
    widths: tuple[int, ...] = (32, 64, 96)  # feature widths from full resolution down
    groups: int = 8  # GroupNorm groups

    def __post_init__(self) -> None:
        if self.channels < 1 or len(self.widths) < 2:
            raise ValueError("the codec needs >= 1 latent channel and >= 2 widths")
        if any(w % self.groups for w in self.widths):
            raise ValueError(f"every width must divide into {self.groups} groups")

    @property
    def patch(self) -> int:
        """Pixels per latent cell along each side."""
        return 2 ** (len(self.widths) - 1)

    def latent_shape(self, frames: int, height: int, width: int) -> tuple[int, int, int, int]:
        return (frames, self.channels, height // self.patch, width // self.patch)


class ResBlock(nn.Module):
    def __init__(self, width: int, groups: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.GroupNorm(groups, width),
            nn.SiLU(),
            nn.Conv2d(width, width, 3, padding=1),
            nn.GroupNorm(groups, width),
            nn.SiLU(),
            nn.Conv2d(width, width, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class Encoder(nn.Module):
    def __init__(self, config: VideoCodecConfig):
        super().__init__()
        w, g = config.widths, config.groups
        layers: list[nn.Module] = [nn.Conv2d(3, w[0], 3, padding=1), ResBlock(w[0], g)]
        for before, after in itertools.pairwise(w):
            layers += [nn.Conv2d(before, after, 3, stride=2, padding=1), ResBlock(after, g)]
        layers += [
            nn.GroupNorm(g, w[-1]),
            nn.SiLU(),
            nn.Conv2d(w[-1], config.channels, 3, padding=1),
        ]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class Decoder(nn.Module):
    def __init__(self, config: VideoCodecConfig):
        super().__init__()
        w, g = config.widths[::-1], config.groups
        layers: list[nn.Module] = [
            nn.Conv2d(config.channels, w[0], 3, padding=1),
            ResBlock(w[0], g),
        ]
        for before, after in itertools.pairwise(w):
            layers += [
                nn.Upsample(scale_factor=2, mode="nearest"),
                nn.Conv2d(before, after, 3, padding=1),
                ResBlock(after, g),
            ]
        layers += [nn.GroupNorm(g, w[-1]), nn.SiLU(), nn.Conv2d(w[-1], 3, 3, padding=1)]
        self.layers = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.layers(z)


class VideoCodec(nn.Module):
    """encode/decode frames (the config's `latent_shape` says what a clip's latent is)."""

    def __init__(self, config: VideoCodecConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        self.register_buffer("shift", torch.zeros(config.channels))
        self.register_buffer("scale", torch.ones(config.channels))

    def raw_encode(self, video: torch.Tensor) -> torch.Tensor:
        """(T, 3, H, W) -> unstandardised latent (T, C, H/p, W/p) (what training fits)."""
        return self.encoder(video.float())

    def standardise(self, z: torch.Tensor) -> torch.Tensor:
        return (z - self.shift[:, None, None]) / self.scale[:, None, None]

    def encode(self, video: torch.Tensor) -> torch.Tensor:
        """(T, 3, H, W) in [-1, 1] -> (T, C, H/p, W/p), about unit scale per channel."""
        return self.standardise(self.raw_encode(video))

    def raw_decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z.float())

    def decode(self, latent: torch.Tensor, batch: int = 32) -> torch.Tensor:
        """(T, C, h, w) -> (T, 3, h*p, w*p) clamped to [-1, 1], `batch` frames at a time (the
        full-resolution activations of a long clip would not fit at once)."""
        z = latent.float() * self.scale[:, None, None] + self.shift[:, None, None]
        parts = [self.raw_decode(chunk) for chunk in z.split(batch)]
        return torch.cat(parts).clamp(-1.0, 1.0)


def edge_loss(reconstruction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 between horizontal and vertical finite differences: keeps corners and thin features
    (a face's mouth) that a plain pixel loss lets a small codec round off."""

    def grads(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x[..., :, 1:] - x[..., :, :-1], x[..., 1:, :] - x[..., :-1, :]

    (rx, ry), (tx, ty) = grads(reconstruction), grads(target)
    return F.l1_loss(rx, tx) + F.l1_loss(ry, ty)
