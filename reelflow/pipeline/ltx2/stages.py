"""LTX-2's stages over the library's own pipeline object (diffusers' LTX2Pipeline): adapters,
not re-implementations. Each method is one of the calls LTX2Pipeline.__call__ makes, in the
same order and with the same components, so that a loop over them (schedule.py) makes what the
library makes, while a stage can run on its own replica between steps.

LTX-2 is one transformer with a video stream and an audio stream: one `velocity` call denoises
both, so the family has no separate spatial, temporal and audio branches to split.

Staged here: every guidance LTX2Pipeline applies, per stream: classifier-free guidance,
spatio-temporal guidance (a pass with some blocks skipped), modality isolation (a pass whose
video and audio streams do not attend to each other) and guidance rescale.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from reelflow.pipeline.generation.preview import preview_frames, sprite_jpeg
from reelflow.pipeline.ltx2.mp4 import LTX2Decoded, to_mp4
from reelflow.pipeline.ltx2.snapshot import NETWORKS

PADDING_SIDE = "left"  # Gemma's, as LTX2Pipeline pads


@dataclass(frozen=True)
class LTX2Grid:
    """One clip's geometry, in pixels and in latents."""

    num_frames: int
    height: int
    width: int
    frame_rate: float
    latent_frames: int
    latent_height: int
    latent_width: int
    audio_frames: int  # audio latent length
    mel_bins: int  # the audio VAE's mel bins (before its compression)

    @property
    def video_tokens(self) -> int:
        return self.latent_frames * self.latent_height * self.latent_width


@dataclass(frozen=True)
class LTX2Guidance:
    """How each denoising step is guided, per stream; the defaults are LTX2Pipeline's."""

    video: float = 3.0  # classifier-free guidance scale; 1 = off
    audio: float = 7.0
    stg: float = 1.0  # spatio-temporal guidance: away from a pass with `stg_blocks` skipped
    audio_stg: float = 1.0
    stg_blocks: tuple[int, ...] = (28,)
    modality: float = 3.0  # modality isolation: away from a pass whose streams don't meet
    audio_modality: float = 3.0
    video_rescale: float = 0.7  # guidance rescale (Lin et al. 2024); 0 = off
    audio_rescale: float = 0.7
    cross_timestep: bool = True  # each stream's cross-attention sees the other's timestep

    @property
    def guided(self) -> bool:  # as LTX2Pipeline.do_classifier_free_guidance
        return self.video > 1.0 or self.audio > 1.0

    @property
    def spatio_temporal(self) -> bool:
        return self.stg > 0.0 or self.audio_stg > 0.0

    @property
    def isolating(self) -> bool:
        return self.modality > 1.0 or self.audio_modality > 1.0

    def __post_init__(self) -> None:
        for name in ("video", "audio", "modality", "audio_modality"):
            if getattr(self, name) < 1.0:
                raise ValueError(f"{name} guidance must be >= 1, got {getattr(self, name)}")
        for name in ("stg", "audio_stg", "video_rescale", "audio_rescale"):
            if getattr(self, name) < 0.0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.spatio_temporal and not self.stg_blocks:
            raise ValueError("spatio-temporal guidance needs stg_blocks")


@dataclass(frozen=True, eq=False)
class LTX2Cond:
    """The connectors' text tokens; batch [negative, prompt] when guided, [prompt] when not."""

    video: torch.Tensor  # (B, L, D_video)
    audio: torch.Tensor  # (B, L, D_audio)
    mask: torch.Tensor  # (B, L)


