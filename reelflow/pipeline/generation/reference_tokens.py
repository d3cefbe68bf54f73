"""Attached references as tokens each branch can attend to (issue: prompt script, references).

- images   -> appearance tokens: the image's video-latent patches (DiT and RayFlow read them);
- videos   -> motion tokens: one per reference frame, its latent pooled to a 4x4 grid (RayFlow);
- audio    -> sound tokens: audio latents averaged over 80 ms (audio branch);
- `first_frame` / `last_frame` images -> latents that pin the first / last frame while sampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange

from reelflow.pipeline.model.audio_codec import AudioCodec
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.model.video_autoencoder import VideoCodec
from reelflow.pipeline.script.plan import Plan

MOTION_GRID = 4  # motion tokens pool each frame's latent to MOTION_GRID x MOTION_GRID
SOUND_POOL = 4  # audio latent frames averaged into one sound token (4 x 20 ms)


@dataclass(frozen=True)
class TokenDims:
    appearance: int
    motion: int
    sound: int


def token_dims(preset: Preset) -> TokenDims:
    channels = preset.video_codec.channels
    return TokenDims(
        appearance=channels * preset.spatial.patch**2,
        motion=channels * MOTION_GRID**2,
        sound=preset.audio_codec.channels,
    )


@dataclass(frozen=True, eq=False)
class ReferenceTokens:
    appearance: torch.Tensor  # (Na, appearance_dim)
    motion: torch.Tensor  # (Nm, motion_dim)
    sound: torch.Tensor  # (Ns, sound_dim)
    first_frame: torch.Tensor  # (C, h, w), or (0,) when not pinned
    last_frame: torch.Tensor  # (C, h, w), or (0,)


def _pixels(frames: np.ndarray, height: int, width: int) -> torch.Tensor:
    """(..., H, W, 3) uint8 -> (N, 3, height, width) in [-1, 1], resized with area averaging."""
    x = torch.from_numpy(np.ascontiguousarray(frames)).reshape(-1, *frames.shape[-3:]).float()
    x = rearrange(x, "n h w c -> n c h w") / 127.5 - 1.0
    return F.interpolate(x, size=(height, width), mode="area")


@torch.inference_mode()
def encode_references(plan: Plan, preset: Preset, video_codec: VideoCodec) -> ReferenceTokens:
    audio_codec = AudioCodec(preset.audio_codec)
    dims, patch = token_dims(preset), preset.spatial.patch
    appearance, motion, sound = [], [], []
    pins: dict[str, torch.Tensor] = {}
    for ref in plan.references:
        if ref.kind == "image":
            latent = video_codec.encode(_pixels(ref.data, plan.height, plan.width))  # (1, C, h, w)
            appearance.append(
                rearrange(latent, "1 c (h p) (w q) -> (h w) (c p q)", p=patch, q=patch)
            )
            if ref.role in ("first_frame", "last_frame"):
                pins[ref.role] = latent[0]
        elif ref.kind == "video":
            latent = video_codec.encode(_pixels(ref.data, plan.height, plan.width))  # (F, C, h, w)
            pooled = F.adaptive_avg_pool2d(latent, MOTION_GRID)
            motion.append(rearrange(pooled, "f c h w -> f (c h w)"))
        else:
            latent = audio_codec.encode(torch.from_numpy(ref.data))  # (Ta, bins)
            usable = latent.shape[0] // SOUND_POOL * SOUND_POOL or latent.shape[0]
            sound.append(latent[:usable].reshape(-1, min(SOUND_POOL, usable), dims.sound).mean(1))

    def stack(parts: list[torch.Tensor], dim: int) -> torch.Tensor:
        return torch.cat(parts) if parts else torch.zeros(0, dim)

    empty = torch.zeros(0)
    return ReferenceTokens(
        appearance=stack(appearance, dims.appearance),
        motion=stack(motion, dims.motion),
        sound=stack(sound, dims.sound),
        first_frame=pins.get("first_frame", empty),
        last_frame=pins.get("last_frame", empty),
    )
