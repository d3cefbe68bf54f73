"""A clip that starts from an image, as LTX2ImageToVideoPipeline makes it: the image
prepared on the orchestrator (the library's H.264 re-compression and bilinear resize), its
latent made by the VAE on the Muxer (LTX2Stages.encode_image), the starting latents with the
first latent frame held at it (a conditioning mask: those tokens at timestep 0), and the step
that leaves that frame as it is. Functions over an LTX2Stages: the library's own calls, in
its order."""

from __future__ import annotations

import numpy as np
import torch

from reelflow.pipeline.ltx2.stages import LTX2Grid, LTX2Stages


def condition_image(stages: LTX2Stages, image, grid: LTX2Grid) -> torch.Tensor:
    """A PIL image as the library conditions on it: re-compressed with H.264 at the CRF
    the text encoder's generation was trained with, resized and scaled (1, 3, H, W)."""
    from diffusers.pipelines.ltx2.utils import (
        apply_image_conditioning_crf,
        resolve_default_image_crf,
    )
    from diffusers.video_processor import VideoProcessor
    from PIL import Image

    crf = resolve_default_image_crf(stages.pipe.text_encoder)
    if crf != 0:
        image = Image.fromarray(apply_image_conditioning_crf(np.array(image.convert("RGB")), crf))
    # resized bilinearly, as LTX2ImageToVideoPipeline's processor does
    ratio = stages.pipe.vae_spatial_compression_ratio
    processor = VideoProcessor(vae_scale_factor=ratio, resample="bilinear")
    image = processor.preprocess(image, height=grid.height, width=grid.width)
    return image.to(stages.dtype)


def noise_from_image(
    stages: LTX2Stages, grid: LTX2Grid, seed: int, image_latents: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The packed starting latents with the first latent frame held at the image's
    (video, its conditioning mask (1, S), audio), drawn as LTX2ImageToVideoPipeline
    draws them (the video noise, then the audio noise, from one generator)."""
    from diffusers.utils.torch_utils import randn_tensor

    pipe, generator = stages.pipe, torch.Generator().manual_seed(seed)
    channels = pipe.transformer.config.in_channels
    shape = (1, channels, grid.latent_frames, grid.latent_height, grid.latent_width)
    held = image_latents.repeat(1, 1, grid.latent_frames, 1, 1)
    mask = torch.zeros((1, 1, *shape[2:]), dtype=torch.float32)
    mask[:, :, 0] = 1.0
    noise = randn_tensor(
        shape, generator=generator, device=torch.device("cpu"), dtype=torch.float32
    )
    latents = held * mask + noise * (1 - mask)
    patch, patch_t = pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size
    mask = pipe._pack_latents(mask, patch, patch_t).squeeze(-1)
    xv = pipe._pack_latents(latents, patch, patch_t)
    xa = stages.audio_noise(grid, generator)
    return xv, mask, xa


def step_held(stages: LTX2Stages, scheduler, vv: torch.Tensor, t, xv: torch.Tensor, grid: LTX2Grid):
    """The library's Euler step of every latent frame but the first, which stays the
    image's (LTX2ImageToVideoPipeline's step, in its order of operations)."""
    pipe = stages.pipe
    patch, patch_t = pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size
    sizes = (grid.latent_frames, grid.latent_height, grid.latent_width, patch, patch_t)
    vv, xv = pipe._unpack_latents(vv, *sizes), pipe._unpack_latents(xv, *sizes)
    stepped = scheduler.step(vv[:, :, 1:], t, xv[:, :, 1:], return_dict=False)[0]
    return pipe._pack_latents(torch.cat([xv[:, :, :1], stepped], dim=2), patch, patch_t)