class LTX2Stages:
    """The stage calls over one LTX2Pipeline (whose networks may be only the ones this
    replica runs: snapshot.open_snapshot). The loaded networks run on `device`; tensors
    come in and go out on the CPU, as they cross process boundaries there."""

    def __init__(self, pipe, device: str | torch.device = "cpu"):
        self.pipe = pipe
        self.device = torch.device(device)
        if self.device.type != "cpu":
            for name in NETWORKS:
                network = getattr(pipe, name)
                if network.device.type != "meta":
                    network.to(self.device)
        self._schedules: dict[tuple[int, int], object] = {}

    @property
    def dtype(self) -> torch.dtype:
        return self.pipe.transformer.dtype

    @property
    def sample_rate(self) -> int:
        """The vocoder's output rate (the audio VAE's input rate where it does not say)."""
        pipe = self.pipe
        return int(getattr(pipe.vocoder.config, "output_sampling_rate", pipe.audio_sampling_rate))

    # -- geometry and noise ------------------------------------------------------------------

    def grid(self, height: int, width: int, num_frames: int, frame_rate: float) -> LTX2Grid:
        pipe = self.pipe
        duration_s = num_frames / frame_rate
        per_second = (
            pipe.audio_sampling_rate
            / pipe.audio_hop_length
            / float(pipe.audio_vae_temporal_compression_ratio)
        )
        return LTX2Grid(
            num_frames=num_frames,
            height=height,
            width=width,
            frame_rate=frame_rate,
            latent_frames=(num_frames - 1) // pipe.vae_temporal_compression_ratio + 1,
            latent_height=height // pipe.vae_spatial_compression_ratio,
            latent_width=width // pipe.vae_spatial_compression_ratio,
            audio_frames=round(duration_s * per_second),
            mel_bins=pipe.audio_vae.config.mel_bins,
        )

    def noise(self, grid: LTX2Grid, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The packed starting latents (video (1, S, C), audio (1, La, C * M)), float32, drawn
        from one generator in the library's order."""
        pipe, generator = self.pipe, torch.Generator().manual_seed(seed)
        xv = pipe.prepare_latents(
            1,
            pipe.transformer.config.in_channels,
            grid.height,
            grid.width,
            grid.num_frames,
            0.0,
            torch.float32,
            torch.device("cpu"),
            generator,
        )
        return xv, self.audio_noise(grid, generator)

    def audio_noise(self, grid: LTX2Grid, generator: torch.Generator) -> torch.Tensor:
        """The packed starting audio latents (1, La, C * M), drawn after the video's."""
        return self.pipe.prepare_audio_latents(
            1,
            num_channels_latents=self.pipe.audio_vae.config.latent_channels,
            audio_latent_length=grid.audio_frames,
            num_mel_bins=grid.mel_bins,
            noise_scale=0.0,
            dtype=torch.float32,
            device=torch.device("cpu"),
            generator=generator,
        )

    def scheduler(self, grid: LTX2Grid, steps: int):
        """A fresh copy of the snapshot's scheduler set for `steps` at this clip's size (the
        shift mu follows the video token count), as LTX2Pipeline sets its two."""
        return copy.deepcopy(self._timesteps(grid.video_tokens, steps))

    def _timesteps(self, video_tokens: int, steps: int):
        """The scheduler with the library's sigmas for `steps` (read-only: copy to step)."""
        key = (video_tokens, steps)
        if key not in self._schedules:
            self._schedules[key] = _set_timesteps(self.pipe.scheduler, video_tokens, steps)
        return self._schedules[key]

    # -- a first frame's latent (a Muxer call; first_frame.py does the rest) -----------

    @torch.inference_mode()
    def encode_image(self, image: torch.Tensor) -> torch.Tensor:
        """The video VAE's latent of a conditioning image (its mode), normalized:
        (1, C, 1, h, w) float32."""
        from diffusers.pipelines.ltx2.pipeline_ltx2_image2video import retrieve_latents

        pipe = self.pipe
        frame = image.to(self.device)[0].unsqueeze(0).unsqueeze(2)
        latents = retrieve_latents(pipe.vae.encode(frame), None, "argmax").to(torch.float32)
        latents = pipe._normalize_latents(latents, pipe.vae.latents_mean, pipe.vae.latents_std)
        return latents.cpu()

    # -- the stages --------------------------------------------------------------------------

    @torch.inference_mode()
    def encode(
        self, prompt: str, negative_prompt: str, guided: bool, max_sequence_length: int
    ) -> LTX2Cond:
        """Text encoder (Gemma 3) and connectors."""
        pipe = self.pipe
        embeds, mask, negative, negative_mask = pipe.encode_prompt(
            prompt=prompt,
            negative_prompt=negative_prompt,
            do_classifier_free_guidance=guided,
            max_sequence_length=max_sequence_length,
            device=self.device,
        )
        if guided:
            embeds, mask = torch.cat([negative, embeds]), torch.cat([negative_mask, mask])
        padding_side = getattr(pipe.tokenizer, "padding_side", PADDING_SIDE)
        video, audio, connector_mask = pipe.connectors(embeds, mask, padding_side=padding_side)
        return LTX2Cond(video.cpu(), audio.cpu(), connector_mask.cpu())

    @torch.inference_mode()
    def velocity(
        self,
        xv: torch.Tensor,
        xa: torch.Tensor,
        step: int,
        steps: int,
        grid: LTX2Grid,
        cond: LTX2Cond,
        guidance: LTX2Guidance,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The guided velocities (video, audio) of denoising step `step`: the transformer over
        the [negative, prompt] batch, then (when on) a pass with the STG blocks skipped and one
        with the streams isolated, over the prompt alone; the guidance is combined on x0 as
        the library does. `mask` (1, S): the video tokens held as given (1: a conditioning
        frame, at timestep 0), as LTX2ImageToVideoPipeline passes them."""
        from diffusers.pipelines.ltx2.pipeline_ltx2 import rescale_noise_cfg

        pipe = self.pipe
        schedule = self._timesteps(grid.video_tokens, steps)
        t = schedule.timesteps[step].to(self.device)
        xv, xa, cond = xv.to(self.device), xa.to(self.device), _on(cond, self.device)
        mask = None if mask is None else mask.to(self.device)
        rows = cond.video.shape[0]
        v_video, v_audio = self._forward(xv, xa, t, grid, cond, guidance, rows, mask)
        x0 = []  # per stream: the prompt's x0, and x0 with the guidance added so far
        for x, v, scale in ((xv, v_video, guidance.video), (xa, v_audio, guidance.audio)):
            if rows == 2:
                v_negative, v = v.chunk(2)
                prompt = pipe.convert_velocity_to_x0(x, v, step, schedule)
                negative = pipe.convert_velocity_to_x0(x, v_negative, step, schedule)
                x0.append([prompt, prompt + (scale - 1) * (prompt - negative)])
            else:
                prompt = pipe.convert_velocity_to_x0(x, v, step, schedule)
                x0.append([prompt, prompt])
        alone = _prompt_only(cond) if rows == 2 else cond
        passes = []
        if guidance.spatio_temporal:
            passes.append(((guidance.stg, guidance.audio_stg), 0.0, {"stg": True}))
        if guidance.isolating:
            passes.append(((guidance.modality, guidance.audio_modality), 1.0, {"isolate": True}))
        for scales, offset, kind in passes:  # added in the library's order: the sums round alike
            outputs = self._forward(xv, xa, t, grid, alone, guidance, 1, mask, **kind)
            for stream, (x, v, scale) in enumerate(zip((xv, xa), outputs, scales, strict=True)):
                other = pipe.convert_velocity_to_x0(x, v, step, schedule)
                x0[stream][1] = x0[stream][1] + (scale - offset) * (x0[stream][0] - other)
        out = []
        for (x, rescale), (prompt, guided) in zip(
            ((xv, guidance.video_rescale), (xa, guidance.audio_rescale)), x0, strict=True
        ):
            if rescale > 0:
                guided = rescale_noise_cfg(guided, prompt, guidance_rescale=rescale)
            out.append(pipe.convert_x0_to_velocity(x, guided, step, schedule))
        return out[0].cpu(), out[1].cpu()

    def _forward(self, xv, xa, t, grid, cond, guidance, rows, mask, *, stg=False, isolate=False):
        """One transformer pass over `rows` copies of the latents (float32 velocities)."""
        pipe = self.pipe
        timestep = t.expand(rows)
        timesteps = {"timestep": timestep}
        if mask is not None:  # per video token: 0 where a conditioning frame is held
            video_timestep = timestep.unsqueeze(-1) * (1 - _rows(mask, rows))
            timesteps = {"timestep": video_timestep, "audio_timestep": timestep}
        coords = pipe.transformer.rope.prepare_video_coords(
            rows,
            grid.latent_frames,
            grid.latent_height,
            grid.latent_width,
            xv.device,
            fps=grid.frame_rate,
        )
        audio_coords = pipe.transformer.audio_rope.prepare_audio_coords(
            rows, grid.audio_frames, xa.device
        )
        v_video, v_audio = pipe.transformer(
            hidden_states=_rows(xv, rows).to(cond.video.dtype),
            audio_hidden_states=_rows(xa, rows).to(cond.video.dtype),
            encoder_hidden_states=cond.video,
            audio_encoder_hidden_states=cond.audio,
            **timesteps,
            sigma=timestep,
            encoder_attention_mask=cond.mask,
            audio_encoder_attention_mask=cond.mask,
            num_frames=grid.latent_frames,
            height=grid.latent_height,
            width=grid.latent_width,
            fps=grid.frame_rate,
            audio_num_frames=grid.audio_frames,
            video_coords=coords,
            audio_coords=audio_coords,
            isolate_modalities=isolate,
            spatio_temporal_guidance_blocks=list(guidance.stg_blocks) if stg else None,
            perturbation_mask=None,
            use_cross_timestep=guidance.cross_timestep,
            return_dict=False,
        )
        return v_video.float(), v_audio.float()

    @torch.inference_mode()
    def decode(self, xv: torch.Tensor, xa: torch.Tensor, grid: LTX2Grid) -> LTX2Decoded:
        """Video VAE, audio VAE and vocoder: packed latents -> frames and waveform."""
        pipe = self.pipe
        frames = self._frames(xv, grid)
        audio = pipe._denormalize_audio_latents(
            xa.to(self.device), pipe.audio_vae.latents_mean, pipe.audio_vae.latents_std
        )
        latent_mel_bins = grid.mel_bins // pipe.audio_vae_mel_compression_ratio
        audio = pipe._unpack_audio_latents(audio, grid.audio_frames, num_mel_bins=latent_mel_bins)
        mel = pipe.audio_vae.decode(audio.to(pipe.audio_vae.dtype), return_dict=False)[0]
        waveform = pipe.vocoder(mel)[0].float()
        return LTX2Decoded(frames.float().cpu(), waveform.cpu(), self.sample_rate)

    @torch.inference_mode()
    def preview(self, x0: torch.Tensor, grid: LTX2Grid) -> bytes:
        """The loop's x0 estimate (packed), decoded: a few frames as a small JPEG sprite."""
        frames = preview_frames(self._frames(x0, grid).float().cpu())
        return sprite_jpeg(frames * 2 - 1)

    def _frames(self, xv: torch.Tensor, grid: LTX2Grid) -> torch.Tensor:
        """The video VAE's frames (T, 3, H, W) in [0, 1] of packed latents."""
        pipe = self.pipe
        if pipe.vae.config.timestep_conditioning:
            raise NotImplementedError("a VAE with timestep conditioning is not staged yet")
        latents = pipe._unpack_latents(
            xv.to(self.device),
            grid.latent_frames,
            grid.latent_height,
            grid.latent_width,
            pipe.transformer_spatial_patch_size,
            pipe.transformer_temporal_patch_size,
        )
        latents = latents.to(self.dtype)
        latents = pipe._denormalize_latents(
            latents, pipe.vae.latents_mean, pipe.vae.latents_std, pipe.vae.config.scaling_factor
        )
        video = pipe.vae.decode(latents.to(pipe.vae.dtype), None, return_dict=False)[0]
        return pipe.video_processor.postprocess_video(video, output_type="pt")[0]

    def decode_mp4(self, xv: torch.Tensor, xa: torch.Tensor, grid: LTX2Grid) -> bytes:
        """The Muxer's call: decode, then the MP4 (frames never leave the replica)."""
        return to_mp4(self.decode(xv, xa, grid), grid.frame_rate)


def _rows(x: torch.Tensor, rows: int) -> torch.Tensor:
    """`rows` copies in a batch; one is the tensor itself, in its own memory layout, as the
    library passes it (a bf16 kernel's rounding depends on the layout)."""
    return torch.cat([x] * rows) if rows > 1 else x


def _on(cond: LTX2Cond, device: torch.device) -> LTX2Cond:
    if cond.video.device == device:
        return cond
    return LTX2Cond(cond.video.to(device), cond.audio.to(device), cond.mask.to(device))


def _prompt_only(cond: LTX2Cond) -> LTX2Cond:
    """The prompt's half of a [negative, prompt] batch."""
    return LTX2Cond(cond.video.chunk(2)[1], cond.audio.chunk(2)[1], cond.mask.chunk(2)[1])


def _set_timesteps(scheduler, video_tokens: int, steps: int):
    """A copy of `scheduler` set as LTX2Pipeline sets it: linear sigmas, shifted by mu."""
    from diffusers.pipelines.ltx2.pipeline_ltx2 import calculate_shift, retrieve_timesteps

    schedule = copy.deepcopy(scheduler)
    config = schedule.config
    mu = calculate_shift(
        video_tokens,
        config.get("base_image_seq_len", 1024),
        config.get("max_image_seq_len", 4096),
        config.get("base_shift", 0.95),
        config.get("max_shift", 2.05),
    )
    sigmas = np.linspace(1.0, 1 / steps, steps)
    retrieve_timesteps(schedule, steps, torch.device("cpu"), None, sigmas=sigmas, mu=mu)
    schedule.set_begin_index(0)
    return schedule
