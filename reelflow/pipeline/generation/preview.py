"""The preview while a job denoises: the current estimate of the clean video, decoded for a
few evenly spaced frames and laid out as one low-resolution JPEG sprite (a row of frames).

Under rectified flow x_t = (1 - t) x0 + t noise and v = noise - x0, so the loop's estimate of
the finished clip at any step is x0 = x_t - t v (the same quantity a sampler's last step
lands on). Off by default; when asked for, every `every` steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
import torch
import torch.nn.functional as F

MAX_PREVIEW_EVERY = 100
PREVIEW_FRAMES = 8  # frames in the sprite
PREVIEW_SIDE = 48  # pixels of a sprite frame's longer side


@dataclass(frozen=True, eq=False)
class Preview:
    step: int  # denoising steps done when it was taken
    total: int
    jpeg: bytes
    frames: int  # frames in the sprite, left to right


def x0_estimate(x: torch.Tensor, v: torch.Tensor, t: float) -> torch.Tensor:
    return x - t * v


def preview_frames(x0: torch.Tensor, count: int = PREVIEW_FRAMES) -> torch.Tensor:
    """(T, C, h, w) -> (k, C, h, w): up to `count` frames spread evenly over the clip."""
    picks = torch.linspace(0, x0.shape[0] - 1, min(count, x0.shape[0])).round().long()
    return x0[picks]


def sprite_jpeg(frames: torch.Tensor, side: int = PREVIEW_SIDE) -> bytes:
    """Decoded frames (k, 3, H, W) in [-1, 1] -> one JPEG, the frames side by side, each
    scaled so its longer side is at most `side` (even sizes, for 4:2:0)."""
    k, _, height, width = frames.shape
    scale = min(1.0, side / max(height, width))
    h, w = max(2, round(height * scale) // 2 * 2), max(2, round(width * scale) // 2 * 2)
    small = F.interpolate(frames.float(), size=(h, w), mode="area")
    pixels = ((small.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)  # (k, 3, h, w)
    row = pixels.permute(2, 0, 3, 1).reshape(h, k * w, 3).numpy()  # frames left to right
    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height, codec.pix_fmt = k * w, h, "yuvj420p"
    codec.time_base = Fraction(1, 1)
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(row), format="rgb24")
    packets = codec.encode(frame.reformat(format="yuvj420p")) + codec.encode(None)
    return b"".join(bytes(packet) for packet in packets)
